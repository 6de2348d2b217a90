"""API keys and ids: generation (secure or seeded), hashing, fingerprint and display prefix."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
KEY_PREFIX = "or_"
KEY_BODY_LENGTH = 40
DISPLAY_PREFIX_LENGTH = 9  # "or_" + 6 characters, the contract's `prefix`
FINGERPRINT_LENGTH = 16


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(key: str) -> str:
    """The indexed lookup handle: not secret enough to authenticate on its own."""
    return key_hash(key)[:FINGERPRINT_LENGTH]


def display_prefix(key: str) -> str:
    return key[:DISPLAY_PREFIX_LENGTH]


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(key_hash(key), stored_hash)


class TokenSource:
    """Random keys, ids and secrets.

    Unseeded it uses `secrets`. Seeded it uses `random.Random`, so a fixed seed gives the same
    keys and ids on every run; `stream` separates successive openings of one database so a
    restarted sandbox never hands out a key it already issued.
    """

    def __init__(self, seed: int | None = None, stream: int = 0) -> None:
        self._rng = None if seed is None else random.Random(f"openrush-sandbox/{seed}/{stream}")  # noqa: S311 (repeatability is the point)

    def api_key(self) -> str:
        if self._rng is None:
            body = "".join(secrets.choice(BASE62) for _ in range(KEY_BODY_LENGTH))
        else:
            body = "".join(self._rng.choices(BASE62, k=KEY_BODY_LENGTH))
        return KEY_PREFIX + body

    def ident(self, prefix: str) -> str:
        """`prefix` followed by 24 lowercase hex characters, e.g. ``cred_1f…``."""
        if self._rng is None:
            return prefix + secrets.token_hex(12)
        return f"{prefix}{self._rng.getrandbits(96):024x}"

    def secret(self) -> str:
        if self._rng is None:
            return secrets.token_hex(32)
        return f"{self._rng.getrandbits(256):064x}"
