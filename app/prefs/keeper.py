"""The settings of this run and when they are written: each change kept (`remember`) and saved
soon (`save`, in a thread), the page shown saved on the way out (`save_now`). No Textual: the
App holds one and runs `save` in its worker.

The file and its rules are `settings`'. Every write carries every field changed this run, so
a burst of changes ends in one file with all of them; a write that fails is said once (the
sentence `save` returns), and the dashboard goes on without the file.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from openrush_tui.errors import OpenRushError
from openrush_tui.prefs.settings import Loaded, SettingsFile, UserSettings, changed_fields, updated


class PrefsKeeper:
    """What the dashboard remembers, and where changes go (`file`; None: nowhere, as in
    tests or after a settings file that could not be read as ours)."""

    def __init__(self, loaded: Loaded | None, file: SettingsFile | None) -> None:
        loaded = loaded or Loaded(UserSettings())
        self.settings = loaded.settings
        self.note = loaded.note  # what was wrong with the file, to say once the app runs
        self._file = file if loaded.writable else None
        self._changed: set[str] = set()
        self._failed = False

    def remember(self, **changes: Any) -> bool:
        """Keep `changes` for the next run; True when a `save` is due."""
        before, self.settings = self.settings, updated(self.settings, **changes)
        changed = changed_fields(before, self.settings)
        if not changed or self._file is None:
            return False
        self._changed.update(changed)
        return True

    async def save(self) -> str | None:
        """Write every field changed so far (in a thread). A sentence when the write failed,
        the first time only; else None."""
        file, settings, names = self._file, self.settings, tuple(sorted(self._changed))
        if file is None:
            return None
        try:
            await asyncio.to_thread(file.save, settings, names)
        except OpenRushError as error:
            if not self._failed:  # said once; the dashboard works without the file
                self._failed = True
                return f"Settings not saved: {error}"
        return None

    def save_now(self, last_page: str) -> None:
        """On the way out: `last_page` is the page to open next time (written here, not in a
        thread: the app is closing)."""
        self.settings = updated(self.settings, last_page=last_page)
        if self._file is None:
            return
        # Leaving anyway: a failed write was said during the run, if there was one.
        with contextlib.suppress(OpenRushError):
            self._file.save(self.settings, (*sorted(self._changed), "last_page"))
