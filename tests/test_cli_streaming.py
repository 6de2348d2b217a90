"""Command output that streams (issue 23): `keys list --json` writes each page of keys as it
comes, `keys audit --json` holds text rather than keys, `activity --jsonl/--csv/--json` hold a
page of events at a time, take any `--limit` (paced by the rate limit, saying how long) and
look key names up by id instead of fetching the whole key list. The bytes stay those of
docs/json-output.md's shapes, printed whole as before.

Nothing here is timed: streaming is shown by a scripted server that holds the last page until
the test has read the first keys on the command's stdout, and flat memory by counting the
events alive when each page is asked for.
"""

from __future__ import annotations

import asyncio
import gc
import io
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.backends import fail

from openrush_tui.activity.walk import Walk, usage_walk
from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.models import ApiCredential, UsageEvent, parse_credentials
from openrush_tui.cli import main
from openrush_tui.clock import format_instant
from openrush_tui.commands.json_format import indented, items
from openrush_tui.commands.lifecycle import key_findings_json
from openrush_tui.keys.audit import AuditRules, AuditTally, audit
from openrush_tui.text.safe import json_text
from tests.support.accounts import UseKeyring
from tests.support.budget_clocks import Clocks
from tests.support.patience import PATIENCE
from tests.support.sandbox_process import command
from tests.support.scripted_server import Reply, ScriptedServer

KEYS = "/v1/me/api-credentials"
USAGE = "/v1/me/usage"
START = datetime(2026, 6, 26, 12, 0, tzinfo=UTC)


def key(number: int, name: str | None = None, **fields: Any) -> dict[str, Any]:
    made = START - timedelta(days=number % 400, minutes=number)
    return {"id": f"cred_{number:05d}", "account_id": "acct_1",
            "name": name or f"key {number}", "prefix": f"or_{number:06d}",
            "is_active": number % 7 != 3, "created_at": format_instant(made),
            "last_used_at": None if number % 3 else format_instant(made + timedelta(days=1)),
            "expires_at": None, **fields}


def event(number: int) -> dict[str, Any]:
    return {"id": f"use_{number:06d}",
            "created_at": format_instant(START - timedelta(seconds=number)),
            "source": "api", "tool": "inspect_serp", "endpoint": "/v1/tools/inspect_serp",
            "status_code": 200, "status": "success", "credits": 2,
            "credential_id": f"cred_{number % 9:05d}", "credential_prefix": "or_abcdef",
            "client": None, "duration_ms": 12, "user_agent": "curl/8", "method": "POST",
            "error": None}


def key_pages(keys: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """The answers of a paging server, each with the cursor of the next."""
    chunks = [keys[start:start + size] for start in range(0, len(keys), size)] or [[]]
    return [{"api_credentials": chunk, "next_cursor": f"k{n + 1}" if n + 1 < len(chunks)
             else None} for n, chunk in enumerate(chunks)]


def until(condition: Callable[[], bool]) -> bool:
    """Whether `condition` came true within the tests' patience (checked every 10 ms)."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def pump(stream: io.TextIOBase | None, lines: queue.Queue[str | None]) -> None:
    for line in stream or ():
        lines.put(line)
    lines.put(None)


@dataclass
class HeldReply(Reply):
    """A reply sent only once `release` is set (the test has seen what it waits for)."""

    release: threading.Event = field(default_factory=threading.Event)

    def encoded(self) -> bytes:
        self.release.wait(PATIENCE)
        return super().encoded()


@dataclass
class CountingReply(Reply):
    """A reply that first counts the usage events alive in this process (the command's)."""

    alive: list[int] = field(default_factory=list)

    def encoded(self) -> bytes:
        gc.collect()
        self.alive.append(sum(1 for thing in gc.get_objects() if type(thing) is UsageEvent))
        return super().encoded()


@dataclass
class Ran:
    code: int
    out: str
    err: str


Run = Callable[..., Ran]


@pytest.fixture
def cli(isolated_home: Path, use_keyring: UseKeyring,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[ScriptedServer], Run]]:
    """`openrush-tui ARGV` in this process against a scripted server, signed in by
    OPENRUSH_KEY."""
    use_keyring(fail.Keyring())
    monkeypatch.setenv("OPENRUSH_KEY", "or_" + "k" * 40)

    def against(server: ScriptedServer) -> Run:
        monkeypatch.setenv("OPENRUSH_API_URL", server.url)

        def run(*argv: str) -> Ran:
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = main(list(argv))
            return Ran(code, out.getvalue(), err.getvalue())

        return run

    yield against


def reference_keys_list(keys: list[dict[str, Any]], *, every: bool) -> str:
    """What `keys list --json` printed before it streamed: the whole list, indented."""
    now = datetime.now(UTC)
    parsed = parse_credentials({"api_credentials": keys})
    shown = [{**one.model_dump(mode="json"), "status": one.status(now)} for one in parsed]
    return json_text([item for item in shown if every or item["status"] == "active"]) + "\n"


# -- keys list --json -----------------------------------------------------------------------------


def test_keys_list_json_writes_the_first_keys_before_the_last_page_is_sent(
        tmp_path: Path) -> None:
    keys = [key(number) for number in range(7500)]  # two pages of 5,000
    first, last = key_pages(keys, 5000)
    held = HeldReply(200, last)
    lines: queue.Queue[str | None] = queue.Queue()
    with ScriptedServer() as server:
        server.add(Reply(200, first), held)
        env = {**os.environ, "OPENRUSH_API_URL": server.url, "OPENRUSH_KEY": "or_" + "k" * 40,
               "OPENRUSH_CONFIG_DIR": str(tmp_path), "HOME": str(tmp_path),
               "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        process = subprocess.Popen([*command(), "keys", "list", "--json", "--all"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Nothing read yet: the first page's 1.5 MB fill the pipe and its write waits. The
        # last page is asked for all the same: the server makes it while the command writes.
        until(lambda: len(server.requests) == 2 or process.poll() is not None)
        assert len(server.requests) == 2, "the last page was asked for once the first was written"
        threading.Thread(target=pump, args=(process.stdout, lines), daemon=True).start()
        seen: list[str] = []
        try:
            while f'"id": "{keys[4999]["id"]}"' not in "".join(seen[-20:]):
                line = lines.get(timeout=PATIENCE)  # the held page is not sent yet
                assert line is not None, "stdout ended before the last page was sent"
                seen.append(line)
        finally:
            held.release.set()  # now the last page goes
        while (line := lines.get(timeout=PATIENCE)) is not None:
            seen.append(line)
        assert process.wait(timeout=PATIENCE) == 0, process.stderr.read()  # type: ignore[union-attr]
    assert "".join(seen) == reference_keys_list(keys, every=True)
    assert [request.query.get("limit") for request in server.requests] == ["5000", "5000"]
    assert server.requests[1].query["cursor"] == "k1"


def test_the_walk_asks_for_the_next_page_while_this_one_is_validated_and_no_further(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The next page is asked for as soon as this one's cursor is read: its keys are
    validated (in a thread: pages above 64 KiB) while the server makes the next. Each page's
    validation here waits until the next page has been asked for (it fails before: the next
    page was asked for once this one was handed over). And never further ahead: while the
    caller works on a page, only the page after it is asked for (at most two held)."""
    # lazy: the walk's own parser, wrapped
    from openrush_tui.api.client import parse_key_page

    pages = key_pages([key(number) for number in range(1600)], 400)  # 400 keys: ~90 KiB
    asked: list[str | None] = []
    cursors = [page["next_cursor"] for page in pages]
    arrived = {cursor: threading.Event() for cursor in cursors}

    def answer(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        asked.append(cursor)
        if cursor:
            arrived[cursor].set()
        return httpx.Response(200, json=pages[int(cursor[1:]) if cursor else 0])

    def validate(payload: Any) -> Any:
        after = payload["next_cursor"]
        if after is not None:  # the next page is asked for before this one's keys are read
            assert arrived[after].wait(PATIENCE), f"{after} was not asked for meanwhile"
        return parse_key_page(payload)

    monkeypatch.setattr("openrush_tui.api.client.parse_key_page", validate)

    async def run() -> list[list[str | None]]:
        seen = []
        async with OpenRushClient("http://127.0.0.1:9", "or_" + "k" * 40,
                                  transport=httpx.MockTransport(answer)) as client:
            async for page in client.key_pages(400):
                assert len(page) == 400
                for _ in range(200):  # the caller at work: the loop turns meanwhile
                    await asyncio.sleep(0)
                seen.append(list(asked))
        return seen

    assert asyncio.run(run()) == [[None, "k1"], [None, "k1", "k2"], [None, "k1", "k2", "k3"],
                                  [None, "k1", "k2", "k3"]]


@dataclass
class CollectionsReply(Reply):
    """A reply that first notes how many times Python's cycle collector has run so far."""

    runs: list[int] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)

    def encoded(self) -> bytes:
        self.seen.append(self.runs[0])
        return super().encoded()


@pytest.mark.parametrize("command", [["keys", "list", "--json"], ["keys", "audit", "--json"]])
def test_the_cycle_collector_waits_while_the_keys_stream(
        cli: Callable[[ScriptedServer], Run], command: list[str]) -> None:
    """A page of 5,000 keys is some 50,000 objects, and the collector walked the young ones
    every 700 (0.1-0.3 s of CPU at 50,000 keys): it is off while the pages stream (what a
    page leaves in cycles is a few dozen objects) and on again after."""
    runs = [0]

    def count(phase: str, info: dict[str, int]) -> None:
        runs[0] += phase == "start"

    bodies = [json.dumps(page).encode()
              for page in key_pages([key(number) for number in range(10001)], 5000)]
    replies = [CollectionsReply(200, body, runs=runs) for body in bodies]
    gc.callbacks.append(count)
    try:
        with ScriptedServer() as server:
            server.add(*replies)
            ran = cli(server)(*command)
    finally:
        gc.callbacks.remove(count)
    assert ran.code == 0, ran.err
    # From the second page asked for to the third: the first two pages read and written.
    assert replies[2].seen == replies[1].seen, "the collector ran while the keys streamed"
    assert gc.isenabled()


NAMES = st.text(min_size=1, max_size=12)  # surrogates, controls, bidi marks and all


@settings(max_examples=25, deadline=None)
@given(names=st.lists(NAMES, min_size=0, max_size=8), every=st.booleans())
def test_keys_list_json_is_the_bytes_of_the_whole_list_whatever_the_names(
        names: list[str], every: bool) -> None:
    """Escapes, non-ASCII, quotes and control characters in names: each page's text is the
    reference's (`keys_items` falls back to it where it must)."""
    # lazy: hypothesis and a function-scoped fixture do not mix; the writer alone is run
    from openrush_tui.commands import output
    from openrush_tui.commands.keys import keys_items

    keys = [key(number, name) for number, name in enumerate(names)]
    now = datetime.now(UTC)
    models = parse_credentials({"api_credentials": keys})
    out = io.StringIO()
    with redirect_stdout(out):
        array = output.JsonArray()
        for start in range(0, len(models), 3):
            page = models[start:start + 3]
            array.write_formatted(keys_items([(one, one.status(now)) for one in page
                                              if every or one.status(now) == "active"]))
        array.close()
    assert out.getvalue() == reference_keys_list(keys, every=every)


def test_keys_list_json_takes_the_whole_list_from_a_server_without_paging(
        cli: Callable[[ScriptedServer], Run]) -> None:
    keys = [key(number) for number in range(12)]
    with ScriptedServer() as server:
        server.route("GET", KEYS, Reply(200, {"api_credentials": keys}))  # no cursor
        ran = cli(server)("keys", "list", "--json")
    assert ran.code == 0, ran.err
    assert ran.out == reference_keys_list(keys, every=False)


# -- keys audit --json ----------------------------------------------------------------------------


def reference_audit(keys: list[dict[str, Any]], now: datetime) -> str:
    """What `keys audit --json` printed before: the report of the whole list, indented."""
    report = audit(parse_credentials({"api_credentials": keys}), now)
    return json_text({"schema": "openrush-tui/keys-audit/v1", "summary": report.summary(),
                      "counts": report.counts(), "rules": asdict(report.rules),
                      "checked_at": format_instant(now),
                      "keys": [key_findings_json(item) for item in report.keys]}) + "\n"


def test_keys_audit_json_walks_the_pages_and_prints_the_same_document(
        cli: Callable[[ScriptedServer], Run], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("openrush_tui.commands.lifecycle.system_clock", lambda: START)
    keys = [key(number, expires_at=format_instant(START + timedelta(days=number % 10 - 3))
                if number % 4 == 0 else None) for number in range(7200)]
    with ScriptedServer() as server:
        server.add(*(Reply(200, page) for page in key_pages(keys, 5000)))
        ran = cli(server)("keys", "audit", "--json")
    assert ran.code == 0, ran.err
    assert ran.out == reference_audit(keys, START)
    assert [request.query.get("cursor") for request in server.requests] == [None, "k1"]
    tally = AuditTally(START)
    tally.check(parse_credentials({"api_credentials": keys}))
    assert f"(of {tally.listed:,} keys not revoked)" in ran.err


TIMES = st.datetimes(datetime(1971, 1, 1), datetime(2200, 1, 1), timezones=st.just(UTC))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(NAMES | st.text(st.characters(min_codepoint=32, max_codepoint=126)),
                          TIMES, TIMES | st.none(), TIMES | st.none()), max_size=8))
def test_audit_items_are_the_reference_byte_for_byte(
        keys: list[tuple[str, datetime, datetime | None, datetime | None]]) -> None:
    """Any name (escapes, non-ASCII, controls), any times (microseconds too), findings shared
    between keys or not: `audit_items` writes what the reference writes."""
    # lazy: hypothesis and a function-scoped fixture do not mix; the writer alone is run
    from openrush_tui.commands.keys import audit_items

    models = [ApiCredential(id=f"cred_{n}", name=name, prefix="or_x", created_at=made,
                            last_used_at=used, expires_at=ends)
              for n, (name, made, used, ends) in enumerate(keys)]
    found = AuditTally(START).check(models)
    assert audit_items(found) == items([key_findings_json(item) for item in found], 1)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500) | st.none(),
                          st.integers(-30, 400) | st.none(), st.booleans()), max_size=20),
       st.integers(1, 7))
def test_an_audit_counted_a_page_at_a_time_says_what_the_whole_report_says(
        ages: list[tuple[int, int | None, int | None, bool]], size: int) -> None:
    keys = [ApiCredential(id=f"cred_{n}", name="k", prefix="or_x", is_active=active,
                          created_at=START - timedelta(days=made),
                          last_used_at=None if used is None else START - timedelta(days=used),
                          expires_at=None if ends is None else START + timedelta(days=ends))
            for n, (made, used, ends, active) in enumerate(ages)]
    report = audit(keys, START, AuditRules())
    tally = AuditTally(START, AuditRules())
    found = [item for start in range(0, len(keys), size)
             for item in tally.check(keys[start:start + size])]
    assert found == list(report.keys)
    assert (tally.summary(), tally.counts()) == (report.summary(), report.counts())
    assert tally.listed == sum(one.is_active for one in keys)
    for kinds in (["idle"], ["expired", "no-expiry"], []):
        assert tally.fails(kinds) == report.fails(kinds)  # type: ignore[arg-type]


# -- activity -------------------------------------------------------------------------------------


def usage_pages(count: int, size: int = 200) -> list[dict[str, Any]]:
    pages = -(-count // size)
    return [{"items": [event(n) for n in range(page * size, min(count, (page + 1) * size))],
             "next_cursor": f"u{page + 1}" if page + 1 < pages else None}
            for page in range(pages)]


@pytest.mark.parametrize("form", ["--jsonl", "--csv", "--json"])
def test_activity_holds_a_page_of_events_at_a_time(
        cli: Callable[[ScriptedServer], Run], form: str) -> None:
    pages = [CountingReply(200, page) for page in usage_pages(1600)]
    gc.collect()
    before = sum(1 for thing in gc.get_objects() if type(thing) is UsageEvent)
    with ScriptedServer() as server:
        server.route("GET", KEYS, Reply(200, {"api_credentials": [key(n) for n in range(3)],
                                              "next_cursor": None}))
        server.add(*pages)
        ran = cli(server)("activity", form, "--limit", "1600", "--own")
    assert ran.code == 0, ran.err
    alive = [count - before for reply in pages for count in reply.alive]
    # Asked for while the page before is written: at most that page and the one before it
    # are alive, however many came before (before: every event, and the budget's pages).
    assert len(alive) == 8 and max(alive) <= 400, alive
    key_requests = [request for request in server.requests if request.path == KEYS]
    assert all("id" in request.target for request in key_requests)  # never the whole list


def test_activity_json_streams_the_bytes_of_the_whole_array(
        cli: Callable[[ScriptedServer], Run]) -> None:
    with ScriptedServer() as server:
        server.add(*(Reply(200, page) for page in usage_pages(450)))
        ran = cli(server)("activity", "--json", "--limit", "450", "--own")
    everything = [UsageEvent.model_validate(event(n)).model_dump(mode="json")
                  for n in range(450)]
    assert ran.out == json_text(everything) + "\n"


def test_activity_csv_names_the_keys_from_a_look_up_by_id(
        cli: Callable[[ScriptedServer], Run]) -> None:
    with ScriptedServer() as server:
        server.route("GET", KEYS, Reply(200, {"api_credentials": [key(n) for n in range(9)],
                                              "next_cursor": None}))
        server.add(*(Reply(200, page) for page in usage_pages(30)))
        ran = cli(server)("activity", "--csv", "--limit", "30", "--own")
    assert ran.code == 0, ran.err
    rows = ran.out.splitlines()
    assert rows[1].split(",")[9] == "key 0"  # key_name, from the one look-up by id
    (lookup,) = [request for request in server.requests if request.path == KEYS]
    assert lookup.target.count("id=cred_") == 9  # the keys the events name, not the list


def test_activity_takes_a_limit_above_ten_thousand_and_says_how_long_it_takes(
        cli: Callable[[ScriptedServer], Run]) -> None:
    reset = int((datetime.now(UTC) + timedelta(seconds=30)).timestamp())
    headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59",
               "X-RateLimit-Reset": str(reset)}
    first, second = usage_pages(400)
    second["next_cursor"] = None
    with ScriptedServer() as server:
        server.add(Reply(200, first, headers=headers), Reply(200, second, headers=headers))
        ran = cli(server)("activity", "--jsonl", "--limit", "20000", "--own")
    assert ran.code == 0, ran.err
    assert len(ran.out.splitlines()) == 400
    assert "19,800 more events take up to 99 requests" in ran.err
    assert "at the account's rate limit (60 requests a window" in ran.err


def test_the_walk_waits_for_the_window_when_few_requests_are_left(
        clocks: Clocks, budget: RequestBudget) -> None:
    """Headers that leave less than the reserve: the next page waits until the window's
    reset (a controlled sleep and clock), and a 429 is waited out, not the end."""
    reset = clocks.wall() + timedelta(seconds=40)
    low = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "11",
           "X-RateLimit-Reset": str(int(reset.timestamp()))}
    first, second, third = usage_pages(600)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clocks.skip(seconds)

    async def run() -> list[int]:
        async with OpenRushClient(server.url, "or_" + "k" * 40, budget=budget,
                                  retry_wait_cap=1) as client:
            walk = Walk()
            return [len(page) async for page in usage_walk(
                client, 600, {}, walk, own=True, sleep=sleep, now=clocks.wall,
                pause=lambda seconds, info: None)]

    with ScriptedServer() as server:
        plenty = {**low, "X-RateLimit-Remaining": "50"}
        server.add(Reply(200, first, headers=low),
                   Reply(429, {"detail": "slow down"}, headers={"Retry-After": "20"}),
                   Reply(200, second, headers=plenty), Reply(200, third, headers=plenty))
        assert asyncio.run(run()) == [200, 200, 200]
    assert slept == [pytest.approx(40, abs=1),  # the window's reset
                     pytest.approx(20, abs=1)]  # the 429's Retry-After, then no more
    assert len(server.requests) == 4


# -- the formatter --------------------------------------------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text() | \
    st.integers(-2**80, 2**80) | st.text(st.characters(max_codepoint=127))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner)
                      | st.dictionaries(st.text(max_size=4) | st.integers() | st.none()
                                        | st.booleans(), inner, max_size=4), max_leaves=16)


@settings(max_examples=400, deadline=None)
@given(VALUES, st.integers(0, 3))
def test_indented_json_is_the_reference_byte_for_byte(value: Any, depth: int) -> None:
    reference = json_text(value, indent=2)
    assert indented(value, depth) == reference.replace("\n", "\n" + "  " * depth)
    if isinstance(value, list) and value:
        assert "[\n" + items(value, depth) + "\n" + "  " * depth + "]" == \
            reference.replace("\n", "\n" + "  " * depth)
