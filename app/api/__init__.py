"""The OpenRush HTTP API: client, response models and typed errors. No Textual here."""

import sys

# httpx imports its own command-line tool (click, pygments, rich.syntax: ~30 ms and 3 MiB)
# whenever click happens to be installed (uvicorn brings it), and defines a stub instead when
# that import fails. This app never runs httpx's command line, so the import is made to fail.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: import fails
