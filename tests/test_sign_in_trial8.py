"""New-user trial 8, Setup: a key rotated by the CLI while the dashboard is open.

`keys rotate … --revoke-old` saved the new key to credentials.json (no keyring) while the
dashboard kept using the old one, which was then revoked. Setup said so, but only offered to
restart; its sign-out dialog claimed to delete the old key from the file (which held the new
one) as "the only copy", and after signing out nothing picked the saved working key up.
Over real HTTP (a served sandbox), with the fail keyring so keys go to the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from textual.pilot import Pilot
from textual.widgets import Static

from openrush_tui.api.client import OpenRushClient
from openrush_tui.auth.credentials import credentials_path, read_file_key, save_to_file
from openrush_tui.auth.profiles import remember_api_url
from openrush_tui.auth.secret import Secret
from openrush_tui.screens.dialogs.yes_no import YesNoDialog
from openrush_tui.screens.setup.page import SetupScreen
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.key_hints import KeyHints
from tests.support.accounts import UseKeyring, stored
from tests.support.apps import TERMINAL, notices, remote_app, settle, text_of
from tests.support.sandbox_process import RunningSandbox, SandboxFactory


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> Iterator[RunningSandbox]:
    yield sandbox_server()


async def _rotated(server: RunningSandbox, *, revoke: bool) -> tuple[str, str]:
    """A fresh key ("ours", in use and saved) and its successor ("theirs", saved by the CLI
    meanwhile); ours revoked when `revoke`."""
    async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
        ours = await client.create_key("trial 8 old")
        theirs = await client.create_key("trial 8 new")
        if revoke:
            await client.revoke_key(ours.api_credential.id)
    return ours.key.get_secret_value(), theirs.key.get_secret_value()


def _setup_app(server: RunningSandbox, ours: str, *, size: tuple[int, int] = TERMINAL):
    save_to_file("default", Secret(ours))
    remember_api_url("default", server.base_url)
    app = remote_app(server.base_url, None, page="setup")
    app.session.key = stored(ours, "file", str(credentials_path()))
    return app


def _shown(app: object, selector: str) -> str:
    return text_of(app.screen.query_one(selector, Static))  # type: ignore[attr-defined]


async def test_setup_offers_the_key_saved_meanwhile_and_y_switches_to_it(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    ours, theirs = await _rotated(server, revoke=False)
    app = _setup_app(server, ours)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        save_to_file("default", Secret(theirs))  # `keys rotate` in another terminal
        ours_id = None
        async with OpenRushClient(server.base_url, theirs) as client:
            for key in await client.list_keys():
                if key.name == "trial 8 old":
                    ours_id = key.id
            assert ours_id is not None
            await client.revoke_key(ours_id)  # --revoke-old, later
        await pilot.press("r")  # the server now refuses ours
        await settle(pilot)
        notes = _shown(app, "#terminal-notes")
        assert "Another key (" + Secret(theirs).masked() in notes
        assert "press y" in notes and "start it again" not in notes
        await _press_y(pilot, app, theirs)
        assert app.session.key is not None and app.session.key.source == "file"
        assert "Another key" not in _shown(app, "#terminal-notes")
    assert read_file_key("default") == theirs


async def _press_y(pilot: Pilot[Any], app: OpenRushApp, saved: str) -> None:
    """y on Setup: the dashboard uses the key `saved` for the profile, and it works."""
    await pilot.press("y")
    await settle(pilot)
    assert app.session.key is not None and app.session.key.secret.reveal() == saved
    assert "Connection OK" in _shown(app, "#connection")


async def test_signing_out_a_revoked_key_the_file_no_longer_holds_asks_nothing_false(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    ours, theirs = await _rotated(server, revoke=True)
    app = _setup_app(server, ours)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)  # Setup: ours is revoked
        save_to_file("default", Secret(theirs))
        await pilot.press("x")
        await settle(pilot)
        # Nothing of value is lost (ours is revoked; the file's key stays): no "only copy"
        # dialog naming a key the file does not hold.
        assert not isinstance(app.screen, YesNoDialog)
        assert not app.session.signed_in
        said = "\n".join(notices(app))
        assert "only copy" not in said
        # Signed out, with a working key saved: Setup offers it, and y uses it.
        notes = _shown(app, "#terminal-notes")
        assert Secret(theirs).masked() in notes and "press y" in notes
        await _press_y(pilot, app, theirs)
    assert read_file_key("default") == theirs


async def test_the_sign_out_question_of_a_key_no_longer_saved_says_what_it_forgets(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    ours, theirs = await _rotated(server, revoke=False)  # ours still works
    app = _setup_app(server, ours)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        save_to_file("default", Secret(theirs))
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, YesNoDialog)
        said = _shown(app, "#lost")
        assert "deleted from the file" not in said
        assert Secret(ours).masked() in said and "memory" in said
        assert Secret(theirs).masked() in said and "stays" in said
        await pilot.click("#sign-out")
        await settle(pilot)
        assert not app.session.signed_in
    assert read_file_key("default") == theirs


async def test_signing_out_a_revoked_saved_key_gives_no_only_copy_warning(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    ours, _ = await _rotated(server, revoke=True)
    app = _setup_app(server, ours)
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        assert "revoked" in _shown(app, "#connection")
        await pilot.press("x")
        await settle(pilot)
        assert not isinstance(app.screen, YesNoDialog)
        assert not app.session.signed_in
    assert read_file_key("default") is None


async def test_r_on_setup_says_when_it_tested(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    app = remote_app(server.base_url, server.bootstrap_key, page="setup")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        line = _shown(app, "#connection")
        assert line.startswith("Connection OK (tested ")


async def test_setup_footer_at_60x20_keeps_sign_out_while_signed_in(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    app = remote_app(server.base_url, server.bootstrap_key, page="setup")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)
        footer = str(app.screen.query_one(KeyHints).render())
        assert "x Sign out" in footer and "s Sign in" not in footer, footer
        assert "i Install" in footer, footer


# -- a revoked OPENRUSH_KEY: the CLI and API access say what Setup says ----------------------


def _flat(text: str) -> str:
    return " ".join(text.split())


async def _revoked(server: RunningSandbox) -> str:
    async with OpenRushClient(server.base_url, server.bootstrap_key) as client:
        created = await client.create_key("trial 8 env")
        await client.revoke_key(created.api_credential.id)
    return created.key.get_secret_value()


async def test_keys_list_with_a_revoked_openrush_key_says_to_set_or_unset_it(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from openrush_tui.cli import main
    from openrush_tui.errors import environment_key_advice

    use_keyring(fail.Keyring())
    key = await _revoked(server)
    monkeypatch.setenv("OPENRUSH_KEY", key)
    code = await asyncio.to_thread(main, ["keys", "list", "--api-url", server.base_url])
    err = _flat(capsys.readouterr().err)
    assert code == 1
    assert "The server did not accept the API key: it has been revoked." in err, err
    assert "Sign in again" not in err, err
    assert _flat(environment_key_advice("sign in with `openrush-tui login`")) in err, err
    assert key not in err


async def test_api_access_with_a_revoked_openrush_key_says_what_setup_says_uncut(
        server: RunningSandbox, isolated_home: Path, use_keyring: UseKeyring) -> None:
    from openrush_tui.errors import environment_key_advice
    from tests.support.keys import state_text

    use_keyring(fail.Keyring())
    key = await _revoked(server)
    app = remote_app(server.base_url, key, page="api-access")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        said = _flat(state_text(app))
        table_text = app.screen.table.empty_text  # type: ignore[attr-defined]
        rows = _rows(app.export_screenshot())
    assert "Sign in again" not in said, said
    assert _flat(environment_key_advice("sign in on Setup (1)")) in said, said
    # The table's line is on screen whole at 80 columns (it was cut: "… Sign …").
    assert table_text and any(table_text in row for row in rows), rows


def _rows(svg: str) -> list[str]:
    """The rows of a screenshot as text (as /work/notes/svgtext.py reads them)."""
    import html
    import re

    cells: dict[float, list[tuple[float, str]]] = {}
    for found in re.finditer(r'<text[^>]*x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        x, y = float(found.group(1)), float(found.group(2))
        cells.setdefault(y, []).append((x, html.unescape(re.sub("<[^>]+>", "", found.group(3)))))
    rows = []
    for y in sorted(cells):
        line = ""
        for x, text in sorted(cells[y]):
            line = line.ljust(round(x / 12.2)) + text
        rows.append(line.replace("\xa0", " ").rstrip())
    return rows
