"""When colour says little: under NO_COLOR, or with the monochrome theme (registered by the
app), widgets tell things apart by glyphs and words instead (`without_colour`); in a terminal
of 16 colours (TERM=xterm or screen, no COLORTERM), a pair of theme colours that lands on one
of those 16 is swapped for a pair that does not (`apart_in_few_colours`)."""

from __future__ import annotations

from typing import Any

from rich.color import Color, ColorSystem
from rich.color_triplet import ColorTriplet
from textual.app import App
from textual.theme import Theme

# A theme with no colour at all, for terminals and people that do without.
MONOCHROME = Theme(name="monochrome", primary="#e0e0e0", secondary="#c0c0c0",
                   accent="#a0a0a0", warning="#ffffff", error="#ffffff", success="#ffffff",
                   foreground="#e0e0e0", background="#000000", surface="#111111",
                   panel="#262626", dark=True)

# Rich's names of the colour systems with 16 colours (the console turns every colour into
# the nearest of them: nord's blue and purple both become ANSI white, ESC[37m).
FEW_COLOURS = {"standard": ColorSystem.STANDARD, "windows": ColorSystem.WINDOWS}
# Where a theme's pair collapses: blue and yellow on a dark background, blue and red on a
# light one (both pairs stay apart for the commonest colour blindness, which keeps the blue
# to yellow axis). Given as the RGB of the palette Rich picks the nearest from, so each lands
# on exactly that colour: bright blue (12), bright yellow (11); blue (4), red (1).
DARK_PAIR = (Color.from_triplet(ColorTriplet(85, 85, 255)),
             Color.from_triplet(ColorTriplet(255, 255, 85)))
LIGHT_PAIR = (Color.from_triplet(ColorTriplet(0, 0, 170)),
              Color.from_triplet(ColorTriplet(170, 0, 0)))


def without_colour(app: App[Any]) -> bool:
    """Colour says nothing here (NO_COLOR, or the monochrome theme): use glyphs and words."""
    return bool(app.no_color or app.theme == MONOCHROME.name)


def few_colours(app: App[Any]) -> ColorSystem | None:
    """The 16-colour system `app` draws in, or None when it has more."""
    return FEW_COLOURS.get(app.console.color_system or "")


def _number(color: Color | None, system: ColorSystem) -> int | None:
    """Which of the 16 colours `color` is drawn as (None: the terminal's default)."""
    if color is None or color.is_default:
        return None
    return color.downgrade(system).number


def apart(first: Color | None, second: Color | None, background: Color | None,
          system: ColorSystem) -> bool:
    """Whether two colours stay apart in `system`: each of a hue (not black, grey or white,
    where bright against plain is too faint a difference), of different hues, neither the
    background's."""
    one, two = _number(first, system), _number(second, system)
    ground = _number(background, system)
    if one is None or two is None:
        return False
    hues = one % 8, two % 8
    return (hues[0] not in (0, 7) and hues[1] not in (0, 7) and hues[0] != hues[1]
            and ground not in (one, two))


def apart_in_few_colours(app: App[Any], first: Color | None, second: Color | None,
                         background: Color | None) -> tuple[Color | None, Color | None]:
    """`first` and `second` as they are, unless the terminal has 16 colours and they would
    not stay apart there: then a pair that does (`DARK_PAIR`, `LIGHT_PAIR`). Without colour
    (`without_colour`) glyphs tell them apart: no colour is added."""
    system = few_colours(app)
    if system is None or without_colour(app) or apart(first, second, background, system):
        return first, second
    return DARK_PAIR if app.current_theme.dark else LIGHT_PAIR
