"""`sipgate-slack serve | check | manifest`: argument parsing and printed verdicts only."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from bot import __version__
from bot.config import Config, ConfigError

MANIFEST_PATH = Path(__file__).resolve().parent.parent / "manifest.yml"
MANIFEST_PLACEHOLDER = "https://sipgate-slack.example.com"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sipgate-slack",
        description="Call, text and fax from Slack with sipgate.",
    )
    parser.add_argument("--version", action="version", version=f"sipgate-slack {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the bot's HTTP server and scheduler")
    serve.add_argument("--host", help="listen address (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: PORT or 3000)")
    serve.add_argument(
        "--server",
        choices=("gunicorn", "granian"),
        help="WSGI server (default: granian, measured faster; see the README's Benchmark)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes, each with 8 threads (default: WEB_CONCURRENCY or 1)",
    )
    serve.set_defaults(run=_serve)

    bench = sub.add_parser(
        "bench", help="benchmark the server against the fakes (see README, Benchmark)"
    )
    bench.add_argument("--quick", action="store_true", help="a few seconds per row")
    bench.add_argument("--out", help="JSON results file (default: bench/results.json)")
    bench.set_defaults(run=_bench)

    check = sub.add_parser("check", help="check the Slack and sipgate credentials and webhook key")
    check.set_defaults(run=_check)

    manifest = sub.add_parser("manifest", help="print manifest.yml with your public URL filled in")
    manifest.add_argument(
        "--url", required=True, help="public base URL, e.g. https://bot.example.com"
    )
    manifest.set_defaults(run=_manifest)

    demo = sub.add_parser(
        "demo", help="try the bot without accounts: simulated Slack and sipgate in your browser"
    )
    demo.add_argument("--port", type=int, default=0, help="port of the demo page (default: free)")
    demo.add_argument("--data", help="directory for the demo's SQLite (default: a temporary one)")
    demo.set_defaults(run=_demo)
    return parser


def _load_config(overrides: dict[str, str] | None = None) -> Config | None:
    environ = dict(os.environ)
    environ.update(overrides or {})
    try:
        return Config.from_env(environ, env_file=Path.cwd() / ".env")
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(
            "\nSet these as environment variables or in a .env file in this directory "
            "(see README.md, Configuration). To try the bot without any accounts, run "
            "`sipgate-slack demo`.",
            file=sys.stderr,
        )
        return None


def _serve(args: argparse.Namespace) -> int:
    overrides = {}
    if args.host:
        overrides["HOST"] = args.host
    if args.port:
        overrides["PORT"] = str(args.port)
    config = _load_config(overrides)
    if config is None:
        return 2
    from bot.server import DEFAULT_SERVER, run_server, workers_problem

    workers = _workers(args.workers)
    source = "--workers" if args.workers is not None else "WEB_CONCURRENCY"
    problem = workers if isinstance(workers, str) else workers_problem(workers, config, source)
    if problem or isinstance(workers, str):
        print(problem, file=sys.stderr)
        return 2
    # The worker processes rebuild the config from the environment; gunicorn reads
    # WEB_CONCURRENCY as it loads, so it must hold the number chosen here.
    overrides["WEB_CONCURRENCY"] = str(workers)
    os.environ.update(overrides)
    return run_server(config, args.server or DEFAULT_SERVER, workers)


def _workers(given: int | None) -> int | str:
    """Worker processes: --workers, else WEB_CONCURRENCY (the convention of Heroku and gunicorn),
    else 1; a message when WEB_CONCURRENCY is not a number."""
    if given is not None:
        return given
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    try:
        return int(raw) if raw else 1
    except ValueError:
        return f"WEB_CONCURRENCY must be a whole number of worker processes (got {raw[:20]!r})"


def _bench(args: argparse.Namespace) -> int:
    # The benchmark lives next to the package in the repository, not in the installed wheel.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        from bench.run import run_bench
    except ModuleNotFoundError:
        print("The benchmark runs from a clone of the repository (bench/).", file=sys.stderr)
        return 2
    result: int = run_bench(quick=args.quick, out=args.out)
    return result


def _demo(args: argparse.Namespace) -> int:
    from bot.demo.runner import run

    return run(port=args.port, data_dir=Path(args.data) if args.data else None)


def _check(args: argparse.Namespace) -> int:
    config = _load_config()
    if config is None:
        return 2
    from bot.checks import run_checks

    results = run_checks(config)
    width = max(len(r.name) for r in results)
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        print(f"[{mark}] {result.name.ljust(width)}  {result.message}")
    failed = [r for r in results if not r.ok]
    print("\nAll checks passed." if not failed else f"\n{len(failed)} check(s) failed.")
    return 0 if not failed else 1


def _manifest(args: argparse.Namespace) -> int:
    url: str = args.url.rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        print(
            "--url must be your public https:// base URL, e.g. https://bot.example.com",
            file=sys.stderr,
        )
        return 2
    if not MANIFEST_PATH.is_file():
        print(f"manifest.yml not found at {MANIFEST_PATH}", file=sys.stderr)
        return 2
    print(render_manifest(url), end="")
    return 0


def render_manifest(url: str) -> str:
    """manifest.yml with every request URL pointing at `url`."""
    return MANIFEST_PATH.read_text(encoding="utf-8").replace(MANIFEST_PLACEHOLDER, url)
