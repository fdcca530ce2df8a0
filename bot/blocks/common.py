"""Shared Block Kit pieces: escaping, small element helpers, errors and usage hints."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]
Message = dict[str, Any]

SECTION_TEXT_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
MAX_MESSAGE_BLOCKS = 50


def escape(text: str) -> str:
    """Escape user-supplied text for mrkdwn so `<!channel>`, `<@U…>` and links stay plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut `text` to `limit` characters, ending with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    """A plain_text object (emoji on), cut to `limit`."""
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object; the caller escapes user text."""
    return {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_LIMIT)}


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    """A section block with mrkdwn text."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields(pairs: list[tuple[str, str]]) -> Block:
    """A section of up to 10 `*label*\\nvalue` fields."""
    return {
        "type": "section",
        "fields": [mrkdwn(f"*{label}*\n{value}") for label, value in pairs[:10]],
    }


def context(text: str) -> Block:
    """A context block with one mrkdwn element."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def header(text: str) -> Block:
    """A header block (plain text, 150 characters at most)."""
    return {"type": "header", "text": plain(text)}


def divider() -> Block:
    """A divider block."""
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str, *, style: str | None = None, confirm: Block | None = None
) -> Block:
    """A button element."""
    element: Block = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_LIMIT),
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(elements: list[Block], *, block_id: str | None = None) -> Block:
    """An actions block (25 elements at most)."""
    block: Block = {"type": "actions", "elements": elements[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: list[Block], **extra: Any) -> Message:
    """A message payload: fallback text plus blocks (never more than 50)."""
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks is more than Slack's {MAX_MESSAGE_BLOCKS}")
    return {"text": truncate(text, 3000), "blocks": blocks, **extra}


def error(text: str) -> Message:
    """An ephemeral error the user can act on; `text` is already safe mrkdwn."""
    return message(text, [section(f":warning: {text}")], response_type="ephemeral")


def info(text: str) -> Message:
    """A short ephemeral notice; `text` is already safe mrkdwn."""
    return message(text, [section(text)], response_type="ephemeral")


def usage(command: str, problem: str, examples: list[str]) -> Message:
    """An ephemeral usage hint: what was wrong, then examples of the right form."""
    lines = "\n".join(f"• `{command} {escape(e)}`" for e in examples)
    text = f"{problem}\n{lines}"
    return message(problem, [section(f":information_source: {text}")], response_type="ephemeral")


def something_went_wrong() -> Message:
    """The message for an unexpected failure (the details are in the log)."""
    return error("Something went wrong on the bot's side; it has been logged. Please try again.")
