"""A notification's words, folded for its toast: a long path breaks after one of its
separators, not in the middle of a name.

Textual wraps a toast's text at spaces and folds a longer word wherever the line ends, so at
80x24 "~/projects/openrush-reports/export.csv" read "openrush-repo" / "rts/…". The app's
`notify` passes each message through `fold_for_toast` first (the "Messages" list keeps it as
it was said). A word with no separator where it must break is left to Textual: there is no
better place to break it.
"""

from __future__ import annotations

from rich.cells import cell_len

SEPARATORS = "/\\"
# Textual's toast (textual.widgets._toast): 60 cells wide, at most half of its rack, which is
# the screen less its scrollbar (2); inside, a bar on the left and one cell of padding a side.
TOAST_WIDTH = 60
RACK_SCROLLBAR = 2
TOAST_FRAME = 3


# Narrower than this a screen is -narrow (pages and dialogs alike), and its toasts are
# NARROW_TOAST wide (styles/app.tcss) rather than half of it: an id, 29 characters, fits.
NARROW_BELOW = 70
NARROW_TOAST = 40


def toast_text_width(screen_width: int) -> int:
    """How many cells a line of a toast holds on a screen `screen_width` cells wide."""
    if screen_width < NARROW_BELOW:
        return min(NARROW_TOAST, screen_width - RACK_SCROLLBAR) - TOAST_FRAME
    return min(TOAST_WIDTH, (screen_width - RACK_SCROLLBAR) // 2) - TOAST_FRAME


def fold_for_toast(message: str, screen_width: int) -> str:
    """`message` with each word too long for a toast's line broken after path separators."""
    width = toast_text_width(screen_width)
    if width < 8:  # no room to speak of: leave it to Textual
        return message
    return "\n".join(" ".join(_fold_word(word, width) for word in line.split(" "))
                     for line in message.split("\n"))


def _fold_word(word: str, width: int) -> str:
    pieces: list[str] = []
    rest = word
    while cell_len(rest) > width:
        cut = _last_separator_within(rest, width)
        if cut is None:  # no separator in reach: Textual folds what is left
            break
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return "\n".join(pieces)


def _last_separator_within(text: str, width: int) -> int | None:
    """The end of the longest start of `text` that ends with a separator and fits `width`
    (after the separator, so a line ends in "/"); None when there is none past the first."""
    best = None
    used = 0
    for at, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            break
        if char in SEPARATORS and at > 0:
            best = at + 1
    return best
