"""Server and file strings as Rich `Text`: the widgets' and screens' one way to show one.

`literal(value)` is `Text(visible(value))`: every character that could act on the terminal
or hide text shows as an escape (see `openrush_tui.text.safe`), and nothing is read as
markup. Views never put a model's raw string into a `Text`, `Content` or notification; they
use this, or a label the core already made visible (`KeyRow.name`, `activity.events`).
"""

from __future__ import annotations

from typing import Any

from rich.style import StyleType
from rich.text import Text

from openrush_tui.text.safe import visible


def literal(value: str | None, style: StyleType = "", *, missing: str = "",
            **options: Any) -> Text:
    """`value` shown literally (unsafe characters as escapes), or `missing` when empty;
    `options` go to `Text` (overflow, no_wrap, justify…)."""
    return Text(visible(value) or missing, style=style, **options)
