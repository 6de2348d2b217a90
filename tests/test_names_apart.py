"""Names cut so that they still read apart (`text.cells.Apart`), and the key list on API access
after a rotation (issue 20): the new key's name ("Trial deploy 2026-06-26") is never cut to
read like the old one's ("Trial deploy…" beside "Trial deploy")."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from openrush_tui.api.models import ApiCredential
from openrush_tui.keys.columns import NameCuts
from openrush_tui.keys.rotate import replacement_name
from openrush_tui.keys.view import rows_of
from openrush_tui.text.cells import Apart, cut
from openrush_tui.widgets.key_table import HEADER_ROWS
from tests.support.apps import FIXED_NOW, sandbox_app, settle
from tests.support.keys import table_of
from tests.support.lifecycle import fixed_sandbox

SAMPLES = "aZ 0-_/.()本番サーバー鍵🔑🚀\u0301"
OLD = ["Trial deploy", "Payments webhook signer", "Production server for the billing service",
       "本番サーバー用のキー請求サービス", "🔑🚀 Deploy key for staging"]
ROTATED = [name for old in OLD for name in (old, replacement_name(old, FIXED_NOW))]


def readings(shown: str, names: list[str], mark: str = "…") -> set[str]:
    """The names a cell could be: a cut reads as any name that starts with what is before
    the mark and ends with what is after it."""
    if mark not in shown:
        return {shown} & set(names)
    start, _, end = shown.partition(mark)
    return {name for name in names if name.startswith(start) and name.endswith(end)}


@pytest.mark.parametrize("room", range(8, 48))
def test_a_rotated_key_s_name_reads_apart_from_the_old_one_s(room: int) -> None:
    apart = Apart(ROTATED)
    for name in ROTATED:
        shown = apart.cut(name, room)
        assert cell_len(shown) <= room, (name, shown)
        assert readings(shown, ROTATED) == {name}, (name, shown)


def test_the_end_kept_is_the_word_that_tells_the_names_apart() -> None:
    apart = Apart(ROTATED)
    assert apart.cut("Trial deploy 2026-06-26", 13) == "Trial d…06-26"
    assert apart.cut("Trial deploy 2026-06-26", 16) == "Trial…2026-06-26"  # the date kept
    assert apart.cut("Production server for the billing service 2026-06-26", 20) == \
        "Productio…2026-06-26"
    assert apart.cut("Production server for the billing service", 20) == "Production s…service"
    # A second rotation the same day adds the time: the time tells it apart.
    twice = Apart(["Trial deploy 2026-06-26", "Trial deploy 2026-06-26 12:00"])
    assert twice.cut("Trial deploy 2026-06-26 12:00", 13) == "Trial d…12:00"
    assert Apart(["Trial deploy"], mark="...").cut("Trial deploy 2026-06-26", 13) == \
        "Trial...06-26"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=SAMPLES, max_size=30),
       st.lists(st.text(alphabet=SAMPLES, max_size=6), min_size=2, max_size=6, unique=True),
       st.integers(6, 40), st.sampled_from(["…", "..."]))
def test_names_that_differ_near_an_end_never_read_alike(start: str, ends: list[str], room: int,
                                                        mark: str) -> None:
    names = [start + end for end in ends]
    assume(mark == "…" or "." not in "".join(names))  # else where "..." is cannot be told
    apart = Apart(names, mark)
    for name in names:
        shown = apart.cut(name, room)
        assert cell_len(shown) <= room, (name, shown)
        if shown != name and any(readings(cut, names, mark) == {name}
                                 for cut in cuts_of(name, room, mark)):
            # Some cut reads as this name alone: the one chosen does too.
            assert readings(shown, names, mark) == {name}, (names, name, shown)


def cuts_of(name: str, room: int, mark: str) -> list[str]:
    """Every cut of `name` in `room` cells that keeps a start (its spaces before the mark
    dropped, as `Apart` does)."""
    found = []
    for keep in range(room - len(mark)):
        start, _, end = cut(name, room, keep, mark).partition(mark)
        if start.rstrip(" "):
            found.append(start.rstrip(" ") + mark + end)
    return found


def test_a_list_arriving_in_slices_cuts_as_the_whole_list() -> None:
    keys = [f"Service key {n:05d} for region {'eu' if n % 2 else 'us'}" for n in range(3_000)]
    names = [*keys, *ROTATED]
    made = rows_of([ApiCredential(id=f"cred_{n:06d}", name=name, prefix="or_abc",
                                  created_at=FIXED_NOW) for n, name in enumerate(names)],
                   FIXED_NOW)
    cuts, held = NameCuts(), []
    for at in range(0, len(made), 1000):  # the same list growing, as KeyView.extend does
        held.extend(made[at:at + 1000])
        cuts.cut(held, "x" * 40, 10)
    whole = Apart(names)
    for name in ROTATED:
        assert cuts.cut(held, name, 13) == whole.cut(name, 13)
        assert readings(whole.cut(name, 13), names) == {name}
    # A list made again with one row replaced (a revoke) keeps the names; another list not.
    again = [*held[:-1], held[-1]]
    assert cuts.cut(again, ROTATED[1], 13) == whole.cut(ROTATED[1], 13)
    assert cuts.cut(made[-2:], ROTATED[-1], 13) == Apart(ROTATED[-2:]).cut(ROTATED[-1], 13)
    # The list last gathered emptied in place (a reload lets the old rows go): a new list
    # starts again, without reading the old one past its end.
    cuts.cut(held, ROTATED[-1], 13)  # `held` is the list last gathered
    held.clear()
    assert cuts.cut(made, ROTATED[-1], 13) == whole.cut(ROTATED[-1], 13)


# -- the key list on API access ----------------------------------------------------------------


async def add_keys(db: Path, names: list[str]) -> None:
    sandbox = fixed_sandbox(db)
    try:
        key = sandbox.mint_bootstrap_key()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                                     base_url="http://127.0.0.1",
                                     headers={"Authorization": f"Bearer {key}"}) as http:
            for name in names:
                made = await http.post("/v1/me/api-credentials", json={"name": name})
                assert made.status_code == 201, made.text
    finally:
        sandbox.close()


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_key_list_tells_a_rotated_key_from_the_old_one(
        tmp_path: Path, size: tuple[int, int]) -> None:
    db = tmp_path / "sandbox.sqlite3"
    await add_keys(db, ROTATED)
    app = sandbox_app(db, page="api-access")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = table_of(app)
        lines = ["".join(segment.text for segment in table.render_line(y)).strip()
                 for y in range(HEADER_ROWS, table.scrollable_content_region.height)]
        cells = [line.split("  ")[0] for line in lines if line]
        shown = {cell: readings(cell, ROTATED) for cell in cells if readings(cell, ROTATED)}
        assert len(shown) == len(ROTATED), lines  # every one of them on screen
        assert all(len(names) == 1 for names in shown.values()), shown
