"""Scheduler: one owner per database, sweeps at start, run_soon and run_at, wait_idle."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.scheduler import Scheduler
from tests.conftest import wait_until


def test_only_one_scheduler_owns_a_database(tmp_path):
    lock = str(tmp_path / "bot.db.scheduler.lock")
    first, second = Scheduler(lock_path=lock), Scheduler(lock_path=lock)
    try:
        assert first.start() is True
        assert second.start() is False
        assert second.state()["running"] is True
    finally:
        first.shutdown()
        second.shutdown()
    third = Scheduler(lock_path=lock)
    assert third.start() is True  # the lock is free again once the owner stopped
    third.shutdown()


def test_sweeps_run_at_start_only_in_the_owner(tmp_path):
    lock = str(tmp_path / "x.lock")
    ran: list[str] = []
    owner, follower = Scheduler(lock_path=lock), Scheduler(lock_path=lock)
    owner.add_sweep("sms", lambda: ran.append("owner"))
    follower.add_sweep("sms", lambda: ran.append("follower"))
    owner.start()
    follower.start()
    try:
        assert owner.wait_idle(5) and follower.wait_idle(5)
        assert ran == ["owner"]
    finally:
        owner.shutdown()
        follower.shutdown()


def test_a_follower_takes_over_sweeps_and_owner_hooks_when_the_owner_stops(tmp_path):
    lock = str(tmp_path / "x.lock")
    ran: list[str] = []
    owner = Scheduler(lock_path=lock, sweep_interval=0.1)
    follower = Scheduler(lock_path=lock, sweep_interval=0.1)
    follower.add_sweep("sms", lambda: ran.append("sweep"))
    follower.add_owner_hook(lambda: ran.append("hook"))
    owner.start()
    try:
        assert follower.start() is False
        assert follower.wait_idle(5) and ran == []
        owner.shutdown()  # e.g. the old server of an overlapping deploy goes away
        wait_until(lambda: follower.owner and "sweep" in ran, timeout=5)
        assert ran.count("hook") == 1
    finally:
        owner.shutdown()
        follower.shutdown()


def test_run_soon_runs_off_the_calling_thread_and_wait_idle_waits():
    scheduler = Scheduler(lock_path=None)
    scheduler.start()
    seen: list[str] = []
    gate = threading.Event()

    def job(name: str) -> None:
        gate.wait(2)
        seen.append(f"{name}:{threading.current_thread().name != 'MainThread'}")

    try:
        scheduler.run_soon(job, "a")
        assert scheduler.wait_idle(0.1) is False
        gate.set()
        assert scheduler.wait_idle(5) is True
        assert seen == ["a:True"]
    finally:
        scheduler.shutdown()


def test_run_at_runs_later_and_cancel_removes_it():
    scheduler = Scheduler(lock_path=None)
    scheduler.start()
    seen: list[int] = []
    try:
        soon = datetime.now(UTC) + timedelta(milliseconds=200)
        scheduler.run_at(soon, seen.append, 1, job_id="one")
        scheduler.run_at(soon, seen.append, 2, job_id="two")
        scheduler.cancel("two")
        wait_until(lambda: seen == [1], timeout=3)
        assert not scheduler.has_job("one")
    finally:
        scheduler.shutdown()


def test_failing_job_is_logged_and_does_not_block_others(caplog):
    scheduler = Scheduler(lock_path=None)
    scheduler.start()
    seen: list[int] = []

    def broken() -> None:
        raise ValueError("boom")

    try:
        scheduler.run_soon(broken)
        scheduler.run_soon(seen.append, 1)
        assert scheduler.wait_idle(5)
        assert seen == [1]
        wait_until(lambda: "failed" in caplog.text, timeout=2)
    finally:
        scheduler.shutdown()


def test_run_soon_with_an_id_coalesces_while_queued_and_reruns_while_running():
    scheduler = Scheduler(lock_path=None, max_workers=4)
    gate, started = threading.Event(), threading.Event()
    runs: list[int] = []

    def job(n: int) -> None:
        started.set()
        gate.wait(2)
        runs.append(n)

    scheduler.start()
    try:
        scheduler.run_soon(job, 1, job_id="flush")
        assert started.wait(2)
        scheduler.run_soon(job, 2, job_id="flush")  # the first is running: a new run is queued
        gate.set()
        assert scheduler.wait_idle(5)
        assert sorted(runs) == [1, 2]
    finally:
        scheduler.shutdown()


def test_run_at_with_the_id_of_a_running_job_still_runs():
    scheduler = Scheduler(lock_path=None, max_workers=4)
    gate, started = threading.Event(), threading.Event()
    runs: list[int] = []

    def job(n: int) -> None:
        started.set()
        if n == 1:
            gate.wait(2)
        runs.append(n)

    scheduler.start()
    try:
        scheduler.run_at(datetime.now(UTC), job, 1, job_id="poll")
        assert started.wait(2)
        scheduler.run_at(datetime.now(UTC), job, 2, job_id="poll")
        wait_until(lambda: runs == [2], timeout=3)
        gate.set()
        wait_until(lambda: sorted(runs) == [1, 2], timeout=3)
    finally:
        scheduler.shutdown()
