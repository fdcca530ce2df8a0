"""`sipgate-slack bench` (or `python -m bench.run`): one table of every row, also as JSON."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from bench import load, machine, rows
from bench.fakes import Fakes, start_fakes
from bench.rows import Plan, Row
from bench.servers import (
    ROOT,
    BenchError,
    Process,
    ensure_peer,
    start_bot,
    start_floor,
    start_peer,
    stop_all,
)
from bot.server import DEFAULT_SERVER, SERVERS

CAPTURE = ROOT.parent / "shared" / "data" / "sipgate" / "push-newcall-real-2021.http"
DEFAULT_OUT = ROOT / "bench" / "results.json"
XFF = "217.116.118.254"


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through every `finally`, which stops what was started


@contextlib.contextmanager
def running(process: Process, *, graceful: bool = False) -> Iterator[Process]:
    """Stop `process` when the block ends, however it ends."""
    try:
        yield process
    finally:
        process.stop(graceful=graceful, timeout=10)


def read_capture(path: Path) -> tuple[str, str, str] | None:
    """(path, signature, body) of the real signed newCall capture, or None when absent."""
    if not path.is_file():
        return None
    head, _, body = path.read_text(encoding="ascii").partition("\n\n")
    request_line, *headers = head.splitlines()
    signature = next(h.split(":", 1)[1].strip() for h in headers if h.lower().startswith("x-sip"))
    return request_line.split()[1], signature, body.strip()


class Bench:
    """Runs every row against freshly started processes and collects the rows."""

    def __init__(self, plan: Plan, workdir: Path, fakes: Fakes, wrk: str) -> None:
        self.plan, self.workdir, self.fakes, self.wrk = plan, workdir, fakes, wrk
        self.rows: list[Row] = []
        self.capture = read_capture(CAPTURE)
        self.lines = workdir / "sequences.txt"
        self.warmup = workdir / "warmup.txt"
        self.constant = workdir / "capture.txt"
        self.seconds = plan.wrk_seconds

    def say(self, text: str) -> None:
        """Progress on the terminal (the table comes at the end)."""
        print(f"  [{time.strftime('%H:%M:%S')}] {text}", flush=True)

    def section(self, name: str, run: Callable[[], None]) -> None:
        """Run some rows; a failure becomes an error row and the other rows still run."""
        try:
            run()
        except Exception as exc:  # reported in the table, never hidden
            self.say(f"{name} failed: {type(exc).__name__}: {exc}")
            self.rows.append(
                Row(f"error_{name}", f"{name} failed", value="error", note=str(exc)[:300])
            )

    def prepare(self) -> None:
        """Sign the webhook sequences (distinct call ids, so dedupe never short-cuts one)."""
        self.say(f"signing {self.plan.sequences} newCall/answer/hangup sequences")
        load.write_sequences(self.fakes.private_key, "00000001", self.plan.sequences, self.lines)
        load.write_sequences(self.fakes.private_key, "0000000F", 300, self.warmup)
        if self.capture:
            self.constant.write_text(f"{self.capture[1]}\t{self.capture[2]}\n", encoding="ascii")
        else:  # the floor gets any constant body; its answer does not depend on it
            first = self.lines.read_text(encoding="ascii").splitlines()[0]
            self.constant.write_text(first + "\n", encoding="ascii")

    def webhook_rows(self) -> None:
        """Row 1 and the server choice: floor and bot under each server, then the peer."""
        env = self.fakes.env()
        for server in SERVERS:
            self.say(f"row 1: floor under {server}")
            with running(start_floor(server, self.workdir)) as floor:
                result = rows.webhook_throughput(
                    self.wrk, floor, self.constant, self.plan, mode="cycle"
                )
            self.rows.append(
                rows.throughput_row(
                    "1_floor", "floor (bare Flask XML)", server, result, seconds=self.seconds
                )
            )
            self.say(f"row 1: bot under {server}")
            with running(start_bot(server, env, self.workdir, tag=f"bot-{server}")) as bot:
                result = rows.webhook_throughput(
                    self.wrk, bot, self.lines, self.plan, mode="once", warmup=self.warmup
                )
                memory = rows.memory_row(
                    "5_rss_webhook_load", f"memory after row 1 ({server})", bot
                )
            row = rows.throughput_row(
                "1_webhook", "webhook newCall/answer/hangup", server, result, seconds=self.seconds
            )
            self.rows += [row, memory]
        self.peer_row()

    def peer_row(self) -> None:
        """The peer: sipgateio's webhook server fed the real signed capture."""
        label = "peer: sipgateio (Node) newCall"
        if self.capture is None:
            self.rows.append(
                Row("1_peer", label, "node", value="skipped", note=f"{CAPTURE} absent")
            )
            return
        problem = ensure_peer()
        if problem:
            self.rows.append(Row("1_peer", label, "node", value="skipped", note=problem))
            return
        self.say("row 1: peer (sipgateio)")
        with running(start_peer(self.capture[0], self.workdir)) as peer:
            result = rows.webhook_throughput(
                self.wrk,
                peer,
                self.constant,
                self.plan,
                mode="cycle",
                xff=XFF,
                path=self.capture[0],
            )
        self.rows.append(rows.throughput_row("1_peer", label, "node", result, seconds=self.seconds))

    def production_rows(self) -> None:
        """Rows 2-5 against `sipgate-slack serve` started exactly as the Procfile does."""
        self.fakes.slack.reset()  # drop row 1's thousands of call messages
        self.fakes.sipgate.reset()
        self.fakes.sipgate.add_contacts(rows.contacts(10_000))
        bot = start_bot(None, self.fakes.env(), self.workdir, tag="bot-production")
        with running(bot, graceful=True):
            time.sleep(1)
            self.rows.append(rows.memory_row("5_rss_idle", "memory idle", bot))
            self.say("row 4: /lookup with 10,000 contacts")
            self.rows += rows.lookup_rows(bot, self.fakes, self.plan)
            self.say("row 3: /call with a 2 s sipgate")
            self.rows += rows.call_ack_rows(bot, self.fakes, self.plan)
            self.notification_rows(bot)
            self.rows.append(rows.memory_row("5_rss_after_load", "memory after rows 2-4", bot))

    def notification_rows(self, bot: Process) -> None:
        """Row 2 at a steady rate, with Slack answering on time and 300 ms late."""
        rate = f"{self.plan.notify_rate:.0f}/s for {self.plan.notify_seconds:.0f} s"
        for run, delay in (("00000002", 0.0), ("00000003", 0.3)):
            label = f"newCall -> Slack post, {rate}" + (", Slack +300 ms" if delay else "")
            self.say(f"row 2: {label}")
            result = rows.notification_latency(bot, self.fakes, self.plan, run, slack_delay=delay)
            if not result.samples and not delay:
                posted = len(self.fakes.slack.calls("chat.postMessage"))
                value = f"n/a ({posted} posts, none naming a call id)" if posted else rows.NA
                for key in ("2_notification", "2_notification_slow_slack"):
                    self.rows.append(Row(key, label, value=value))
                return
            key = "2_notification_slow_slack" if delay else "2_notification"
            self.rows.append(rows.latency_row(key, label, result, waited=self.plan.notify_wait))


def run_bench(*, quick: bool = False, out: str | None = None) -> int:
    """Run every row, print the table, write the JSON; return the exit status."""
    plan = Plan.make(quick)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = time.monotonic()
    about = machine.describe()
    print(machine.render(about), flush=True)
    fakes = start_fakes()
    try:
        wrk = load.ensure_wrk()
        with tempfile.TemporaryDirectory(prefix="sipgate-slack-bench-") as tmp:
            bench = Bench(plan, Path(tmp), fakes, wrk)
            bench.prepare()
            bench.section("row 1", bench.webhook_rows)
            bench.section("rows 2-5", bench.production_rows)
    except BenchError as exc:
        print(f"\nThe benchmark could not run: {exc}")
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: every process the benchmark started has been stopped.")
        return 130
    finally:
        stop_all()
        fakes.shutdown()
        signal.signal(signal.SIGTERM, previous)
    about["load_after"] = machine.loadavg()
    about["seconds"] = round(time.monotonic() - started, 1)
    table = machine.report(bench.rows, about, quick=quick)
    print(table, flush=True)
    path = Path(out) if out else DEFAULT_OUT
    path.write_text(json.dumps(_json(bench.rows, about, quick), indent=2) + "\n", encoding="utf-8")
    print(f"Results written to {path}")
    return 0


def _json(results: list[Row], about: dict[str, Any], quick: bool) -> dict[str, Any]:
    return {
        "mode": "quick" if quick else "full",
        "production_server": DEFAULT_SERVER,
        "machine": about,
        "rows": [vars(row) for row in results],
        "targets": machine.targets(results),
    }


def main() -> int:
    """`python -m bench.run [--quick] [--out FILE]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few seconds per row")
    parser.add_argument("--out", help=f"JSON results file (default: {DEFAULT_OUT})")
    args = parser.parse_args()
    return run_bench(quick=args.quick, out=args.out)


if __name__ == "__main__":
    raise SystemExit(main())
