"""The one error of local files: what went wrong with which file, and what to do."""

from __future__ import annotations

from openrush_tui.errors import OpenRushError


class LocalFileError(OpenRushError):
    """A local file that cannot be used safely; the message names it and says how to fix it.

    An OpenRushError so that every command prints it as one line and every screen shows it.
    """


def why(exc: OSError) -> str:
    """The operating system's words for `exc` ("Permission denied"), never a traceback."""
    return exc.strerror or type(exc).__name__
