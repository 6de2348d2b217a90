"""A new user's trial (8): `keys list` on an 80-column terminal and the Activity export's name.

`keys list` at 80 columns left the ID column out, yet the id is what `keys revoke` and `keys
rotate` take: the user had to pipe the list or widen the terminal to act on a key. Now the
id stays at 80 and 60 columns, as its shortest unique start (what both commands take),
and CREATED, then EXPIRES, then PREFIX give way first. Run as a user runs it: the command
line in this process against a sandbox served over HTTP on 127.0.0.1, the id read off the
table and given to `keys rotate` and `keys revoke`.

The export dialog (w on Activity) saved a name typed without an extension as it was
("events", not "events.csv"); now the format's extension is added and the dialog says so,
and a name typed with another extension is kept as typed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path, PurePath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.backends import fail
from rich.cells import cell_len
from textual.widgets import Input, RadioSet, Static

from openrush_tui.activity.export import with_extension
from openrush_tui.cli import main
from openrush_tui.commands import table
from tests.support.accounts import UseKeyring
from tests.support.activity import open_export
from tests.support.apps import sandbox_app, text_of, until
from tests.support.threaded_sandbox import Served, threaded_sandbox

SPLIT = re.compile(r"\s{2,}")


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("trial8"), key_seed=8) as running:
        yield running


@pytest.fixture
def cli(served: Served, isolated_home: Path, use_keyring: UseKeyring,
        monkeypatch: pytest.MonkeyPatch) -> Callable[..., Ran]:
    """`openrush-tui ARGV` on a terminal `width` wide, signed in with the sandbox's key."""
    use_keyring(fail.Keyring())
    monkeypatch.setenv("OPENRUSH_API_URL", served.base_url)
    monkeypatch.setenv("OPENRUSH_KEY", served.sandbox.mint_bootstrap_key())
    monkeypatch.setenv("LC_ALL", "C.UTF-8")

    def run(*argv: str, width: int | None = None) -> Ran:
        monkeypatch.setattr(table, "terminal_width", lambda: width)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(argv))
        return Ran(code, out.getvalue(), err.getvalue())

    return run


def rows(text: str) -> list[dict[str, str]]:
    """The table's rows as {title: cell}."""
    header, *lines = text.splitlines()
    titles = SPLIT.split(header.strip())
    cells = [SPLIT.split(line.strip()) for line in lines]
    assert all(len(row) == len(titles) for row in cells), text
    return [dict(zip(titles, row, strict=True)) for row in cells]


def whole_ids(cli: Callable[..., Ran]) -> dict[str, str]:
    """Each key's name → its whole id, as a pipe prints them."""
    piped = cli("keys", "list", "--all")
    assert piped.code == 0, piped.err
    return {row["NAME"]: row["ID"] for row in rows(piped.out)}


@pytest.mark.parametrize("width", [80, 60])
def test_keys_list_shows_an_id_the_commands_take_at_80_and_60_columns(
        cli: Callable[..., Ran], width: int) -> None:
    ids = whole_ids(cli)
    shown = cli("keys", "list", "--all", width=width)
    assert shown.code == 0, shown.err
    assert all(cell_len(line) <= width for line in shown.out.splitlines()), shown.out
    listed = rows(shown.out)
    titles = list(listed[0])
    assert titles[:2] == ["ID", "NAME"], shown.out  # the id first, where a user looks for it
    assert "STATUS" in titles and "LAST USED" in titles, shown.out
    for row in listed:
        # Unambiguous: the one key of the account whose id starts like it, this row's key.
        [whole] = [key for key in ids.values() if key.startswith(row["ID"])]
        assert len(row["ID"]) >= 8, row
        start, _, end = row["NAME"].partition("…")
        names = [name for name, key in ids.items() if key == whole]
        assert names[0].startswith(start) and names[0].endswith(end), (row, names)


def test_a_name_cut_to_make_room_gets_back_the_room_a_column_left_out_freed(
        cli: Callable[..., Ran]) -> None:
    # At 50 columns the names were cut to 16 cells, then PREFIX was left out: 4 cells spare
    # beside "sandbox bootstr…".
    shown = cli("keys", "list", width=50)
    listed = rows(shown.out)
    assert list(listed[0]) == ["ID", "NAME", "STATUS", "LAST USED"], shown.out
    assert "sandbox bootstrap" in [row["NAME"] for row in listed], shown.out


def test_the_id_shown_at_80_columns_is_taken_by_rotate_and_revoke(
        cli: Callable[..., Ran]) -> None:
    listed = {row["NAME"]: row["ID"] for row in rows(cli("keys", "list", width=80).out)}
    ids = whole_ids(cli)
    rotated = cli("keys", "rotate", listed["CI pipeline"], "--yes")
    assert rotated.code == 0, rotated.err
    after = whole_ids(cli)
    assert "CI pipeline" not in {row["NAME"] for row in rows(cli("keys", "list").out)}
    assert any(name.startswith("CI pipeline ") for name in after), after  # its replacement
    revoked = cli("keys", "revoke", listed["Data notebook"], "--yes")
    assert revoked.code == 0, revoked.err
    assert ids["Data notebook"] in revoked.out + revoked.err
    assert "Data notebook" not in {row["NAME"] for row in rows(cli("keys", "list").out)}


def test_a_start_that_names_no_key_or_several_is_refused_by_rotate(
        cli: Callable[..., Ran]) -> None:
    none = cli("keys", "rotate", "cred_zzzz", "--yes")
    assert none.code != 0 and "cred_zzzz" in none.err, none
    several = cli("keys", "rotate", "cred_", "--yes")
    assert several.code != 0 and "cred_" in several.err, several
    assert "start" in several.err, several.err


# -- the export dialog: the format's extension -------------------------------------------------


async def export_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str,
                       fmt: str = "csv") -> str:
    """Type `typed` as the file name in the export dialog, with `fmt` chosen; the dialog's
    last words."""
    monkeypatch.chdir(tmp_path)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_export(pilot)
        field = dialog.query_one("#path", Input)
        if fmt == "json":  # Shift+Tab to the Format choice, down to JSON, chosen
            await pilot.press("shift+tab", "down", "enter")
            await until(pilot, lambda: dialog.query_one("#format", RadioSet).pressed_index == 1)
            await pilot.press("tab")
            assert pilot.app.focused is field
            field.select_all()
        await pilot.press(*typed, "enter")
        status = dialog.query_one("#export-status", Static)
        await until(pilot, lambda: "Exported" in text_of(status))
        return text_of(status)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if not path.name.startswith("sandbox"))


@pytest.mark.parametrize(("typed", "fmt", "saved"), [
    ("events", "csv", "events.csv"), ("events", "json", "events.json"),
    ("events.", "csv", "events.csv")])
async def test_a_name_without_an_extension_gets_the_format_s(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str, fmt: str,
        saved: str) -> None:
    said = await export_named(tmp_path, monkeypatch, typed, fmt)
    assert files_in(tmp_path) == [saved]
    assert f"Saved {saved}" in said.replace("\n", " "), said


@pytest.mark.parametrize("typed", ["events.txt", "events.CSV"])
async def test_a_name_with_an_extension_is_kept_as_typed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str) -> None:
    said = await export_named(tmp_path, monkeypatch, typed)
    assert files_in(tmp_path) == [typed]
    assert typed in said and "added" not in said, said


async def test_the_added_extension_is_checked_for_an_existing_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "events.csv").write_text("mine\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_export(pilot)
        await pilot.press(*"events", "enter")
        status = dialog.query_one("#export-status", Static)
        await until(pilot, lambda: "already exists" in text_of(status))
        assert "events.csv" in text_of(status)
    assert (tmp_path / "events.csv").read_text(encoding="utf-8") == "mine\n"
    assert files_in(tmp_path) == ["events.csv"]


async def test_a_folder_typed_gets_the_offered_name_in_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "exports").mkdir()
    said = await export_named(tmp_path, monkeypatch, "exports")  # not "exports.csv" beside it
    [made] = list((tmp_path / "exports").iterdir())
    assert made.name.startswith("openrush-activity-") and made.suffix == ".csv", made
    assert files_in(tmp_path) == ["exports"] and "added" not in said, said


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_characters="/\x00"), min_size=1, max_size=20),
       st.sampled_from(["csv", "json"]))
def test_with_extension_adds_one_only_to_a_name_without_one(name: str, fmt: str) -> None:
    named = with_extension(name, fmt)
    if PurePath(name).suffix or not name.rstrip("."):
        assert named == name  # kept as typed
    else:
        assert named == name.rstrip(".") + "." + fmt
        assert PurePath(named).suffix == "." + fmt
    assert with_extension(named, fmt) == named  # once added, never again
