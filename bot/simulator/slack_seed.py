"""Seed data for the fake Slack workspace "acme-gmbh", and the shapes of its users, channels, files.

Ids match the payload samples in shared/data/slack (README there). Object shapes follow Slack's
`users.info`, `conversations.info` and `files.info` answers (slack-bolt.md §3.2, §4.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.checks import REQUIRED_SCOPES

TEAM_ID = "T07ACME42Q"
TEAM_DOMAIN = "acme-gmbh"
TEAM_NAME = "Acme GmbH"
BOT_USER_ID = "U07SIPGBOT"
BOT_ID = "B07SIPGBOT"
APP_ID = "A07SIPG8TE"
BOT_NAME = "sipgate"
# A fresh install grants exactly the manifest's bot scopes (bot.checks keeps that list).
BOT_SCOPES = REQUIRED_SCOPES

ALICE = "U07ALICE9Z"
BOB = "U07BOB12XY"
DORA = "U07DORA0WB"
CARL = "U07CARL0ZZ"  # no sipgate user has his e-mail address
OTHER_BOT = "U07OTHERBT"

CALLS_CHANNEL = "C07CALLS3K"
SALES_CHANNEL = "C07SALES01"
GENERAL_CHANNEL = "C07GENERAL"

# Slack reports the offset in force now; the seed uses winter time, like the samples' timestamps.
_TIME_ZONES = {
    "Europe/Berlin": ("Central European Time", 3600),
    "Europe/London": ("Greenwich Mean Time", 0),
    "America/New_York": ("Eastern Standard Time", -18000),
}
_AVATAR = "https://a.slack-edge.com/80588/img/avatars/ava_0001-48.png"
_CREATED = 1719800000  # 2024-07-01, when the seed workspace's channels were made


@dataclass
class SlackSeed:
    """The workspace the fake Slack starts from (and returns to on reset)."""

    team_id: str = TEAM_ID
    team_domain: str = TEAM_DOMAIN
    team_name: str = TEAM_NAME
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    app_id: str = APP_ID
    bot_name: str = BOT_NAME
    scopes: tuple[str, ...] = BOT_SCOPES
    users: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)


def user_object(
    user_id: str,
    name: str,
    real_name: str,
    email: str | None,
    tz: str = "Europe/Berlin",
    *,
    is_bot: bool = False,
    bot_id: str | None = None,
    deleted: bool = False,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """Build a user in the shape `users.info` returns it."""
    tz_label, tz_offset = _TIME_ZONES.get(tz, (tz, 0))
    profile: dict[str, Any] = {
        "display_name": name if not is_bot else real_name,
        "real_name": real_name,
        "image_48": _AVATAR,
        "team": team_id,
    }
    if email is not None:
        profile["email"] = email
    if bot_id is not None:
        profile["bot_id"] = bot_id
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "real_name": real_name,
        "deleted": deleted,
        "is_bot": is_bot,
        "is_app_user": False,
        "tz": tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "profile": profile,
    }


def channel_object(channel_id: str, name: str, purpose: str = "") -> dict[str, Any]:
    """Build a public channel in the shape `conversations.info` returns it."""
    return {
        "id": channel_id,
        "name": name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": False,
        "is_archived": False,
        "is_general": name == "general",
        "is_member": True,
        "created": _CREATED,
        "creator": ALICE,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": purpose, "creator": ALICE if purpose else "", "last_set": 0},
    }


def im_object(channel_id: str, user_id: str, created: int) -> dict[str, Any]:
    """Build a direct-message channel between the bot and `user_id`."""
    return {
        "id": channel_id,
        "created": created,
        "is_im": True,
        "is_org_shared": False,
        "user": user_id,
        "is_user_deleted": False,
        "priority": 0,
    }


def file_slug(name: str) -> str:
    """Turn a file name into the lower-case path segment Slack uses in file URLs."""
    return re.sub(r"[^a-z0-9._-]+", "_", name.lower()) or "file"


def file_object(
    base_url: str,
    *,
    file_id: str,
    name: str,
    size: int,
    mimetype: str,
    filetype: str,
    user: str,
    created: int,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
) -> dict[str, Any]:
    """Build a file object like the ones in `file_input` state and `files.info` answers."""
    slug = file_slug(name)
    files_base = f"{base_url.rstrip('/')}/files-pri/{team_id}-{file_id}"
    return {
        "id": file_id,
        "created": created,
        "timestamp": created,
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": filetype.upper(),
        "user": user,
        "user_team": team_id,
        "editable": False,
        "size": size,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": False,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"{files_base}/{slug}",
        "url_private_download": f"{files_base}/download/{slug}",
        "media_display_type": "unknown",
        "permalink": f"https://{team_domain}.slack.com/files/{user}/{file_id}/{slug}",
        "permalink_public": f"https://slack-files.com/{team_id}-{file_id}-0a1b2c3d4e",
        "comments_count": 0,
        "shares": {},
        "channels": [],
        "groups": [],
        "ims": [],
        "has_more_shares": False,
        "has_rich_preview": False,
        "file_access": "visible",
    }


def default_seed() -> SlackSeed:
    """Return the acme-gmbh workspace: four people, two bots and three channels."""
    return SlackSeed(
        users=[
            user_object(ALICE, "alice.schmidt", "Alice Schmidt", "alice.schmidt@acme.example"),
            user_object(BOB, "bob.meyer", "Bob Meyer", "bob.meyer@acme.example"),
            user_object(
                DORA, "dora.weber", "Dora Weber", "dora.weber@acme.example", "America/New_York"
            ),
            user_object(CARL, "carl.nolink", "Carl Nolink", "carl@acme.example", "Europe/London"),
            user_object(BOT_USER_ID, BOT_NAME, "sipgate", None, is_bot=True, bot_id=BOT_ID),
            user_object(OTHER_BOT, "otherbot", "Other Bot", None, is_bot=True, bot_id="B07OTHERBT"),
        ],
        channels=[
            channel_object(CALLS_CHANNEL, "telefon", "Anrufe und Faxe"),
            channel_object(SALES_CHANNEL, "vertrieb", "Vertrieb"),
            channel_object(GENERAL_CHANNEL, "general", "Alles Allgemeine"),
        ],
    )
