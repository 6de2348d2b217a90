"""The dashboard's settings file: small, flat JSON in the config directory, never a secret.

``~/.config/openrush-tui/settings.json`` on Linux (see `config.config_dir`)::

    {
      "version": 1,
      "theme": "nord",
      "last_page": "activity",
      "activity_period_days": 30,
      "activity_live": false,
      "keys_hide_inactive": true,
      "low_balance_days": 3
    }

Every field is optional; a missing one takes its default (`UserSettings`). The file is read
defensively: a corrupt file (not JSON, not an object, a symlinked or foreign directory) or a
field of the wrong type or out of range never stops the dashboard. `SettingsFile.load` gives
the defaults for what it could not use and a `note` saying what was wrong and how to fix it;
after a corrupt file nothing is written over it (`Loaded.writable`), so a hand-edited file
with a typo is not lost. Writes go through `files.private` (atomic, 0600, under the
directory's lock) and change only the fields given, so keys this version does not know (a
newer version's) survive.

`low_balance_days` is the threshold of the header's low-balance warning: under this many days
of credit runway (`activity.runway`) the header warns. It is read and checked here; the page
that shows the warning uses `UserSettings.low_balance_days`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from openrush_tui.config import config_dir
from openrush_tui.files.private import PrivateFileError, read_private_json, update_private_json
from openrush_tui.text.paths import display_path

VERSION = 1
FILE_NAME = "settings.json"
PAGES = ("setup", "api-access", "activity")
PERIODS = (7, 30)  # Activity's periods (`activity.filters.PERIODS`)
LOW_BALANCE_DAYS = 3.0  # the warning's default threshold (`activity.runway.LOW_RUNWAY_DAYS`)
MAX_LOW_BALANCE_DAYS = 365.0


@dataclass(frozen=True)
class UserSettings:
    """What the dashboard remembers. The defaults are what a first run uses."""

    theme: str | None = None  # a Textual theme name; None: the app's default
    last_page: str | None = None  # one of PAGES; None: chosen by whether a key is saved
    activity_period_days: int = 7
    activity_live: bool = True
    keys_hide_inactive: bool = False
    low_balance_days: float = LOW_BALANCE_DAYS

    def to_json(self) -> dict[str, Any]:
        """The fields as the file holds them (None ones left out)."""
        data = {field.name: getattr(self, field.name) for field in fields(self)}
        return {name: value for name, value in data.items() if value is not None}


def _text(value: object) -> str | None:
    # A theme name is a short word; anything else is not ours.
    if isinstance(value, str) and 0 < len(value) <= 64 and value.isprintable():
        return value
    return None


def _page(value: object) -> str | None:
    return value if value in PAGES else None


def _period(value: object) -> int | None:
    return value if type(value) is int and value in PERIODS else None


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _days(value: object) -> float | None:
    # A bool is an int to Python, not a number of days; NaN fails both comparisons.
    if isinstance(value, int | float) and not isinstance(value, bool) \
            and 0 <= value <= MAX_LOW_BALANCE_DAYS:
        return float(value)
    return None


# How each field is checked: a function that gives the value, or None when it is unusable.
CHECKS: dict[str, Callable[[object], Any]] = {
    "theme": _text, "last_page": _page, "activity_period_days": _period,
    "activity_live": _flag, "keys_hide_inactive": _flag, "low_balance_days": _days,
}
WHAT_FITS = {
    "theme": "a theme name", "last_page": "one of " + ", ".join(PAGES),
    "activity_period_days": "7 or 30", "activity_live": "true or false",
    "keys_hide_inactive": "true or false",
    "low_balance_days": f"a number of days from 0 to {MAX_LOW_BALANCE_DAYS:g}",
}


def parse(data: Mapping[str, object]) -> tuple[UserSettings, list[str]]:
    """The settings in `data`, and the names of the fields that were set but unusable."""
    values: dict[str, Any] = {}
    unusable = []
    for name, check in CHECKS.items():
        if name not in data:
            continue
        value = check(data[name])
        if value is None:
            unusable.append(name)
        else:
            values[name] = value
    return UserSettings(**values), unusable


@dataclass(frozen=True)
class Loaded:
    settings: UserSettings
    note: str | None = None  # what was wrong with the file, in words; None: nothing
    writable: bool = True  # False: the file is left as it is (it could not be read as ours)


class SettingsFile:
    """The settings file at `path` (default: `settings_path()`)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else settings_path()

    def load(self) -> Loaded:
        """The settings, never an exception: defaults and a note for what cannot be used."""
        path = self.path
        try:
            # No secret in it: a file others can read is used (and written back 0600).
            data = read_private_json(path, loose_mode_ok=True)
        except PrivateFileError as error:
            return Loaded(UserSettings(), f"Settings not loaded: {error.message} Using the "
                          f"defaults; changes are not saved until you fix or remove it "
                          f"(rm {path}).", writable=False)
        if data is None:
            return Loaded(UserSettings())
        settings, unusable = parse(data)
        if not unusable:
            return Loaded(settings)
        problems = "; ".join(f"“{name}” should be {WHAT_FITS[name]}" for name in unusable)
        return Loaded(settings, f"Some settings in {display_path(path)} were not used "
                      f"({problems}); their defaults apply until they are changed here.")

    def save(self, settings: UserSettings, changed: tuple[str, ...] | None = None) -> None:
        """Write `settings` (only the fields named in `changed`, when given), keeping every
        other field of the file as it is. PrivateFileError when it cannot be written."""
        values = settings.to_json()
        names = changed if changed is not None else tuple(CHECKS)

        def change(data: dict[str, Any]) -> None:
            data["version"] = VERSION
            for name in names:
                if name in values:
                    data[name] = values[name]
                else:
                    data.pop(name, None)

        update_private_json(self.path, change, loose_mode_ok=True)  # rewritten 0600


def settings_path() -> Path:
    return config_dir() / FILE_NAME


def changed_fields(before: UserSettings, after: UserSettings) -> tuple[str, ...]:
    return tuple(name for name in CHECKS if getattr(before, name) != getattr(after, name))


def updated(settings: UserSettings, **changes: Any) -> UserSettings:
    """`settings` with `changes`, each checked as the file's fields are (ValueError if not)."""
    for name, value in changes.items():
        if name not in CHECKS or (value is not None and CHECKS[name](value) is None):
            raise ValueError(f"not a usable value for the setting {name}: {value!r}")
    return replace(settings, **changes)
