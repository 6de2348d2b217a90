"""A count with its noun: "1 file", "2 files", "1,200 events" (never "1 files")."""

from __future__ import annotations


def plural(count: int, one: str, several: str = "") -> str:
    """E.g. "1 file", "2 files"; `several` when the plural is not `one` + "s"."""
    return f"{count:,} {one if count == 1 else several or one + 's'}"
