"""A key or token held so that it cannot leak through repr, str, logs or tracebacks.

Deliberately not pydantic's SecretStr: this type sits on the first-paint path, and pydantic
is a heavy import. The raw value is reachable only through `reveal()`.
"""

from __future__ import annotations

from typing import NoReturn

from openrush_tui.text.glyphs import plain


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        """Prefix plus last four, e.g. ``or_abc123…wxyz``; never enough to use the key."""
        value, cut = self._value, plain("…")  # "..." under LANG=C
        if len(value) < 16:
            return cut + value[-2:] if len(value) > 4 else cut
        head = value[:9] if value.startswith("or_") else value[:4]
        return f"{head}{cut}{value[-4:]}"

    @property
    def is_session_token(self) -> bool:
        """A Dashboard session token is a JWT; keys start with ``or_``."""
        return self._value.startswith("eyJ")

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> NoReturn:  # pickling would write the raw value somewhere
        raise TypeError("a Secret cannot be pickled")
