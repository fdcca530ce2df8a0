"""`python -m bench.profile`: where the webhook's time goes (cProfile, in-process, no server).

Builds the bot with create_app against the fakes, warms it up, then profiles signed
newCall/answer/hangup sequences through Flask's test client and prints the project's own
functions by cumulative time, so the slowest step of row 1 can be named.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from typing import Any
from urllib.parse import urlencode

from bench import load
from bench.fakes import start_fakes
from bot.app import create_app, services_of
from bot.config import Config
from bot.simulator.signing import sipgate_signature
from bot.simulator.sipgate_push import CONTENT_TYPE


def _signed_sequences(key: Any, count: int) -> list[tuple[bytes, str]]:
    """(body, signature) of `count` newCall/answer/hangup sequences."""
    signed = []
    for n in range(count):
        for fields in load.call_events(load.call_id("0000000A", n), "4930100000"):
            body = urlencode(fields).encode("ascii")
            signed.append((body, sipgate_signature(key, body)))
    return signed


def main() -> int:
    """Profile `--calls` sequences (after as many warm-up ones) and print the top functions."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300, help="sequences to profile")
    parser.add_argument("--top", type=int, default=30, help="functions to print")
    args = parser.parse_args()
    fakes = start_fakes()
    with tempfile.TemporaryDirectory(prefix="sipgate-slack-profile-") as tmp:
        env = {**fakes.env(), "DATABASE_PATH": f"{tmp}/bot.db", "LOG_LEVEL": "WARNING"}
        app = create_app(Config.from_mapping(env))
        services = services_of(app)
        services.scheduler.start()
        client = app.test_client()
        signed = _signed_sequences(fakes.private_key, 2 * args.calls)

        def send(part: list[tuple[bytes, str]]) -> None:
            for body, signature in part:
                headers = {"Content-Type": CONTENT_TYPE, "X-Sipgate-Signature": signature}
                answer = client.post("/sipgate/webhook", data=body, headers=headers)
                assert answer.status_code == 200, answer.data

        half = len(signed) // 2
        send(signed[:half])  # warm-up: caches, first-use imports, SQLite pages
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        send(signed[half:])
        profiler.disable()
        elapsed = time.perf_counter() - started
        services.scheduler.shutdown(wait=True)
        services.storage.close()
    fakes.shutdown()
    print(f"{half} webhook requests, {elapsed / half * 1000:.2f} ms each under cProfile\n")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"(bot|handlers|sqlite_utils)/", args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
