"""The `sandbox` command group of the `openrush-tui` command line."""

from __future__ import annotations

import argparse
import ipaddress
from datetime import datetime
from pathlib import Path

from openrush_tui.clock import parse_instant
from openrush_tui.sandbox import extra
from openrush_tui.sandbox.options import (
    DEFAULT_DEVICE_INTERVAL,
    DEFAULT_TOKEN_SECONDS,
    PREDICTABLE_KEYS_WARNING,
    ExtraKey,
    RateLimits,
    SandboxOptions,
    default_db_path,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _port(text: str) -> int:
    value = _count(text)
    if value > 65535:  # bind() would raise OverflowError: a traceback, not a usage error
        raise argparse.ArgumentTypeError("must be 65535 or less")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _extra_keys(text: str) -> tuple[ExtraKey, ...]:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.sandbox.extra_keys import load_extra_keys

    try:
        return load_extra_keys(Path(text))
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = subparsers.add_parser(
        "sandbox",
        help="run the local OpenRush-compatible sandbox API",
        description="A local OpenRush-compatible API with a demo account, for trying the "
        "TUI, scripts and curl with no network and no real credits.",
    )
    commands = sandbox.add_subparsers(dest="sandbox_command", metavar="COMMAND", required=True)
    serve = commands.add_parser("serve", help="serve the sandbox over HTTP on a loopback address")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="loopback address (default %(default)s)"
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help="port, 0 for any free one (default %(default)s)",
    )
    serve.add_argument(
        "--db",
        type=Path,
        default=None,
        help="SQLite file (default: sandbox.sqlite3 in the user data directory)",
    )
    serve.add_argument(
        "--fixed-now",
        type=_instant,
        default=None,
        metavar="ISO",
        help="pin the sandbox clock, e.g. 2026-06-26T12:00:00Z",
    )
    serve.add_argument(
        "--key-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed the key and id generator so runs are repeatable (keys and the session "
        "secret become predictable: tests and demos only)",
    )
    serve.add_argument(
        "--seed-keys",
        type=_count,
        default=0,
        metavar="N",
        help="top the demo account up to at least N extra keys",
    )
    serve.add_argument(
        "--seed-events",
        type=_count,
        default=0,
        metavar="N",
        help="top the demo account up to at least N extra usage events",
    )
    serve.add_argument(
        "--balance",
        type=_count,
        default=None,
        metavar="N",
        help="demo balance of a new database (default 1250)",
    )
    serve.add_argument(
        "--extra-keys",
        type=_extra_keys,
        default=(),
        metavar="FILE",
        help="add the keys described in this JSON file to the demo account, with chosen ages: "
        'a list such as [{"name": "Legacy", "created_days_ago": 200, "last_used_days_ago": 45, '
        '"expires_in_days": null, "revoked": false}] (docs/sandbox.md)',
    )
    defaults = RateLimits()
    for window, default in (
        ("minute", defaults.per_minute),
        ("hour", defaults.per_hour),
        ("day", defaults.per_day),
    ):
        serve.add_argument(
            f"--rate-per-{window}",
            type=_positive,
            default=default,
            metavar="N",
            help=f"requests per {window} per account (default %(default)s)",
        )
    serve.add_argument(
        "--failed-auth-per-minute",
        type=_positive,
        default=defaults.failed_auth_per_minute,
        metavar="N",
        help="failed authentications per revoked or expired key per minute before that key is "
        "refused for the rest of the minute; calls with no key or an unknown one are never "
        "counted (default %(default)s)",
    )
    serve.add_argument(
        "--token-seconds",
        type=_positive,
        default=DEFAULT_TOKEN_SECONDS,
        metavar="N",
        help="life of an access token from a browser sign-in, in seconds (default "
        "%(default)s; see docs/oauth.md)",
    )
    serve.add_argument(
        "--device-interval",
        type=_positive,
        default=DEFAULT_DEVICE_INTERVAL,
        metavar="N",
        help="seconds a terminal signing in with a code waits between polls (default "
        "%(default)s)",
    )
    serve.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    # `args.out` and `args.err` are the command line's one writer (`commands.output`), given
    # by the command line: the sandbox imports nothing of ours but the clock.
    if not is_loopback(args.host):
        args.err.write(
            f"openrush-tui sandbox serve: refusing --host {args.host}: the sandbox binds "
            "loopback addresses only (127.0.0.1, ::1, localhost).\n"
        )
        return 2
    try:
        # lazy: start-up (--help imports every command module): uvicorn and FastAPI load only
        # here, and only with the [sandbox] extra installed
        from openrush_tui.sandbox.server import serve
    except ModuleNotFoundError as missing:
        if (missing.name or "").startswith("openrush_tui"):
            raise  # one of ours: a bug, not the extra
        args.err.write(extra.hint("sandbox serve", missing.name) + "\n")
        return 2
    options = SandboxOptions(
        db_path=args.db if args.db is not None else default_db_path(),
        now=args.fixed_now,
        key_seed=args.key_seed,
        seed_keys=args.seed_keys,
        seed_events=args.seed_events,
        balance=args.balance,
        rate_limits=RateLimits(args.rate_per_minute, args.rate_per_hour, args.rate_per_day,
                               args.failed_auth_per_minute),
        extra_keys=args.extra_keys,
        token_seconds=args.token_seconds,
        device_interval=args.device_interval,
    )
    if args.key_seed is not None:
        args.err.write(PREDICTABLE_KEYS_WARNING + "\n")
    return serve(options, args.host, args.port, out=args.out, err=args.err)
