"""The decode boundary (issue 18, guard 3): dates and numbers from the server, the settings
file and the command line are checked where they enter, and what passes can be computed with.

Each defect replayed here failed before its fix: the client sent an expiry it could not read
back, a `--since`/`--expires-in` overflowed, the settings file's ``1e400`` came back as
``Infinity``. The properties below draw values across the whole calendar (years 1 and 9999
included) and every count the models accept, and run the business rules on them.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrush_tui.activity.runway import Runway, runway_of_bars, window_start
from openrush_tui.activity.totals import PeriodUsage
from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.errors import BadResponse, RateLimited
from openrush_tui.api.models import LARGEST_COUNT, RateLimitInfo, parse_credentials, parse_usage
from openrush_tui.cli import main
from openrush_tui.clock import EARLIEST, LATEST, LATEST_EXPIRY
from openrush_tui.keys.audit import AuditRules, audit
from openrush_tui.keys.rotate import IdleWatch, lifetime_words, poll_every
from openrush_tui.keys.rules import expiry_from_choice, expiry_in, parse_expiry_date
from openrush_tui.keys.view import SORT_COLUMNS, KeyRow
from openrush_tui.prefs.settings import CHECKS, SettingsFile, UserSettings, parse
from openrush_tui.sandbox import Sandbox
from openrush_tui.text.money import credits_and_dollars
from openrush_tui.text.times import exact, relative, short
from tests.support.apps import FIXED_NOW
from tests.support.lifecycle import fixed_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = fixed_sandbox(tmp_path_factory.mktemp("boundary") / "sandbox.sqlite3")
    yield box
    box.close()


def create(sandbox: Sandbox, expires_at: str) -> httpx.Response:
    """POST a new key straight to the sandbox (in-process), as any client could."""
    body = {"name": f"expires {expires_at}", "expires_at": expires_at}
    return _send(sandbox, "POST", body)


def _send(sandbox: Sandbox, method: str, body: dict[str, object] | None = None
          ) -> httpx.Response:
    key = sandbox.mint_bootstrap_key()

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                                     base_url="http://127.0.0.1") as client:
            return await client.request(method, "/v1/me/api-credentials", json=body,
                                        headers={"Authorization": f"Bearer {key}"})

    return asyncio.run(send())


def _list(sandbox: Sandbox) -> list[dict[str, object]]:
    answer = _send(sandbox, "GET")
    assert answer.status_code == 200, answer.text
    return answer.json()["api_credentials"]


# -- the latest expiry: never sent, never accepted ----------------------------------------------


@pytest.mark.parametrize("expires_at", ["9999-12-31T00:00:00Z", "9999-12-31T23:59:59-01:00",
                                        "9999-01-01T00:00:00Z"])
def test_the_sandbox_refuses_an_expiry_after_the_latest_the_client_reads(
        sandbox: Sandbox, expires_at: str) -> None:
    answer = create(sandbox, expires_at)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["body", "expires_at"]
    assert "9998-12-31" in problem["msg"]
    parse_credentials(_list(sandbox))  # and the list stays readable


def test_the_sandbox_says_an_expiry_in_year_1_is_past_without_failing(sandbox: Sandbox) -> None:
    answer = create(sandbox, "0001-01-01T00:00:00+01:00")  # no UTC spelling exists
    assert answer.status_code == 422, answer.text
    assert "must be in the future" in answer.json()["detail"][0]["msg"]


def test_the_latest_expiry_is_accepted_and_read_back(sandbox: Sandbox) -> None:
    answer = create(sandbox, "9998-12-31T23:59:59Z")
    assert answer.status_code == 201, answer.text
    keys = parse_credentials(_list(sandbox))
    assert LATEST_EXPIRY in {key.expires_at for key in keys}


def run_main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """The command line in-process; these commands stop before any request."""
    monkeypatch.setenv("OPENRUSH_API_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("OPENRUSH_KEY", "or_" + "k" * 40)
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, err.getvalue()


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize(("flags", "words"), [
    (["--expires-at", "9999-12-31"], "--expires-at: The expiry date can be 9998-12-31 at the "
                                     "latest"),
    (["--expires-at", "9999-12-31T23:59:59-01:00"], "can be 9998-12-31 at the latest"),
    (["--expires-in", "99999y"], "--expires-in: The expiry date can be 9998-12-31 at the "
                                 "latest"),
])
def test_keys_create_refuses_an_expiry_it_could_not_read_back(
        flags: list[str], words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = run_main(["keys", "create", "far future", *flags], monkeypatch)
    assert code == 2, err
    assert words in err and "Traceback" not in err


def test_the_new_key_dialogs_check_refuses_it_too() -> None:
    with pytest.raises(ValueError, match="9998-12-31 at the latest"):
        expiry_from_choice("date", FIXED_NOW, "9999-12-31")
    assert expiry_from_choice("date", FIXED_NOW, "9998-12-31") == \
        datetime(9998, 12, 31, tzinfo=UTC)
    near_the_end = LATEST_EXPIRY - timedelta(days=3)
    with pytest.raises(ValueError, match="at the latest"):
        expiry_from_choice("1y", near_the_end)
    with pytest.raises(ValueError, match="in the future"):
        parse_expiry_date("0001-01-01T00:00:00+01:00", FIXED_NOW)
    assert expiry_in("1h", FIXED_NOW) == FIXED_NOW + timedelta(hours=1)


# -- the command line's other dates --------------------------------------------------------------


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize("since", ["99999999d", "9" * 30 + "w", "0001-01-01T00:00:00+01:00"])
def test_activity_since_far_back_is_a_usage_error_or_the_start_never_a_traceback(
        since: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from openrush_tui.activity.filters import parse_since

    try:
        start = parse_since(since, FIXED_NOW)
    except ValueError:
        return
    assert start == EARLIEST


# -- the settings file ----------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize("spelling", ["1e400", "-1e400", "NaN", "Infinity",
                                      "1" + "0" * 45])
def test_a_number_out_of_range_in_the_settings_never_comes_back_as_invalid_json(
        spelling: str, tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"
    path.parent.mkdir(parents=True, mode=0o700)
    text = f'{{"version": 1, "theme": "nord", "low_balance_days": {spelling}}}\n'
    path.write_text(text)
    path.chmod(0o600)
    file = SettingsFile(path)
    loaded = file.load()
    assert loaded.settings == UserSettings()  # nothing of it is used...
    assert loaded.note is not None and "out of range" in loaded.note
    assert not loaded.writable  # ...and nothing is written over it
    with pytest.raises(Exception, match="out of range"):
        file.save(UserSettings(theme="dracula"), ("theme",))  # a save anyway is refused
    assert path.read_text() == text  # the hand-edited file is as it was


# -- properties: every decoder at the calendar's edges, every rule on what passes -------------

PROPERTIES = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])
# Instants anywhere the boundary lets through, the calendar's first and last days included.
INSTANTS = st.one_of(
    st.datetimes(min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None)),
    st.sampled_from([EARLIEST.replace(tzinfo=None), LATEST.replace(tzinfo=None),
                     datetime(1970, 1, 1), datetime(2999, 1, 1)]),
).map(lambda moment: moment.replace(tzinfo=UTC))
ZONES = st.sampled_from(["Z", "+00:00", "-01:00", "+14:00", "-23:59", ""])
# Times as a server may spell them, years 1 and 9999 often.
EDGE_TEXTS = st.one_of(
    st.builds(lambda year, rest, zone: f"{year:04d}-{rest}{zone}",
              st.sampled_from([1, 2, 1970, 2026, 9998, 9999]),
              st.sampled_from(["01-01T00:00:00", "12-31T23:59:59", "12-30T00:00:00.5",
                               "01-02T12:00:00"]), ZONES),
    INSTANTS.map(lambda moment: moment.isoformat()),
)
COUNTS = st.integers(min_value=-LARGEST_COUNT, max_value=LARGEST_COUNT)


def shown(instant: datetime | None, now: datetime) -> None:
    exact(instant)
    relative(instant, now)
    if instant is not None:
        short(instant, now)


@PROPERTIES
@given(st.lists(st.fixed_dictionaries({
    "created_at": EDGE_TEXTS, "last_used_at": st.one_of(st.none(), EDGE_TEXTS),
    "expires_at": st.one_of(st.none(), EDGE_TEXTS), "is_active": st.booleans()}), max_size=4),
    INSTANTS)
def test_key_dates_at_the_calendars_edges_are_refused_or_safe_for_every_rule(
        items: list[dict[str, object]], now: datetime) -> None:
    payload = [{"id": f"cred_{n}", "name": "n", "prefix": "or_abc123", **item}
               for n, item in enumerate(items)]
    try:
        keys = parse_credentials(payload)
    except BadResponse:
        return
    for key in keys:
        for instant in (key.created_at, key.last_used_at, key.expires_at):
            assert instant is None or EARLIEST <= instant <= LATEST
            shown(instant, now)
        row = KeyRow.of(key, now)
        for column in SORT_COLUMNS:
            row.sort_key(column)
        lifetime_words(key)
    report = audit(keys, now, AuditRules(idle_days=36_500, expiring_days=36_500,
                                         no_expiry_days=36_500))
    report.summary()
    audit(keys, now)


@PROPERTIES
@given(st.lists(st.fixed_dictionaries({"created_at": EDGE_TEXTS, "credits": COUNTS,
                                       "source": st.sampled_from(["api", "mcp"])}),
                max_size=4), INSTANTS, st.sampled_from([7, 30]))
def test_usage_at_the_calendars_edges_is_refused_or_counted(
        items: list[dict[str, object]], now: datetime, days: int) -> None:
    from openrush_tui.activity.filters import ActivityFilter

    payload = {"items": [{"id": f"u{n}", **item} for n, item in enumerate(items)]}
    try:
        page = parse_usage(payload)
    except BadResponse:
        return
    chosen = ActivityFilter(days=days)
    chosen.query(now)
    period = PeriodUsage(chosen.first_day(now), days)
    period.add(page.items)  # type: ignore[arg-type]
    period.complete = True
    bars = period.bars("credits")
    runway_of_bars(5, bars, now)
    window_start(now)


@PROPERTIES
@given(st.dictionaries(st.sampled_from(["X-RateLimit-Limit", "X-RateLimit-Remaining",
                                        "X-RateLimit-Reset"]),
                       st.one_of(EDGE_TEXTS, st.integers(min_value=-10**20,
                                                         max_value=10**20).map(str),
                                 st.sampled_from(["1e400", "nan", "-inf", "253402300799",
                                                  "999999999"]))),
       INSTANTS, st.sampled_from([timedelta(seconds=1), timedelta(minutes=10),
                                  timedelta(days=7)]))
def test_rate_limit_headers_pace_the_rotation_within_an_hour(
        headers: dict[str, str], now: datetime, idle: timedelta) -> None:
    info = RateLimitInfo.from_headers(headers, now)
    assert 1.0 <= poll_every(idle, info, now) <= 3600.0


@PROPERTIES
@given(INSTANTS, st.one_of(st.none(), st.floats(min_value=0.01, max_value=1e12)),
       st.one_of(st.none(), st.builds(RateLimitInfo, limit=st.integers(0, LARGEST_COUNT),
                                      remaining=COUNTS, reset=st.one_of(st.none(), INSTANTS))),
       st.floats(min_value=0.5, max_value=600))
def test_the_request_budget_holds_and_paces_at_any_time_of_the_calendar(
        wall: datetime, retry_after: float | None, info: RateLimitInfo | None,
        base: float) -> None:
    ticks = [1_000.0]
    budget = RequestBudget(monotonic=lambda: ticks[0], wall=lambda: wall)
    budget.note(info)

    async def refused() -> object:
        raise RateLimited("slow down", "", 429, retry_after=retry_after)

    with pytest.raises(RateLimited):
        asyncio.run(budget.get("GET /v1/me/credits", refused))
    held = budget.blocked_for()
    assert 0 < held <= 3600
    pace = budget.live_pace(base)
    assert pace.state == "blocked" and 0 < pace.wait <= 3600
    assert pace.until is not None and EARLIEST <= pace.until <= LATEST
    ticks[0] += 3601
    after = budget.live_pace(base)
    assert after.state != "blocked" and after.wait >= 0


@PROPERTIES
@given(COUNTS, st.integers(min_value=0, max_value=LARGEST_COUNT), st.booleans(),
       st.one_of(st.none(), st.floats(min_value=1 / 24, max_value=7)),
       st.floats(min_value=0, max_value=365))
def test_the_runway_of_any_balance_reads_true(balance: int, spent: int, complete: bool,
                                              span: float | None, threshold: float) -> None:
    runway = Runway(balance, spent, 7, complete, threshold, span)
    json.dumps(runway.as_dict(), allow_nan=False)
    words = (runway.text, runway.lasts(), runway.lasts(short=True), runway.warning or "")
    if balance <= 0:
        assert runway.low and runway.days_left == 0
        assert all("lasts" not in text for text in words)
        assert runway.lasts() == "no credits left" and runway.warning == "No credits left"
    else:
        assert runway.days_left is None or runway.days_left > 0
    credits_and_dollars(balance)


@PROPERTIES
@given(st.lists(st.tuples(st.one_of(st.none(), INSTANTS), st.integers(1, 3600)),
                min_size=1, max_size=30), INSTANTS)
def test_the_idle_wait_ends_once_the_last_use_stops_changing(
        looks: list[tuple[datetime | None, int]], start: datetime) -> None:
    # Whatever the server says (in the past, the future, year 1 or 9999), once the value stops
    # changing the wait is over within `idle` of the first look at it.
    idle = timedelta(minutes=10)
    watch, now = IdleWatch(idle), min(start, LATEST - timedelta(days=400))
    for used, gap in looks:
        watch.idle_enough(used, now)
        now += timedelta(seconds=gap)
    last = looks[-1][0]
    first_look = now
    while not watch.idle_enough(last, now):
        now += timedelta(minutes=1)
        assert now - first_look <= idle, "the wait outlasts the idle time"


@PROPERTIES
@given(st.dictionaries(st.sampled_from([*CHECKS, "version", "other"]),
                       st.one_of(st.none(), st.booleans(), COUNTS,
                                 st.floats(allow_nan=True, allow_infinity=True),
                                 st.text(max_size=70), st.sampled_from([7, 30, "nord"]))))
def test_settings_parse_keeps_only_usable_values(data: dict[str, object]) -> None:
    settings_read, unusable = parse(data)
    json.dumps(settings_read.to_json(), allow_nan=False)  # what is saved back is JSON
    assert 0 <= settings_read.low_balance_days <= 365
    assert set(unusable) <= set(CHECKS)


# -- the dashboard: R on a key whose lifetime no "now" can add ----------------------------------


async def test_rotating_a_1970_key_that_expires_at_the_latest_keeps_the_dashboard(
        tmp_path: Path) -> None:
    from openrush_tui.sandbox.options import ExtraKey
    from openrush_tui.screens.api_access.rotate import KeyRotateScreen
    from tests.support.apps import sandbox_app, settle
    from tests.support.keys import select

    ancient = ExtraKey("Ancient", created_days_ago=(FIXED_NOW - datetime(1970, 1, 1, tzinfo=UTC)
                                                     ).days,
                       expires_in_days=(LATEST_EXPIRY - FIXED_NOW).days)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access", extra_keys=(ancient,))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await select(pilot, "Ancient")
        await pilot.press("R")  # crashed the dashboard with an OverflowError
        await settle(pilot)
        assert isinstance(app.screen, KeyRotateScreen)
        plan = str(app.screen.query_one("#plan").content)  # type: ignore[attr-defined]
        assert "expires on 9998-12-31 (the latest expiry allowed)" in plan
