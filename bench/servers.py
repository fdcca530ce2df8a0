"""Start and stop the processes under test: the bot, the floor and the peer, each on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parent.parent
PEER_DIR = ROOT / "bench" / "peer"
PEER_PACKAGE = "sipgateio@2.15"


_started: list[Process] = []


class BenchError(Exception):
    """Something the benchmark needs is missing or did not start; the message says what."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A child process in its own session (so stopping it stops its workers too)."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] = field(repr=False)

    def rss_kib(self) -> dict[str, int]:
        """Resident memory (VmRSS, KiB) of the process and of each of its children."""
        pids = [self.proc.pid, *_descendants(self.proc.pid)]
        return {str(pid): _vm_rss(pid) for pid in pids}

    def pss_kib(self) -> dict[str, int]:
        """Proportional memory (Pss, KiB): shared pages split between the processes sharing
        them, so the sum is what the server really holds (an RSS sum counts them per process)."""
        pids = [self.proc.pid, *_descendants(self.proc.pid)]
        return {str(pid): _status_kib(pid, "smaps_rollup", "Pss:") for pid in pids}

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the process printed."""
        self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, *, graceful: bool = True, timeout: float = 30) -> int | None:
        """SIGTERM (or SIGKILL) the whole process group; SIGKILL if it outlives `timeout`."""
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM if graceful else signal.SIGKILL)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        _signal_group(self.proc.pid, signal.SIGKILL)  # stragglers left in the group
        self._log.close()
        if self in _started:
            _started.remove(self)
        return self.proc.returncode


def stop_all() -> None:
    """Kill whatever `start` started and is still running (the last line of defence)."""
    while _started:
        _started.pop().stop(graceful=False, timeout=5)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc/<pid>/task/*/children."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _descendants(pid: int) -> list[int]:
    """Children, grandchildren, ... of `pid` (granian's worker starts the notifier)."""
    found = _children(pid)
    for child in list(found):
        found += _descendants(child)
    return found


def _status_kib(pid: int, name: str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _vm_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def start(
    name: str,
    argv: list[str],
    *,
    env: dict[str, str],
    workdir: Path,
    health: str,
    cwd: Path = ROOT,
) -> Process:
    """Start `argv` and wait (≤ 60 s) until GET `health` answers; `url` is its base."""
    log_path = workdir / f"{name}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = health.split("/", 3)
    process = Process(name, "/".join(base[:3]), proc, log_path, log)
    _started.append(process)
    try:
        _wait_healthy(process, health)
    except BaseException:  # Ctrl-C or SIGTERM while waiting: never leave it running
        process.stop(graceful=False)
        raise
    return process


def _wait_healthy(process: Process, health: str) -> None:
    """Return once GET `health` answers; BenchError if the process dies or 60 s pass."""
    name, proc = process.name, process.proc
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            tail = process.log_tail()
            raise BenchError(f"{name} exited at start (status {proc.returncode}):\n{tail}")
        try:
            if requests.get(health, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"{name} did not answer {health} within 60 s")
        time.sleep(0.1)


def python_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without Slack/sipgate/proxy variables, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("SLACK_", "SIPGATE_")) and not k.upper().endswith("_PROXY")
    }
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def start_bot(server: str | None, env: dict[str, str], workdir: Path, tag: str = "bot") -> Process:
    """`sipgate-slack serve`, exactly as the Procfile runs it (plus `--server` when asked)."""
    port = free_port()
    argv = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if server is not None:
        argv += ["--server", server]
    db_dir = workdir / f"{tag}-{port}"
    db_dir.mkdir()
    full_env = python_env({**env, "DATABASE_PATH": str(db_dir / "bot.db")})
    return start(
        tag, argv, env=full_env, workdir=workdir, health=f"http://127.0.0.1:{port}/healthz"
    )


def start_floor(server: str, workdir: Path) -> Process:
    """The floor app, served by `server` with production's settings (bot.server)."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.floor", "--server", server, "--port", str(port)]
    return start(
        f"floor-{server}",
        argv,
        env=python_env({}),
        workdir=workdir,
        health=f"http://127.0.0.1:{port}/healthz",
    )


def ensure_peer() -> str | None:
    """Install sipgateio into bench/peer/node_modules if needed; None or why the peer can't run."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "Node.js (node and npm) is not installed"
    if (PEER_DIR / "node_modules" / "sipgateio" / "package.json").is_file():
        return None
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", PEER_PACKAGE],
        cwd=PEER_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        return f"npm install {PEER_PACKAGE} failed: {result.stderr.strip()[-300:]}"
    return None


def start_peer(path: str, workdir: Path) -> Process:
    """sipgate's webhook server (sipgateio) answering at `path`."""
    port = free_port()
    return start(
        "peer",
        ["node", "server.js", str(port), path],
        env={k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")},
        workdir=workdir,
        # Any answer proves it listens (it answers GET / with an XML error, status 200).
        health=f"http://127.0.0.1:{port}/",
        cwd=PEER_DIR,
    )
