"""Read a submitted modal's state (`view.state.values[block_id][action_id]`)."""

from __future__ import annotations

import json
from typing import Any

# 1 Jan 3000: far enough to be refused as too far ahead, near enough for time-zone arithmetic
# (datetime.max plus a zone's offset overflows).
_YEAR_3000 = 32_503_680_000


def view_value(values: Any, block_id: str, action_id: str) -> dict[str, Any]:
    """One input's state, or {} when the block or action is missing or malformed."""
    block = values.get(block_id) if isinstance(values, dict) else None
    found = block.get(action_id) if isinstance(block, dict) else None
    return found if isinstance(found, dict) else {}


def view_values(view: dict[str, Any]) -> Any:
    """`view.state.values` as submitted (view_value copes with any shape)."""
    state = view.get("state")
    return state.get("values") if isinstance(state, dict) else None


def picked_time(value: Any) -> int | None:
    """A datetimepicker's `selected_date_time` (Unix seconds); None when nothing was picked.

    Anything else than a number becomes 0 (1970), which the time check refuses as in the past.
    """
    if not value:
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return max(0, min(seconds, _YEAR_3000))


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON object our builders put in `private_metadata`; {} when it is anything else."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}
