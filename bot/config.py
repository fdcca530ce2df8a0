"""Configuration: one frozen `Config` built from environment variables (and `.env`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import phonenumbers
from dotenv import dotenv_values

DEFAULTS: dict[str, str] = {
    "SLACK_API_URL": "https://slack.com/api/",
    "SLACK_FILES_URL": "https://files.slack.com/",
    "SIPGATE_API_URL": "https://api.sipgate.com/v2",
    "DEFAULT_REGION": "DE",
    "DATABASE_PATH": "data/sipgate-slack.db",
    "HOST": "127.0.0.1",
    "PORT": "3000",
    "SMS_RATE_LIMIT": "20",
    "SMS_MAX_DAYS_AHEAD": "30",
    "SWEEP_SECONDS": "15",
}

_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_SMS_ID = re.compile(r"^s(0|[1-9][0-9]*)$")

_Check = Callable[[str], "str | None"]


class ConfigError(Exception):
    """Raised when the configuration has problems; lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"The sipgate-slack configuration has problems:\n{lines}")


@dataclass(frozen=True)
class Config:
    """Everything the bot reads from its environment; secrets never appear in repr."""

    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    sipgate_token_id: str
    sipgate_token: str = field(repr=False)
    slack_api_url: str = DEFAULTS["SLACK_API_URL"]
    slack_files_url: str = DEFAULTS["SLACK_FILES_URL"]
    sipgate_api_url: str = DEFAULTS["SIPGATE_API_URL"]
    sipgate_webhook_public_key: str | None = field(default=None, repr=False)
    public_url: str | None = None
    calls_channel: str | None = None
    default_region: str = DEFAULTS["DEFAULT_REGION"]
    allowed_countries: frozenset[str] = frozenset()
    database_path: str = DEFAULTS["DATABASE_PATH"]
    admin_users: frozenset[str] = frozenset()
    sms_extension: str | None = None
    sms_rate_limit: int = int(DEFAULTS["SMS_RATE_LIMIT"])
    sms_max_days_ahead: int = int(DEFAULTS["SMS_MAX_DAYS_AHEAD"])
    sweep_seconds: int = int(DEFAULTS["SWEEP_SECONDS"])
    host: str = DEFAULTS["HOST"]
    port: int = int(DEFAULTS["PORT"])

    @property
    def webhook_url(self) -> str | None:
        """The public URL sipgate should call for push events, if PUBLIC_URL is set."""
        return f"{self.public_url}/sipgate/webhook" if self.public_url else None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, env_file: Path | None = None) -> Config:
        """Build a Config from `environ` plus `env_file` (real variables win); raise ConfigError."""
        merged: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        merged.update(environ)
        return cls.from_mapping(merged)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Config:
        """Validate `values` (variable name -> text) and build a Config; raise ConfigError."""
        reader = _Reader(values)
        config = cls(
            slack_bot_token=reader.required(
                "SLACK_BOT_TOKEN", _prefix("xoxb-"), "the bot token from OAuth & Permissions"
            ),
            slack_signing_secret=reader.required(
                "SLACK_SIGNING_SECRET", _nonblank, "Basic Information → App Credentials"
            ),
            sipgate_token_id=reader.required(
                "SIPGATE_TOKEN_ID", _token_id, "the personal access token id, e.g. token-AB12CD"
            ),
            sipgate_token=reader.required(
                "SIPGATE_TOKEN", _nonblank, "the personal access token secret"
            ),
            slack_api_url=reader.url("SLACK_API_URL", trailing_slash=True),
            slack_files_url=reader.url("SLACK_FILES_URL", trailing_slash=True),
            sipgate_api_url=reader.url("SIPGATE_API_URL", trailing_slash=False),
            sipgate_webhook_public_key=reader.public_key("SIPGATE_WEBHOOK_PUBLIC_KEY"),
            public_url=reader.optional_url("PUBLIC_URL"),
            calls_channel=reader.optional_match("CALLS_CHANNEL", _CHANNEL_ID, "a channel ID"),
            default_region=reader.region("DEFAULT_REGION"),
            allowed_countries=reader.regions("ALLOWED_COUNTRIES"),
            database_path=reader.text("DATABASE_PATH"),
            admin_users=reader.user_ids("ADMIN_USERS"),
            sms_extension=reader.optional_match("SMS_EXTENSION", _SMS_ID, "like s0"),
            sms_rate_limit=reader.integer("SMS_RATE_LIMIT", minimum=1),
            sms_max_days_ahead=reader.integer("SMS_MAX_DAYS_AHEAD", minimum=1, maximum=30),
            sweep_seconds=reader.integer("SWEEP_SECONDS", minimum=1, maximum=3600),
            host=reader.text("HOST"),
            port=reader.integer("PORT", minimum=1, maximum=65535),
        )
        if reader.problems:
            raise ConfigError(reader.problems)
        return config


def _nonblank(value: str) -> str | None:
    return None if value.strip() else "is empty"


def _prefix(prefix: str) -> _Check:
    def check(value: str) -> str | None:
        if value.startswith(prefix):
            return None
        # Name only the kind of token seen, never the value (it may be a real secret).
        seen = value.split("-", 1)[0] + "-" if "-" in value[:6] else "something else"
        return f"must start with {prefix} (got a value starting with {seen})"

    return check


def _token_id(value: str) -> str | None:
    if re.fullmatch(r"token-[A-Za-z0-9]{6}", value.strip()):
        return None
    return "must look like token-AB12CD (sipgate: Personal Access Tokens)"


class _Reader:
    """Reads variables one by one and collects every problem instead of stopping at the first."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[str] = []

    def _raw(self, name: str) -> str:
        return self.values.get(name, DEFAULTS.get(name, "")).strip()

    def required(self, name: str, check: _Check, hint: str) -> str:
        value = self._raw(name)
        if not value:
            self.problems.append(f"{name} is missing ({hint})")
            return ""
        problem = check(value)
        if problem:
            self.problems.append(f"{name} {problem}")
        return value

    def text(self, name: str) -> str:
        value = self._raw(name)
        if not value:
            self.problems.append(f"{name} is empty")
        return value

    def integer(self, name: str, *, minimum: int, maximum: int | None = None) -> int:
        raw = self._raw(name)
        try:
            number = int(raw)
        except ValueError:
            self.problems.append(f"{name} must be a whole number (got {raw!r})")
            return minimum
        if number < minimum or (maximum is not None and number > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            self.problems.append(f"{name} must be at least {minimum}{upper} (got {number})")
        return number

    def url(self, name: str, *, trailing_slash: bool) -> str:
        value = self._raw(name)
        if not _is_http_url(value):
            self.problems.append(f"{name} must be an http(s) URL (got {value!r})")
            return value
        value = value.rstrip("/")
        return value + "/" if trailing_slash else value

    def optional_url(self, name: str) -> str | None:
        value = self._raw(name)
        if not value:
            return None
        if not _is_http_url(value):
            self.problems.append(f"{name} must be an http(s) URL like https://bot.example.com")
            return None
        return value.rstrip("/")

    def optional_match(self, name: str, pattern: re.Pattern[str], hint: str) -> str | None:
        value = self._raw(name)
        if not value:
            return None
        if not pattern.fullmatch(value):
            self.problems.append(f"{name} must be {hint} (got {value!r})")
        return value

    def region(self, name: str) -> str:
        value = self._raw(name).upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            self.problems.append(f"{name} must be a two-letter region code like DE (got {value!r})")
        return value

    def regions(self, name: str) -> frozenset[str]:
        codes = {c.strip().upper() for c in self._raw(name).split(",") if c.strip()}
        bad = sorted(c for c in codes if c not in phonenumbers.SUPPORTED_REGIONS)
        if bad:
            self.problems.append(f"{name} has unknown region codes: {', '.join(bad)}")
        return frozenset(codes)

    def user_ids(self, name: str) -> frozenset[str]:
        ids = {u.strip() for u in self._raw(name).split(",") if u.strip()}
        bad = sorted(u for u in ids if not _SLACK_USER_ID.fullmatch(u))
        if bad:
            self.problems.append(
                f"{name} must be Slack user IDs like U07ALICE9Z, comma-separated "
                f"(not names): {', '.join(bad)}"
            )
        return frozenset(ids)

    def public_key(self, name: str) -> str | None:
        value = self.values.get(name, "").strip()
        if not value:
            return None
        if "-----BEGIN" not in value:
            path = Path(value).expanduser()
            if not path.is_file():
                self.problems.append(f"{name} is neither PEM text nor the path of a file: {value}")
                return None
            value = path.read_text(encoding="utf-8")
        from bot.sipgate.webhooks import load_public_key  # local: keep config import-light

        try:
            load_public_key(value)
        except ValueError as exc:
            self.problems.append(f"{name} is not a usable RSA public key ({exc})")
            return None
        return value


def _is_http_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)
