"""A shell command laid out on lines of a given width, continued with a backslash, so that what
is shown can be copied and pasted as the one command it is (help examples, `login --web`'s
command to finish with, Setup's command for an agent)."""

from __future__ import annotations

from collections.abc import Sequence

CONTINUATION = " \\"


def continued(words: Sequence[str], width: int, *, indent: str = "  ",
              more: str = "  ") -> list[str]:
    """`words` (each kept whole on a line: a word, or an option with its value) in lines of at
    most `width` where they fit (a word wider than that alone on its line), the first
    indented by `indent`, the others by `more` again, each but the last ending in a shell
    continuation."""
    lines: list[str] = []
    line = ""
    for index, word in enumerate(words):
        room = width - (0 if index == len(words) - 1 else len(CONTINUATION))
        if line and len(f"{indent}{more if lines else ''}{line} {word}") > room:
            lines.append(f"{indent}{more if lines else ''}{line}{CONTINUATION}")
            line = ""
        line = f"{line} {word}" if line else word
    lines.append(f"{indent}{more if lines else ''}{line}")
    return lines
