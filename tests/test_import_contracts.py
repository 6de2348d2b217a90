"""The import contracts of pyproject.toml hold, and a wrong import breaks them.

The layers (entry point → tui → screens → widgets → core, and inside the core cli →
commands → domain packages → sandbox | api → files → text, clock, errors) are import-linter
contracts, checked over the package as Python sees it (tests/support/import_contracts.py).
Imports inside functions count as much as those at the top.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.import_contracts import ROOT, check, lay_out

HELP = "from openrush_tui.screens.dialogs.help import HelpScreen"


def test_the_import_contracts_hold(tmp_path: Path) -> None:
    result = check(lay_out(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def with_import(path: str, line: str, *, in_function: bool) -> dict[str, str]:
    """The source of `path` with one more import: at module level, or in a function."""
    text = (ROOT / path).read_text(encoding="utf-8")
    added = f"\n\ndef _wrong() -> None:\n    {line}  # noqa\n" if in_function \
        else f"\n{line}  # noqa\n"
    return {path: text + added}


@pytest.mark.parametrize(("path", "line", "in_function", "broken"), [
    # The core reaching up into a dialog, at module level and inside a function.
    ("app/keys/audit.py", HELP, False,
     "openrush_tui.keys.audit -> openrush_tui.screens.dialogs.help"),
    ("app/keys/audit.py", HELP, True,
     "openrush_tui.keys.audit -> openrush_tui.screens.dialogs.help"),
    # The HTTP client reaching up into where keys are stored.
    ("app/api/client.py", "from openrush_tui.auth import credentials", True,
     "openrush_tui.api.client -> openrush_tui.auth.credentials"),
    # Two domain packages of one layer that would depend on each other.
    ("app/auth/status.py", "from openrush_tui.keys import rules", True, ".auth -> .keys"),
], ids=["core imports a dialog", "core imports a dialog in a function",
        "client imports storage", "cycle of packages"])
def test_a_wrong_import_breaks_the_contracts(tmp_path: Path, path: str, line: str,
                                            in_function: bool, broken: str) -> None:
    result = check(lay_out(tmp_path, with_import(path, line, in_function=in_function)))
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout, result.stdout
