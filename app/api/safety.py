"""Where a key may be sent, and in what form: checked before any request is made.

An API URL must be https, or http on a loopback host only (the key would otherwise cross the
network unencrypted); a key must be something an HTTP header can carry.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import SecretStr

from openrush_tui.api.errors import InsecureURLError, InvalidKeyFormat
from openrush_tui.text.safe import sanitize


def check_base_url(base_url: str) -> str:
    """The base URL normalised (no trailing slash); InsecureURLError if unusable or unsafe.

    https is always allowed; http only for loopback hosts (127.0.0.0/8, ::1, localhost).
    """
    shown = sanitize(str(base_url), 80)
    text = str(base_url).strip()
    malformed = InsecureURLError(
        f"The API URL “{shown}” is not a valid http(s) URL",
        "Use a URL such as https://api.openrush.io.",
    )
    if not text or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise malformed
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise malformed from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise malformed
    if parts.username is not None or parts.password is not None:
        raise InsecureURLError(
            "The API URL must not contain a user name or password",
            "Remove the part before “@” and sign in with a key instead.",
        )
    if parts.query or parts.fragment:
        raise malformed
    if parts.scheme.lower() == "http" and not is_loopback(host):
        raise InsecureURLError(
            f"The API URL uses http:// for {sanitize(host, 60)}, so the key would travel "
            "unencrypted",
            "Use https:// (plain http is only allowed for 127.0.0.1 or localhost).",
        )
    return text.rstrip("/")



def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def clean_key(key: SecretStr | str | None) -> SecretStr | None:
    raw = key.get_secret_value() if isinstance(key, SecretStr) else key
    if raw is None:
        return None
    raw = raw.strip()
    if not raw:
        return None
    if any(not (33 <= ord(ch) <= 126) for ch in raw):
        raise InvalidKeyFormat(
            "The key contains spaces or characters a key cannot have",
            "Paste the key again, exactly as it was shown.",
        )
    return SecretStr(raw)
