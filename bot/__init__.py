"""sipgate-slack: a Slack bot for the sipgate.io telephony API."""

__version__ = "0.1.0"
