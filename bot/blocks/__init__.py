"""Every Block Kit message and view the bot sends, as pure functions returning dicts.

One module per surface (`people.py` for /sipgate, …); the Slack ids live in `ids.py`.
"""

from bot.blocks.common import (
    Message,
    error,
    escape,
    info,
    something_went_wrong,
    usage,
)

__all__ = ["Message", "error", "escape", "info", "something_went_wrong", "usage"]
