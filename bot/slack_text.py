"""Read what Slack puts in command text: escaped mentions, channels and link wrappers."""

from __future__ import annotations

import re

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
_WRAPPED = re.compile(r"<(?:tel|mailto):([^|>]*)(?:\|([^>]*))?>")


def user_mention(token: str) -> str | None:
    """The user id in a `<@U…|name>` token, or None."""
    match = USER_MENTION.fullmatch(token.strip())
    return match.group(1) if match else None


def channel_mention(token: str) -> str | None:
    """The channel id in a `<#C…|name>` token, or None."""
    match = CHANNEL_MENTION.fullmatch(token.strip())
    return match.group(1) if match else None


def unwrap(text: str) -> str:
    """Replace `<tel:…|…>` and `<mailto:…|…>` wrappers with their visible text."""
    return _WRAPPED.sub(lambda m: m.group(2) or m.group(1), text)


def command_text(text: str) -> str:
    """Slash-command text as the person typed it.

    Slack sends `&`, `<` and `>` typed by the person as `&amp;`, `&lt;` and `&gt;`, and real
    `<…>` only for mentions and links; undo the entities after unwrapping tel/mailto links.
    """
    return unwrap(text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
