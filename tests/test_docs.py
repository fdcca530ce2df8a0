"""The README, the manifest and the code agree (after sqlite-utils' test_docs.py)."""

from __future__ import annotations

import dataclasses

import yaml

from bot import blocks
from bot.blocks import ids
from bot.cli import MANIFEST_PATH, _parser
from bot.config import Config
from handlers.commands import ROUTES as command_routes
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _manifest_commands() -> set[str]:
    manifest = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    return {c["command"] for c in manifest["features"]["slash_commands"]}


def test_every_manifest_command_is_registered_and_vice_versa():
    assert _manifest_commands() == set(command_routes)


def test_every_manifest_command_is_documented_in_the_readme():
    for command in _manifest_commands():
        assert f"`{command}" in README, command


def test_every_command_constant_in_the_manifest_is_known():
    assert _manifest_commands() <= set(ids.COMMANDS)


def test_every_config_variable_is_in_the_readme_table():
    names = {f.name.upper() for f in dataclasses.fields(Config)}
    for name in names:
        assert f"| `{name}`" in README, f"{name} missing from the README configuration table"


def test_every_cli_subcommand_is_in_the_readme():
    subcommands = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in subcommands:
        assert f"sipgate-slack {name}" in README, name


def test_blocks_package_exports_exist():
    for name in blocks.__all__:
        assert hasattr(blocks, name)
