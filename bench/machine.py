"""The machine description, the targets from issue 8, and the printed table."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.rows import Row
from bench.servers import PEER_DIR
from bot.server import DEFAULT_SERVER


def loadavg() -> str:
    """The 1/5/15-minute load averages (a loaded machine moves every figure)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _command_version(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        return "not installed"
    done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0].split(" Copyright")[0] if text else "?"


def describe() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python and the versions of everything measured."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    peer = PEER_DIR / "node_modules" / "sipgateio" / "package.json"
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": {
            name: _version(name)
            for name in ("flask", "werkzeug", "slack-bolt", "gunicorn", "granian")
        },
        "node": _command_version(["node", "--version"]),
        "sipgateio": peer.read_text().split('"version": "')[1].split('"')[0]
        if peer.is_file()
        else "not installed yet",
        "wrk": _command_version(["wrk", "--version"]),
        "load_before": loadavg(),
    }


def render(about: dict[str, Any]) -> str:
    """The machine as printed above the table."""
    packages = ", ".join(f"{k} {v}" for k, v in about["packages"].items())
    lines = [
        f"Machine: {about['cpu']}, {about['cores']} cores, {about['memory_gib']} GiB,"
        f" {about['os']}",
        f"Python {about['python']}: {packages}",
        f"Node {about['node']}, sipgateio {about['sipgateio']}, {about['wrk']}",
        f"Load average before: {about['load_before']}",
    ]
    return "\n".join(lines)


# ----- targets ---------------------------------------------------------------------------------


def _find(rows: list[Row], key: str, server: str | None = None) -> Row | None:
    return next((r for r in rows if r.key == key and server in (None, r.server)), None)


def _check(name: str, target: str, measured: str, met: bool | None) -> dict[str, Any]:
    return {"name": name, "target": target, "measured": measured, "met": met}


def _ratios(rows: list[Row], server: str) -> tuple[float, float] | None:
    """(bot p99 / floor p99, bot req/s / floor req/s) for one server, when both ran."""
    bot, floor = _find(rows, "1_webhook", server), _find(rows, "1_floor", server)
    if not (bot and floor and bot.p99_ms and floor.p99_ms and bot.rps and floor.rps):
        return None
    return bot.p99_ms / floor.p99_ms, bot.rps / floor.rps


def _latency_target(rows: list[Row], key: str, name: str, limit: float) -> dict[str, Any]:
    row = _find(rows, key)
    if row is None or row.value.startswith("n/a"):
        return _check(name, f"p99 < {limit:.0f} ms", row.value if row else "not run", None)
    if row.p99_ms is None:
        return _check(name, f"p99 < {limit:.0f} ms", row.value or "no samples", False)
    return _check(name, f"p99 < {limit:.0f} ms", f"p99 {row.p99_ms:.1f} ms", row.p99_ms < limit)


def targets(rows: list[Row]) -> list[dict[str, Any]]:
    """Each target of issue 8 with the figure measured and whether it is met."""
    ratios = _ratios(rows, DEFAULT_SERVER)
    found = [
        _check(
            f"webhook vs floor ({DEFAULT_SERVER})",
            "p99 at most 3x the floor's and req/s at least 1/3 of it (0.33x)",
            f"p99 {ratios[0]:.1f}x, req/s {ratios[1]:.2f}x" if ratios else "not run",
            (ratios[0] <= 3 and ratios[1] >= 1 / 3) if ratios else None,
        )
    ]
    bot, peer = _find(rows, "1_webhook", DEFAULT_SERVER), _find(rows, "1_peer")
    if bot and peer and bot.rps and peer.rps and bot.p99_ms and peer.p99_ms:
        found.append(
            _check(
                "webhook vs peer (sipgateio)",
                "ahead of the peer in req/s and p99",
                f"req/s {bot.rps:.0f} vs {peer.rps:.0f},"
                f" p99 {bot.p99_ms:.1f} vs {peer.p99_ms:.1f} ms",
                bot.rps > peer.rps and bot.p99_ms < peer.p99_ms,
            )
        )
    found += [
        _latency_target(rows, "2_notification", "notification at 20 calls/s", 250),
        _latency_target(rows, "3_call_ack", "/call ack with a 2 s sipgate", 300),
        _latency_target(rows, "4_lookup_warm", "/lookup warm, 10k contacts", 50),
    ]
    idle = _find(rows, "5_rss_idle")
    mb = float(idle.value.split()[0]) if idle and idle.value else None
    found.append(
        _check(
            "idle memory (PSS, all processes)",
            "< 150 MB",
            idle.value if idle else "not run",
            mb < 150 if mb else None,
        )
    )
    return found


# ----- the table -------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _ratio(row: Row, rows: list[Row]) -> str:
    if row.key != "1_webhook":
        return ""
    ratios = _ratios(rows, row.server)
    return f"p99 {ratios[0]:.1f}x, req/s {ratios[1]:.2f}x" if ratios else ""


def report(rows: list[Row], about: dict[str, Any], *, quick: bool) -> str:
    """The whole table, the targets and the closing notes, as printed."""
    header = ["row", "server", "p50 ms", "p99 ms", "req/s", "vs floor", "value", "note"]
    body = [
        [
            r.label,
            r.server,
            _ms(r.p50_ms),
            _ms(r.p99_ms),
            "-" if r.rps is None else f"{r.rps:.0f}",
            _ratio(r, rows),
            r.value,
            r.note,
        ]
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    out = [
        "",
        f"Benchmark ({'quick' if quick else 'full'} run, production server: {DEFAULT_SERVER})",
    ]
    for line in [header, ["-" * w for w in widths], *body]:
        out.append("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)))
    out += ["", "Targets (issue 8):"]
    for t in targets(rows):
        verdict = {True: "met", False: "NOT MET", None: "n/a"}[t["met"]]
        out.append(f"  [{verdict}] {t['name']}: {t['target']}; measured {t['measured']}")
    out.append(
        f"\nLoad average before {about['load_before']}, after {about.get('load_after')}; "
        f"{about.get('seconds')} s in all."
    )
    return "\n".join(out)
