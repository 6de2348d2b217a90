"""Every count a command prints has its thousands separated, the same way (`text.counts`).

`keys audit` said "36,049 keys need attention (of 44965 keys not revoked).": one count went
through `plural`, the other was put in the line as it was. Held here: the summary lines of
`keys audit` (whatever the counts: hypothesis), and, as a guard over app/commands/ and
app/keys/, that no count is put in an f-string as it is (`len(…)`, or a value named as a
count): each goes through `number` or `plural`, so that a new line cannot say it otherwise.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.commands.lifecycle import audit_summary
from openrush_tui.keys.audit import summary_of
from openrush_tui.text.counts import number, plural

ROOT = Path(__file__).resolve().parents[1]
CHECKED = (ROOT / "app" / "commands", ROOT / "app" / "keys")
# Values that are counts by their name, wherever they are put in a line.
COUNT_NAMES = frozenset({"count", "total", "listed", "failed", "remaining", "limit", "hidden",
                         "files", "keys_found", "requests", "events", "found_count"})
NUMBER = re.compile(r"\d[\d,]*")
COUNTS = st.integers(0, 10**9)


def said_alike(line: str) -> bool:
    """Whether every number in `line` is written as `number` writes it."""
    return all(text == number(int(text.replace(",", ""))) for text in NUMBER.findall(line))


@given(found=COUNTS, listed=COUNTS)
def test_the_audit_summary_separates_its_thousands(found: int, listed: int) -> None:
    line = audit_summary(summary_of(found), listed)
    assert said_alike(line), line
    assert line.endswith(f"(of {plural(listed, 'key')} not revoked).")


def test_the_line_of_the_issue() -> None:
    assert audit_summary(summary_of(36049), 44965) == \
        "36,049 keys need attention (of 44,965 keys not revoked)."
    assert audit_summary(summary_of(1), 1) == "1 key needs attention (of 1 key not revoked)."
    assert audit_summary(summary_of(0), 1200) == \
        "No key needs attention (of 1,200 keys not revoked)."


@given(COUNTS)
def test_number_and_plural_say_a_count_alike(count: int) -> None:
    assert said_alike(number(count)) and plural(count, "key").startswith(number(count) + " ")


def _is_count(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "len"
    if isinstance(node, ast.Name):
        return node.id in COUNT_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in COUNT_NAMES
    if isinstance(node, ast.BinOp):
        return _is_count(node.left) or _is_count(node.right)
    return False


def counts_put_as_they_are(path: Path) -> list[str]:
    """Each count in an f-string of `path` not made by `number` or `plural`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FormattedValue) and _is_count(node.value):
            name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found.append(f"{name}:{node.lineno}: {ast.unparse(node.value)}")
    return found


def test_no_count_is_put_in_a_line_as_it_is() -> None:
    found = [where for folder in CHECKED for path in sorted(folder.rglob("*.py"))
             for where in counts_put_as_they_are(path)]
    assert not found, "a count goes through text.counts.number or plural:\n" + "\n".join(found)


def test_the_guard_finds_a_count_put_as_it_is(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('say(f"{len(keys)} keys, {total:,} in all, {plural(count, \'key\')}")\n',
                      encoding="utf-8")
    assert [where.rpartition(": ")[2] for where in counts_put_as_they_are(sample)] == \
        ["len(keys)", "total"]
