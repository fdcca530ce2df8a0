"""The served bot's notifier process: started by serve, applies push events, restarted, stopped."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from bot.simulator.sipgate_push import SipgatePusher
from tests.conftest import wait_until
from tests.test_call_notifications import CALLS, text_of
from tests.test_cli import ServerProcess


def notifiers(server: ServerProcess) -> list[int]:
    """Pids of the notifier processes in the server's process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            group = os.getpgid(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
        if b"bot.notifier" in cmdline and group == server.proc.pid:
            found.append(int(entry.name))
    return found


@pytest.fixture
def served(env, tmp_path, key_pair):
    process = ServerProcess({**env, "LOG_LEVEL": "INFO"}, tmp_path)
    pusher = SipgatePusher(f"{process.url}/sipgate/webhook", key_pair[0])
    yield process, pusher
    process.stop(signal.SIGKILL)


def message_with(fake_slack, text: str):
    messages = [m for m in fake_slack.messages(CALLS) if text in text_of(m)]
    return messages[0] if len(fake_slack.messages(CALLS)) == 1 and messages else None


def test_serve_applies_push_events_in_a_notifier_process(served, fake_slack):
    server, pusher = served
    (pid,) = wait_until(lambda: notifiers(server), timeout=10)
    assert pid != server.proc.pid
    assert pusher.new_call("N1").status_code == 200
    wait_until(lambda: message_with(fake_slack, "Ringing"), timeout=10)
    assert pusher.answer("N1").status_code == 200
    wait_until(lambda: message_with(fake_slack, "Answered"), timeout=10)
    assert "Notifier ready" in server.log.read_text()


def test_a_killed_notifier_is_restarted_and_catches_up(served, fake_slack):
    server, pusher = served
    (first,) = wait_until(lambda: notifiers(server), timeout=10)
    os.kill(first, signal.SIGKILL)
    # Events arriving while no notifier runs wait in the inbox, answered at once.
    assert pusher.new_call("N2").status_code == 200
    assert pusher.hangup("N2", cause="cancel").status_code == 200
    (second,) = wait_until(lambda: [p for p in notifiers(server) if p != first], timeout=10)
    assert second != first
    wait_until(lambda: message_with(fake_slack, "Missed"), timeout=10)
    assert "Notifier exited" in server.log.read_text()


def test_sigterm_stops_the_notifier_with_the_server(served):
    server, _ = served
    wait_until(lambda: notifiers(server), timeout=10)
    assert server.stop(signal.SIGTERM) == 0
    assert not notifiers(server)
    log = server.log.read_text()
    assert "Traceback" not in log
    assert "Notifier exited" not in log  # a clean stop is not reported as a failure
