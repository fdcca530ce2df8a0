"""`serve --workers N`: several worker processes on one database still run every job once."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from bot.server import MAX_WORKERS, SERVERS
from bot.simulator.slack_client import SlackRequester
from tests.conftest import SIGNING_SECRET, wait_until
from tests.test_cli import ServerProcess, run_cli

SWEEP = {"SWEEP_SECONDS": "1"}  # the owner re-queues pending rows every second
READY = re.compile(r"sipgate-slack ready \(pid (\d+), scheduler (owner|follower)")


def sms_rows(env: dict[str, str]) -> dict[str, dict[str, str]]:
    """The scheduled_sms rows by message, read straight from the bot's database."""
    with sqlite3.connect(env["DATABASE_PATH"]) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("select * from scheduled_sms").fetchall()
    return {row["message"]: dict(row) for row in rows}


def sms_posts(fake_sipgate, message: str) -> int:
    """How many times sipgate was asked to send this text."""
    posts = fake_sipgate.requests("POST", "/sessions/sms")
    return sum(1 for post in posts if post.json and post.json.get("message") == message)


def workers_of(server: ServerProcess) -> set[int]:
    """The pids of the server's worker processes (the children of its master process)."""
    pid = server.proc.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


def ready_workers(server: ServerProcess) -> dict[int, str]:
    """pid -> "owner" | "follower", as each worker logged when its app was ready."""
    return {int(pid): role for pid, role in READY.findall(server.log.read_text())}


def follower_connection(server: ServerProcess, fake_slack) -> SlackRequester:
    """A Slack requester whose kept-alive connection is served by a non-owner worker."""
    for _ in range(40):
        slack = SlackRequester(server.url, SIGNING_SECRET, fake_slack.url)
        health = slack.session.get(f"{server.url}/healthz", timeout=5).json()
        if not health["scheduler"]["owner"]:
            return slack
        slack.session.close()
    raise AssertionError("no connection reached the follower worker")


def create_sms_then_stop(env: dict[str, str], tmp_path: Path, fake_slack) -> datetime:
    """With one worker, schedule an SMS 6 s ahead, stop before it is due; return its time."""
    first = ServerProcess({**env, **SWEEP}, tmp_path)
    slack = SlackRequester(first.url, SIGNING_SECRET, fake_slack.url)
    # 6 s: room for a slow stop on a busy machine; it must not be sent before the stop.
    slack.command("/sms", "+4915112345001 in 6 seconds: due while the bot was down")
    row = wait_until(lambda: sms_rows(env).get("due while the bot was down"), timeout=10)
    assert first.stop(signal.SIGTERM) == 0
    assert sms_rows(env)["due while the bot was down"]["status"] == "pending"
    return datetime.fromisoformat(row["run_at"])


@pytest.mark.parametrize("server_name", SERVERS)
def test_two_workers_have_one_scheduler_owner_send_each_sms_once_and_stop_cleanly(
    server_name, env, tmp_path, fake_sipgate, fake_slack
):
    due = create_sms_then_stop(env, tmp_path, fake_slack)
    wait_until(lambda: datetime.now(UTC) > due, timeout=10, interval=0.1)
    assert sms_posts(fake_sipgate, "due while the bot was down") == 0

    # gunicorn gets its worker count the conventional way, from WEB_CONCURRENCY.
    if server_name == "gunicorn":
        server = ServerProcess(
            {**env, **SWEEP, "WEB_CONCURRENCY": "2"}, tmp_path, ["--server", server_name]
        )
    else:
        server = ServerProcess(
            {**env, **SWEEP}, tmp_path, ["--server", server_name, "--workers", "2"]
        )
    try:
        assert f"({server_name}, 2 worker processes)" in server.log.read_text()
        wait_until(lambda: len(ready_workers(server)) == 2, timeout=20, interval=0.1)
        roles = ready_workers(server)
        workers = workers_of(server)
        assert set(roles) == workers and len(workers) == 2
        assert sorted(roles.values()) == ["follower", "owner"]
        owner = next(pid for pid, role in roles.items() if role == "owner")
        lock = Path(env["DATABASE_PATH"] + ".scheduler.lock")
        assert lock.read_text() == str(owner)

        # The SMS due while the bot was down goes out once, from the owner's start-up sweep.
        wait_until(lambda: sms_posts(fake_sipgate, "due while the bot was down"), timeout=10)

        # Scheduled through the follower: the follower holds a job for it, and the owner's
        # sweep (every second) queues one too; both fire, the claim lets one of them send.
        slack = follower_connection(server, fake_slack)
        texts = [f"through the follower {n}" for n in range(2)]
        for n, text in enumerate(texts):
            ack = slack.command("/sms", f"+49151123450{n}2 in 3 seconds: {text}")
            assert ack.status_code == 200
        wait_until(lambda: all(t in sms_rows(env) for t in texts), timeout=10)
        health = slack.session.get(f"{server.url}/healthz", timeout=5).json()["scheduler"]
        assert health["owner"] is False and health["jobs"] >= 1  # same connection, same worker

        all_texts = ["due while the bot was down", *texts]
        wait_until(
            lambda: all(sms_rows(env)[t]["status"] == "sent" for t in all_texts),
            timeout=15,
            interval=0.1,
        )
        time.sleep(2.5)  # two more sweeps and any second job would have run by now
        assert {t: sms_posts(fake_sipgate, t) for t in all_texts} == dict.fromkeys(all_texts, 1)

        seen = {
            requests.get(f"{server.url}/healthz", timeout=5).json()["scheduler"]["owner"]
            for _ in range(40)
        }
        assert seen == {True, False}
    finally:
        exit_status = server.stop(signal.SIGTERM)
    assert exit_status == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    log = server.log.read_text()
    assert "Traceback" not in log
    assert "Job " not in log  # no job failed or was missed (bot/scheduler.py logs those)


@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        (["--workers", "0"], {}, f"--workers must be a whole number from 1 to {MAX_WORKERS}"),
        (["--workers", "500"], {}, f"from 1 to {MAX_WORKERS} (got 500)"),
        ([], {"WEB_CONCURRENCY": "many"}, "WEB_CONCURRENCY must be a whole number"),
        ([], {"WEB_CONCURRENCY": "-3"}, "WEB_CONCURRENCY must be a whole number from 1 to"),
        (["--workers", "2"], {"DATABASE_PATH": ":memory:"}, "DATABASE_PATH=:memory:"),
    ],
)
def test_serve_refuses_a_worker_count_it_cannot_honour(args, extra_env, message, env, tmp_path):
    result = run_cli(["serve", "--port", "9", *args], {**env, **extra_env}, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fresh_database_is_migrated_once_before_four_workers_start(env, tmp_path):
    server = ServerProcess(env, tmp_path, ["--workers", "4"])
    try:
        wait_until(lambda: len(ready_workers(server)) == 4, timeout=20, interval=0.1)
        assert sorted(ready_workers(server).values()) == ["follower"] * 3 + ["owner"]
    finally:
        assert server.stop(signal.SIGTERM) == 0
    assert "Traceback" not in server.log.read_text()


def test_a_replaced_owner_leaves_the_sms_another_worker_is_sending_alone(
    env, tmp_path, fake_sipgate, fake_slack
):
    # The claim rule lives in the SMS service, so one server (the default, granian) shows it.
    server = ServerProcess({**env, **SWEEP}, tmp_path, ["--workers", "2"])
    try:
        first = wait_until(
            lambda: len(ready_workers(server)) == 2 and ready_workers(server), timeout=20
        )
        owner = next(pid for pid, role in first.items() if role == "owner")
        fake_sipgate.delay("POST /sessions/sms", 7)  # below the client's 10 s timeout
        slack = follower_connection(server, fake_slack)
        slack.command("/sms", "+4915112345003 on its way while the owner dies")
        wait_until(lambda: sms_rows(env).get("on its way while the owner dies"), timeout=10)
        os.kill(owner, signal.SIGKILL)  # the server replaces the worker; the new one is owner
        wait_until(
            lambda: "owner" in {r for pid, r in ready_workers(server).items() if pid not in first},
            timeout=20,
            interval=0.1,
        )
        # The new owner's start-up sweep has run while the follower still waits on sipgate.
        assert sms_rows(env)["on its way while the owner dies"]["status"] == "sending"
        row = wait_until(
            lambda: (
                (r := sms_rows(env)["on its way while the owner dies"])["status"] != "sending" and r
            ),
            timeout=10,
            interval=0.1,
        )
        assert (row["status"], row["error"]) == ("sent", "")
        assert sms_posts(fake_sipgate, "on its way while the owner dies") == 1
    finally:
        assert server.stop(signal.SIGTERM) == 0
