"""The Slack vocabulary: commands, action ids, view callback ids and shortcut ids.

Builders and handler routing tables import these same names, so one rename updates both sides.
"""

COMMAND_CALL = "/call"
COMMAND_SMS = "/sms"
COMMAND_FAX = "/fax"
COMMAND_LOOKUP = "/lookup"
COMMAND_SIPGATE = "/sipgate"
COMMANDS = (COMMAND_CALL, COMMAND_SMS, COMMAND_FAX, COMMAND_LOOKUP, COMMAND_SIPGATE)
