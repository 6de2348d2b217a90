"""mypy is clean over the whole package and the tests' helpers (tests/support/), with the config
in pyproject's [tool.mypy] (strict), and every `# type: ignore[code]` left in them says why.

One mypy run over the package (cold, as on CI, about half a minute of one core; warm, a few
seconds: tests/support/typecheck.py keeps the cache outside the repository), and one that adds
a faulty module to the checked layout only, to show that the run reads our config and that an
error fails it with the repository's path.
"""

from __future__ import annotations

import io
import re
import tokenize

import pytest

from tests.support import typecheck

# Cold, on a loaded 2-core machine, mypy reads Textual, Rich, pydantic and FastAPI first.
pytestmark = pytest.mark.timeout(600)


def test_the_package_type_checks() -> None:
    result = typecheck.run()
    assert result.returncode == 0, result.output
    # Every module was checked, not an empty or partial layout.
    checked = re.search(r"no issues found in (\d+) source files", result.output)
    assert checked is not None, result.output
    assert int(checked.group(1)) == len(typecheck.sources()), result.output


def test_an_error_in_the_package_fails_the_check_with_its_path() -> None:
    probe = (
        "def untyped(value):\n"  # strict: a def without annotations
        "    return value\n"
        "\n"
        "count: int = 'three'\n"  # any mode: a str is not an int
    )
    result = typecheck.run(extra={"typecheck_probe": probe})
    assert result.returncode == 1, result.output
    assert "app/typecheck_probe.py:1: error: Function is missing a type annotation" \
        in result.output, result.output
    assert "app/typecheck_probe.py:4: error: Incompatible types in assignment" \
        in result.output, result.output


IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<rest>.*)")
REASON_BESIDE = re.compile(r"\[[\w, -]+\]\s*#\s*\S")  # `# type: ignore[code]  # why`


def test_every_type_ignore_says_why() -> None:
    # The reason sits after the ignore on its line, or in a comment on the line above.
    silent = []
    for path in typecheck.sources():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            ignore = IGNORE.search(token.string) if token.type == tokenize.COMMENT else None
            if ignore is None or REASON_BESIDE.match(ignore.group("rest")):
                continue
            row = token.start[0]
            if row < 2 or not lines[row - 2].lstrip().startswith("#"):
                silent.append(f"{path.relative_to(typecheck.ROOT)}:{row}: {token.string}")
    assert not silent, "a type: ignore without its reason:\n" + "\n".join(silent)
