"""What the dashboard remembers between runs, on the App's side: the settings file's values at
start (the theme, the first page), and each change saved (`remember`).

A mixin of `OpenRushApp` (kept apart to keep tui.py short). The file and its rules are the
core's (`prefs.settings`); here is only when to read and write it. Writes run in a thread, one
at a time, each with every field changed this run, so a burst of changes ends in one file
with all of them; a write that fails is said once, and the dashboard goes on without it.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from textual import work

from openrush_tui.prefs.settings import Loaded, SettingsFile, UserSettings, changed_fields, updated
from openrush_tui.widgets.colours import MONOCHROME

if TYPE_CHECKING:
    from textual.theme import Theme

class RemembersSettings:
    """The settings part of `OpenRushApp`."""

    prefs: UserSettings
    _prefs_file: SettingsFile | None
    _prefs_note: str | None
    _prefs_changed: set[str]
    _prefs_failed: bool

    if TYPE_CHECKING:  # provided by Textual's App
        theme: str
        current_mode: str
        def register_theme(self, theme: Theme) -> None: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...

    def init_prefs(self, loaded: Loaded | None, file: SettingsFile | None) -> None:
        """Before the first frame: the theme of the last run (an unknown one is said)."""
        loaded = loaded or Loaded(UserSettings())
        self.prefs = loaded.settings
        self._prefs_file = file if loaded.writable else None
        self._prefs_note = loaded.note
        self._prefs_changed = set()
        self._prefs_failed = False
        self.register_theme(MONOCHROME)
        if self.prefs.theme is not None:
            from textual.theme import BUILTIN_THEMES

            if self.prefs.theme in BUILTIN_THEMES or self.prefs.theme == MONOCHROME.name:
                self.theme = self.prefs.theme
            else:
                self._prefs_note = (f"The theme “{self.prefs.theme}” in the settings is not one "
                                    "this version knows; using the default.")

    def note_prefs_problem(self) -> None:
        """Once the app runs: what was wrong with the settings file, if anything."""
        if self._prefs_note:
            self.notify(self._prefs_note, title="Settings", severity="warning", markup=False)

    def theme_chosen(self, theme: Theme) -> None:
        self.remember(theme=theme.name)

    def remember(self, **changes: Any) -> None:
        """Keep `changes` for the next run (the file is written in a thread, soon)."""
        before, self.prefs = self.prefs, updated(self.prefs, **changes)
        changed = changed_fields(before, self.prefs)
        if not changed or self._prefs_file is None:
            return
        self._prefs_changed.update(changed)
        self._save_prefs()

    @work(group="settings-save", exclusive=True, exit_on_error=False)
    async def _save_prefs(self) -> None:
        import asyncio

        from openrush_tui.errors import OpenRushError

        file, prefs, names = self._prefs_file, self.prefs, tuple(sorted(self._prefs_changed))
        if file is None:
            return
        try:
            await asyncio.to_thread(file.save, prefs, names)
        except OpenRushError as error:
            if not self._prefs_failed:  # said once; the dashboard works without the file
                self._prefs_failed = True
                self.notify(f"Settings not saved: {error}", title="Settings",
                            severity="warning", markup=False)

    def save_prefs_now(self) -> None:
        """On the way out: the page shown is the one to open next time (written here, not
        in a thread: the app is closing)."""
        from openrush_tui.errors import OpenRushError

        self.prefs = updated(self.prefs, last_page=self.current_mode)
        if self._prefs_file is None:
            return
        # Leaving anyway: a failed write was said during the run, if there was one.
        with contextlib.suppress(OpenRushError):
            self._prefs_file.save(self.prefs, (*sorted(self._prefs_changed), "last_page"))
