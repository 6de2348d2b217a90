"""Garbage collection paused while the dashboard starts.

Start-up builds some 70,000 objects that the collector tracks (Textual, httpx, pydantic, the
pages), and almost all of them live as long as the app. With collection on, the interpreter
walks them again and again while they are made: about 60 ms of CPU before the first keys
are drawn, half of it one full pass just before the first frame. So the command line pauses
collection before Textual loads (`pause`), and the app resumes it once its first page has
loaded, or after a grace period (`resume`). Resuming freezes what start-up built, so that no
later pass walks it: collecting it first would be a full pass of 60-70 ms right as the keys
are drawn, to free the ~5,000 objects of start-up's own garbage (a few hundred KB, kept
instead).

No Textual here: the command line calls `pause` before Textual is imported.
"""

from __future__ import annotations

import gc

GRACE_SECONDS = 5.0  # resume at the latest this long after the first frame (a slow network)

_paused = False


def pause() -> None:
    """Stop collecting until `resume` (only the dashboard's own process calls this)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> bool:
    """Freeze what start-up built, and collect as usual again. Does nothing (and
    returns False) unless `pause` stopped collection: tests that start many apps in one
    process must not freeze each app's objects for good."""
    global _paused
    if not _paused:
        return False
    _paused = False
    gc.freeze()
    gc.enable()
    return True


def end() -> None:
    """Collect again if the dashboard ended before its first page resumed collection (a
    start-up that failed, or a test's `App.run` that returns at once): a process that goes
    on, such as a test worker, must not run on with collection off."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()
