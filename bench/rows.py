"""The benchmark's rows: what each one sends, what it waits for and what it reports."""

from __future__ import annotations

import http.client
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench import load
from bench.fakes import SIGNING_SECRET, Fakes
from bench.servers import Process
from bot.simulator.signing import sipgate_signature, slack_headers
from bot.simulator.slack_client import SlackRequester

NA = "n/a (feature not present)"


@dataclass(frozen=True)
class Plan:
    """How long and how hard each row runs (quick: a few seconds per row)."""

    quick: bool
    wrk_seconds: float
    warmup_seconds: float
    sequences: int
    notify_rate: float
    notify_seconds: float
    notify_wait: float
    call_count: int
    call_rate: float
    warm_lookups: int

    @classmethod
    def make(cls, quick: bool) -> Plan:
        """The quick plan (a smoke run) or the full one (≈ 4 minutes)."""
        if quick:
            return cls(True, 3, 1, 1_000, 20, 3, 5, 6, 2, 20)
        return cls(False, 10, 2, 12_000, 20, 30, 20, 20, 2, 100)


@dataclass
class Row:
    """One line of the table."""

    key: str
    label: str
    server: str = ""
    p50_ms: float | None = None
    p99_ms: float | None = None
    rps: float | None = None
    value: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float = 15) -> tuple[int, bytes]:
    """One POST on a fresh connection (as sipgate and Slack open one per delivery)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("POST", parts.path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ----- row 1: webhook answer vs floor vs peer -----------------------------------------------------


def webhook_throughput(
    wrk: str,
    target: Process,
    lines: Path,
    plan: Plan,
    *,
    mode: str,
    warmup: Path | None = None,
    xff: str = "-",
    path: str = "/sipgate/webhook",
) -> load.Throughput:
    """Warm the target up, then measure it with wrk (CONNECTIONS connections)."""
    url = target.url + path
    load.run_wrk(wrk, url, warmup or lines, seconds=plan.warmup_seconds, mode=mode, xff=xff)
    return load.run_wrk(wrk, url, lines, seconds=plan.wrk_seconds, mode=mode, xff=xff)


def throughput_row(
    key: str, label: str, server: str, result: load.Throughput, *, seconds: float
) -> Row:
    """A table row from a wrk result (`seconds`: how long it was meant to run)."""
    note = f"{result.requests} requests in {result.seconds:.1f} s"
    if result.seconds < seconds - 0.5:
        note += " (all signed calls used: raise Plan.sequences)"
    if result.errors:
        note += f"; {result.errors} errors or non-2xx answers"
    return Row(key, label, server, result.p50_ms, result.p99_ms, result.rps, note=note)


# ----- row 2: newCall -> notification stored at the fake Slack ------------------------------------


def notification_latency(
    bot: Process, fakes: Fakes, plan: Plan, run: str, *, slack_delay: float
) -> load.Latencies:
    """Send newCall at plan.notify_rate for plan.notify_seconds; time each to its post."""
    count = round(plan.notify_rate * plan.notify_seconds)
    calls = [load.call_id(run, n) for n in range(count)]
    signed = _signed_new_calls(fakes, calls)
    sent: dict[int, float] = {}
    failures: list[str] = []

    def send(i: int) -> None:
        body, signature = signed[i]
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
            "X-Sipgate-Signature": signature,
        }
        sent[i] = time.monotonic()
        status, _ = _post(bot.url + "/sipgate/webhook", body, headers)
        if status != 200:
            failures.append(f"webhook answered {status}")

    if slack_delay:
        fakes.slack.delay("chat.postMessage", slack_delay)
    try:
        deadline = time.monotonic() + plan.notify_seconds + 1
        load.at_fixed_rate(send, count=count, rate=plan.notify_rate, deadline=deadline)
        _wait_for_posts(fakes, [calls[i] for i in sent], plan.notify_wait)
    finally:
        fakes.slack.clear_failures()
    result = load.Latencies(errors=failures)
    for i, started in sent.items():
        stored = fakes.arrivals.post_time(calls[i])
        if stored is None:
            result.missing += 1
        else:
            result.samples.append(stored - started)
    return result


def _signed_new_calls(fakes: Fakes, calls: list[str]) -> list[tuple[bytes, str]]:
    """(body, signature) of a newCall for each call id, each from its own number."""
    bodies = [
        urlencode(load.call_events(cid, f"49302{n:07d}")[0]).encode("ascii")
        for n, cid in enumerate(calls)
    ]
    return [(body, sipgate_signature(fakes.private_key, body)) for body in bodies]


def _wait_for_posts(fakes: Fakes, calls: list[str], seconds: float) -> None:
    """Wait until the fake Slack has a post for every call, or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(fakes.arrivals.post_time(call) for call in calls):
            return
        time.sleep(0.05)


def latency_row(key: str, label: str, result: load.Latencies, *, waited: float) -> Row:
    """A table row from latency samples; a percentile that fell on a missing one stays empty."""
    total = len(result.samples) + result.missing
    row = Row(key, label, p50_ms=result.percentile(50), p99_ms=result.percentile(99))
    row.extra = result.summary()
    row.note = f"{total} samples"
    if result.missing:
        row.note += f"; {result.missing} not there within {waited:.0f} s"
        if row.p99_ms is None:
            row.value = f"p99 > {waited * 1000:.0f} ms"
    if result.errors:
        row.note += f"; {len(result.errors)} errors ({result.errors[0]})"
    return row


# ----- rows 3 and 4: slash commands ---------------------------------------------------------------


@dataclass
class CommandTiming:
    """One signed slash command: time to the ack and to the first matching response-URL post."""

    ack: float
    reply: float | None
    ack_body: bytes


def slash_command(
    bot: Process,
    fakes: Fakes,
    command: str,
    text: str,
    *,
    expect: bytes,
    wait: float,
    in_ack: bool = True,
) -> CommandTiming:
    """Send a signed command; the reply is the first message containing `expect`.

    With `in_ack` False only response-URL posts count (a confirmation that comes later).
    """
    requester = SlackRequester(bot.url, SIGNING_SECRET, fakes.slack_url)
    response_url = requester.response_url("commands")
    body = requester.command_body(command, text, response_url=response_url)
    headers = slack_headers(SIGNING_SECRET, body)
    started = time.monotonic()
    status, answer = _post(bot.url + "/slack/events", body.encode("utf-8"), headers)
    acked = time.monotonic() - started
    if status != 200:
        raise RuntimeError(f"{command} was answered with HTTP {status}")
    if in_ack and expect in answer:
        return CommandTiming(acked, acked, answer)
    path = urlsplit(response_url).path
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for arrived, posted in fakes.arrivals.response_posts(path):
            if expect in posted:
                return CommandTiming(acked, arrived - started, answer)
        time.sleep(0.005)
    return CommandTiming(acked, None, answer)


def call_ack_rows(bot: Process, fakes: Fakes, plan: Plan) -> list[Row]:
    """`/call` while the fake sipgate answers POST /sessions/calls 2 s late."""
    fakes.sipgate.delay("POST /sessions/calls", 2)
    timings: list[CommandTiming] = []
    failures: list[str] = []

    def send(i: int) -> None:
        try:
            # The confirmation is the first post to the response_url after the ack.
            timing = slash_command(
                bot, fakes, "/call", f"0211 555{i:04d}", expect=b"", wait=15, in_ack=False
            )
            timings.append(timing)
        except Exception as exc:  # reported in the row, never dropped
            failures.append(f"{type(exc).__name__}: {exc}")

    try:
        deadline = time.monotonic() + plan.call_count / plan.call_rate + 1
        load.at_fixed_rate(send, count=plan.call_count, rate=plan.call_rate, deadline=deadline)
    finally:
        fakes.sipgate.clear_failures()
    acks = load.Latencies(samples=[t.ack for t in timings], errors=failures)
    replies = load.Latencies(samples=[t.reply for t in timings if t.reply is not None])
    replies.missing = len(timings) - len(replies.samples)
    return [
        latency_row("3_call_ack", "/call ack (sipgate 2 s)", acks, waited=15),
        latency_row("3_call_confirmation", "/call confirmation (sipgate 2 s)", replies, waited=15),
    ]


def contacts(count: int) -> list[dict[str, Any]]:
    """`count` sipgate contacts named "Kunde 00000" … with one number each."""
    return [
        {"name": f"Kunde {i:05d}", "numbers": [{"number": f"+4940{i:07d}", "type": ["work"]}]}
        for i in range(count)
    ]


def lookup_rows(bot: Process, fakes: Fakes, plan: Plan) -> list[Row]:
    """`/lookup` with 10,000 contacts: the first after start (cold), then warm ones."""
    cold = slash_command(bot, fakes, "/lookup", "kunde 04711", expect=b"Kunde 04711", wait=30)
    cold_result = load.Latencies(samples=[cold.reply] if cold.reply is not None else [])
    cold_result.missing = 0 if cold.reply is not None else 1
    picks = random.Random(8).sample(range(10_000), plan.warm_lookups)
    warm = load.Latencies()
    for n in picks:
        timing = slash_command(
            bot, fakes, "/lookup", f"kunde {n:05d}", expect=f"Kunde {n:05d}".encode(), wait=10
        )
        if timing.reply is None:
            warm.missing += 1
        else:
            warm.samples.append(timing.reply)
    where = "in the ack" if b"Kunde 04711" in cold.ack_body else "at the response_url"
    rows = [
        latency_row("4_lookup_cold", "/lookup 10k contacts, cold", cold_result, waited=30),
        latency_row("4_lookup_warm", "/lookup 10k contacts, warm", warm, waited=10),
    ]
    for row in rows:
        row.note += f"; reply {where}"
    return rows


# ----- row 5: memory ------------------------------------------------------------------------------


def memory_row(key: str, label: str, process: Process) -> Row:
    """Memory of the server, all its processes together: PSS (shared pages counted once; the
    figure held against the target) with the RSS sum and the largest process in the note."""
    rss, pss = process.rss_kib(), process.pss_kib()
    total = sum(pss.values()) / 1024
    rss_total = sum(rss.values()) / 1024
    largest = max(rss.values()) / 1024 if rss else 0.0
    note = (
        f"{len(rss)} processes (server, worker, notifier): PSS sum; RSS sum {rss_total:.0f} MB, "
        f"largest process {largest:.0f} MB RSS"
    )
    return Row(
        key, label, value=f"{total:.0f} MB", note=note, extra={"rss_kib": rss, "pss_kib": pss}
    )
