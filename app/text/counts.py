"""Counts as every command and page says them: "1,200", "1 file", "2 files", "1,200 events"
(never "1 files", never "1200" beside "36,049"): `number` for a count alone, `plural` for one
with its noun. Every count a command prints goes through one of these two."""

from __future__ import annotations


def number(count: int) -> str:
    """A count with its thousands separated: "7", "1,200", "36,049"."""
    return f"{count:,}"


def plural(count: int, one: str, several: str = "") -> str:
    """E.g. "1 file", "2 files", "1,200 files"; `several` when the plural is not `one` + "s"."""
    return f"{number(count)} {one if count == 1 else several or one + 's'}"


def requests_left(remaining: int, limit: int) -> str:
    """The rate limit's window as every page and command says it: "49/60 left". One wording
    (the trial: Activity's summary said "Limit 49/60 left", then "Limit 48/60" filtered)."""
    return f"{number(remaining)}/{number(limit)} left"
