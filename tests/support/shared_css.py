"""One parse of each stylesheet per test process, shared by every app the tests start.

Textual parses every CSS source (the app's .tcss files, each widget's DEFAULT_CSS) again for
each App: its parse cache lives in the app's own `Stylesheet`. A user's process starts one app,
so that costs them nothing more; a test process starts hundreds, and the parse was a fifth of
an app's start-up CPU (0.1 to 0.3 s each, more than the whole of a small test). Here the
parsed rules are kept per process, keyed as Textual keys its own cache plus the CSS variables
the parse substituted (a theme change parses again): the same text with the same variables
gives the same rules, which Textual shares the same way between the parses of one app.

Installed by tests/conftest.py. Textual's private method: if it is not there as expected (a
new Textual), nothing is installed and apps parse as before, only slower.
"""

from __future__ import annotations

import inspect
from typing import Any

from textual.css.stylesheet import Stylesheet

EXPECTED = ["self", "css", "read_from", "is_default_rules", "tie_breaker", "scope"]
_rules: dict[tuple[Any, ...], Any] = {}
_variable_sets: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
_installed = False


def install() -> bool:
    """Share parsed rules between the apps of this process; whether it could."""
    global _installed
    original = getattr(Stylesheet, "_parse_rules", None)
    if _installed or original is None:
        return _installed
    if list(inspect.signature(original).parameters) != EXPECTED:
        return False

    def _parse_rules(self: Stylesheet, css: str, read_from: Any,
                     is_default_rules: bool = False, tie_breaker: int = 0,
                     scope: str = "") -> Any:
        variables = self._variables  # replaced (set_variables), never changed in place
        kept = self.__dict__.get("_shared_variables")
        if kept is None or kept[0] is not variables:
            items = tuple(variables.items())  # one object per set: keys compare at once
            kept = (variables, _variable_sets.setdefault(items, items))
            self.__dict__["_shared_variables"] = kept
        key = (css, read_from, is_default_rules, tie_breaker, scope, kept[1])
        try:
            return _rules[key]
        except KeyError:
            pass
        # Errors raise as before and are not kept; rules with errors are kept, and the
        # caller (Stylesheet.parse) raises for them every time, as for a fresh parse.
        rules = original(self, css, read_from, is_default_rules, tie_breaker, scope)
        _rules[key] = rules
        return rules

    Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign]  # see the docstring
    _installed = True
    return True
