"""A device code kept between ``login --web --no-wait`` and ``login --web --resume``.

In the 0600 file ``web-pending.json`` beside ``credentials.json``, one per profile, for as long
as the code lives (minutes): whoever holds a device code gets the tokens once it is approved,
so it is written as privately as a key, and taken out when the sign-in ends either way. Kept
with the time it was saved, so the resumed poll waits out the interval from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openrush_tui.auth.credentials import CredentialStoreError
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.web.device import DeviceCode
from openrush_tui.clock import format_instant, parse_instant
from openrush_tui.config import config_dir
from openrush_tui.files import strict_json
from openrush_tui.files.private import (
    PrivateFileError,
    entries,
    read_private_json,
    update_private_json,
)


def pending_path() -> Path:
    return config_dir() / "web-pending.json"


@dataclass(frozen=True)
class Pending:
    api_url: str
    code: DeviceCode
    saved_at: datetime


def _to_text(api_url: str, code: DeviceCode, now: datetime) -> str:
    return json.dumps({
        "api_url": api_url, "user_code": code.user_code,
        "verification_uri": code.verification_uri, "complete_uri": code.complete_uri,
        "device_code": code.device_code.reveal(), "expires_at": format_instant(code.expires_at),
        "interval": code.interval, "client_id": code.client_id,
        "saved_at": format_instant(now)}, sort_keys=True)


def _from_text(text: str) -> Pending | None:
    try:
        data: Any = strict_json.loads(text)
        fields = {name: data[name] for name in (
            "api_url", "user_code", "verification_uri", "device_code", "expires_at",
            "client_id", "saved_at")}
        if not all(isinstance(value, str) for value in fields.values()):
            return None
        interval = data.get("interval")
        if isinstance(interval, bool) or not isinstance(interval, int | float) or \
                not 0 < interval <= 3600:
            return None
        complete = data.get("complete_uri")
        code = DeviceCode(fields["user_code"], fields["verification_uri"],
                          complete if isinstance(complete, str) else None,
                          Secret(fields["device_code"]), parse_instant(fields["expires_at"]),
                          float(interval), fields["client_id"])
        return Pending(fields["api_url"], code, parse_instant(fields["saved_at"]))
    except (strict_json.NotStrictJson, KeyError, TypeError, ValueError):
        return None


def save(profile: str, api_url: str, code: DeviceCode, now: datetime) -> None:
    _change(profile, _to_text(api_url, code, now))


def load(profile: str) -> Pending | None:
    path = pending_path()
    try:
        entry = entries(read_private_json(path) or {}, path, "pending").get(profile, {})
    except PrivateFileError as exc:
        raise CredentialStoreError(str(exc)) from None
    text = entry.get("pending")
    return _from_text(text) if isinstance(text, str) else None


def drop(profile: str) -> None:
    _change(profile, None)


def _change(profile: str, text: str | None) -> None:
    path = pending_path()

    def change(data: dict[str, object]) -> None:
        profiles = entries(data, path, "pending")
        if text is None:
            profiles.pop(profile, None)
        else:
            profiles[profile] = {"pending": text}
        if profiles:
            data["profiles"] = profiles
        else:
            data.pop("profiles", None)

    try:
        update_private_json(path, change)
    except PrivateFileError as exc:
        raise CredentialStoreError(str(exc)) from None
