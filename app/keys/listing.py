"""What API access says about its list of keys, without Textual: the line above the table
(loading, an error, the counts and why fewer keys are shown), what the table says when it
shows no row, and which keys a revoke request acts on.

`ListState` is what the page knows of its last load; `status(view)` puts it in words. The
page draws the result (`widgets.load_state`, `KeyTable.empty_text`).

`arriving` is how a list reaches the page (issue 23): a page of keys at a time (the OURS
paging of GET /v1/me/api-credentials; a server without it sends one page of every key), each
made into rows in a worker thread, handed over in slices of at most `SLICE` rows so that the
event loop handles key presses between them, and the next page already on its way.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeVar

from openrush_tui.api.errors import SESSION_REFUSED
from openrush_tui.errors import KEY_REFUSED
from openrush_tui.keys.view import SLICE, KeyRow, KeyView, rows_of
from openrush_tui.text.counts import number, plural
from openrush_tui.text.safe import visible

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential

T = TypeVar("T")

LineState = Literal["loading", "error", "empty", "info"]  # `widgets.load_state.State`'s

EMPTY_ACCOUNT = "This account has no API keys yet."
LOADING = "Loading keys…"
REFRESHING = "Refreshing the list… The keys below are the last ones loaded."
EMPTY_HINT = ("Press n to create the first one. It is shown once, so have somewhere ready to "
              "store it.")
SIGNED_OUT_TABLE = "Sign in to see your keys."
SIGNED_OUT_LINE = ("This terminal is not signed in. Press 1 for Setup to see how to sign "
                   "in.")
NOT_LOADED_TABLE = "The keys could not be loaded yet. Press r to try again."
# The key itself refused (a 401: revoked, expired, wrong): loading again cannot help. What to
# do is the line above's (it differs for a key from OPENRUSH_KEY); one row, whole at 80
# columns and at 60 (trial 8: "… Sign …" was cut).
REFUSED_TABLE = "The key is refused: loading again cannot help (see above)."
WAIT_FOR_ALL = "the audit waits for the rest"  # a and D while a list arrives
# The first page asked for: a screen's worth and more, small enough to decode at once, so a
# big account's newest keys show as soon as a small account's.
FIRST_PAGE = 250
# Then pages of this many. A page is decoded and validated in a worker thread, each in one
# call that holds the GIL throughout: a key press waits for it (~45 ms for 5,000 keys, the
# largest page; ~10 ms for 1,000). Smaller pages also hold less at once (memory).
PAGE = 1000
# Keys made between two freezes of what is alive (`kept_out_of_collections`), and at the end.
FREEZE_EVERY = 5000


async def arriving(client: OpenRushClient, now: datetime) -> AsyncIterator[list[KeyRow]]:
    """The account's keys as rows, newest first, at most `SLICE` at a time. The rows of a page
    are built in a thread (12 µs a key: 0.6 s at 50,000, never on the event loop), and only
    one page's keys and rows are held here beside what the table has."""
    made = 0  # keys made since the last freeze
    # The first page is kept by the request budget (reused by presses of r a moment apart);
    # the others are not (memory: an old list's pages would outlive it there).
    async for keys in client.key_pages(size=PAGE, first_size=FIRST_PAGE, keep_first=True):
        made += len(keys)
        freeze, made = (True, 0) if made >= FREEZE_EVERY else (False, made)
        rows = await asyncio.to_thread(_rows_in_turns, keys, now, freeze)
        del keys
        for start in range(0, len(rows), SLICE):
            yield rows[start:start + SLICE]
    if made:
        await asyncio.to_thread(kept_out_of_collections)


def kept_out_of_collections() -> bool:
    """Where the process keeps what lives as long as the app out of the garbage collector's
    full passes (`gc.freeze`: the dashboard's own process, once started, `tui.startup`), the
    keys and rows made so far go there too, and True; for a worker thread. A full pass walks
    every object the collector tracks, holding the GIL: 50,000 keys are 100,000 of them,
    and each pass over them stopped the event loop for 70-300 ms while a list loaded (issue
    23); the passes come as the heap grows by a quarter. The keys hold no reference cycle
    (frozen models, rows of strings and times): they are freed as usual once nothing holds
    them. What is not frozen yet is collected first (a pass over it alone), so no garbage
    is kept; what is alive then and in a cycle later is (a few hundred objects each time:
    hence a freeze every `FREEZE_EVERY` keys, not every page). Elsewhere (tests: many apps
    in one process; start-up, which freezes once done) nothing is done."""
    if not (gc.isenabled() and gc.get_freeze_count()):
        return False
    gc.collect()
    gc.freeze()
    return True


def in_turns(items: Iterable[T], every: int = 256) -> Iterator[T]:
    """`items`, for a worker thread: every `every` items it offers the GIL to the event loop
    (`time.sleep(0)`), which otherwise waits for the interpreter's switch interval to take
    its turn (a key press waits that long, and longer on a busy machine)."""
    for index, item in enumerate(items):
        if index % every == every - 1:
            time.sleep(0)
        yield item


def let_go(rows: list[KeyRow]) -> None:
    """Empty `rows`, a list of the caller's own of rows no longer shown, a few hundred rows
    at a time, for a worker thread. Freeing the last list of 50,000 keys at once (~400,000
    objects) held the GIL for 15 ms of CPU, a key press's wait when the list loads again
    (r); here a press waits for 256 rows' worth."""
    while rows:
        del rows[-256:]
        time.sleep(0)


def _rows_in_turns(keys: list[ApiCredential], now: datetime, freeze: bool) -> list[KeyRow]:
    rows = rows_of(in_turns(keys), now)
    if freeze:
        kept_out_of_collections()
    return rows


def still_arriving(view: KeyView) -> str:
    """What a and D say while the list arrives: they need every key."""
    return (f"{number(view.total)} keys loaded so far; {WAIT_FOR_ALL} of the list. Press it "
            "again once the list is in.")


@dataclass(frozen=True, slots=True)
class ListStatus:
    state: LineState
    message: str
    empty_text: str | None  # what the table says with no row; None: leave it as it is


@dataclass(slots=True)
class ListState:
    """What the page knows of its list: whether one has arrived, the last load's error (the
    last good list stays on screen below it), or that the terminal is signed out."""

    loaded: bool = False  # a list has arrived at least once
    error: str | None = None
    signed_out: bool = False
    partial: bool = False  # the table holds the first part of a list still arriving

    def receiving(self) -> None:
        """The first part of a list is on screen; the rest is on its way."""
        self.partial, self.error, self.signed_out = True, None, False

    def shown(self) -> None:
        """A list arrived, whole."""
        self.loaded, self.error, self.signed_out, self.partial = True, None, False, False

    def failed(self, message: str) -> None:
        self.error = message

    def signed_out_now(self) -> None:
        self.error, self.signed_out, self.partial = None, True, False

    def forget(self) -> None:
        """Another account: nothing of the last one counts."""
        self.loaded, self.error, self.partial = False, None, False

    def loading(self, view: KeyView) -> ListStatus:
        """While a load is under way: the list stays on screen, being refreshed."""
        return ListStatus("loading", LOADING if view.total == 0 else REFRESHING, None)

    def status(self, view: KeyView) -> ListStatus:
        """The line above the table and the empty table's text, for `view` as it is now."""
        if self.signed_out:
            return ListStatus("info", SIGNED_OUT_LINE, SIGNED_OUT_TABLE)
        if self.error is not None:
            kept = " The list below is the last one loaded." if view.total else ""
            if self.partial:
                kept = (f" Only the newest {number(view.total)} keys were loaded: press r to "
                        "load the whole list.")
            refused = self.error.startswith((KEY_REFUSED, SESSION_REFUSED))
            return ListStatus("error", f"{self.error}{kept}", None if self.loaded else
                              REFUSED_TABLE if refused else NOT_LOADED_TABLE)
        if self.partial:
            return ListStatus("loading", progress(view),
                              empty_table(view) if view.total else "")
        if view.total == 0:  # no keys, or the first list is still to come
            if self.loaded:
                return ListStatus("empty", EMPTY_ACCOUNT, EMPTY_HINT)
            return ListStatus("loading", LOADING, "")
        return ListStatus("info", counts(view), empty_table(view))


def counts(view: KeyView) -> str:
    """"12 keys, 9 active · showing 3 matching “ci”"."""
    parts = [f"{plural(view.total, 'key')}, {number(view.active)} active"]  # as the CLI says
    if len(view.shown) != view.total:
        why = []  # each reads after "showing 3"
        if view.filter_text.strip():
            why.append(f"matching “{visible(view.filter_text.strip())}”")
        if view.only is not None:
            why.append("that need attention")  # the audit line says a undoes it
        if view.hide_inactive:
            why.append("active (h shows the revoked and expired)")
        parts.append(f"showing {number(len(view.shown))} " + ", ".join(why))
    return " · ".join(parts)


def progress(view: KeyView) -> str:
    """"Loading keys… 15,000 so far, newest first · showing 40 matching “ci”": the list
    arriving has no total to give (its pages do not carry one)."""
    line = f"Loading keys… {number(view.total)} so far, newest first; {WAIT_FOR_ALL}."
    if len(view.shown) != view.total:
        return f"{line} · showing {number(len(view.shown))}"
    return line


def empty_table(view: KeyView) -> str:
    """What the table says when the account has keys but none is shown, and how to see them."""
    if view.filter_text.strip():
        return "No key matches. Press Escape to clear the filter."
    if view.only is not None and view.hide_inactive:
        return "No key that needs attention is active; press h to show them all."
    if view.only is not None:
        return "No key needs attention. Press a to show every key."
    return "All keys are revoked or expired; press h to show them."


def to_revoke(requested: tuple[KeyRow, ...]) -> tuple[tuple[KeyRow, ...], int, str | None]:
    """The keys a revoke request acts on (those not revoked already), how many were left
    out, and, when none is left, what to say instead of asking."""
    rows = tuple(row for row in requested if row.status != "revoked")
    skipped = len(requested) - len(rows)
    if rows:
        return rows, skipped, None
    what = "That key is" if skipped == 1 else "Those keys are"
    return rows, skipped, f"{what} already revoked."
