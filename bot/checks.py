"""`sipgate-slack check`: try each credential for real and explain what failed."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.clients import build_slack_client
from bot.config import Config
from bot.sipgate import AuthenticationFailed, SipgateClient, SipgateError
from bot.sipgate.webhooks import load_public_key

SLACK_HINTS = {
    "invalid_auth": "the token is not valid: copy the Bot User OAuth Token (xoxb-…) again",
    "not_authed": "no token was sent: set SLACK_BOT_TOKEN",
    "account_inactive": "the app was uninstalled or the token revoked: reinstall the app",
    "token_revoked": "the token was revoked: reinstall the app and copy the new token",
}


# The bot scopes of manifest.yml (tests/test_manifest.py keeps the two equal). An app installed
# from an older manifest lacks some; the history scopes are what keeps a call message from being
# posted twice after a Slack timeout (README, Live calls).
REQUIRED_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:history",
    "groups:history",
    "files:read",
    "users:read",
    "users:read.email",
)


@dataclass(frozen=True)
class CheckResult:
    """One line of the check report."""

    name: str
    ok: bool
    message: str


def run_checks(config: Config) -> list[CheckResult]:
    """Check Slack, sipgate and the webhook key; never raises."""
    return [*_check_slack(config), *_check_sipgate(config), _check_webhook_key(config)]


def _check_slack(config: Config) -> list[CheckResult]:
    client = build_slack_client(config)
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", f"HTTP {exc.response.status_code}"))
        hint = SLACK_HINTS.get(error, "see README.md, Troubleshooting")
        return [CheckResult("Slack", False, f"auth.test failed: {error} ({hint})")]
    except Exception as exc:  # network errors of any kind: report, don't crash
        return [
            CheckResult(
                "Slack", False, f"cannot reach {config.slack_api_url} ({type(exc).__name__})"
            )
        ]
    who = f"bot user {answer.get('user')} in workspace {answer.get('team')}"
    return [CheckResult("Slack", True, who), _check_scopes(answer.headers)]


def _check_scopes(headers: dict[str, object]) -> CheckResult:
    """Compare the token's scopes (Slack's x-oauth-scopes header) with the manifest's."""
    found = next((v for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None)
    if found is None:
        return CheckResult("Slack scopes", True, "not reported by Slack; not checked")
    granted = {s.strip() for s in str(found).split(",")}
    missing = [s for s in REQUIRED_SCOPES if s not in granted]
    if missing:
        return CheckResult(
            "Slack scopes",
            False,
            f"missing {', '.join(missing)}: reinstall the app from `sipgate-slack manifest`",
        )
    return CheckResult("Slack scopes", True, f"all {len(REQUIRED_SCOPES)} the bot needs")


def _check_sipgate(config: Config) -> list[CheckResult]:
    client = SipgateClient(
        config.sipgate_api_url, config.sipgate_token_id, config.sipgate_token, timeout=10
    )
    try:
        info = client.user_info()
    except AuthenticationFailed:
        return [
            CheckResult(
                "sipgate",
                False,
                "the token was refused (401): check SIPGATE_TOKEN_ID and SIPGATE_TOKEN",
            )
        ]
    except SipgateError as exc:
        return [CheckResult("sipgate", False, exc.user_message)]
    results = [
        CheckResult(
            "sipgate", True, f"token of sipgate user {info.sub} (account {info.master_sip_id})"
        )
    ]
    try:
        kind = client.account_type()
        results.append(CheckResult("sipgate account", True, f"{kind} account"))
    except SipgateError as exc:
        results.append(CheckResult("sipgate account", False, exc.user_message))
    return results


def _check_webhook_key(config: Config) -> CheckResult:
    if not config.sipgate_webhook_public_key:
        return CheckResult(
            "webhook key",
            False,
            "SIPGATE_WEBHOOK_PUBLIC_KEY is not set: every sipgate webhook will be refused",
        )
    key = load_public_key(config.sipgate_webhook_public_key)
    where = (
        f"; point sipgate's webhook URLs at {config.webhook_url}"
        if config.webhook_url
        else "; set PUBLIC_URL so sipgate can reach /sipgate/webhook"
    )
    return CheckResult("webhook key", True, f"RSA {key.key_size}-bit key loaded{where}")
