"""Small pieces of the sandbox: rate-limit windows, cursors, key helpers, the serve command."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import pytest

from openrush_tui.clock import parse_instant
from openrush_tui.sandbox import cursor, keys
from openrush_tui.sandbox.cli import is_loopback, register
from openrush_tui.sandbox.options import RateLimits
from openrush_tui.sandbox.ratelimit import RateLimiter

NOW = parse_instant("2026-06-26T12:00:00Z")
EVERYWHERE = "0.0.0.0"  # noqa: S104 (only ever refused here)


def test_fixed_windows_refuse_then_roll_over() -> None:
    limiter = RateLimiter(RateLimits(per_minute=2, per_hour=3, per_day=100))
    first = limiter.hit("acct", NOW)
    assert (first.allowed, first.window, first.remaining) == (True, "minute", 1)
    assert first.reset == int(NOW.timestamp()) + 60
    assert limiter.hit("acct", NOW + timedelta(seconds=30)).remaining == 0
    refused = limiter.hit("acct", NOW + timedelta(seconds=59.5))
    assert (refused.allowed, refused.retry_after) == (False, 1)
    assert limiter.hit("other", NOW).allowed  # per account
    third = limiter.hit("acct", NOW + timedelta(minutes=1))
    assert (third.allowed, third.window, third.remaining) == (True, "hour", 0)
    blocked = limiter.hit("acct", NOW + timedelta(minutes=2))
    assert (blocked.allowed, blocked.window, blocked.retry_after) == (False, "hour", 3480)
    assert blocked.headers() == {"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "0",
                                 "X-RateLimit-Reset": str(int(NOW.timestamp()) + 3600)}  # fmt: skip


def test_cursor_round_trip_and_rejects_forgeries() -> None:
    assert cursor.decode(cursor.encode("2026-06-26T12:00:00Z", 42)) == ("2026-06-26T12:00:00Z", 42)
    for bad in ("", "!!!", "djJ8eHx5", cursor.encode("yesterday", 1)):
        with pytest.raises(ValueError):
            cursor.decode(bad)


def test_key_helpers() -> None:
    key = keys.TokenSource(seed=1).api_key()
    assert key == keys.TokenSource(seed=1).api_key() != keys.TokenSource(seed=1, stream=1).api_key()
    assert keys.display_prefix(key) == key[:9]
    assert keys.fingerprint(key) == keys.key_hash(key)[:16]
    assert keys.matches(key, keys.key_hash(key)) and not keys.matches(key + "x", keys.key_hash(key))


@pytest.mark.parametrize(("host", "ok"), [("127.0.0.1", True), ("127.0.0.2", True),
                                          ("::1", True), ("localhost", True),
                                          (EVERYWHERE, False), ("192.168.1.5", False),
                                          ("example.com", False)])  # fmt: skip
def test_only_loopback_hosts(host: str, ok: bool) -> None:
    assert is_loopback(host) is ok


def test_serve_refuses_a_public_host_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="openrush-tui")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sandbox", "serve", "--host", EVERYWHERE, "--rate-per-minute", "5"])
    assert args.rate_per_minute == 5 and args.port == 8787
    args.out, args.err = sys.stdout, sys.stderr  # the streams the command line hands it
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and EVERYWHERE in err and "loopback" in err
