"""What the HTTP stack imports that this app never uses, made not to load (see `api/__init__`).

httpx imports its own command-line tool (click, pygments, rich.syntax: ~30 ms and 3 MiB)
whenever click happens to be installed (uvicorn brings it), and defines a stub instead when
that import fails: this app never runs httpx's command line, so the import is made to fail.

httpcore (httpx's transport) imports trio at its own import if it can, to run under trio's
event loop, which this program never does. trio arrives in a shared environment or with a
test tool (selenium), and then costs every run 0.1-0.25 s of imports (with attrs and
sortedcontainers): a fifth of the dashboard's start and of `keys list --json` at 50,000 keys.
So trio is refused to httpcore's modules alone: anything else in the process still imports it
as usual.

httpcore also imports sniffio in a function, at each lock and connection it sets up, and does
without it when it is missing (httpx no longer installs it): each of those imports looks for
it along sys.path again (49 times, ~50 ms, in `keys audit --json` at 50,000 keys). A missing
sniffio is recorded as missing once, so that the next imports fail at once.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import FrameType, ModuleType

# How far up the stack an import of trio is traced to its importer: import machinery frames
# between `import trio` and this finder are fewer than this.
_FRAMES = 30


class _NoTrioForHttpcore:
    """A meta path finder (importlib.abc's protocol; importing that module costs a start)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname == "trio" and _imported_by("httpcore"):
            # httpcore catches this ImportError and does without trio (as if not installed).
            raise ModuleNotFoundError("trio is not used by openrush-tui", name=fullname)
        return None


def _imported_by(package: str) -> bool:
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_FRAMES):
        if frame is None:
            return False
        module = frame.f_globals.get("__name__", "")
        if module == package or module.startswith(package + "."):
            return True
        frame = frame.f_back
    return False


def leave_out() -> None:
    """Before httpx loads: its command line and httpcore's trio are not imported."""
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: import fails
    try:
        import sniffio  # noqa: F401  # lazy: start-up (only to learn whether it is there)
    except ImportError:
        sys.modules["sniffio"] = None  # type: ignore[assignment]  # None: import fails
    if not any(isinstance(finder, _NoTrioForHttpcore) for finder in sys.meta_path):
        sys.meta_path.insert(0, _NoTrioForHttpcore())  # ahead of every other finder
