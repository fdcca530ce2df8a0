"""The fake sipgate API's directory endpoints: userinfo, users, numbers, groups, contacts."""

from __future__ import annotations

from typing import Any

from bot.simulator.sipgate_api.routing import _Handler
from bot.simulator.sipgate_api.state import _SipgateState
from bot.simulator.sipgate_api.validation import _Args, _count, _normalise, _Reject


class _DirectoryEndpoints(_SipgateState):
    """Read-only endpoints over the account's users, lines, numbers, groups and contacts."""

    def _get_userinfo(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        return 200, self.userinfo

    def _get_users(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        return 200, {"items": self.users}

    def _get_user(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        return 200, self._user(p["userId"])

    def _per_user(self, kind: str) -> _Handler:
        """Build the GET /{userId}/<kind> handler (phonelines: 403 on neo, §18)."""

        def handler(p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
            if kind == "phonelines" and self.account_type == "neo":
                raise _Reject(403, "Forbidden")
            self._user(p["userId"])
            return 200, {"items": getattr(self, kind).get(p["userId"], [])}

        return handler

    def _get_numbers(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        offset = _count(args, "offset", 0)
        limit = _count(args, "limit", len(self.numbers))
        return 200, {
            "items": self.numbers[offset : offset + limit],
            "totalCount": len(self.numbers),
        }

    def _get_groups(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        if self.account_type == "neo":
            raise _Reject(403, "Forbidden")
        return 200, {"items": self.groups}

    def _get_group_users(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        if self.account_type == "neo":
            raise _Reject(403, "Forbidden")
        if p["groupId"] not in self.group_members:
            raise _Reject(404, "Group not found")
        return 200, {"items": [self._user(uid) for uid in self.group_members[p["groupId"]]]}

    def _get_contacts(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        limit, offset = _count(args, "limit", 5000), _count(args, "offset", 0)
        wanted = {_normalise(n) for n in args.getlist("phonenumbers") if n.strip()}
        if not wanted:
            return 200, {
                "items": self.contacts[offset : offset + limit],
                "totalCount": len(self.contacts),
            }
        items = [
            c for c in self.contacts if any(_normalise(n["number"]) in wanted for n in c["numbers"])
        ]
        return 200, {"items": items, "totalCount": len(items)}
