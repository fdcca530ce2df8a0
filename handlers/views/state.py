"""Read a submitted modal's state (`view.state.values[block_id][action_id]`)."""

from __future__ import annotations

from typing import Any


def view_value(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    """One input's state, or {} when the block or action is missing or malformed."""
    found = values.get(block_id, {}).get(action_id)
    return found if isinstance(found, dict) else {}
