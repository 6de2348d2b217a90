"""The core services the App holds, without Textual: the settings of a run and their saving
(`prefs.keeper`), and the credit runway behind the header's warning (`activity.runway_gauge`),
measured over real HTTP from a scripted server whose requests are counted."""

from __future__ import annotations

import json
from pathlib import Path

from openrush_tui.activity.runway import Runway
from openrush_tui.activity.runway_gauge import RUNWAY_REFRESH, RunwayGauge
from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.secret import Secret
from openrush_tui.clock import fixed_clock
from openrush_tui.config import Settings
from openrush_tui.prefs.keeper import PrefsKeeper
from openrush_tui.prefs.settings import SettingsFile
from openrush_tui.session import Session
from tests.support.apps import FIXED_NOW, SkippingClock
from tests.support.scripted_server import Reply, ScriptedServer


async def test_changes_are_saved_with_every_field_changed_this_run(tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "settings.json")
    kept = PrefsKeeper(file.load(), file)
    assert kept.remember(theme="nord") and await kept.save() is None
    assert not kept.remember(theme="nord")  # nothing changed: nothing to write
    assert kept.remember(activity_live=False) and await kept.save() is None
    kept.save_now(last_page="activity")
    assert json.loads(file.path.read_text()) == {
        "version": 1, "theme": "nord", "activity_live": False, "last_page": "activity"}


async def test_a_settings_file_that_cannot_be_written_is_said_once(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    file = SettingsFile(tmp_path / "not-a-folder" / "settings.json")
    kept = PrefsKeeper(None, file)
    assert kept.remember(theme="nord")
    said = await kept.save()
    assert said is not None and said.startswith("Settings not saved: ")
    assert kept.remember(keys_hide_inactive=True)
    assert await kept.save() is None  # said already; the dashboard goes on without the file
    kept.save_now(last_page="setup")  # on the way out: no exception either
    assert kept.settings.theme == "nord" and kept.settings.last_page == "setup"


def test_without_a_file_changes_last_for_the_run(tmp_path: Path) -> None:
    kept = PrefsKeeper(None, None)
    assert not kept.remember(low_balance_days=1.0)  # no save is due: nowhere to write
    assert kept.settings.low_balance_days == 1.0


def gauge_on(server: ScriptedServer) -> tuple[RunwayGauge, SkippingClock, list[Runway | None]]:
    settings = Settings(api_url=server.url, fixed_now=FIXED_NOW, connect_timeout=1.0,
                        read_timeout=2.0)
    monotonic = SkippingClock()
    session = Session(settings, StoredKey(Secret("or_" + "g" * 40), "environment"),
                      monotonic=monotonic)
    heard: list[Runway | None] = []
    return RunwayGauge(session, fixed_clock(FIXED_NOW), lambda: 3.0, heard.append), \
        monotonic, heard


def usage_looks(server: ScriptedServer) -> int:
    return sum(1 for request in server.requests if request.path == "/v1/me/usage")


async def test_a_measured_runway_follows_new_balances_without_asking_again() -> None:
    with ScriptedServer() as server:  # nothing spent in the last 7 days
        gauge, monotonic, heard = gauge_on(server)
        assert gauge.balance_changed(500) and gauge.begin(500)
        assert not gauge.begin(500)  # one measurement at a time
        await gauge.measure(500, lambda: 450)  # the balance moved on meanwhile
        [measured] = heard
        assert measured is not None and (measured.balance, measured.spent) == (450, 0)
        assert usage_looks(server) == 1
        assert not gauge.balance_changed(400)  # divided by the spend known: no request
        assert gauge.runway is not None and gauge.runway.balance == 400
        assert not gauge.begin(400) and usage_looks(server) == 1
        monotonic.skip(RUNWAY_REFRESH + 1)  # an old spend is measured again
        assert gauge.balance_changed(400) and gauge.begin(400)
        assert not gauge.balance_changed(None) and heard[-1] is None  # signed out


async def test_a_runway_that_cannot_be_measured_warns_of_nothing_and_waits() -> None:
    with ScriptedServer() as server:
        server.route("GET", "/v1/me/usage", Reply(500, {"error": {"message": "down"}}))
        gauge, monotonic, heard = gauge_on(server)
        assert gauge.begin(500)
        await gauge.measure(500, lambda: 500)
        assert gauge.runway is None and heard == []  # no warning rather than a wrong one
        looks = usage_looks(server)
        assert not gauge.balance_changed(500) and not gauge.begin(500)  # not again so soon
        assert usage_looks(server) == looks
        monotonic.skip(RUNWAY_REFRESH + 1)
        assert gauge.begin(500)


async def test_a_runway_counted_by_activity_is_used_as_measured() -> None:
    with ScriptedServer() as server:
        gauge, _monotonic, heard = gauge_on(server)
        gauge.counted(Runway(100, 700, threshold_days=9.0))
        assert heard == [Runway(100, 700)]  # with the settings' threshold (3 days here)
        assert heard[0] is not None and heard[0].low
        assert not gauge.balance_changed(90) and not gauge.begin(90)
        assert usage_looks(server) == 0
