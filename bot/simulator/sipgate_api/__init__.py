"""Fake sipgate REST API v2 (Flask): auth, content type, validation, request log, failure switches.

Behaviour follows shared/reference/sipgate-api.md. Where the reference says UNVERIFIED, this fake
decides as follows (the bot must cope with the real service either way):

- SMS messages longer than 1600 characters get 400; the real limit is UNVERIFIED (§17.2).
- ``sendAt`` must be an integer, in the future and at most 30 days ahead, else 400 (§5.1).
- ``/sessions/sms`` and ``PUT /settings/sipgateio`` answer 204 with no body (§17.1).
- ``GET /contacts?phonenumbers=`` compares normalised numbers ("030 1…" equals "+4930…", §7.1,
  §17.8) and ignores pagination. A literal "+" sent unencoded decodes to a space and so matches
  nothing, which is the pitfall §7.1 warns about.
- Fax status: the n-th ``GET /history/{id}`` of a fax shows ``fax_progression[n-1]`` (then stays
  on the last step); content without ``%PDF-`` is accepted but ends FAILED (§6.1).
- ``account_type`` "neo": ``/groups``, ``/{userId}/phonelines`` and ``POST /sessions/calls`` answer
  403; "classic": ``POST /calls`` answers 403 (§18).
"""

from bot.simulator.sipgate_api.fake import FakeSipgate
from bot.simulator.sipgate_api.routing import RecordedRequest
from bot.simulator.sipgate_api.validation import FAX_STATUSES, MAX_FAX_BASE64, MAX_SMS_LENGTH
from bot.simulator.sipgate_seed import Json, SipgateSeed, default_seed

__all__ = [
    "FAX_STATUSES",
    "MAX_FAX_BASE64",
    "MAX_SMS_LENGTH",
    "FakeSipgate",
    "Json",
    "RecordedRequest",
    "SipgateSeed",
    "default_seed",
]
