"""The fake Slack workspace's views.* methods: open, push and update modals (slack-bolt.md §4).

Workspace (slack_workspace.py) inherits them; like the rest of it, no HTTP and no locking.
"""

from __future__ import annotations

import copy
import re
import secrets
import time
from typing import Any

from bot.simulator import blockkit
from bot.simulator.slack_model import ApiError, Args, _invalid_arguments, _json_arg
from bot.simulator.slack_seed import SlackSeed

_TRIGGER_ID = re.compile(r"^\d+\.\d+\.[0-9a-f]+$")


class ViewMethods:
    """views.open, views.push and views.update over the workspace's open views."""

    seed: SlackSeed
    views: list[dict[str, Any]]
    _used_triggers: set[str]
    _open_views: dict[str, dict[str, Any]]

    def _view_arg(self, args: Args) -> dict[str, Any]:
        """Decode and validate the view argument (invalid views are invalid_arguments)."""
        if args.get("view") in (None, ""):
            raise _invalid_arguments("[ERROR] missing required field: view")
        view = _json_arg(args["view"], _invalid_arguments("[ERROR] failed to parse `view`"))
        problems = blockkit.view_problems(view)
        if problems:
            raise _invalid_arguments(*problems)
        return dict(view)

    def _store_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        """Store a view the way Slack echoes it back (id, hash, state, app and team ids)."""
        external_id = view.get("external_id") or ""
        for other in self._open_views.values():
            if external_id and other["external_id"] == external_id and other["id"] != view_id:
                raise ApiError("duplicate_external_id")
        view_id = view_id or f"V07{len(self._open_views) + 1:08d}"
        full: dict[str, Any] = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
        }
        full.update(clear_on_close=False, notify_on_close=False, **copy.deepcopy(view))
        full.update(id=view_id, team_id=self.seed.team_id, root_view_id=view_id)
        full.update(app_id=self.seed.app_id, bot_id=self.seed.bot_id, previous_view_id=None)
        full.update(hash=f"{int(time.time())}.{secrets.token_hex(4)}")
        self._open_views[view_id] = full
        return full

    def views_open(self, args: Args, method: str) -> dict[str, Any]:
        """views.open / views.push: a trigger id works once."""
        trigger_id = str(args.get("trigger_id") or "")
        if not trigger_id:
            raise _invalid_arguments("[ERROR] missing required field: trigger_id")
        if not _TRIGGER_ID.match(trigger_id):
            raise _invalid_arguments("[ERROR] invalid `trigger_id`")
        if trigger_id in self._used_triggers:
            raise ApiError("exchanged_trigger_id")
        full = self._store_view(self._view_arg(args))
        self._used_triggers.add(trigger_id)
        record = {"method": method, "view_id": full["id"], "trigger_id": trigger_id}
        self.views.append({**record, "view": copy.deepcopy(full)})
        return {"ok": True, "view": full}

    def views_update(self, args: Args) -> dict[str, Any]:
        """views.update: by view_id or external_id, refusing a stale hash."""
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise _invalid_arguments("[ERROR] missing required field: view_id or external_id")
        current = next(
            (
                v
                for v in self._open_views.values()
                if v["id"] == view_id or (external_id and v["external_id"] == external_id)
            ),
            None,
        )
        if current is None:
            raise ApiError("not_found")
        view = self._view_arg(args)
        if args.get("hash") and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        view.setdefault("external_id", current["external_id"])  # stays addressable by it
        full = self._store_view(view, current["id"])
        record = {"method": "views.update", "view_id": full["id"], "trigger_id": None}
        self.views.append({**record, "view": copy.deepcopy(full)})
        return {"ok": True, "view": full}
