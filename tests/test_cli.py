"""The real CLI process: `serve` (gunicorn + scheduler), `check`, `manifest`, start-up errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import requests

from bot.simulator.slack_client import SlackRequester
from tests.conftest import SIGNING_SECRET, wait_until

CLI = [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment without Slack/sipgate variables, plus `env`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SIPGATE_"))}
    full_env.update(env)
    full_env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return full_env


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 30):
    return subprocess.run(
        CLI + args,
        env=child_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class ServerProcess:
    """`sipgate-slack serve` running as a child process."""

    def __init__(self, env: dict[str, str], cwd: Path, args: Sequence[str] = ()) -> None:
        self.port = free_port()
        full_env = child_env(env)
        self.log = cwd / f"server-{self.port}.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [*CLI, "serve", "--port", str(self.port), *args],
                env=full_env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(self._healthy, timeout=30, interval=0.1)

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited early:\n{self.log.read_text()}")
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # bound, app still loading
            return False

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        return self.proc.wait(timeout=30)


@pytest.fixture
def server(env, tmp_path) -> Iterator[ServerProcess]:
    process = ServerProcess(env, tmp_path)
    yield process
    process.stop(signal.SIGKILL)


def test_serve_runs_gunicorn_with_scheduler_and_answers_signed_slack(server, fake_slack):
    health = requests.get(f"{server.url}/healthz", timeout=5).json()
    assert health["scheduler"] == {**health["scheduler"], "running": True, "owner": True}
    slack = SlackRequester(server.url, SIGNING_SECRET, fake_slack.url)
    assert "sipgate for Slack" in slack.command("/sipgate", "help").text
    forged = slack.post(slack.command_body("/sipgate", "help"), secret="forged")
    assert forged.status_code == 401
    slack.command("/sipgate", "status")
    wait_until(lambda: fake_slack.response_posts(), timeout=10)
    assert "gunicorn" in server.log.read_text() or server.proc.poll() is None


def test_serve_stops_cleanly_on_sigterm(server):
    assert server.stop(signal.SIGTERM) == 0
    log = server.log.read_text()
    assert "Traceback" not in log


def test_serve_without_credentials_names_every_missing_variable(tmp_path):
    result = run_cli(["serve"], {}, tmp_path)
    assert result.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SIPGATE_TOKEN_ID", "SIPGATE_TOKEN"):
        assert name in result.stderr
    assert "Traceback" not in result.stderr
    assert "sipgate-slack demo" in result.stderr


def test_serve_never_prints_a_secret_in_its_error(tmp_path, env):
    bad = dict(env, SLACK_BOT_TOKEN="xoxp-123-topsecretvalue", PORT="eighty")
    result = run_cli(["serve"], bad, tmp_path)
    assert result.returncode == 2
    assert "topsecretvalue" not in result.stderr + result.stdout
    assert "SLACK_BOT_TOKEN must start with xoxb-" in result.stderr
    assert "PORT must be a whole number" in result.stderr


def test_dotenv_in_working_directory_is_read(tmp_path, env):
    key_file = tmp_path / "sipgate.pem"
    key_file.write_text(env["SIPGATE_WEBHOOK_PUBLIC_KEY"])
    values = dict(env, SIPGATE_WEBHOOK_PUBLIC_KEY=str(key_file))
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    result = run_cli(["check"], {}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_against_the_fakes_passes(tmp_path, env):
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[ok  ] Slack" in result.stdout
    assert "[ok  ] Slack scopes" in result.stdout
    assert "sipgate user w0" in result.stdout
    assert "classic account" in result.stdout
    assert "RSA 2048-bit key loaded" in result.stdout
    assert "All checks passed." in result.stdout


def test_check_reports_each_wrong_credential(tmp_path, env, fake_sipgate):
    bad = dict(env, SLACK_BOT_TOKEN="xoxb-wrong-token", SIPGATE_TOKEN="wrong-token")
    bad.pop("SIPGATE_WEBHOOK_PUBLIC_KEY")
    result = run_cli(["check"], bad, tmp_path)
    assert result.returncode == 1
    assert "[FAIL] Slack" in result.stdout and "invalid_auth" in result.stdout
    assert "the token was refused (401)" in result.stdout
    assert "SIPGATE_WEBHOOK_PUBLIC_KEY is not set" in result.stdout
    assert "wrong-token" not in result.stdout


def test_check_names_scopes_an_older_install_lacks(tmp_path, env, fake_slack, monkeypatch):
    older = tuple(s for s in fake_slack.seed.scopes if not s.endswith(":history"))
    monkeypatch.setattr(fake_slack.seed, "scopes", older)
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 1
    assert "[FAIL] Slack scopes" in result.stdout
    assert "missing channels:history, groups:history" in result.stdout


def test_check_reports_neo_accounts(tmp_path, env, fake_sipgate):
    fake_sipgate.account_type = "neo"
    result = run_cli(["check"], env, tmp_path)
    assert "neo account" in result.stdout


def test_check_with_sipgate_down_says_so(tmp_path, env):
    result = run_cli(["check"], dict(env, SIPGATE_API_URL="http://127.0.0.1:9/v2"), tmp_path)
    assert result.returncode == 1
    assert "not answering" in result.stdout


def test_manifest_fills_in_the_url(tmp_path):
    result = run_cli(["manifest", "--url", "https://bot.acme.example/"], {}, tmp_path)
    assert result.returncode == 0
    assert "https://bot.acme.example/slack/events" in result.stdout
    assert "sipgate-slack.example.com" not in result.stdout


def test_manifest_refuses_a_non_https_url(tmp_path):
    result = run_cli(["manifest", "--url", "bot.acme.example"], {}, tmp_path)
    assert result.returncode == 2
    assert "https://" in result.stderr


def test_help_lists_the_subcommands(tmp_path):
    result = run_cli(["--help"], {}, tmp_path)
    for name in ("serve", "check", "manifest"):
        assert name in result.stdout
