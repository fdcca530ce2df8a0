"""Config.from_env: defaults, validation that names every problem, secrets kept out of text."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError
from tests.conftest import shared_file

MINIMAL = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-secretvalue",
    "SLACK_SIGNING_SECRET": "signingsecret123",
    "SIPGATE_TOKEN_ID": "token-AB12CD",
    "SIPGATE_TOKEN": "e68ead46-a7db-46cd-8a1a-44aed1e4e372",
}


def test_minimal_environment_gets_documented_defaults():
    config = Config.from_env(MINIMAL)
    assert config.slack_api_url == "https://slack.com/api/"
    assert config.sipgate_api_url == "https://api.sipgate.com/v2"
    assert config.default_region == "DE"
    assert config.database_path == "data/sipgate-slack.db"
    assert (config.host, config.port) == ("127.0.0.1", 3000)
    assert config.admin_users == frozenset()
    assert config.calls_channel is None
    assert config.sipgate_webhook_public_key is None


def test_empty_environment_names_every_missing_variable():
    with pytest.raises(ConfigError) as caught:
        Config.from_env({})
    message = str(caught.value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SIPGATE_TOKEN_ID", "SIPGATE_TOKEN"):
        assert name in message
    assert len(caught.value.problems) == 4


def test_wrong_token_kind_is_explained_without_echoing_the_secret():
    env = dict(MINIMAL, SLACK_BOT_TOKEN="xoxp-123-very-secret-user-token")
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env)
    message = str(caught.value)
    assert "SLACK_BOT_TOKEN must start with xoxb-" in message
    assert "xoxp-" in message
    assert "very-secret" not in message


def test_malformed_values_are_all_reported_at_once():
    env = dict(
        MINIMAL,
        PORT="http",
        DEFAULT_REGION="Germany",
        ADMIN_USERS="alice,U07BOB12XY",
        SIPGATE_API_URL="ftp://x",
        PUBLIC_URL="bot.example.com",
        SIPGATE_WEBHOOK_PUBLIC_KEY="/nope/key.pem",
        CALLS_CHANNEL="#telefon",
    )
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env)
    problems = "\n".join(caught.value.problems)
    for name in (
        "PORT",
        "DEFAULT_REGION",
        "ADMIN_USERS",
        "SIPGATE_API_URL",
        "PUBLIC_URL",
        "SIPGATE_WEBHOOK_PUBLIC_KEY",
        "CALLS_CHANNEL",
    ):
        assert name in problems
    assert "alice" in problems and "U07BOB12XY" not in problems


def test_secrets_do_not_appear_in_repr():
    config = Config.from_env(MINIMAL)
    text = repr(config)
    assert "secretvalue" not in text
    assert "signingsecret123" not in text
    assert "e68ead46" not in text
    assert "token-AB12CD" in text


def test_dotenv_file_is_read_and_real_variables_win(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "\n".join(f"{k}={v}" for k, v in MINIMAL.items()) + "\nPORT=4000\nDEFAULT_REGION=AT\n"
    )
    config = Config.from_env({"PORT": "5000"}, env_file=env_file)
    assert config.port == 5000
    assert config.default_region == "AT"
    assert config.slack_bot_token == MINIMAL["SLACK_BOT_TOKEN"]


def test_webhook_key_may_be_a_path_to_sipgates_published_key():
    key_path = shared_file("data/sipgate/sipgate-push-public-key.pem")
    config = Config.from_env(dict(MINIMAL, SIPGATE_WEBHOOK_PUBLIC_KEY=str(key_path)))
    assert config.sipgate_webhook_public_key is not None
    assert "BEGIN PUBLIC KEY" in config.sipgate_webhook_public_key


def test_webhook_key_that_is_not_a_key_is_refused(tmp_path: Path):
    bad = tmp_path / "key.pem"
    bad.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ConfigError, match="SIPGATE_WEBHOOK_PUBLIC_KEY is not a usable RSA"):
        Config.from_env(dict(MINIMAL, SIPGATE_WEBHOOK_PUBLIC_KEY=str(bad)))


def test_lists_and_urls_are_normalised():
    config = Config.from_env(
        dict(
            MINIMAL,
            ADMIN_USERS=" U07ALICE9Z , U07BOB12XY ",
            ALLOWED_COUNTRIES="de, at",
            SLACK_API_URL="http://127.0.0.1:9/api",
            PUBLIC_URL="https://bot.example.com/",
        )
    )
    assert config.admin_users == {"U07ALICE9Z", "U07BOB12XY"}
    assert config.allowed_countries == {"DE", "AT"}
    assert config.slack_api_url == "http://127.0.0.1:9/api/"
    assert config.webhook_url == "https://bot.example.com/sipgate/webhook"
