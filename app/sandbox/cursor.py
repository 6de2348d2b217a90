"""Opaque usage cursors: the (created_at, seq) of the last item of a page, base64url-wrapped."""

from __future__ import annotations

import base64
import binascii
import re

_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def encode(created_at: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1|{created_at}|{seq}".encode()).decode().rstrip("=")


def decode(text: str) -> tuple[str, int]:
    """The position to continue after; ValueError for anything this sandbox did not issue."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError("invalid cursor") from error
    version, _, rest = raw.partition("|")
    created_at, _, seq = rest.partition("|")
    if version != "v1" or not _INSTANT.fullmatch(created_at) or not seq.isdigit():
        raise ValueError("invalid cursor")
    return created_at, int(seq)
