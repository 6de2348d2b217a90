"""`sandbox serve --extra-keys FILE`: keys of chosen ages for the demo account.

The demo seed gives a realistic account; tests and demos of the key lifecycle (audit, rotation,
a leak scan) also need keys that are idle, about to expire, or planted in a file. The file is a
JSON list of objects with the fields of `ExtraKey`, for example::

    [{"name": "Legacy integration", "created_days_ago": 200, "last_used_days_ago": 45},
     {"name": "Leaked once", "key": "or_…", "expires_in_days": -2}]

Each is added once: a name the account already has is skipped, so restarting on the same
database adds nothing twice. Nothing here changes what the API serves.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openrush_tui.clock import format_instant
from openrush_tui.files import strict_json
from openrush_tui.files.errors import LocalFileError
from openrush_tui.files.reading import read_bytes
from openrush_tui.sandbox import keys
from openrush_tui.sandbox.keys import TokenSource
from openrush_tui.sandbox.options import ExtraKey
from openrush_tui.sandbox.store import Store

_NUMBERS = ("created_days_ago", "last_used_days_ago", "expires_in_days")


def load_extra_keys(path: Path) -> tuple[ExtraKey, ...]:
    """The keys described in `path`; ValueError says what is wrong with it."""
    try:
        data = strict_json.loads(read_bytes(path)[0])
    except FileNotFoundError:
        raise ValueError(f"cannot read {path}: no such file") from None
    except LocalFileError as exc:
        raise ValueError(str(exc)) from None
    except ValueError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of keys")
    return tuple(_extra_key(item, index) for index, item in enumerate(data))


def _extra_key(item: Any, index: int) -> ExtraKey:
    known = {field.name for field in fields(ExtraKey)}
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ValueError(f"key {index}: expected an object with a \"name\"")
    unknown = set(item) - known
    if unknown:
        raise ValueError(f"key {index}: unknown fields {sorted(unknown)}")
    for name in _NUMBERS:
        value = item.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"key {index}: {name} must be a number of days")
    raw = item.get("key")
    if raw is not None and (not isinstance(raw, str) or not raw.startswith(keys.KEY_PREFIX)):
        raise ValueError(f"key {index}: key must be a string starting with {keys.KEY_PREFIX}")
    return ExtraKey(**item)


def add_extra_keys(store: Store, ids: TokenSource, now: datetime, account_id: str,
                   extra: tuple[ExtraKey, ...]) -> None:
    if not extra:
        return
    have = {item["name"] for item in store.credentials(account_id)}
    rows = [_row(ids, now, account_id, spec) for spec in extra if spec.name not in have]
    with store.transaction() as db:
        store.add_credentials(db, rows)


def _row(ids: TokenSource, now: datetime, account_id: str, spec: ExtraKey) -> list[Any]:
    def days(value: float) -> str:
        return format_instant(now + timedelta(days=value))

    raw = spec.key or ids.api_key()
    return [
        ids.ident("cred_"),
        account_id,
        spec.name,
        keys.display_prefix(raw),
        keys.key_hash(raw),
        keys.fingerprint(raw),
        int(not spec.revoked),
        days(-spec.created_days_ago),
        None if spec.last_used_days_ago is None else days(-spec.last_used_days_ago),
        None if spec.expires_in_days is None else days(spec.expires_in_days),
    ]
