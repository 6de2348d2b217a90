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

from openrush_tui.config import DEFAULT_API_URL, config_dir
from openrush_tui.files.private import (
    PrivateFileError,
    entries,
    read_private_json,
    update_private_json,
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_PROFILE = "default"
PROFILE_VAR = "OPENRUSH_PROFILE"


def check_profile_name(name: str) -> str:
    """A profile name is a short word: it becomes a keyring user name and a JSON key."""
    if not _NAME.match(name):
        raise ValueError(f"not a usable profile name: {name!r} (letters, digits, . _ - only)")
    return name


def default_profile() -> str:
    """``OPENRUSH_PROFILE`` (empty is unset), else ``default``: the profile when --profile is not
    given. ValueError naming the variable when it is not a usable name."""
    name = os.environ.get(PROFILE_VAR, "").strip()
    if not name:
        return DEFAULT_PROFILE
    try:
        return check_profile_name(name)
    except ValueError as exc:
        raise ValueError(f"{PROFILE_VAR}: {exc}") from None


def known_profiles() -> list[str]:
    """The profiles this config directory knows (``default`` always), for shell completion:
    nothing is said of a profiles file that cannot be read, and only usable names come out."""
    try:
        data = read_private_json(profiles_path()) or {}
        names = entries(data, profiles_path(), "api_url")
    except PrivateFileError:  # said by every other command; completion stays quiet
        names = {}
    return sorted({DEFAULT_PROFILE, *(name for name in names if _NAME.match(name))})


def profiles_path() -> Path:
    return config_dir() / "profiles.json"


def remembered_api_url(profile: str) -> str | None:
    """PrivateFileError (naming the file and the fix) when profiles.json is unusable."""
    path = profiles_path()
    entry = entries(read_private_json(path) or {}, path, "api_url").get(profile, {})
    return entry.get("api_url") or None


def remember_api_url(profile: str, api_url: str) -> None:
    _remember(profile, "api_url", api_url)


def remembered_storage(profile: str) -> str | None:
    """``file`` or ``session``: where the person chose to keep this profile's key."""
    path = profiles_path()
    choice = entries(read_private_json(path) or {}, path, "storage").get(profile, {}).get(
        "storage")
    return choice if choice in ("file", "session") else None


def remember_storage(profile: str, choice: str) -> None:
    _remember(profile, "storage", choice)


def remembered_web_client(profile: str, issuer: str) -> str | None:
    """The client id this profile registered at the authorization server `issuer` (browser
    sign-in, docs/oauth.md), or None: kept as ``"<issuer> <client id>"``, one server at a
    time (a profile signs in to one server)."""
    path = profiles_path()
    kept = entries(read_private_json(path) or {}, path, "web_client").get(profile, {}).get(
        "web_client", "")
    kept_issuer, _, client_id = kept.partition(" ")
    return (client_id or None) if kept_issuer == issuer else None


def remember_web_client(profile: str, issuer: str, client_id: str) -> None:
    _remember(profile, "web_client", f"{issuer} {client_id}")


def _remember(profile: str, name: str, value: str) -> None:
    path = profiles_path()

    def change(data: dict[str, object]) -> None:
        profiles = entries(data, path, name)
        data["profiles"] = {**profiles, profile: {**profiles.get(profile, {}), name: value}}

    update_private_json(path, change)


def api_url_for(flag: str | None, profile: str) -> str:
    """The flag, then ``OPENRUSH_API_URL``, then the URL `profile` last signed in to."""
    url = flag or os.environ.get("OPENRUSH_API_URL") or remembered_api_url(profile)
    return (url or DEFAULT_API_URL).rstrip("/")


def key_is_for(profile: str, api_url: str) -> bool:
    """Whether a key saved for `profile` may be sent to `api_url`.

    A saved key goes only to the server its profile signed in to: pointing ``--api-url`` at
    another server must not hand it a key meant for the real service. With no server
    remembered (a key saved by an older version, or a profiles file that could not be
    written) it goes nowhere: which server it belongs to is unknown.
    """
    remembered = remembered_api_url(profile)
    return remembered is not None and remembered.rstrip("/") == api_url.rstrip("/")
