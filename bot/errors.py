"""The one base for errors whose message is meant for the Slack user."""


class UserError(Exception):
    """An error with a message a Slack user can act on (shown ephemerally)."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class FormErrors(UserError):
    """A modal's fields have problems; `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
