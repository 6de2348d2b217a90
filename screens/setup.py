"""Setup: is this terminal signed in, to which server, with a key from where."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from openrush_tui.screens.base import DashboardScreen

if TYPE_CHECKING:
    from openrush_tui.api.models import Credits

def sign_in_help() -> Text:
    return Text.assemble(
        ("This terminal is not signed in.\n\n", "bold"),
        "To sign in, create a key on the web page API access "
        "(https://openrush.io/dashboard/api),\nthen start the dashboard with it in the "
        "environment:\n\n",
        ("  $ export OPENRUSH_KEY=or_…\n  $ openrush-tui\n\n", "bold"),
        "To try everything without an account, run the embedded sandbox:\n\n",
        ("  $ openrush-tui --sandbox", "bold"),
    )


class SetupScreen(DashboardScreen):
    PAGE_TITLE: ClassVar[str] = "Setup"
    DEFAULT_CSS = """
    SetupScreen #terminal { border: round $primary; border-title-color: $primary;
                            padding: 0 1; height: auto; margin: 1 1 0 1; }
    SetupScreen #connection { padding: 0 1; margin: 0 1; height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with VerticalScroll():
            panel = Static(id="terminal")
            panel.border_title = "This terminal"
            yield panel
            yield Static(id="connection")
        yield Footer()

    def on_mount(self) -> None:
        # Textual also runs DashboardScreen.on_mount (handlers run along the MRO), which loads.
        self.render_terminal()

    def render_terminal(self, credits: Credits | None = None) -> None:
        session = self.dashboard.session
        settings = self.dashboard.settings
        panel = self.query_one("#terminal", Static)
        if not session.signed_in:
            panel.update(sign_in_help())
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        grid.add_row("Status", Text("signed in", style="bold green"))
        grid.add_row("Server", Text(f"{settings.server_label}   {settings.effective_api_url}"))
        grid.add_row("MCP URL", Text(settings.mcp_url))
        if session.key is not None:
            grid.add_row("Key from", Text(session.key.source_label))
            grid.add_row("Key", Text(session.key.secret.masked()))
        else:
            grid.add_row("Key from", Text("the sandbox's demo session (starting…)"))
        if credits is not None:
            grid.add_row("Balance", Text(f"{credits.balance:,} credits (${credits.dollars:,.2f})"))
        panel.update(grid)

    async def fetch(self) -> Credits:
        client = await self.dashboard.session.client()
        return await client.credits()

    def show_loading(self) -> None:
        self.query_one("#connection", Static).update(Text("Checking the connection…",
                                                          style="dim"))

    def show(self, credits: Credits) -> None:
        self.dashboard.balance = credits.balance
        self.render_terminal(credits)
        self.query_one("#connection", Static).update(
            Text("Connection OK. Press r to test it again.", style="green")
        )

    def show_error(self, message: str) -> None:
        self.render_terminal()
        self.query_one("#connection", Static).update(Text(f"Connection failed: {message}",
                                                          style="red"))

    def show_signed_out(self) -> None:
        self.render_terminal()
        self.query_one("#connection", Static).update("")
