"""The one-line header: where you are, which server this terminal talks to, the balance."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class AppHeader(Widget):
    DEFAULT_CSS = """
    AppHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    page: reactive[str] = reactive("")
    server: reactive[str] = reactive("")
    balance: reactive[int | None] = reactive(None)

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" OpenRush ", style="bold")
        if self.page:
            line.append(f"› {self.page}")
        right = Text(no_wrap=True)
        right.append("server: ", style="dim")
        right.append(self.server)
        if self.balance is not None:
            right.append("  │  credits: ", style="dim")
            right.append(f"{self.balance:,} (${self.balance / 100:,.2f})", style="bold")
        right.append(" ")
        gap = max(1, self.size.width - line.cell_len - right.cell_len)
        line.append(" " * gap)
        line.append_text(right)
        return line
