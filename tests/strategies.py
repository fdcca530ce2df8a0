"""Hypothesis strategies for outside input: command text, numbers, times, forms and payloads."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from bot.blocks import fax as fax_blocks
from bot.blocks import sms as sms_blocks

ALICE = "U07ALICE9Z"
BOB = "U07BOB12XY"
CARL = "U07CARL0ZZ"
DORA = "U07DORA0WB"
USERS = (ALICE, BOB, CARL, DORA)

# Pieces people (and Slack) put into command text: keywords of every command, numbers in many
# forms, Slack's escaped mentions and links, time phrases, entities, and hostile text.
WORDS = (
    "help", "status", "device", "e0", "y2", "link", "unlink", "route", "routes", "unroute",
    "outgoing", "list", "cancel", "#1", "12", "at", "in", "on", "tomorrow", "today", "morgen",
    "9:00", "9", "2h", "10min", "24.12.", ":", "Anna", "Anna Schmidt", "Zoë", "Müller",
    "+49 211 1234567", "0211 1234567", "0049211123456", "110", "112", "+4990012345678",
    "0900 1234567", "+1 202 555 0143", "+", "00", "0", "w0", "w1", "g1", "payload",
    f"<@{BOB}|bob.meyer>", f"<@{ALICE}>", f"<@{CARL}|carl>", "<@U00NOBODY0>",
    "<#C07CALLS3K|calls>", "<#C0NOWHERE1>", "<tel:+492111234567|0211 1234567>",
    "<mailto:alice@acme.example|alice@acme.example>", "alice@acme.example",
    "&lt;!channel&gt;", "<!channel>", "&amp;", "“quoted name”", '"Anna Schmidt"', "`", "*",
    "\u200b", "\u202e", "🙂", "👩‍👩‍👧", "ÄÖÜß", "日本語", "\t", "\n",
)  # fmt: skip

slack_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=6).map(" ".join),
    st.text(alphabet="+0123456789 ()-./", max_size=30),
    st.just("x" * 3000),
)

REGIONS = ("DE", "AT", "CH", "US", "GB", "FR", "ZZ", "")
TIME_ZONES = (
    "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "UTC", "",
    "Not/AZone", "../etc/passwd", "Asia/Kathmandu",
)  # fmt: skip
TIME_WORDS = (
    "at", "in", "on", "tomorrow", "today", "tonight", "next", "um", "morgen", "heute", "9",
    "9:00", "02:30", "2:30", "25:99", "0:00", "am", "pm", "uhr", "2h", "10min", "5d", "24.12.",
    "31.02.", "29.02.2027", "29.02.2028", "Dec 24", "March 29", "October 25", "monday",
    "Montag", "noon", "midnight", "1e9", "99999999 days", "-5 minutes", "ago", "ÄÖÜ", "🙂",
    "31.12.9999", "1.1.0001", "9999-12-31", "23:59", "00:01",
)  # fmt: skip
time_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(TIME_WORDS), min_size=1, max_size=5).map(" ".join),
)

# Form field names sipgate sends (§12.4) plus unknown ones; values of every awkward kind.
FIELD_NAMES = (
    "event", "callId", "origCallId", "from", "to", "direction", "xcid", "diversion", "user[]",
    "userId[]", "fullUserId[]", "user", "userId", "fullUserId", "answeringNumber", "cause",
    "dtmf", "unknown", "", "évènement",
)  # fmt: skip
FIELD_VALUES = (
    "newCall", "answer", "hangup", "dtmf", "in", "out", "", " ", "anonymous", "492111234567",
    "+492111234567", "w0", "Alice Schmidt", "normalClearing", "busy", "Zoë", "日本", "%", "%zz",
    "&", "=", "+", "\x00", "\ud7ff", "x" * 500,
)  # fmt: skip
form_fields = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10)),
        st.one_of(st.sampled_from(FIELD_VALUES), st.text(max_size=20)),
    ),
    max_size=25,
)


def _encode(fields: list[tuple[str, str]]) -> bytes:
    """A form body; surrogates and the like are encoded leniently, as a broken sender might."""
    pairs = (
        f"{quote(k, safe='[]', errors='surrogatepass')}={quote(v, errors='surrogatepass')}"
        for k, v in fields
    )
    return "&".join(pairs).encode("utf-8")


# A real event's required fields (§12.4), then any fields: repeated, empty, unknown, non-ASCII.
event_fields = st.builds(
    lambda event, call_id, direction, extra: [
        ("event", event),
        ("callId", call_id),
        ("direction", direction),
        *extra,
    ],
    st.sampled_from(["newCall", "answer", "hangup", "dtmf"]),
    st.one_of(st.sampled_from(["A1B2C3D4E5F6", "x"]), st.text(min_size=1, max_size=30)),
    st.sampled_from(["in", "out"]),
    form_fields,
)

form_bodies = st.one_of(
    form_fields.map(_encode),
    event_fields.map(_encode),
    event_fields.map(_encode),
    st.binary(max_size=200),
    # Invalid percent-encoding, bare separators and non-UTF-8 escapes.
    st.lists(
        st.sampled_from(
            ["event=newCall", "callId=1", "direction=in", "%", "%G1", "%ff%fe", "&&", "==", "+"]
        ),
        max_size=8,
    ).map(lambda parts: "&".join(parts).encode()),
)

# JSON of any shape, for the parts of Slack payloads that may arrive in an unexpected shape.
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.just("x" * 5000),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


# ------------------------------------------------------------------ Slack interactive payloads

ACTION_IDS = (
    "contact_call",
    "contact_call_3",
    "call_pick_0",
    "contact_sms",
    "contact_sms_1",
    "fax_retry",
    "call_hold",
    "call_resume",
    "call_mute",
    "call_unmute",
    "call_hangup",
    "sms_cancel",
    "sms_pick_2",
    "sms_text",
    "unknown_action",
    "",
)
MISSING = object()


def odd(real: object) -> st.SearchStrategy[Any]:
    """The real value, any JSON value instead, or the key left out (MISSING)."""
    return st.one_of(st.just(real), json_values, st.just(MISSING))


def payload(**fields: object) -> dict[str, Any]:
    """A dict of the fields that are not MISSING."""
    return {k: v for k, v in fields.items() if v is not MISSING}


RESPONSE_URL = "(a fresh response URL on the fake Slack)"
FRESH_TRIGGER = "(a fresh trigger id)"
ALICE_USER = {"id": USERS[0], "name": "alice", "team_id": "T07ACME42Q"}
TRIGGER = "7712345600001.7412345678901.ab"
actions_strategy = st.one_of(
    st.lists(
        st.builds(
            payload,
            action_id=st.one_of(st.sampled_from(ACTION_IDS), json_values),
            value=odd("+492111234567"),
            block_id=odd("b"),
            type=odd("button"),
        ),
        max_size=2,
    ),
    json_values,
    st.just(MISSING),
)
block_actions = st.builds(
    payload,
    type=st.one_of(st.just("block_actions"), odd("block_actions")),
    user=odd(ALICE_USER),
    actions=actions_strategy,
    trigger_id=odd(TRIGGER),
    response_url=odd(RESPONSE_URL),
    channel=odd({"id": "C07CALLS3K"}),
    container=odd({"type": "message", "channel_id": "C07CALLS3K"}),
    view=odd({"id": "V0000000001", "hash": "h", "blocks": []}),
    message=odd({"ts": "1732284131.004200", "text": "", "blocks": []}),
)
# Well-formed envelopes around odd button values: these reach the listeners.
well_formed_actions = st.builds(
    lambda action_id, value: {
        "type": "block_actions",
        "user": ALICE_USER,
        "trigger_id": FRESH_TRIGGER,
        "response_url": RESPONSE_URL,
        "channel": {"id": "C07CALLS3K"},
        "view": {"id": "V0000000001", "blocks": []},
        "actions": [{"action_id": action_id, **({} if value is MISSING else {"value": value})}],
    },
    st.sampled_from(ACTION_IDS[:-2]),
    st.one_of(json_values, st.just(MISSING)),
)


views_and_shortcuts = st.builds(
    payload,
    type=st.sampled_from(["view_submission", "shortcut", "message_action", "view_closed"]),
    user=odd(ALICE_USER),
    callback_id=odd("fax_message_pdf"),
    trigger_id=odd(FRESH_TRIGGER),
    response_url=odd(RESPONSE_URL),
    message=odd({"ts": "1.2", "files": [{"id": "F1", "filetype": "pdf", "name": "a.pdf"}]}),
    channel=odd({"id": "C07CALLS3K"}),
    view=st.one_of(
        st.builds(
            payload,
            callback_id=st.sampled_from(["sms_send", "fax_send", "other"]),
            id=odd("V0000000001"),
            private_metadata=odd('{"channel_id": "C07CALLS3K", "tz": "Europe/Berlin"}'),
            state=odd({"values": {}}),
        ),
        json_values,
    ),
)


# The modals' real inputs (block id -> action id), each holding any JSON in any key.
INPUTS = {
    sms_blocks.RECIPIENT_BLOCK: sms_blocks.RECIPIENT_ACTION,
    sms_blocks.MESSAGE_BLOCK: sms_blocks.MESSAGE_ACTION,
    sms_blocks.WHEN_BLOCK: sms_blocks.WHEN_ACTION,
    fax_blocks.NUMBER_BLOCK: fax_blocks.NUMBER_ACTION,
    fax_blocks.FILE_BLOCK: fax_blocks.FILE_ACTION,
    fax_blocks.LINE_BLOCK: fax_blocks.LINE_ACTION,
}
STATE_KEYS = ["value", "files", "selected_option", "selected_date_time", "type"]
state_values = st.one_of(
    json_values,
    st.lists(st.sampled_from(sorted(INPUTS)), unique=True).flatmap(
        lambda blocks: st.fixed_dictionaries(
            {
                b: st.fixed_dictionaries(
                    {
                        INPUTS[b]: json_values
                        | st.dictionaries(st.sampled_from(STATE_KEYS), json_values, max_size=3)
                    }
                )
                for b in blocks
            }
        )
    ),
)
# Well-formed envelopes (as Slack sends them) around odd contents: these reach the listeners.
well_formed_views = st.builds(
    lambda callback_id, meta, values: {
        "type": "view_submission",
        "user": ALICE_USER,
        "trigger_id": FRESH_TRIGGER,
        "view": {
            "id": "V0000000001",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": meta,
            "state": {"values": values},
        },
    },
    st.sampled_from(["sms_send", "fax_send"]),
    st.one_of(
        st.sampled_from(['{"channel_id": "C07CALLS3K", "tz": "Europe/Berlin"}', "", "{"]),
        json_values.map(json.dumps),
    ),
    state_values,
)
well_formed_shortcuts = st.builds(
    lambda kind, message: {
        "type": kind,
        "user": ALICE_USER,
        "callback_id": "fax_message_pdf",
        "trigger_id": FRESH_TRIGGER,
        "channel": {"id": "C07CALLS3K"},
        "response_url": RESPONSE_URL,
        "message": message,
    },
    st.sampled_from(["message_action", "shortcut"]),
    st.one_of(
        json_values,
        st.builds(
            lambda files: {"ts": "1.2", "files": files},
            st.lists(
                st.one_of(
                    json_values,
                    st.fixed_dictionaries(
                        {"id": st.sampled_from(["F1", ""]), "filetype": st.just("pdf")},
                        optional={"name": json_values},
                    ),
                ),
                max_size=3,
            ),
        ),
    ),
)
