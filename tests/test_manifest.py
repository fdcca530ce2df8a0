"""manifest.yml is a valid Slack app manifest that declares what the handlers register."""

from __future__ import annotations

import json

import jsonschema
import yaml

from bot.checks import REQUIRED_SCOPES
from bot.cli import MANIFEST_PATH, MANIFEST_PLACEHOLDER, render_manifest
from tests.conftest import shared_file


def _manifest() -> dict:
    return yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))


def test_manifest_is_valid_against_slacks_schema():
    schema = json.loads(shared_file("data/slack/manifest.schema.json").read_text())
    jsonschema.validate(_manifest(), schema)


def test_every_request_url_points_at_slack_events():
    manifest = _manifest()
    urls = [c["url"] for c in manifest["features"]["slash_commands"]]
    urls.append(manifest["settings"]["interactivity"]["request_url"])
    assert all(u == f"{MANIFEST_PLACEHOLDER}/slack/events" for u in urls)


def test_rendered_manifest_uses_the_given_url_and_stays_valid():
    rendered = yaml.safe_load(render_manifest("https://bot.acme.example"))
    assert rendered["settings"]["interactivity"]["request_url"] == (
        "https://bot.acme.example/slack/events"
    )
    schema = json.loads(shared_file("data/slack/manifest.schema.json").read_text())
    jsonschema.validate(rendered, schema)


def test_commands_that_take_people_or_channels_escape_them():
    for command in _manifest()["features"]["slash_commands"]:
        if command["command"] in ("/call", "/sms", "/sipgate"):
            assert command["should_escape"] is True, command["command"]


def test_check_asks_for_exactly_the_manifests_bot_scopes():
    assert sorted(REQUIRED_SCOPES) == sorted(_manifest()["oauth_config"]["scopes"]["bot"])
