"""Block Kit validation for the fake Slack: round-trips through slack_sdk's models plus hand checks.

A block is valid when ``Block.parse(block).to_dict()`` gives the block back unchanged (so unknown
or misspelled fields, string shorthands and empty values are caught), the sdk's own length checks
pass, and the limits the sdk does not check hold (slack-bolt.md §8). Problems are reported the way
Slack words them: ``"[ERROR] <what> [json-pointer:/blocks/0/text]"``.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100

# What slack_sdk 3.47 drops from *valid* input, found by round-tripping Slack's own payloads:
# Slack echoes `max_file_size_bytes` on file_input elements; on a view, empty or false values of
# these keys are sent by some clients and mean "not set".
_ECHOED_ELEMENT_KEYS = {"file_input": {"max_file_size_bytes"}}
_VIEW_KEYS_EMPTY_OK = {"private_metadata", "external_id", "callback_id", "submit_disabled"}
_VIEW_READ_ONLY_KEYS = {"previous_view_id", "app_installed_team_id"}
_PARSE_ERRORS = (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError)


def _error(what: str, pointer: str) -> str:
    """Format one problem like Slack's response_metadata.messages."""
    return f"[ERROR] {what} [json-pointer:{pointer}]"


def _normalised(value: Any) -> Any:
    """Return a copy without the keys Slack echoes back but the sdk drops."""
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if not isinstance(value, dict):
        return value
    ignored = _ECHOED_ELEMENT_KEYS.get(str(value.get("type")), set())
    return {key: _normalised(item) for key, item in value.items() if key not in ignored}


def _difference(sent: Any, rendered: Any, pointer: str) -> str | None:
    """Return the first place where `sent` and the sdk's rendering of it differ."""
    if isinstance(sent, dict) and isinstance(rendered, dict):
        for key, value in sent.items():
            if key in rendered:
                found = _difference(value, rendered[key], f"{pointer}/{key}")
                if found:
                    return found
            elif value is None:
                return _error("must not be null", f"{pointer}/{key}")
            elif isinstance(value, str | list | dict) and not value:
                return _error("must not be empty (or is not a known property)", f"{pointer}/{key}")
            else:
                return _error(f"invalid additional property: {key}", pointer)
        added = [key for key in rendered if key not in sent]
        return _error(f"unexpected property: {added[0]}", pointer) if added else None
    if isinstance(sent, list) and isinstance(rendered, list):
        for index, (item, rendered_item) in enumerate(zip(sent, rendered, strict=False)):
            found = _difference(item, rendered_item, f"{pointer}/{index}")
            if found:
                return found
        return None if len(sent) == len(rendered) else _error("invalid array", pointer)
    if rendered is None and isinstance(sent, dict):
        return _error(f"unsupported type: {sent.get('type')!r}", pointer)
    if isinstance(rendered, dict):
        return _error(f"must be an object, not {type(sent).__name__}", pointer)
    if type(sent) is not type(rendered) or sent != rendered:
        return _error("invalid value", pointer)
    return None


def _walk(value: Any, pointer: str) -> list[tuple[dict[str, Any], str]]:
    """List every object inside `value` with its json-pointer."""
    found: list[tuple[dict[str, Any], str]] = []
    if isinstance(value, dict):
        found.append((value, pointer))
        for key, item in value.items():
            found.extend(_walk(item, f"{pointer}/{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_walk(item, f"{pointer}/{index}"))
    return found


def _int_in(value: Any, low: int, high: int) -> bool:
    """Tell whether `value` is an int (not a bool) within low..high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _element_problems(element: dict[str, Any], pointer: str, in_input: bool) -> list[str]:
    """Check the element limits slack_sdk does not check (slack-bolt.md §3.1, §8)."""
    problems: list[str] = []
    kind = element.get("type")
    if kind == "file_input":
        if not in_input:
            problems.append(_error("file_input is only allowed as an input block element", pointer))
        action_id = element.get("action_id")
        if action_id is not None and not (isinstance(action_id, str) and len(action_id) <= 255):
            problems.append(_error("must be a string of at most 255 characters", pointer))
        filetypes = element.get("filetypes")
        if filetypes is not None and not (
            isinstance(filetypes, list) and all(isinstance(t, str) and t for t in filetypes)
        ):
            problems.append(_error("must be an array of strings", f"{pointer}/filetypes"))
        if "max_files" in element and not _int_in(element["max_files"], 1, 10):
            problems.append(_error("must be an integer between 1 and 10", f"{pointer}/max_files"))
    elif kind == "plain_text_input":
        if "max_length" in element and not _int_in(element["max_length"], 1, 3000):
            problems.append(_error("must be between 1 and 3000", f"{pointer}/max_length"))
        if "min_length" in element and not _int_in(element["min_length"], 0, 3000):
            problems.append(_error("must be between 0 and 3000", f"{pointer}/min_length"))
    return problems


def _hand_problems(block: dict[str, Any], pointer: str) -> list[str]:
    """Check one block for the limits slack_sdk leaves to Slack."""
    problems: list[str] = []
    input_element = block.get("element") if block.get("type") == "input" else None
    for obj, where in _walk(block, pointer):
        if obj is not block:
            problems.extend(_element_problems(obj, where, in_input=obj is input_element))
    for index, field in enumerate(block.get("fields") or []):
        if isinstance(field, dict) and len(str(field.get("text", ""))) > 2000:
            problems.append(_error("must be at most 2000 characters", f"{pointer}/fields/{index}"))
    action_ids = [e.get("action_id") for e in block.get("elements") or [] if isinstance(e, dict)]
    named = [a for a in action_ids if a is not None]
    if block.get("type") == "actions" and len(named) != len(set(named)):
        problems.append(_error("action_id values must be unique within a block", pointer))
    return problems


def _block_problem(block: Any, pointer: str) -> list[str]:
    """Validate one block by round-tripping it through slack_sdk, then by hand."""
    if not isinstance(block, dict):
        return [_error("must be an object", pointer)]
    try:
        parsed = Block.parse(block)
    except _PARSE_ERRORS as exc:
        return [_error(str(exc), pointer)]
    if parsed is None:
        return [_error(f"unsupported block type: {block.get('type')!r}", pointer)]
    unknown = sorted(set(block) - parsed.attributes)
    if unknown:
        return [_error(f"invalid additional property: {unknown[0]}", pointer)]
    try:
        rendered = parsed.to_dict()
    except _PARSE_ERRORS as exc:
        return [_error(str(exc), pointer)]
    found = _difference(_normalised(block), _normalised(rendered), pointer)
    return [found] if found else _hand_problems(block, pointer)


def block_problems(
    blocks: Any, *, max_blocks: int = MESSAGE_MAX_BLOCKS, pointer: str = "/blocks"
) -> list[str]:
    """Return Slack-style problem messages for a list of blocks (empty when valid)."""
    if not isinstance(blocks, list):
        return [_error("must be an array", pointer)]
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(_error(f"no more than {max_blocks} items allowed", pointer))
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        problems.extend(_block_problem(block, f"{pointer}/{index}"))
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str) and block_id in seen:
            problems.append(_error(f"duplicate block_id: {block_id}", f"{pointer}/{index}"))
        if isinstance(block_id, str):
            seen.add(block_id)
    return problems


def _view_top_level(view: dict[str, Any]) -> dict[str, Any]:
    """Return a view's own fields, without blocks, read-only echoes and empty optional values."""
    return {
        key: value
        for key, value in view.items()
        if key != "blocks"
        and key not in _VIEW_READ_ONLY_KEYS
        and not (key in _VIEW_KEYS_EMPTY_OK and (value is None or value == "" or value is False))
    }


def view_problems(view: Any) -> list[str]:
    """Return Slack-style problem messages for a modal or Home view (empty when valid)."""
    if not isinstance(view, dict):
        return [_error("must be an object", "/view")]
    problems = block_problems(
        view.get("blocks"), max_blocks=VIEW_MAX_BLOCKS, pointer="/view/blocks"
    )

    try:
        rendered = View(**view).to_dict()
    except _PARSE_ERRORS as exc:
        return [*problems, _error(str(exc), "/view")]
    found = _difference(_view_top_level(view), _view_top_level(rendered), "/view")
    if found:
        problems.append(found)
    blocks = view.get("blocks")
    blocks = blocks if isinstance(blocks, list) else []
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if view.get("type") == "modal" and has_input and not view.get("submit"):
        problems.append(_error("must provide a submit property when using input blocks", "/view"))
    if view.get("type") == "modal" and not view.get("title"):
        problems.append(_error("missing required field: title", "/view"))
    return problems
