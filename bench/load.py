"""Bounded load: wrk for throughput, a fixed-rate Python client for latency at a steady rate.

Every loop here is bounded twice: by a request count and by a deadline.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.servers import BenchError
from bot.simulator.signing import sipgate_signature

LUA = Path(__file__).resolve().parent / "webhook.lua"
# One connection per gunicorn thread: enough to keep the server busy, none left queueing.
CONNECTIONS = 8


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian's packages if missing."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        raise BenchError("wrk is not installed and apt-get is not available: install wrk")
    print("Installing wrk (apt-get install -y wrk) ...", flush=True)
    for args in (["update", "-qq"], ["install", "-y", "-qq", "wrk"]):
        done = subprocess.run([apt, *args], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise BenchError(f"apt-get {' '.join(args)} failed: {done.stderr.strip()[-300:]}")
    found = shutil.which("wrk")
    if found is None:
        raise BenchError("wrk is still not on PATH after apt-get install wrk")
    return found


# ----- signed sipgate events ---------------------------------------------------------------------


def call_events(call_id: str, from_number: str) -> list[list[tuple[str, str]]]:
    """Form fields of newCall, answer and hangup for one call, shaped as sipgate sends them."""
    common = [("from", from_number), ("to", "4921112345670"), ("direction", "in")]
    ids = [("callId", call_id), ("origCallId", call_id)]
    user = [("user[]", "Alice Schmidt"), ("userId[]", "w0"), ("fullUserId[]", "1234567w0")]
    answered = [("user", "Alice Schmidt"), ("userId", "w0"), ("fullUserId", "1234567w0")]
    answering = ("answeringNumber", "4921112345670")
    return [
        [("event", "newCall"), *common, *ids, *user, ("xcid", call_id[:16].lower())],
        [("event", "answer"), *ids, *answered, *common, answering],
        [("event", "hangup"), ("cause", "normalClearing"), *ids, *common, answering],
    ]


def call_id(run: str, n: int) -> str:
    """A distinct sipgate-style call id (hex) for call `n` of run `run` (8 hex digits)."""
    return f"BE7C{run}{n:032X}"


def _sign_lines(pem: bytes, bodies: list[bytes]) -> list[str]:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return [f"{sipgate_signature(key, body)}\t{body.decode('ascii')}" for body in bodies]


def write_sequences(key: rsa.RSAPrivateKey, run: str, count: int, path: Path) -> Path:
    """Write `count` signed newCall/answer/hangup sequences (3 lines each) to `path`."""
    bodies = [
        urlencode(fields).encode("ascii")
        for n in range(count)
        for fields in call_events(call_id(run, n), f"49301{n % 10_000_000:07d}")
    ]
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    chunks = [bodies[i : i + 600] for i in range(0, len(bodies), 600)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        lines = [
            line for part in pool.map(_sign_lines, [pem] * len(chunks), chunks) for line in part
        ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


# ----- wrk ---------------------------------------------------------------------------------------


@dataclass
class Throughput:
    """What one wrk run measured."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    wrk: str,
    url: str,
    lines: Path,
    *,
    seconds: float,
    mode: str,
    xff: str = "-",
    connections: int = CONNECTIONS,
) -> Throughput:
    """POST the signed lines to `url` for at most `seconds` (mode "once": each line once)."""
    path = "/" + url.split("/", 3)[3]
    argv = [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    argv += ["--timeout", "10s", "-s", str(LUA), url, "--"]
    argv += [str(lines), str(connections), path, xff, mode]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    marker = [line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")]
    if done.returncode != 0 or not marker:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    data = json.loads(marker[-1].removeprefix("WRK_JSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Throughput(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


# ----- fixed-rate client -------------------------------------------------------------------------


@dataclass
class Latencies:
    """Seconds per sample; samples that never finished are counted in `missing`."""

    samples: list[float] = field(default_factory=list)
    missing: int = 0
    errors: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        """The q-th percentile in ms (nearest rank), counting missing samples as endless.

        None when there are no samples or the percentile falls on a missing one.
        """
        ordered = sorted(self.samples) + [math.inf] * self.missing
        if not ordered:
            return None
        rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
        return None if math.isinf(ordered[rank]) else ordered[rank] * 1000

    def summary(self) -> dict[str, float | int | None]:
        """p50/p99/max in ms and the counts."""
        return {
            "n": len(self.samples),
            "missing": self.missing,
            "errors": len(self.errors),
            "p50_ms": self.percentile(50),
            "p99_ms": self.percentile(99),
            "max_ms": max(self.samples) * 1000 if self.samples else None,
            "mean_ms": statistics.fmean(self.samples) * 1000 if self.samples else None,
        }


def at_fixed_rate(
    send: Callable[[int], None], *, count: int, rate: float, deadline: float
) -> list[float]:
    """Call send(i) for i < count at `rate` per second (open loop, each on its own thread).

    Returns the planned start time (monotonic) of each call that was started.
    """
    started: list[float] = []
    threads: list[threading.Thread] = []
    begin = time.monotonic()
    for i in range(count):
        planned = begin + i / rate
        if planned > deadline:
            break
        time.sleep(max(0.0, planned - time.monotonic()))
        started.append(planned)
        thread = threading.Thread(target=send, args=(i,), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=max(0.1, deadline + 30 - time.monotonic()))
    return started


def sequential(send: Callable[[int], float], indices: Sequence[int]) -> Latencies:
    """Run send(i) one after another; each returns its latency in seconds."""
    result = Latencies()
    for i in indices:
        try:
            result.samples.append(send(i))
        except Exception as exc:  # a failed sample is reported, never dropped silently
            result.errors.append(f"{type(exc).__name__}: {exc}")
    return result
