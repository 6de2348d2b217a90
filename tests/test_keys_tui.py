"""The API access page as a user drives it: create, copy, close, revoke, filter, hide, sort."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox, Input, Static

from openrush_tui import clipboard as clipboard_core
from openrush_tui.auth.credentials import StoredKey
from openrush_tui.auth.secret import Secret
from openrush_tui.screens.api_access.create import KeyCreateScreen
from openrush_tui.screens.api_access.details import KeyDetailsScreen
from openrush_tui.screens.api_access.reveal import KeyRevealScreen, is_leave_without_copy
from openrush_tui.screens.api_access.revoke import REVOKE_DIALOG
from openrush_tui.widgets.key_table import KeyTable
from openrush_tui.widgets.load_state import LoadState
from tests.support.apps import TERMINAL, later, notices, remote_app, sandbox_app, settle, text_of
from tests.support.clipboard import FakeDesktop
from tests.support.keys import create, names, select, shown_key, state_text, table_of
from tests.support.scripted_server import Reply, ScriptedServer

# -- create -------------------------------------------------------------------------------------


async def test_create_copy_and_close(tmp_path: Path, no_display: None) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        before = table_of(app).row_count
        await create(pilot, "deploy bot")
        assert isinstance(app.screen, KeyRevealScreen)
        key = shown_key(app)
        once = text_of(app.screen.query_one("#once", Static))
        assert "only time the key is shown" in once
        await pilot.press("c")
        await pilot.pause()
        status = text_of(app.screen.query_one("#copy-status", Static))
        # Headless and no display: nothing could be copied, and the dialog says so.
        assert "Could not copy the key" in status and "by hand" in status
        assert "copied" not in status.lower().replace("could not copy", "")
        assert app.clipboard == ""
        await pilot.click("#stored")
        await settle(pilot)
        assert not isinstance(app.screen, KeyRevealScreen)
        table = table_of(app)
        assert table.row_count == before + 1
        assert table.current is not None and table.current.key.name == "deploy bot"
        assert table.current.key.prefix == key[:9]
        assert table.current.status == "active"


async def test_a_system_clipboard_copy_is_offered_to_be_cleared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, desktop: FakeDesktop) -> None:
    monkeypatch.setattr(clipboard_core, "CLEAR_AFTER_SECONDS", 0.2)
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "laptop")
        key = shown_key(app)
        await pilot.press("c")
        await pilot.pause()
        assert desktop.content == key
        status = text_of(app.screen.query_one("#copy-status", Static))
        assert status.startswith("Copied the key to the system clipboard")
        offer = app.screen.query_one("#clear-later", Checkbox)
        assert offer.display and offer.value
        await pilot.press("escape")  # after a copy, Escape closes without asking
        await settle(pilot)
        assert not isinstance(app.screen, KeyRevealScreen)
        for _ in range(100):  # the clear runs 0.2 s later, in a thread
            await pilot.pause(0.05)
            if any("Cleared the key" in n for n in notices(app)):
                break
        assert desktop.content == ""
        assert any("Cleared the key" in n for n in notices(app))


async def test_the_clipboard_is_left_alone_when_it_no_longer_holds_the_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, desktop: FakeDesktop) -> None:
    # Long enough that the test replaces the clipboard's content before the clear looks,
    # even on a loaded machine.
    monkeypatch.setattr(clipboard_core, "CLEAR_AFTER_SECONDS", 1.5)
    attempts: list[bool] = []
    real_clear = clipboard_core.clear_system_clipboard_if_digest

    def spy(expected: str) -> bool:
        attempts.append(real_clear(expected))
        return attempts[-1]

    monkeypatch.setattr(clipboard_core, "clear_system_clipboard_if_digest", spy)
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "laptop")
        await pilot.press("c")
        await pilot.click("#stored")
        desktop.content = "the user copied something else"
        for _ in range(200):  # until the delayed clear has looked at the clipboard
            await pilot.pause(0.05)
            if attempts:
                break
        assert attempts == [False]
        assert desktop.content == "the user copied something else"


async def test_closing_before_a_copy_asks_first(tmp_path: Path, no_display: None) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await create(pilot, "careful")
        await pilot.press("escape")
        await pilot.pause()
        assert is_leave_without_copy(app.screen)
        assert "will not see this key again" in text_of(app.screen.query_one(Static))
        await pilot.press("escape")  # back to the key
        await pilot.pause()
        assert isinstance(app.screen, KeyRevealScreen)
        await pilot.press("q")  # q does not quit from here: it asks too
        await pilot.pause()
        assert is_leave_without_copy(app.screen)
        await pilot.click("#leave")
        await settle(pilot)
        assert not isinstance(app.screen, KeyRevealScreen)
        assert not is_leave_without_copy(app.screen)
        assert app.is_running


async def test_a_bad_name_is_explained_as_you_type_and_nothing_is_sent(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        before = table_of(app).row_count
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        await pilot.press("enter")
        await pilot.pause()
        assert "required" in text_of(dialog.query_one("#name-problem", Static))
        dialog.query_one("#name", Input).value = "x" * 121
        await pilot.pause()
        assert "at most 120" in text_of(dialog.query_one("#name-problem", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        dialog.query_one("#name", Input).value = "x" * 120
        await pilot.pause()
        assert "at most" not in text_of(dialog.query_one("#name-problem", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert table_of(app).row_count == before


async def test_a_date_expiry_is_checked_and_sent(tmp_path: Path, no_display: None) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#name", Input).value = "until new year"
        await pilot.click("#expiry-date")
        await pilot.pause()
        date = dialog.query_one("#date", Input)
        assert date.display
        date.value = "2026-01-01"
        await pilot.pause()
        assert "must be in the future" in text_of(dialog.query_one("#expiry-note", Static))
        date.value = "2027-01-01"
        await pilot.pause()
        assert "2027-01-01 00:00:00 UTC" in text_of(dialog.query_one("#expiry-note", Static))
        await pilot.click("#create")
        await settle(pilot)
        assert isinstance(app.screen, KeyRevealScreen)
        await pilot.click("#stored")
        await settle(pilot)
        current = table_of(app).current
        assert current is not None and current.key.expires_at is not None
        assert current.key.expires_at.year == 2027


def listing(*items: dict[str, object]) -> Reply:
    return Reply(200, {"api_credentials": list(items)})


def item(index: int, name: str, **extra: object) -> dict[str, object]:
    return {"id": f"cred_{index}", "account_id": "acct_1", "name": name,
            "prefix": f"or_abc{index:03d}", "is_active": True,
            "created_at": f"2026-06-{10 + index:02d}T12:00:00Z", "last_used_at": None,
            "expires_at": None, **extra}


async def test_a_422_is_shown_next_to_its_field_and_the_typing_is_kept() -> None:
    refusal = {"detail": [{"type": "value_error", "loc": ["body", "name"],
                           "msg": "Value error, a key with this name exists", "input": "x"}]}
    expiry = {"detail": [{"type": "value_error", "loc": ["body", "expires_at"],
                          "msg": "Value error, expires_at must be in the future", "input": "x"}]}
    with ScriptedServer() as server:
        server.add(listing(item(1, "ci")), Reply(200, {"balance": 5}), Reply(422, refusal),
                   Reply(422, expiry))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await create(pilot, "ci")
            dialog = app.screen
            assert isinstance(dialog, KeyCreateScreen)
            problem = text_of(dialog.query_one("#name-problem", Static))
            assert "a key with this name exists" in problem
            assert dialog.query_one("#name", Input).value == "ci"
            assert "Nothing was created" in text_of(dialog.query_one("#create-status", Static))
            assert not dialog.query_one("#create", Button).disabled
            await pilot.click("#expiry-7d")
            await pilot.click("#create")
            await settle(pilot)
            note = text_of(dialog.query_one("#expiry-note", Static))
            assert "expires_at must be in the future" in note
            assert server.requests[-1].json()["name"] == "ci"
            assert "expires_at" in server.requests[-1].json()


@pytest.mark.parametrize("failure", [Reply(delay=1.5), Reply(drop=True)],
                         ids=["timeout", "dropped"])
async def test_a_create_that_may_have_worked_points_at_the_new_entry(failure: Reply) -> None:
    with ScriptedServer() as server:
        server.add(listing(item(1, "ci"), item(2, "nightly")), Reply(200, {"balance": 5}),
                   failure,
                   listing(item(3, "nightly", created_at="2026-06-26T11:59:00Z"),
                           item(1, "ci"), item(2, "nightly")),
                   Reply(200, {"balance": 5}))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access", read_timeout=0.5)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await create(pilot, "nightly")
            await settle(pilot)
            assert not isinstance(app.screen, KeyCreateScreen | KeyRevealScreen)
            current = table_of(app).current
            assert current is not None and current.id == "cred_3"
            note = next(n for n in notices(app) if "may" in n)
            assert "may have been created without being shown" in note
            assert "press d to revoke it" in note


# -- revoke -------------------------------------------------------------------------------------


async def test_revoke_one_key_with_cancel_focused(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await select(pilot, "Data notebook")
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert dialog.id == REVOKE_DIALOG
        assert app.focused is dialog.query_one("#cancel", Button)
        text = " ".join(text_of(w) for w in dialog.query(Static))
        assert "Revoke the key “Data notebook”?" in text
        assert "last used 8 hours ago" in text and "or_" in text
        assert "stops working at once" in text and "cannot be undone" in text
        await pilot.press("enter")  # Enter out of habit: Cancel
        await settle(pilot)
        assert table_of(app).current.status == "active"  # type: ignore[union-attr]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.click("#revoke")
        await settle(pilot)
        row = table_of(app).view.row(table_of(app).current.id)  # type: ignore[union-attr]
        assert row is not None and row.status == "revoked"
        assert any("Revoked “Data notebook”" in n for n in notices(app))
        client = await app.session.client()
        fresh = {key.name: key for key in await client.list_keys()}
        assert fresh["Data notebook"].is_active is False


async def test_revoke_several_marked_keys(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await select(pilot, "Staging")
        await pilot.press("space")
        await select(pilot, "reporting [beta]")
        await pilot.press("space")
        await select(pilot, "Old laptop")  # already revoked: left out
        await pilot.press("space")
        assert "3 marked" in text_of(app.screen.query_one("#marks", Static))
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert dialog.id == REVOKE_DIALOG
        text = " ".join(text_of(w) for w in dialog.query(Static))
        assert "Revoke these 2 keys?" in text
        assert "Staging" in text and "reporting [beta]" in text
        assert "1 already revoked key is left out" in text
        await pilot.click("#revoke")
        await settle(pilot)
        view = table_of(app).view
        assert {row.key.name: row.status for row in view.rows}["Staging"] == "revoked"
        assert {row.key.name: row.status for row in view.rows}["reporting [beta]"] == "revoked"
        assert not table_of(app).marked
        assert "marked" not in state_text(app)


async def test_revoking_the_signed_in_key_signs_out_and_goes_to_setup(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        client = await app.session.client()
        created = await client.create_key("this terminal")
        spare = await client.create_key("spare")
        await app.session.use_key(StoredKey(Secret(created.key.get_secret_value()),
                                            "environment"))
        del created
        await pilot.press("r")
        await settle(pilot)
        await select(pilot, "Staging")
        await pilot.press("space")
        await select(pilot, "this terminal")
        await pilot.press("space")
        await pilot.press("d")
        await pilot.pause()
        warning = text_of(app.screen.query_one("#signed-in", Static))
        assert "signed in with “this terminal”" in warning and "Setup" in warning
        await pilot.click("#revoke")
        await settle(pilot)
        assert app.current_mode == "setup"
        assert not app.session.signed_in
        # Both went: the terminal's own key was revoked last, after the other.
        messages = notices(app)
        assert any("Revoked 2 keys" in m for m in messages)
        assert any("signed out" in m for m in messages)
        # Signed in again (as Setup would), API access loads the list on its own.
        await app.session.use_key(StoredKey(Secret(spare.key.get_secret_value()),
                                            "environment"))
        await pilot.press("2")
        await settle(pilot)
        assert "spare" in names(app)
        assert " keys, " in state_text(app)


async def test_a_partial_failure_says_which_keys_were_revoked() -> None:
    with ScriptedServer() as server:
        server.add(listing(item(1, "one"), item(2, "two")), Reply(200, {"balance": 5}),
                   Reply(200, item(2, "two", is_active=False)),  # newest first, as shown
                   Reply(404, {"detail": "no such key"}))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await pilot.press("space", "j", "space", "d")
            await pilot.pause()
            await pilot.click("#revoke")
            await settle(pilot)
            message = state_text(app)
            assert "Revoked 1 of 2 keys (“two”)" in message
            assert "Not revoked: “one” (or_abc001…): no such key" in message
            status = {row.key.name: row.status for row in table_of(app).view.rows}
            assert status == {"one": "active", "two": "revoked"}


async def test_a_revoke_answered_5xx_may_have_worked_and_the_list_is_reloaded() -> None:
    """A 5xx is no readable refusal: the server may have revoked the key before failing."""
    with ScriptedServer() as server:
        server.add(listing(item(1, "one"), item(2, "two")), Reply(200, {"balance": 5}),
                   Reply(200, item(2, "two", is_active=False)),
                   Reply(500, {"detail": "database is down"}),
                   listing(item(1, "one", is_active=False), item(2, "two", is_active=False)))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await pilot.press("space", "j", "space", "d")
            await pilot.pause()
            await pilot.click("#revoke")
            await settle(pilot)
            note = next(n for n in notices(app) if "Revoked 1 of 2" in n)
            assert "Not revoked" not in note
            assert "May have been revoked" in note and "“one”" in note
            status = {row.key.name: row.status for row in table_of(app).view.rows}
            assert status == {"one": "revoked", "two": "revoked"}  # as the list now says


# -- list ---------------------------------------------------------------------------------------


async def test_filter_narrows_as_you_type_and_escape_clears(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        total = table_of(app).row_count
        await pilot.press("slash", *"OLD")
        await pilot.pause()
        assert names(app) == ["Old laptop"]
        assert "showing 1 matching “OLD”" in state_text(app)
        await pilot.press("enter")  # keep the filter, back to the list
        assert app.focused is table_of(app)
        await pilot.press("escape")
        await pilot.pause()
        assert table_of(app).row_count == total
        assert not app.screen.query_one("#filter", Input).display


async def test_hide_and_show_revoked_and_expired(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await pilot.pause()
        assert "Old laptop" not in names(app) and "Contractor (temporary)" not in names(app)
        assert "active (h shows the revoked and expired)" in state_text(app)
        await pilot.press("h")
        await pilot.pause()
        assert "Old laptop" in names(app)


async def test_sort_by_key_and_by_clicking_a_header(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert names(app)[0] == "CI pipeline"  # newest first
        await pilot.press("o")  # the next column: last used, most recent first
        assert table_of(app).view.sort_column == "last_used"
        assert names(app)[0] == "Production server"
        assert names(app)[-1] == "CI pipeline"  # never used
        seen = set()
        for _ in range(6):
            await pilot.press("o")
            seen.add(table_of(app).view.sort_column)
        assert seen == {"name", "prefix", "status", "created", "last_used", "expires"}
        await pilot.click(KeyTable, offset=(5, 0))  # the "Name" header
        assert names(app)[:2] == ["CI pipeline", "Contractor (temporary)"]
        await pilot.click(KeyTable, offset=(5, 0))  # again: the other way round
        assert names(app)[0] == "Staging"
        await pilot.press("O")
        assert names(app)[0] == "CI pipeline"


async def test_o_reaches_every_order_at_80_columns_and_says_one_not_on_screen(
        tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert table_of(app).view.sort_column == "created"  # newest first, not a column here
        seen = []
        for _ in range(6):
            await pilot.press("o")
            seen.append(table_of(app).view.sort_column)
        assert set(seen) == {"name", "prefix", "status", "created", "last_used", "expires"}
        assert seen[-1] == "created"  # round again to newest first
        assert names(app)[0] == "CI pipeline"
        # Said as o reached it, and kept among the messages (its toast went as o moved on).
        assert any(said.text.startswith("Ordered by expiry") for said in app.recent.newest_first())


async def test_an_error_keeps_the_last_list() -> None:
    with ScriptedServer() as server:
        server.add(listing(item(1, "one"), item(2, "two")), Reply(200, {"balance": 5}),
                   Reply(500, {"detail": "boom"}))
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            later(app)  # past the request budget's reuse of the list
            await pilot.press("r")
            await settle(pilot)
            state = app.screen.query_one("#keys-state", LoadState)
            assert state.state == "error"
            assert "last one loaded" in text_of(state)
            assert table_of(app).row_count == 2


async def test_details_show_every_field_and_lead_to_activity(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await select(pilot, "Production server")
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, KeyDetailsScreen)
        fields = text_of(dialog.query_one("#fields", Static))
        for label in ("Name", "ID", "Prefix", "Status", "Created", "Last used", "Expires"):
            assert label in fields
        assert "UTC" in fields and "ago" in fields
        usage = text_of(dialog.query_one("#usage", Static))
        assert "credits" in usage or "free" in usage
        await pilot.press("a")
        await settle(pilot)
        assert app.current_mode == "activity"


async def test_details_say_why_the_usage_could_not_be_loaded() -> None:
    with ScriptedServer() as server:
        server.add(listing(item(1, "ci")), Reply(200, {"balance": 5}),
                   Reply(500, {"detail": "boom"}))  # the details' recent usage
        app = remote_app(server.url, "or_" + "k" * 40, page="api-access")
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, KeyDetailsScreen)
            usage = text_of(dialog.query_one("#usage", Static))
            assert usage.startswith("Could not load the usage: "), usage


async def test_hiding_the_inactive_with_only_the_keys_needing_attention_says_why_it_is_empty(
        tmp_path: Path) -> None:
    # The demo account's one flagged key is expired: h hides it, and a keeps only it.
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("h", "a")
        await pilot.pause()
        assert "showing 0 that need attention, active" in state_text(app)
        assert table_of(app).empty_text == ("No key that needs attention is active; press h "
                                            "to show them all.")


async def test_c_copies_the_id_of_the_key_under_the_cursor(
        tmp_path: Path, desktop: FakeDesktop) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await select(pilot, "Staging")
        current = table_of(app).current
        assert current is not None
        await pilot.press("c")  # what `keys revoke` and `keys rotate` take
        await pilot.pause()
        assert desktop.content == current.key.id
        said = " ".join(notices(app))
        assert f"Copied the id {current.key.id} of “Staging”" in said


async def test_without_a_clipboard_c_shows_the_id_to_copy_by_hand(
        tmp_path: Path, no_display: None) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await select(pilot, "Staging")
        current = table_of(app).current
        assert current is not None
        await pilot.press("c")
        await pilot.pause()
        said = " ".join(notices(app))
        assert f"Could not copy the id {current.key.id}" in said and "by hand" in said
