"""Where the key lives. Today: the ``OPENRUSH_KEY`` environment variable only.

Keyring and the 0600 file arrive with the Setup work; until then this module says exactly
where a key came from, so the UI never claims storage that does not exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from openrush_tui.secret import Secret

KeySource = Literal["environment", "sandbox"]

SOURCE_LABELS: dict[str, str] = {
    "environment": "the OPENRUSH_KEY environment variable",
    "sandbox": "the sandbox's demo session (in memory only)",
}


@dataclass(frozen=True)
class StoredKey:
    secret: Secret
    source: KeySource

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


def key_from_environment() -> StoredKey | None:
    value = os.environ.get("OPENRUSH_KEY", "").strip()
    return StoredKey(Secret(value), "environment") if value else None


def load_key(profile: str = "default") -> StoredKey | None:
    """The key this terminal uses for `profile`, from the first place that has one."""
    del profile  # profiles arrive with the keyring and file stores
    return key_from_environment()
