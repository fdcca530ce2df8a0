"""Owns APScheduler 3.x: background work, timed jobs, and resuming pending rows after a restart.

Our tables are the source of truth for work that matters (scheduled SMS, fax polling, the Slack
outbox); APScheduler only holds in-memory jobs that point at row ids. Exactly one process per
database is the *owner* (it holds a file lock next to the database): the owner runs the
resume sweeps at start and then periodically, so rows left by a crashed or other process are
picked up. Every process can run its own immediate work (`run_soon`). Job bodies claim their row
in a transaction before acting, so a job that runs twice does its work once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

logger = logging.getLogger(__name__)

Sweep = Callable[[], None]
OWNERSHIP_JOB = "scheduler:take-over"


class _Worker:
    """One named background loop: `kick` asks for a run; kicks while it is queued coalesce.

    Cheaper than an APScheduler job (a lock and an Event, no job store), so it is what the
    webhook's hot path uses to wake the inbox and the outbox.
    """

    def __init__(self, scheduler: Scheduler, name: str, fn: Callable[[], None]) -> None:
        self.scheduler = scheduler
        self.name = name
        self.fn = fn
        self.queued = False
        self.stopping = False
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def kick(self) -> None:
        cond = self.scheduler._cond
        with cond:
            if self.queued or self.stopping:
                return
            self.queued = True
            self.scheduler._busy += 1
        self.wake.set()

    def start(self) -> None:
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, name=f"worker:{self.name}", daemon=True)
        self.thread.start()

    def stop(self, wait: bool) -> None:
        with self.scheduler._cond:
            self.stopping = True
        self.wake.set()
        if wait and self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            with self.scheduler._cond:
                run, self.queued = self.queued, False
                stop = self.stopping
            if run:
                try:
                    self.fn()
                except Exception:
                    logger.exception("Background worker %s failed", self.name)
                finally:
                    self.scheduler._done()
            if stop:
                return


class _BackgroundScheduler(BackgroundScheduler):  # type: ignore[misc]
    """BackgroundScheduler that survives shutdown() racing a round of due jobs.

    APScheduler 3's shutdown() empties the memory job store while the scheduler thread may be
    removing a just-submitted one-off job, which then raises JobLookupError in that thread.
    """

    def _process_jobs(self) -> float | None:
        try:
            wait: float | None = super()._process_jobs()
        except JobLookupError:
            return None if self.state == STATE_STOPPED else 1.0
        return wait


class Scheduler:
    """Background jobs for the bot: `run_soon`, `run_at`, periodic sweeps, and `wait_idle`."""

    def __init__(
        self, *, lock_path: str | None, max_workers: int = 16, sweep_interval: float = 15.0
    ) -> None:
        self.lock_path = lock_path
        self.sweep_interval = sweep_interval
        self._aps = _BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max_workers)},
            job_defaults={
                # Never skip a late job (an SMS due while the bot was down still goes out).
                "misfire_grace_time": None,
                "coalesce": True,
                "max_instances": 1,
            },
            timezone=UTC,
        )
        self._aps.add_listener(self._on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        self._sweeps: list[tuple[str, Sweep]] = []
        self._workers: list[_Worker] = []
        self._on_shutdown: list[Callable[[], None]] = []
        self._owner_hooks: list[Callable[[], None]] = []
        self._lock_file: IO[str] | None = None
        self._busy = 0
        self._queued: set[str] = set()
        self._cond = threading.Condition()
        self.owner = False
        self.started = False

    # -- lifecycle ----------------------------------------------------------------------------

    def add_sweep(self, name: str, sweep: Sweep) -> None:
        """Register a function that re-queues pending rows; the owner runs it at start and then
        every `sweep_interval` seconds."""
        self._sweeps.append((name, sweep))

    def add_worker(self, name: str, fn: Callable[[], None]) -> Callable[[], None]:
        """Register a background loop running `fn` on request; return its `kick` function.

        Every process runs its own workers (unlike sweeps); kicks before `start` run after it.
        """
        worker = _Worker(self, name, fn)
        self._workers.append(worker)
        if self.started:
            worker.start()
        return worker.kick

    def start(self) -> bool:
        """Start the scheduler; return True when this process became the owner.

        A follower tries for the lock again every `sweep_interval`, so when the owner goes away
        (an overlapping deploy, a worker replaced) another process takes over its duties.
        """
        if self.started:
            return self.owner
        self.owner = self._acquire_lock()
        self._aps.start()
        for worker in self._workers:
            worker.start()
        self.started = True
        if self.owner:
            self._become_owner()
        else:
            logger.warning(
                "Another process owns the scheduler for this database (%s); this one runs only "
                "its own immediate jobs until it can take over",
                self.lock_path,
            )
            self._aps.add_job(
                self._try_to_own,
                "interval",
                seconds=self.sweep_interval,
                id=OWNERSHIP_JOB,
                replace_existing=True,
            )
        return self.owner

    def add_owner_hook(self, hook: Callable[[], None]) -> None:
        """Run `hook` once when this process becomes the owner (at start or on taking over)."""
        self._owner_hooks.append(hook)

    def _become_owner(self) -> None:
        for name, sweep in self._sweeps:
            self.run_soon(sweep, job_id=f"sweep:{name}:start")
            self._aps.add_job(
                self._tracked(sweep),
                "interval",
                seconds=self.sweep_interval,
                id=f"sweep:{name}",
                replace_existing=True,
            )
        for hook in self._owner_hooks:
            hook()

    def _try_to_own(self) -> None:
        if self.owner or not self._acquire_lock():
            return
        self.owner = True
        self.cancel(OWNERSHIP_JOB)
        logger.warning("This process now owns the scheduler for %s", self.lock_path)
        self._become_owner()

    def add_shutdown_hook(self, hook: Callable[[], None]) -> None:
        """Run `hook` once when the scheduler shuts down (after its own jobs have finished)."""
        self._on_shutdown.append(hook)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs; with `wait`, let running jobs finish first (graceful shutdown)."""
        if self.started:
            # Workers first: their last run may still queue jobs, which APScheduler then runs.
            for worker in self._workers:
                worker.stop(wait)
            self._aps.shutdown(wait=wait)
            self.started = False
        hooks, self._on_shutdown = self._on_shutdown, []
        for hook in hooks:
            hook()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
        self.owner = False

    def _acquire_lock(self) -> bool:
        if not self.lock_path:
            return True
        handle = open(self.lock_path, "a+")  # noqa: SIM115 (held open for the process lifetime)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle
        return True

    # -- adding work --------------------------------------------------------------------------

    def run_soon(
        self, fn: Callable[..., Any], *args: Any, job_id: str | None = None, **kwargs: Any
    ) -> None:
        """Run `fn(*args, **kwargs)` on a worker thread as soon as possible.

        With a `job_id` that is queued but not started yet, the call is coalesced into it; once
        that job runs, a new call queues a new run (APScheduler ids stay unique, so a running
        job never makes APScheduler skip the next one as "max instances reached").
        """
        with self._cond:
            if job_id is not None:
                if job_id in self._queued:
                    return
                self._queued.add(job_id)
            self._busy += 1
        try:
            self._aps.add_job(
                self._tracked(fn, counted=True, coalesce_id=job_id),
                args=args,
                kwargs=kwargs,
                id=uuid.uuid4().hex,
            )
        except Exception:
            with self._cond:
                self._queued.discard(job_id or "")
            self._done()
            raise

    def run_at(
        self, when: datetime, fn: Callable[..., Any], *args: Any, job_id: str, **kwargs: Any
    ) -> None:
        """Run `fn` at `when` (an aware datetime); an existing job with `job_id` is replaced."""
        self._aps.add_job(
            self._tracked(fn),
            "date",
            run_date=when,
            args=args,
            kwargs=kwargs,
            id=job_id,
            replace_existing=True,
            # A new run may be planned while an earlier run with this id is still going.
            max_instances=10,
        )

    def cancel(self, job_id: str) -> None:
        """Remove a scheduled job if it is still waiting."""
        with contextlib.suppress(JobLookupError):
            self._aps.remove_job(job_id)

    def has_job(self, job_id: str) -> bool:
        """True when a job with this id is waiting to run."""
        return self._aps.get_job(job_id) is not None

    # -- observing ----------------------------------------------------------------------------

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no queued or running job is left that is due now; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def state(self) -> dict[str, Any]:
        """What /healthz reports about the scheduler."""
        return {
            "running": self.started and self._aps.running,
            "owner": self.owner,
            "jobs": len(self._aps.get_jobs()) if self.started else 0,
            "busy": self._busy,
        }

    # -- internals ----------------------------------------------------------------------------

    def _tracked(
        self, fn: Callable[..., Any], *, counted: bool = False, coalesce_id: str | None = None
    ) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._cond:
                if coalesce_id is not None:
                    self._queued.discard(coalesce_id)
                if not counted:
                    self._busy += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self._done()

        run.__name__ = getattr(fn, "__name__", "job")
        run.__qualname__ = getattr(fn, "__qualname__", "job")
        return run

    def _done(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify_all()

    def _on_job_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            logger.warning("Job %s missed its run time", event.job_id)
        elif event.exception is not None:
            logger.error(
                "Job %s failed: %s",
                event.job_id,
                type(event.exception).__name__,
                exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
            )
