"""Profiles: each remembers the API URL it signed in to, so ``--profile work`` finds its server,
and where its key goes when there is no usable keyring (the file or this session only), so
that is asked once, not at every sign-in.

Kept in ``profiles.json`` next to the credentials file. It holds no secret, but it is written
the same private way: which servers you use is nobody else's business either.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from openrush_tui.auth.private_files import read_private_json, write_private_json
from openrush_tui.config import config_dir

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_profile_name(name: str) -> str:
    """A profile name is a short word: it becomes a keyring user name and a JSON key."""
    if not _NAME.match(name):
        raise ValueError(f"not a usable profile name: {name!r} (letters, digits, . _ - only)")
    return name


def profiles_path() -> Path:
    return config_dir() / "profiles.json"


def remembered_api_url(profile: str) -> str | None:
    data = read_private_json(profiles_path()) or {}
    entry = data.get("profiles", {}).get(profile)
    url = entry.get("api_url") if isinstance(entry, dict) else None
    return url if isinstance(url, str) and url else None


def remember_api_url(profile: str, api_url: str) -> None:
    _remember(profile, "api_url", api_url)


def remembered_storage(profile: str) -> str | None:
    """``file`` or ``session``: where the person chose to keep this profile's key."""
    data = read_private_json(profiles_path()) or {}
    entry = data.get("profiles", {}).get(profile)
    choice = entry.get("storage") if isinstance(entry, dict) else None
    return choice if choice in ("file", "session") else None


def remember_storage(profile: str, choice: str) -> None:
    _remember(profile, "storage", choice)


def _remember(profile: str, name: str, value: str) -> None:
    path = profiles_path()
    data = read_private_json(path) or {}
    profiles = data.setdefault("profiles", {})
    entry = profiles.setdefault(profile, {})
    if entry.get(name) == value:
        return
    entry[name] = value
    write_private_json(path, data)


def api_url_for(flag: str | None, profile: str) -> str:
    """The flag, then ``OPENRUSH_API_URL``, then the URL `profile` last signed in to."""
    from openrush_tui.config import DEFAULT_API_URL

    url = flag or os.environ.get("OPENRUSH_API_URL") or remembered_api_url(profile)
    return (url or DEFAULT_API_URL).rstrip("/")


def key_is_for(profile: str, api_url: str) -> bool:
    """Whether a key saved for `profile` may be sent to `api_url`.

    A saved key goes only to the server its profile signed in to: pointing ``--api-url`` at
    another server must not hand it a key meant for the real service.
    """
    remembered = remembered_api_url(profile)
    return remembered is None or remembered.rstrip("/") == api_url.rstrip("/")
