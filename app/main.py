"""The program's entry point: the console script ``openrush-tui`` and ``python -m openrush_tui``.

The command line (`cli`, part of the core) parses the options and runs a subcommand; with none,
it calls `open_dashboard` here, which opens the dashboard (`tui`). This module sits above both,
so that the core never imports the dashboard (the import contracts in pyproject.toml).
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Sequence

from openrush_tui import cli


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return cli.main(argv, dashboard=open_dashboard)
    except KeyboardInterrupt:
        # ctrl+c before the dashboard (or a command) set its own handling, while Python and
        # Textual load: the exit code of SIGINT, as later (130), and no traceback.
        return 128 + signal.SIGINT


def open_dashboard(args: argparse.Namespace, parser: cli.UsageErrors) -> int:
    # lazy: start-up (a subcommand or --help never loads Textual)
    from openrush_tui.tui import startup

    startup.pause()  # until the first page has loaded (the core, Textual and httpx load meanwhile)
    try:
        start = cli.dashboard_start(args, parser)
        if isinstance(start, int):
            return start
        # lazy: start-up (as above)
        from openrush_tui.tui import OpenRushApp

        app = OpenRushApp(start.settings, start.session, clock=start.clock,
                          first_page=start.first_page, handle_signals=True, prefs=start.prefs,
                          prefs_file=start.prefs_file)
        app.run()
        return app.return_code or 0
    finally:
        startup.end()
