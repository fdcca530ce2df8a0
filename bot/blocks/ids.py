"""The Slack vocabulary: commands, action ids, view callback ids and shortcut ids.

Builders and handler routing tables import these same names, so one rename updates both sides.
"""

COMMAND_CALL = "/call"
COMMAND_SMS = "/sms"
COMMAND_FAX = "/fax"
COMMAND_LOOKUP = "/lookup"
COMMAND_SIPGATE = "/sipgate"
COMMANDS = (COMMAND_CALL, COMMAND_SMS, COMMAND_FAX, COMMAND_LOOKUP, COMMAND_SIPGATE)

# /call and /lookup buttons. Lookup results carry one Call and one SMS button per number, so
# their action ids get a numeric suffix (`contact_call_0`, …): Slack wants action ids unique
# within an actions block. The *_ACTIONS patterns route each whole family.
ACTION_CALL_NUMBER = "contact_call"
ACTION_SMS_NUMBER = "contact_sms"
ACTION_PICK = "call_pick"
CALL_NUMBER_ACTIONS = r"^contact_call(_\d+)?$"
SMS_NUMBER_ACTIONS = r"^contact_sms(_\d+)?$"
PICK_ACTIONS = r"^call_pick(_\d+)?$"

# /fax: the modal, the message shortcut "Send as fax", and Retry on a failed fax.
VIEW_FAX = "fax_send"
SHORTCUT_FAX = "fax_message_pdf"
ACTION_FAX_RETRY = "fax_retry"

# Live-call message buttons (hold/resume, mute/unmute, hang up), routed by LIVE_CALL_ACTIONS;
# Call back on a missed call reuses ACTION_CALL_NUMBER with the caller's E.164 as value.
ACTION_CALL_HOLD = "call_hold"
ACTION_CALL_RESUME = "call_resume"
ACTION_CALL_MUTE = "call_mute"
ACTION_CALL_UNMUTE = "call_unmute"
ACTION_CALL_HANGUP = "call_hangup"
LIVE_CALL_ACTIONS = r"^call_(hold|resume|mute|unmute|hangup)$"

# /sms: the modal, Cancel on a scheduled SMS, and the pick buttons when several contacts match
# (numbered like the lookup buttons, routed by SMS_PICK_ACTIONS).
VIEW_SMS = "sms_send"
ACTION_SMS_CANCEL = "sms_cancel"
ACTION_SMS_PICK = "sms_pick"
SMS_PICK_ACTIONS = r"^sms_pick(_\d+)?$"
# Typing in the SMS form's message field updates its "characters / SMS parts" hint.
ACTION_SMS_TEXT = "sms_text"
