"""Re-trial 8 (issue 23): a dialog's start stays in view when a notice takes rows, and
Activity's cuts and empty states.

A dialog opened as a notice arrives (the sign-in after Sign out, over HTTP to a sandbox on this
machine) read from the middle of its note ("bootstrap key, which…") with blank rows below:
Textual's animated centring of the focused field ran on after the notice's rows were taken.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, Select
from textual.widgets._select import SelectOverlay

from openrush_tui.sandbox.app import BOOTSTRAP_KEY_NAME
from openrush_tui.screens.api_access.details import KeyDetailsScreen
from openrush_tui.screens.dialogs.dialog import Dialog
from openrush_tui.screens.setup.sign_in import SignInScreen
from tests.support.activity import (
    export_refused,
    open_filters,
    screen_of,
    state_text,
    table_of,
)
from tests.support.apps import remote_app, sandbox_app, settle, until
from tests.support.in_view import not_in_view
from tests.support.keys import select
from tests.support.threaded_sandbox import module_sandbox

clock, served = module_sandbox("retrial8")
SIZES = [(80, 24), (60, 20)]
IDS = ["80x24", "60x20"]
NOTICE = ("The settings could not be saved: the disk is full, so the last page and the theme "
          "are not kept for the next run.")


def body_of(dialog: Dialog[Any]) -> Widget:
    return dialog.query_one(".body")


def least_offset(body: Widget, *kept: Widget) -> int:
    """The smallest scroll of `body` that keeps every widget of `kept` in view."""
    view = body.scrollable_content_region
    bottoms = [w.region.bottom - view.y + round(body.scroll_y) for w in kept]
    return max(0, max(bottoms) - view.height)


async def steady(pilot: Any) -> None:
    for _ in range(8):  # the notice's rows, then the body's scrolls, a refresh or two later
        await pilot.pause()
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_sign_in_opened_with_a_notice_starts_at_its_top(
        served: Any, size: tuple[int, int]) -> None:
    app = remote_app(served.base_url, None, page="setup")
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        # A toast on its way as the dialog opens ("Signed out…") is said in its notice line.
        app.notify("Signed out: the key was deleted from this machine.", title="Sign out")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        dialog = app.screen
        assert isinstance(dialog, SignInScreen)
        await steady(pilot)
        app.notify(NOTICE, title="Settings", severity="warning", markup=False)
        await steady(pilot)
        body, field = body_of(dialog), dialog.query_one("#key-input", Input)
        assert dialog.focused is field
        assert not_in_view(field) is None, not_in_view(field)
        # The note reads from its first word: the body is scrolled no further than the field
        # needs (none at all when the field fits below the note).
        assert body.scroll_y == least_offset(body, field), (body.scroll_y, body.max_scroll_y)
        note = dialog.query_one(".note")
        if least_offset(body, field) == 0:
            assert not_in_view(note) is None, not_in_view(note)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_export_s_error_with_a_notice_shows_as_much_of_its_start_as_fits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.csv").write_text("mine\n")
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size, notifications=True) as pilot:
        dialog = await export_refused(pilot)
        await steady(pilot)
        app.notify(NOTICE, title="Settings", severity="warning", markup=False)
        await steady(pilot)
        body, status = body_of(dialog), dialog.query_one("#export-status")
        assert not_in_view(status) is None, not_in_view(status)
        assert body.scroll_y == least_offset(body, status, dialog.focused or status), \
            (body.scroll_y, body.max_scroll_y)


# ------------------------------------------------------------------ key details' recent usage


def usage_rows(dialog: Dialog[Any]) -> list[str]:
    """The "Recent usage" lines as drawn (the widget's rows, trailing blanks dropped)."""
    usage = dialog.query_one("#usage")
    whole = Region(0, 0, usage.size.width, usage.size.height)
    return [strip.text.rstrip() for strip in usage.render_lines(whole)]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_recent_usage_cuts_an_endpoint_with_its_method_and_a_mark_on_one_line(
        served: Any, size: tuple[int, int]) -> None:
    key = served.sandbox.mint_bootstrap_key()
    app = remote_app(served.base_url, key, page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        # A call with a long endpoint made with the key in use (a revoke), the latest of its
        # calls when the details open.
        async with httpx.AsyncClient(base_url=served.base_url,
                                     headers={"Authorization": f"Bearer {key}"}) as http:
            items = (await http.get("/v1/me/api-credentials")).json()["api_credentials"]
            other = next(item for item in items
                         if item["name"] != BOOTSTRAP_KEY_NAME and item["is_active"])
            (await http.post(f"/v1/me/api-credentials/{other['id']}/revoke")).raise_for_status()
        await select(pilot, BOOTSTRAP_KEY_NAME)
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, KeyDetailsScreen)
        for _ in range(3):  # laid out again at the width the scrollbar leaves
            await pilot.pause()
        rows = usage_rows(dialog)
        press = rows.index("Press a for all of this key's activity.")
        calls = rows[:press - 1]
        assert calls and rows[press - 1] == "", rows
        # One line per call, each ending in its cost (none wrapped onto a line of its own).
        assert all(row.endswith(("free", "credit", "credits")) for row in calls), rows
        # The revoke: its method kept, the endpoint cut with "…" (at 80 columns it read
        # "/v1/me/api-credentials/cred_4a  success  free", method and end gone, no mark).
        assert "POST " in calls[0] and "revoke" in calls[0], calls
        assert "POST …/revoke" in calls[0] or "POST /v1/me/api-credentials/cred_" in calls[0], \
            calls


# ------------------------------------------------------------------ Activity's `/` filter


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_slash_filter_that_matches_nothing_says_so_and_no_more_below(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        loaded = len(screen_of(app).model.shown_events(with_text=False))
        assert loaded and "More below" in state_text(app, "events-more")
        await pilot.press("slash", *"zzz", "enter")
        await settle(pilot)
        assert table_of(app).row_count == 0
        said = " ".join(state_text(app).split())
        assert said == f"No events of the {loaded} loaded match “zzz”; + loads more, Escape " \
                       "clears.", said
        assert "More below" not in state_text(app, "events-more")
        await pilot.press("escape")  # cleared: the rows and the paging line are back
        await settle(pilot)
        assert table_of(app).row_count == loaded
        assert "More below" in state_text(app, "events-more")


# ------------------------------------------------------------------ Activity's Filters: Key


LONG_NAME = "Nightly warehouse export to the analytics cluster, eu-west replica number two"


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_filters_key_list_is_one_line_a_key_and_says_which_are_revoked(
        tmp_path: Path, size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="setup")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        client = await app.session.client()
        await client.create_key(LONG_NAME)
        gone = (await client.create_key("Old build agent")).api_credential
        await client.revoke_key(gone.id)
        await pilot.press("3")  # Activity: the key names are fetched as it opens
        await settle(pilot)
        dialog = await open_filters(pilot)
        menu = dialog.query_one("#filter-key", Select)
        menu.focus()
        await pilot.press("enter")  # the list opens
        await settle(pilot)
        options = menu.query_one(SelectOverlay)
        prompts = [str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)]
        # One line a choice: as many lines in the list as choices (a wrapped name's second
        # line read as another key).
        assert options.virtual_size.height == options.option_count, prompts
        long_one = next(p for p in prompts if p.startswith(LONG_NAME[:20]))
        assert long_one.endswith("…") and long_one != LONG_NAME, long_one
        assert "Old build agent (revoked)" in prompts, prompts
        assert all("(revoked)" not in p for p in prompts if p.startswith("Nightly")), prompts
        await pilot.press("escape")
