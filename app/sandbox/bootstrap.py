"""The demo account's bootstrap key: the one `sandbox serve` prints, the same at every start on
one database until someone revokes it.

A restart must not add another "sandbox bootstrap" key (each start used to mint one and revoke
the one before), so the key is kept, and only a revoked (or missing) one is replaced. The
database never holds it in the clear: a meta row holds it masked with a keystream derived
from the database's session-signing secret and the key's id (HMAC-SHA-512). That gives
nobody anything the file did not already give: whoever reads the secret can sign Dashboard
session tokens for the demo account, which do everything its keys do. The file is 0600 in a
0700 folder (`db_files`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from openrush_tui.sandbox import keys
from openrush_tui.sandbox.seed import credential_row

if TYPE_CHECKING:
    from openrush_tui.sandbox.store import Store

BOOTSTRAP_KEY_NAME = "sandbox bootstrap"
META_BOOTSTRAP = "bootstrap_key"  # "<credential id>:<masked key, hex>"

# kept: the key of an earlier start, still active; new: the database had none (a new file,
# or one from before keys were kept); replaced: the kept one was revoked, so another is made.
BootstrapState = Literal["kept", "new", "replaced"]


@dataclass(frozen=True)
class Bootstrap:
    key: str
    state: BootstrapState

    def note(self) -> str:
        """What `sandbox serve` says under the key."""
        if self.state == "kept":
            return ("The same key as at the last start on this database; it stays until it "
                    "is revoked.")
        if self.state == "replaced":
            return ("A new key: the one printed before was revoked. This one is the same at "
                    "every start on this database until it is revoked.")
        return "It is the same at every start on this database, until it is revoked."


def _keystream(secret: str, credential_id: str) -> bytes:
    return hmac.new(secret.encode(), f"{BOOTSTRAP_KEY_NAME}/{credential_id}".encode(),
                    hashlib.sha512).digest()


def mask(key: str, secret: str, credential_id: str) -> str:
    raw = key.encode("ascii")
    stream = _keystream(secret, credential_id)
    if len(raw) > len(stream):  # a key is 43 characters; the stream is 64 bytes
        raise ValueError("key too long to keep")
    return bytes(a ^ b for a, b in zip(raw, stream, strict=False)).hex()


def unmask(masked: str, secret: str, credential_id: str) -> str | None:
    """The key a meta row keeps, or None when the row cannot be read as one."""
    try:
        data = bytes.fromhex(masked)
    except ValueError:
        return None
    stream = _keystream(secret, credential_id)
    if len(data) > len(stream):
        return None
    try:
        return bytes(a ^ b for a, b in zip(data, stream, strict=False)).decode("ascii")
    except UnicodeDecodeError:
        return None


def kept_key(store: Store, secret: str, account_id: str) -> tuple[str, bool] | None:
    """The bootstrap key kept by an earlier start, and whether it still works (active, never
    expiring, of `account_id`); None when the database keeps none (or none readable)."""
    row = store.meta(META_BOOTSTRAP)
    if row is None or ":" not in row:
        return None
    credential_id, masked = row.split(":", 1)
    key = unmask(masked, secret, credential_id)
    if key is None:
        return None
    for stored in store.keys_with_fingerprint(keys.fingerprint(key)):
        if stored.id == credential_id and keys.matches(key, stored.key_hash):
            usable = stored.is_active and stored.expires_at is None
            return key, usable and stored.account_id == account_id
    return key, False  # its row is gone


def ensure(store: Store, ids: keys.TokenSource, secret: str, account_id: str,
           now: str) -> Bootstrap:
    """The kept bootstrap key while it works; else a new one (any other active bootstrap key
    of the account revoked, as before keys were kept), kept for the next starts.

    One transaction (BEGIN IMMEDIATE): two servers starting on one file at once agree.
    """
    with store.transaction() as db:
        kept = kept_key(store, secret, account_id)
        if kept is not None and kept[1]:
            return Bootstrap(kept[0], "kept")
        store.revoke_named(db, account_id, BOOTSTRAP_KEY_NAME)
        key, credential_id, _prefix, row = credential_row(ids, account_id, BOOTSTRAP_KEY_NAME,
                                                          now, None, True)
        store.add_credentials(db, [row])
        if secret:  # a database always has one; without it the key is not kept
            store.set_meta(db, META_BOOTSTRAP,
                           f"{credential_id}:{mask(key, secret, credential_id)}")
    return Bootstrap(key, "new" if kept is None else "replaced")
