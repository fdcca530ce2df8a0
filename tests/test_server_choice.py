"""Both WSGI servers keep the guarantees (one scheduler, graceful SIGTERM); the bench CLI."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from bot.server import DEFAULT_SERVER, SERVERS
from bot.simulator.slack_client import SlackRequester
from tests.conftest import SIGNING_SECRET, wait_until
from tests.test_cli import CLI, child_env, free_port, run_cli


class Served:
    """`sipgate-slack serve --server S` as a child process in its own process group."""

    def __init__(self, server: str, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"{server}.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [*CLI, "serve", "--port", str(self.port), "--server", server],
                env=child_env(env),
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._healthy, timeout=30, interval=0.1)

    def _healthy(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # bound, app still loading
            return False

    def stop(self, sig: int) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        return self.proc.wait(timeout=40)


@pytest.fixture(params=SERVERS)
def served(request, env, tmp_path):
    process = Served(request.param, env, tmp_path)
    yield process
    process.stop(signal.SIGKILL)


def test_production_default_is_one_of_the_servers():
    assert DEFAULT_SERVER in SERVERS


def test_each_server_runs_exactly_one_scheduler_owner_in_one_worker(served):
    health = requests.get(f"{served.url}/healthz", timeout=5).json()
    assert health["scheduler"]["running"] and health["scheduler"]["owner"]
    children = Path(f"/proc/{served.proc.pid}/task/{served.proc.pid}/children").read_text()
    assert len(children.split()) == 1  # the server's master and its single worker


def test_sigterm_lets_a_running_call_job_finish_and_confirm_before_exit(
    served, fake_sipgate, fake_slack
):
    slack = SlackRequester(served.url, SIGNING_SECRET, fake_slack.url)
    fake_sipgate.delay("POST /sessions/calls", 1.5)
    ack = slack.command("/call", "0211 5556667")
    assert "Calling 0211 5556667" in ack.text
    wait_until(lambda: fake_sipgate.requests("GET", "/{userId}/devices"), timeout=10)
    assert served.stop(signal.SIGTERM) == 0
    assert len(fake_sipgate.requests("POST", "/sessions/calls")) == 1
    confirmations = [p for p in fake_slack.response_posts() if "desk" in str(p.body)]
    assert len(confirmations) == 1
    assert "Traceback" not in served.log.read_text()


def test_bench_help_describes_the_benchmark(tmp_path):
    result = run_cli(["bench", "--help"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--quick" in result.stdout and "--out" in result.stdout
