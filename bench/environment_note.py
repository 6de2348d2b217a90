"""A line for a benchmark's output when its figures would not be the users' (imported by the
bench scripts, which run with bench/ first on sys.path)."""

from __future__ import annotations

import importlib.util


def trio_note() -> str:
    """httpx imports trio whenever it is installed (here, selenium's dependency in the test
    extra): 0.1-0.25 s of every bare httpx program's start, the floor apps' and the bare
    clients' included; openrush-tui refuses it (`openrush_tui.unused_imports`). A user's
    install has no trio, so measure in a virtualenv without it."""
    if importlib.util.find_spec("trio") is None:
        return ""
    return ("note: trio is installed in this environment: the floor apps and bare clients "
            "import it (0.1-0.25 s each), openrush-tui does not; for the users' figures, "
            "run from a virtualenv of `pip install -e '.[sandbox]'` alone")
