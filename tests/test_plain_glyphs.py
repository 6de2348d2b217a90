"""LANG=C: where the locale cannot show Unicode, the dashboard and the CLI draw their glyphs
(chart blocks, box lines, ✓, …, ›, ·, arrows) in ASCII. One place decides (`text.glyphs`);
the usage chart and the CLI tables pick ASCII themselves, and a line filter under the whole
dashboard (`widgets.plain_glyphs`) draws the rest, Textual's borders included, in ASCII.
Python runs in UTF-8 mode under LANG=C, so its stdout says utf-8: the locale decides."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from openrush_tui.commands.table import cut
from openrush_tui.text.glyphs import WORDS, ascii_only, cell_table, plain
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.usage_chart import UsageChart
from tests.support.activity import settle_activity
from tests.support.apps import sandbox_app, settle
from tests.support.sandbox_process import SandboxFactory
from tests.test_cli_tables import environment, on_terminal

TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")


@pytest.mark.parametrize(("environ", "encoding", "ascii"), [
    ({"LANG": "C"}, "utf-8", True),
    ({"LC_ALL": "C", "LANG": "en_GB.UTF-8"}, "utf-8", True),  # LC_ALL first
    ({"LC_ALL": "", "LC_CTYPE": "POSIX", "LANG": "en_GB.UTF-8"}, "utf-8", True),
    ({"LANG": "en_US.ISO-8859-1"}, "utf-8", True),
    ({"LANG": "C.UTF-8"}, "utf-8", False),
    ({"LANG": "de_DE.utf8"}, "utf-8", False),
    ({}, "utf-8", False),  # nothing set: a bare environment, glyphs stay
    ({"LANG": "C.UTF-8"}, "ascii", True),  # PYTHONIOENCODING=ascii
    # LANG=C as Python leaves it after coercing the C locale (PEP 538): still ASCII.
    ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, "utf-8", True),
    ({"LANG": "POSIX", "LC_CTYPE": "C.utf8"}, "utf-8", True),
    ({"LANG": "en_GB.UTF-8", "LC_CTYPE": "C.UTF-8"}, "utf-8", False),
])
def test_the_locale_decides(environ: dict[str, str], encoding: str, ascii: bool) -> None:
    assert ascii_only(environ, encoding) is ascii


def test_every_stand_in_is_ascii_and_one_cell_where_drawn() -> None:
    assert all(text.isascii() for text in WORDS.values())
    assert all(len(text) == 1 and text.isascii() for text in cell_table().values())
    assert "▁▂▃▄▅▆▇█╭─╮│╰╯┤└▐X▌✓…·›→≥".translate(cell_table()) == "___=####+-+|++++[X]*.->>>"
    assert plain("Loading… · ≥3 → ✓", ascii=True) == "Loading... - >=3 -> *"
    assert plain("Loading…", ascii=False) == "Loading…"


def test_a_table_cut_says_so_in_ascii(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cut("Production server", 10) == "Productio…"
    monkeypatch.setenv("LC_ALL", "C")
    assert cut("Production server", 10) == "Product..."
    assert cut("Production server", 10, keep_end=3) == "Prod...ver"
    assert cut("Production server", 2) == "Pr"


def screen_text(app: OpenRushApp) -> str:
    """Every character on screen, as drawn (line filters and all); the SVG writes a space
    as a no-break space."""
    text = html.unescape("".join(TEXT.findall(app.export_screenshot())))
    return text.replace("\xa0", " ")


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
async def test_every_page_draws_only_ascii_under_lang_c(tmp_path: Path, locale: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", locale)
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    drawn = {}
    async with app.run_test(size=(100, 30)) as pilot:
        await settle_activity(pilot)
        chart = app.screen.query_one(UsageChart).render().plain
        drawn["activity"] = screen_text(app)
        for page in ("api-access", "setup"):
            await app.switch_mode(page)
            await settle(pilot)
            drawn[page] = screen_text(app)
    others = {page: sorted({char for char in text if not char.isascii()})
              for page, text in drawn.items()}
    if locale == "C":
        assert chart.isascii() and "#" in chart and " API  # MCP" in chart
        assert not any(others.values()), others
    else:  # the check can fail: with UTF-8 the same pages draw glyphs
        assert "█" in chart and all(others.values()), others


def test_the_cli_prints_only_ascii_under_lc_all_c(
        sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    env = environment(tmp_path / "home", sandbox_server())
    env.pop("PYTHONIOENCODING", None)
    env.update(LC_ALL="C", LANG="C")
    for args in (("keys", "list", "--all"), ("status",), ("activity", "--limit", "20"),
                 ("keys", "audit"), ("agents", "list")):
        lines = on_terminal(args, env, 60, cwd=tmp_path)
        text = "\n".join(lines)
        assert text.isascii(), (args, sorted({char for char in text if not char.isascii()}))
        if args[0] == "keys" and args[1] == "list":
            assert "..." in text  # the prefixes, and the cells cut to 60 columns


def test_the_cli_prints_only_ascii_under_lang_c_alone(
        sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    """LANG=C with no LC_ALL: the interpreter coerces LC_CTYPE to C.UTF-8 before our code
    runs, which must not be read as a UTF-8 terminal (seen in a user trial)."""
    env = environment(tmp_path / "home", sandbox_server())
    for name in ("PYTHONIOENCODING", "LC_ALL", "LC_CTYPE"):
        env.pop(name, None)
    env["LANG"] = "C"
    text = "\n".join(on_terminal(("keys", "list", "--all"), env, 60, cwd=tmp_path))
    assert text.isascii(), sorted({char for char in text if not char.isascii()})
    assert "..." in text
