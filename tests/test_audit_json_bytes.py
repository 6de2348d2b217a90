"""`keys audit --json`'s whole output, byte for byte, pinned before its path was made faster
(issue 23): a faster path may not change one byte of it, nor its closing line on stderr.

The digests below were recorded from the command as it was (`fbe04d4`: `AuditTally.check`
with `findings_of` per key, `audit_items`: each test's failure says what it got), and are
kept. Two accounts: a sandbox's (its demo keys,
300 bulk ones, and keys of every finding and none, with names JSON must escape) over real
HTTP, and a hand-made list of outside data served in pages of 7 (times with offsets,
microseconds, at the calendar's ends, on the rules' and `relative`'s boundaries, expiries
before creation, revoked keys, a lone surrogate) under several rule sets. A hypothesis
property holds the same command to a reference written here, apart from the code it checks
(the rules as they were, `json_text` of the whole report), on any list.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.backends import fail

from openrush_tui.api.models import ApiCredential
from openrush_tui.cli import main
from openrush_tui.clock import EARLIEST, LATEST, format_instant, parse_instant, shifted
from openrush_tui.keys.ages import Ages
from openrush_tui.keys.audit import AuditRules, AuditTally, findings_of
from openrush_tui.sandbox.options import ExtraKey, RateLimits
from openrush_tui.text.safe import json_text
from openrush_tui.text.times import relative
from tests.support.accounts import UseKeyring
from tests.support.scripted_server import Reply, ScriptedServer
from tests.support.threaded_sandbox import Served, threaded_sandbox

SANDBOX_NOW = parse_instant("2026-06-26T12:00:00Z")
# The command's own clock: a while after the sandbox's, off the whole second.
NOW = datetime(2026, 6, 26, 15, 30, 7, 250_000, tzinfo=UTC)
ODD_NAMES = ('quote " and backslash \\ and slash /', "clé ünïcödé 🔑 名前",
             "line\u2028separator and \u007f delete", "tab\tnewline\ncarriage\rbell\x07",
             "<script>&amp;</script>")
# Every finding, none, and two at once, against the sandbox's clock (days).
AGES = ((400, None, None, False), (400, 0.2, None, False), (45, 31, None, False),
        (45, None, 3, False), (3, 1, 2.5, False), (1.5, None, 0.6, False), (20, 2, -1, False),
        (95, 94, None, False), (91, None, 40, False), (200, 10, -100, True), (29.9, None, None,
                                                                               False),
        (0.01, None, -0.02, False), (30.2, 30.1, 6.9, False), (7.3, None, 7.1, False))
EXTRA = (*(ExtraKey(name, created_days_ago=number * 37.5, last_used_days_ago=None if number % 2
                    else 31.25, expires_in_days=None if number % 3 else -2.0 + number,
                    revoked=number == 4) for number, name in enumerate(ODD_NAMES)),
         *(ExtraKey(f"aged {n}", created_days_ago=made, last_used_days_ago=used,
                    expires_in_days=ends, revoked=revoked)
           for n, (made, used, ends, revoked) in enumerate(AGES)))

# sha256 of stdout, and the line on stderr, of each run (recorded at fbe04d4).
SANDBOX_PINS: dict[str, tuple[str, str]] = {
    "default": ("fdc1796aacf2778c4e408df9fe3ee40f00b69226c9f130491dc0a29e1d37495b",
                "231 keys need attention (of 296 keys not revoked)."),
    "zero": ("dbcb2850d03471df5397c5341121bc06ef3c3d4c1a6f5409b7fe36bdaef69cd6",
             "296 keys need attention (of 296 keys not revoked)."),
    "wide": ("e918f864f71a55ace2de63501e257115612ed2436884bd6ebff23a20d2875a5b",
             "289 keys need attention (of 296 keys not revoked)."),
    "long": ("2430871e89b4442fdb446e019be58477fb5d8e288a5328617286bc331c49b47f",
             "206 keys need attention (of 296 keys not revoked)."),
}
SCRIPTED_PINS: dict[str, tuple[str, str]] = {
    "default": ("ecc708d594975ae2fa62dcc79d3de402d097647b59205b3d1cdca92b0d6a2232",
                "32 keys need attention (of 46 keys not revoked)."),
    "zero": ("8a237eeda55d0c3de18a574aacdf50b6afeecf3de48cc762b3c2d909caffe475",
             "44 keys need attention (of 46 keys not revoked)."),
    "wide": ("ddc2557aa0adbb5f492b093ee163746add2459e10c2c464f64a4d3eca9ce6510",
             "42 keys need attention (of 46 keys not revoked)."),
    "long": ("c722e7b5fb8f70b87e2c31708118dd5e55ed147eda4755b91cdb699cd816f106",
             "24 keys need attention (of 46 keys not revoked)."),
}
RULE_SETS = {"default": (), "zero": ("--idle-days", "0", "--expiring-days", "0"),
             "wide": ("--idle-days", "1", "--expiring-days", "36500"),
             "long": ("--idle-days", "36500", "--expiring-days", "3")}


# -- the hand-made list ---------------------------------------------------------------------------


def at(delta: timedelta, offset: timedelta = timedelta(0)) -> str:
    """NOW + `delta` as a server might write it, in the zone `offset` (microseconds kept)."""
    instant = (NOW + delta).astimezone(timezone(offset))
    return instant.isoformat().replace("+00:00", "Z")


def hand_made() -> list[dict[str, Any]]:
    """Outside data of every shape the audit meets (each key a different case)."""
    day, second = timedelta(days=1), timedelta(seconds=1)
    cases: list[tuple[str, str | None, str | None, bool]] = [
        (at(-400 * day), None, None, True),  # never used, no expiry
        (at(-400 * day, timedelta(hours=5, minutes=30)), at(-2 * day, -timedelta(hours=8)),
         None, True),
        (at(-30 * day), None, None, True),  # exactly idle_days
        (at(-30 * day + second), None, None, True),  # a second short
        (at(-90 * day), at(-1 * second), None, True),  # exactly no_expiry_days
        (at(-90 * day + timedelta(microseconds=1)), at(-44 * second), None, True),
        (at(-45 * day), at(-45 * second), at(timedelta(0)), True),  # expires this instant
        (at(-45 * day), at(-30 * day), at(timedelta(microseconds=1)), True),
        (at(-3 * day), None, at(3.5 * day), True),  # half its life: not yet
        (at(-1 * day), None, at(1 * day), True),  # short-lived: half its life left
        (at(-1 * day), None, at(1 * day + timedelta(microseconds=1)), True),
        (at(-10 * day), at(-9 * day), at(7 * day), True),  # exactly expiring_days
        (at(-10 * day), at(-9 * day), at(7 * day + second), True),
        (at(2 * day), None, at(1 * day), True),  # created in the future, expires before it
        (at(-5 * day), None, at(-6 * day), True),  # expired before it was made
        (at(-1.5 * day), at(-36 * timedelta(hours=1)), None, True),  # rounding: 1.5 days
        (at(-2.5 * day), None, at(2.5 * day), True),
        (at(-400 * day), at(-45 * day - 30 * second), at(-365 * day), True),
        (at(-400 * day), None, None, False),  # revoked: nothing
        (at(-1000 * day), at(-500 * day), at(-10 * day), False),
        ("0001-01-03T00:00:00Z", None, None, True),  # the calendar's ends
        ("0001-01-03T00:00:00Z", "0001-01-04T00:00:00.000001Z", "9999-12-29T23:59:59Z", True),
        (at(-60 * day), at(-59 * day), "9999-12-29T00:00:00+01:00", True),
        (at(-3 * timedelta(hours=1)), None, at(timedelta(hours=2)), True),
        (at(-400 * day), at(-31 * day), at(6 * day), True),  # expiring and idle
    ]
    names = [*ODD_NAMES, "plain", "x" * 120, "\ud800 lone surrogate", "émoji 🔑", "🔑" * 30]
    keys = []
    for number, (made, used, ends, active) in enumerate(cases * 2):
        item: dict[str, Any] = {"id": f"cred_{number:05d}", "account_id": "acct_1",
                                "name": names[number % len(names)],
                                "prefix": f"or_{number:06d}...", "is_active": active,
                                "created_at": made, "last_used_at": used, "expires_at": ends}
        if number % 5 == 1:
            item["fingerprint"] = f"fp{number}"
        if number % 4 == 3:
            del item["last_used_at"]  # absent, not null
        keys.append(item)
    return keys


def pages_of(keys: list[dict[str, Any]], size: int) -> list[bytes]:
    chunks = [keys[start:start + size] for start in range(0, len(keys), size)]
    return [json.dumps({"api_credentials": chunk,
                        "next_cursor": f"k{n + 1}" if n + 1 < len(chunks) else None}).encode()
            for n, chunk in enumerate(chunks)]


# -- running the command --------------------------------------------------------------------------


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def pin(self) -> tuple[str, str]:
        return hashlib.sha256(self.out.encode("utf-8", "surrogatepass")).hexdigest(), \
            self.err.strip()


def audit_json(*flags: str) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["keys", "audit", "--json", *flags])
    return Ran(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("audit-bytes"), now=SANDBOX_NOW,
                          key_seed=23, seed_keys=300, extra_keys=EXTRA,
                          rate_limits=RateLimits(10**7, 10**8, 10**9)) as running:
        yield running


@pytest.fixture
def at_now(monkeypatch: pytest.MonkeyPatch, isolated_home: Path,
           use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    monkeypatch.setattr("openrush_tui.commands.lifecycle.system_clock", lambda: NOW)


@pytest.mark.parametrize("rules", list(RULE_SETS))
def test_the_sandbox_accounts_audit_is_byte_for_byte_as_pinned(
        served: Served, at_now: None, monkeypatch: pytest.MonkeyPatch, rules: str) -> None:
    monkeypatch.setenv("OPENRUSH_API_URL", served.base_url)
    monkeypatch.setenv("OPENRUSH_KEY", served.sandbox.mint_bootstrap_key())
    ran = audit_json(*RULE_SETS[rules])
    assert ran.code == 0, ran.err
    assert ran.pin() == SANDBOX_PINS[rules], ran.pin()


@pytest.mark.parametrize("rules", list(RULE_SETS))
def test_a_hand_made_lists_audit_in_pages_of_seven_is_byte_for_byte_as_pinned(
        at_now: None, monkeypatch: pytest.MonkeyPatch, rules: str) -> None:
    monkeypatch.setenv("OPENRUSH_KEY", "or_" + "k" * 40)
    with ScriptedServer() as server:
        server.add(*(Reply(200, body) for body in pages_of(hand_made(), 7)))
        monkeypatch.setenv("OPENRUSH_API_URL", server.url)
        ran = audit_json(*RULE_SETS[rules])
    assert ran.code == 0, ran.err
    assert len(server.requests) == 8
    assert ran.pin() == SCRIPTED_PINS[rules], ran.pin()


# -- any list, against a reference written apart ----------------------------------------------


def reference_findings(key: ApiCredential, now: datetime,
                       rules: AuditRules) -> list[tuple[str, str]]:
    """The rules as `keys.audit.findings_of` had them (kind, reason), written out again."""
    if not key.is_active:
        return []
    expires, used, created = key.expires_at, key.last_used_at, key.created_at
    if expires is not None and expires <= now:
        return [("expired", f"expired {relative(expires, now)}")]
    found = []
    if expires is not None:
        window = min(timedelta(days=rules.expiring_days),
                     max(expires - created, timedelta(0)) / 2)
        if expires - now <= window:
            found.append(("expiring", f"expires {relative(expires, now)}"))
    if used is None and now - created >= timedelta(days=rules.idle_days):
        found.append(("never-used", f"never used, created {relative(created, now)}"))
    if used is not None and now - used >= timedelta(days=rules.idle_days):
        found.append(("idle", f"last used {relative(used, now)}"))
    if expires is None and now - created >= timedelta(days=rules.no_expiry_days):
        found.append(("no-expiry", f"no expiry, created {relative(created, now)}"))
    return found


def reference_document(keys: list[ApiCredential], now: datetime, rules: AuditRules) -> str:
    """The whole report at once, indented by `json_text` (what the command printed first)."""
    entries = []
    counts = dict.fromkeys(("expired", "expiring", "never-used", "idle", "no-expiry"), 0)
    for one in keys:
        found = reference_findings(one, now, rules)
        if not found:
            continue
        dumped = one.model_dump(mode="json")
        for kind, _ in found:
            counts[kind] += 1
        entries.append({"id": dumped["id"], "name": dumped["name"], "prefix": dumped["prefix"],
                        "kinds": [kind for kind, _ in found],
                        "reason": "; ".join(reason for _, reason in found),
                        "findings": [{"kind": kind, "reason": reason} for kind, reason in found],
                        **{field: dumped[field]
                           for field in ("created_at", "last_used_at", "expires_at")}})
    summary = ("No key needs attention" if not entries else
               f"{len(entries)} key{'s' if len(entries) != 1 else ''} "
               f"need{'s' if len(entries) == 1 else ''} attention")
    return json_text({"schema": "openrush-tui/keys-audit/v1", "summary": summary,
                      "counts": counts,
                      "rules": {"idle_days": rules.idle_days,
                                "expiring_days": rules.expiring_days,
                                "no_expiry_days": rules.no_expiry_days},
                      "checked_at": format_instant(now), "keys": entries}) + "\n"


class PagedClient:
    """What `print_audit_json` asks of a client: the keys, a page at a time."""

    def __init__(self, pages: list[list[ApiCredential]]) -> None:
        self._pages = pages

    async def key_pages(self) -> AsyncIterator[list[ApiCredential]]:
        for page in self._pages:
            yield page


OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
TIMES = st.one_of(
    st.datetimes(datetime(1971, 1, 1), datetime(2200, 1, 1), timezones=OFFSETS),
    # near the command's now: the rules' and the relative texts' boundaries
    st.integers(-800 * 86_400_000_000, 800 * 86_400_000_000).map(
        lambda us: NOW + timedelta(microseconds=us)),
    st.sampled_from([-1, 0, 1]).flatmap(lambda us: st.sampled_from(
        [NOW + timedelta(days=days, microseconds=us) for days in (-90, -30, -7, 0, 7, 30)])),
    st.sampled_from([datetime(1, 1, 3, tzinfo=UTC), datetime(9999, 12, 29, tzinfo=UTC)]))
NAMES = st.text(max_size=10) | st.sampled_from(ODD_NAMES)


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(st.tuples(NAMES, TIMES, TIMES | st.none(), TIMES | st.none(),
                               st.booleans()), max_size=14),
       size=st.integers(1, 6), idle=st.integers(0, 400), expiring=st.integers(0, 400),
       now=st.sampled_from([NOW, NOW.replace(microsecond=0), NOW + timedelta(days=3650),
                            # clocks at the calendar's ends (the rules' instants would stop)
                            EARLIEST + timedelta(days=40), LATEST - timedelta(days=2)]))
def test_any_lists_audit_is_the_reference_document_byte_for_byte(
        keys: list[tuple[str, datetime, datetime | None, datetime | None, bool]], size: int,
        idle: int, expiring: int, now: datetime) -> None:
    """Names JSON must escape, times with any offset and microseconds, boundaries to the
    microsecond, findings shared by keys or not, pages of any size: the command's document
    is the reference's."""
    # lazy: hypothesis and a function-scoped fixture do not mix; the command's writer alone
    from openrush_tui.commands.keys import print_audit_json

    models = [ApiCredential(id=f"cred_{n}", name=name, prefix="or_x", created_at=made,
                            last_used_at=used, expires_at=ends, is_active=active)
              for n, (name, made, used, ends, active) in enumerate(keys)]
    pages = [models[start:start + size] for start in range(0, len(models), size)]
    rules = AuditRules(idle_days=idle, expiring_days=expiring)
    out = io.StringIO()
    with redirect_stdout(out):
        tally = asyncio.run(print_audit_json(PagedClient(pages),  # type: ignore[arg-type]
                                             AuditTally(now, rules)))
    assert out.getvalue() == reference_document(models, now, rules)
    assert tally.listed == sum(one.is_active for one in models)


# A rule's days: often those `TIMES` puts keys at, to the microsecond, from now.
DAYS = st.sampled_from([0, 7, 30, 90]) | st.integers(0, 800)


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.tuples(NAMES, TIMES, TIMES | st.none(), TIMES | st.none(),
                               st.booleans()), max_size=14),
       idle=DAYS, expiring=DAYS, no_expiry=DAYS,
       now=st.sampled_from([NOW, NOW.replace(microsecond=0), NOW + timedelta(days=3650),
                            EARLIEST + timedelta(days=40), LATEST - timedelta(days=2)]))
def test_the_commands_rules_are_the_dashboards_on_any_key(
        keys: list[tuple[str, datetime, datetime | None, datetime | None, bool]], idle: int,
        expiring: int, no_expiry: int, now: datetime) -> None:
    """`AuditTally.found_in` (the command's rules, written for speed) finds of every key
    what `findings_of` (the dashboard's, the rules' one statement) finds: a rule changed in
    one and not the other fails here, whatever the reference above says."""
    models = [ApiCredential(id=f"cred_{n}", name=name, prefix="or_x", created_at=made,
                            last_used_at=used, expires_at=ends, is_active=active)
              for n, (name, made, used, ends, active) in enumerate(keys)]
    rules = AuditRules(idle_days=idle, expiring_days=expiring, no_expiry_days=no_expiry)
    found = dict(AuditTally(now, rules).found_in(models))
    for key in models:
        assert found.get(key, ()) == findings_of(key, now, rules), key


@pytest.mark.parametrize("now", [NOW, EARLIEST + timedelta(days=40), LATEST - timedelta(days=2)])
def test_the_commands_rules_are_the_dashboards_on_every_boundary(now: datetime) -> None:
    """Every key whose times lie on a rule's edge, a microsecond either side of it or on it,
    under rules of those days: `found_in` finds what `findings_of` finds (an edge taken with
    < for <= in either fails here; the property above rarely lands on one)."""
    edges = [shifted(now, timedelta(days=days, microseconds=nudge))
             for days in (-30, -7, 0, 7, 30) for nudge in (-1, 0, 1)]
    models = [ApiCredential(id=f"cred_{n}", name="k", prefix="or_x", created_at=made,
                            last_used_at=used, expires_at=ends, is_active=True)
              for n, (made, used, ends) in enumerate(
                  (made, used, ends) for made in edges for used in (None, *edges)
                  for ends in (None, *edges))]
    for days in (0, 7, 30):
        rules = AuditRules(idle_days=days, expiring_days=days, no_expiry_days=days)
        found = dict(AuditTally(now, rules).found_in(models))
        for key in models:
            assert found.get(key, ()) == findings_of(key, now, rules), (days, key)


# Seconds on every side of now: `relative`'s runs of each unit and their ends (its counts
# round half to even), and instants anywhere in the calendar.
SECONDS = st.one_of(st.integers(-120, 120), st.integers(-4000, 4000),
                    st.integers(-100 * 86_400, 100 * 86_400),
                    st.sampled_from([sign * (size * count + half + nudge)
                                     for sign in (1, -1) for size in (60, 3600, 86_400, 2_592_000)
                                     for count in (1, 2, 3, 11) for half in (0, size // 2)
                                     for nudge in (-1, 0, 1)]))


@settings(max_examples=150, deadline=None)
@given(seconds=st.lists(SECONDS, max_size=40), anywhere=st.lists(TIMES, max_size=5),
       micro=st.integers(0, 999_999),
       now=st.sampled_from([NOW, EARLIEST + timedelta(days=3), LATEST - timedelta(days=3)]))
def test_ages_say_what_relative_says_of_any_instant(
        seconds: list[int], anywhere: list[datetime], micro: int, now: datetime) -> None:
    """One `Ages` asked about many instants, near now and anywhere (each run of a text found
    once, then looked up): always `relative`'s text."""
    ages = Ages(now)
    spans = [timedelta(seconds=second, microseconds=micro) for second in seconds]
    instants = [*(now - span for span in spans if now - LATEST <= span <= now - EARLIEST),
                *anywhere, EARLIEST, LATEST]
    for instant in instants * 2:
        assert ages.said(instant) == relative(instant, now), instant
