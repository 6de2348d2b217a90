"""A rotation waiting for its old key ends once that key is revoked another way (a re-trial):
after `d` on the old key (confirmed), the line still said the wait went on, `q` warned that
"the old key stays active until you revoke it", and quitting printed that the old key "is
still active", with a command to revoke it. Now the page's revoke tells the line (one place:
every revoke of the page ends there, d, D or the details' revoke), which ends the rotation at
once and says so once; a key revoked elsewhere is found by the wait's next look.

In-process on the sandbox, on a clock the test moves (`test_rotation_background`'s way)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from textual.pilot import Pilot

from openrush_tui.keys import rotate
from openrush_tui.screens.api_access.page import ApiAccessScreen
from openrush_tui.screens.api_access.revoke import REVOKE_DIALOG
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.rotation_line import RotationLine
from tests.support.apps import FIXED_NOW, sandbox_app, settle, until
from tests.support.keys import select, table_of
from tests.test_rotation_background import MovingClock, key_status, said, start_waiting

SIZE = (80, 24)


@pytest.fixture
def looks_an_hour_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """No look at the old key comes on its own during a test (the real pace is up to a
    minute of wall time, which a slow run could reach): only what the test does ends a wait."""
    monkeypatch.setattr(rotate, "poll_every", lambda *_: 3600.0)


async def revoke_by_hand(pilot: Pilot[Any], app: OpenRushApp, name: str) -> None:
    """d on the key `name`, and Revoke in its dialog (Cancel is focused first)."""
    await select(pilot, name)
    await pilot.press("d")
    # Tab once the dialog has put its focus on Cancel: a Tab before that (a loaded machine)
    # went to Cancel itself, and Enter cancelled.
    await until(pilot, lambda: app.screen.id == REVOKE_DIALOG and app.focused is not None
                and app.focused.id == "cancel")
    await pilot.press("tab", "enter")


@pytest.mark.usefixtures("looks_an_hour_apart")
async def test_d_on_the_old_key_ends_the_waiting_rotation(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        line = await start_waiting(pilot, app)
        production = next(row.id for row in table_of(app).view.rows
                          if row.key.name == "Production server")
        await revoke_by_hand(pilot, app, "Production server")
        await until(pilot, lambda: "Revoked “Production server”" in said(app))
        # No look at the old key comes (an hour away, none asked for): the revoke itself
        # ends the rotation, and the line goes, as the page says the key is revoked.
        await pilot.pause()
        assert not line.waiting
        await until(pilot, lambda: "Rotation done" in said(app))
        text = said(app)
        assert "was revoked by hand" in text and "“Production server”" in text
        assert "still active" not in text and "keys revoke" not in text
        assert not line.display
        # Nothing to warn of on quitting, nothing left to say once closed.
        assert all(leaving() is None for leaving in app.leaving_notes)
        await settle(pilot)  # no look left running, no second word on it
        assert text.count("Rotation done") == 1 == said(app).count("Rotation done")
        assert "Rotation failed" not in said(app)
        assert key_status(app, "Production server") == "revoked"
        assert production not in {row.id for row in table_of(app).view.rows
                                  if row.status == "active"}


@pytest.mark.usefixtures("looks_an_hour_apart")
async def test_another_key_revoked_leaves_the_rotation_waiting(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        line = await start_waiting(pilot, app)
        await revoke_by_hand(pilot, app, "Data notebook")
        await until(pilot, lambda: key_status(app, "Data notebook") == "revoked")
        await pilot.pause()
        assert line.waiting and line.display
        assert any(leaving() is not None for leaving in app.leaving_notes)


@pytest.mark.usefixtures("looks_an_hour_apart")
async def test_the_old_key_revoked_elsewhere_ends_the_wait_at_its_next_look(
        tmp_path: Path) -> None:
    """Revoked outside the page (another terminal, `keys revoke`): the wait's next look sees
    it is no longer active and ends the rotation, with nothing said to be still active."""
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="api-access")
    app.now = MovingClock(FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        line = await start_waiting(pilot, app)
        production = next(row.id for row in table_of(app).view.rows
                          if row.key.name == "Production server")
        client = await app.session.client()
        await client.revoke_key(production)  # not through the page: the line is not told
        assert line.waiting
        line.look_now()
        await until(pilot, lambda: not line.waiting)
        await until(pilot, lambda: "Rotation done" in said(app))
        text = said(app)
        assert "“Production server”" in text and "revoked" in text
        assert "still active" not in text
        assert all(leaving() is None for leaving in app.leaving_notes)
        assert isinstance(app.screen, ApiAccessScreen)
        line_widget = cast("RotationLine", app.screen.query_one("#rotation-line"))
        assert line_widget is line and not line.display
