"""Where a key may be sent, and in what form: checked before any request is made.

An API URL must be https, or http on a loopback host only (the key would otherwise cross the
network unencrypted); a key must be something an HTTP header can carry. Loopback means a
literal loopback address or the name ``localhost`` itself: ``*.localhost`` and ``localhost.``
are resolved through DNS by glibc, and a DNS answer can point anywhere. A loopback URL is
reached directly, never through a proxy (`uses_proxy_settings`).
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from openrush_tui.api.errors import InsecureURLError, InvalidKeyFormat
from openrush_tui.text.safe import sanitize

if TYPE_CHECKING:  # pydantic is imported by `clean_key` only: this module sits on paths
    from pydantic import SecretStr  # (agent set-up) that must stay light


def check_base_url(base_url: str) -> str:
    """The base URL normalised (no trailing slash); InsecureURLError if unusable or unsafe.

    https is always allowed; http only for literal loopback hosts (127.0.0.0/8, ::1,
    localhost).
    """
    text = _checked_url(base_url, "API URL", "https://api.openrush.io",
                        "so the key would travel unencrypted", bare=True)
    return text.rstrip("/")


def check_mcp_url(url: str) -> str:
    """The MCP URL an agent is set up with, as given; InsecureURLError if unusable or unsafe.

    The same rules as the API URL (https, or http on literal loopback; no user name or
    password), and a plain host name: the URL goes into config files and shell commands.
    """
    return _checked_url(url, "MCP URL", "https://api.openrush.com/mcp",
                        "so an agent would sign in unencrypted", bare=False)


def check_sign_in_url(url: str, what: str) -> str:
    """A URL a browser sign-in's documents name (the authorization server, an endpoint, the
    page the person opens), as given; InsecureURLError if unusable or unsafe: the API URL's
    rules (https, or http on literal loopback; no user name or password; a plain host), a
    query allowed. Which hosts are allowed is `auth.web.discovery`'s rule."""
    return _checked_url(url, what, "https://api.openrush.io/oauth/token",
                        "so the sign-in would travel unencrypted", bare=False)


_HOST = re.compile(r"[a-z0-9._\-]+|[0-9a-f:.]+")  # a name (punycode for others) or an address


def _checked_url(url: str, what: str, example: str, why_https: str, *, bare: bool) -> str:
    shown = sanitize(str(url), 80)
    text = str(url).strip()
    malformed = InsecureURLError(f"The {what} “{shown}” is not a valid http(s) URL",
                                 f"Use a URL such as {example}.")
    if not text or not text.isprintable() or any(ch.isspace() for ch in text):
        raise malformed
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise malformed from None
    if parts.scheme.lower() not in ("http", "https") or not host or not _HOST.fullmatch(host):
        raise malformed
    if parts.username is not None or parts.password is not None:
        raise InsecureURLError(
            f"The {what} must not contain a user name or password",
            "Remove the part before “@” and sign in with a key instead.",
        )
    if bare and (parts.query or parts.fragment):
        raise malformed
    if parts.scheme.lower() == "http" and not is_loopback(host):
        raise InsecureURLError(
            f"The {what} uses http:// for {sanitize(host, 60)}, {why_https}",
            "Use https:// (plain http is only allowed for 127.0.0.1 or localhost).",
        )
    return text


def is_loopback(host: str) -> bool:
    """`host` is ``localhost`` or a loopback address as written (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def uses_proxy_settings(base_url: str) -> bool:
    """Whether requests to `base_url` may go through a proxy from the environment
    (HTTP_PROXY, ALL_PROXY…): never for loopback, where a proxy would only be a stranger
    between this program and a server on the same machine (and over http:// would see the
    key in clear text)."""
    return not is_loopback(urlsplit(base_url).hostname or "")


def clean_key(key: SecretStr | str | None) -> SecretStr | None:
    # lazy: start-up (loads after the dashboard's first frame)
    from pydantic import SecretStr

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
