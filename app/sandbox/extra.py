"""The sandbox is an extra (``pip install 'openrush-tui[sandbox]'``): FastAPI, uvicorn and
PyJWT, 7 of the ~42 packages an install pulls, which the dashboard and the commands against a
real server never load. Without them, `--sandbox` and `sandbox serve` say in one line how to
install it, instead of an "Unexpected ModuleNotFoundError" on screen or a traceback.

Cheap to import (importlib.util only): the dashboard asks before its first frame, when loading
FastAPI itself would cost a few hundred milliseconds.
"""

from __future__ import annotations

from importlib.util import find_spec

# The top-level modules of the extra's packages (pyproject.toml's [sandbox]): FastAPI,
# uvicorn, PyJWT.
MODULES = ("fastapi", "uvicorn", "jwt")
EXTRA = "openrush-tui[sandbox]"


def missing_module() -> str | None:
    """The first of the extra's modules that cannot be imported here, without importing it;
    None when all are there."""
    for name in MODULES:
        try:
            if find_spec(name) is None:  # also None when sys.modules holds None for it
                return name
        except (ImportError, ValueError):  # a module in sys.modules with no spec
            return name
    return None


def hint(what: str, module: str | None) -> str:
    """The one line `what` (``--sandbox``, ``sandbox serve``) says when `module` is missing."""
    named = f" (no module named {module!r})" if module else ""
    return (f"openrush-tui: {what} needs the sandbox extra (FastAPI, uvicorn, PyJWT), which is "
            f"not installed{named}: pip install '{EXTRA}' (pipx: pipx install --force "
            f"'{EXTRA}'; uv: uv tool install '{EXTRA}'; in a clone: pip install -e '.[sandbox]')")


def missing_hint(what: str) -> str | None:
    """`hint` when a module of the extra is missing, else None."""
    module = missing_module()
    return None if module is None else hint(what, module)
