"""The sandbox's sign-in records (docs/oauth.md): registered clients, device codes,
authorization codes and refresh tokens, in the sandbox's SQLite file beside its keys.

Every code and token is stored as its SHA-256 (as keys are, `keys.key_hash`), never in the
clear. Times are Unix seconds of the sign-in clock (`Sandbox.sign_in_now`). A refresh token
belongs to a *family* (one sign-in): rotation marks the old token used and adds a new one to
the family; a used or revoked token presented again ends the family, and an ended family's
access tokens are refused too (`family_ended`). Everything runs under the store's lock
(`Store.transaction`), so two polls or two refreshes never both win.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

from openrush_tui.sandbox.keys import key_hash
from openrush_tui.sandbox.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_clients (
    client_id TEXT PRIMARY KEY, client_name TEXT NOT NULL, redirect_uris TEXT NOT NULL,
    grant_types TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_device_codes (
    device_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL,
    expires_at REAL NOT NULL, interval REAL NOT NULL, last_poll REAL,
    state TEXT NOT NULL, account_id TEXT
);
CREATE TABLE IF NOT EXISTS oauth_codes (
    code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    challenge TEXT NOT NULL, account_id TEXT NOT NULL, expires_at REAL NOT NULL,
    used INTEGER NOT NULL, family_id TEXT
);
CREATE TABLE IF NOT EXISTS oauth_families (
    family_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, account_id TEXT NOT NULL,
    created_at REAL NOT NULL, ended INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_refresh_tokens (
    token_hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, expires_at REAL NOT NULL,
    used INTEGER NOT NULL
);
"""

FIXED_CLIENT_ID = "openrush-tui"  # the public client known without registration (OURS)
LOOPBACK_CALLBACK = "http://127.0.0.1/callback"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ALL_GRANTS = ("authorization_code", DEVICE_GRANT, "refresh_token")
MAX_CLIENTS = 1000  # registered clients kept at most: registration needs no account

DeviceState = Literal["pending", "approved", "denied", "used"]


@dataclass(frozen=True)
class Client:
    client_id: str
    client_name: str
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    created_at: float

    def as_dict(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "client_id_issued_at": int(self.created_at),
                "client_name": self.client_name, "redirect_uris": list(self.redirect_uris),
                "grant_types": list(self.grant_types), "response_types": ["code"],
                "token_endpoint_auth_method": "none"}


@dataclass(frozen=True)
class DeviceCode:
    user_code: str  # the 8 letters, without the dash
    client_id: str
    expires_at: float
    interval: float
    last_poll: float | None
    state: DeviceState
    account_id: str | None


@dataclass(frozen=True)
class Family:
    family_id: str
    client_id: str
    account_id: str


@dataclass(frozen=True)
class CodeGrant:
    client_id: str
    redirect_uri: str
    challenge: str
    account_id: str
    expires_at: float
    used: bool
    family_id: str | None


def token_digest(token: str) -> str:
    return key_hash(token)


class OAuthStore:
    def __init__(self, store: Store, now: float) -> None:
        self._store = store
        # Statement by statement: `executescript` would COMMIT the transaction on its own.
        with store.transaction() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            known = db.execute("SELECT 1 FROM oauth_clients WHERE client_id = ?",
                               (FIXED_CLIENT_ID,)).fetchone()
            if known is None:
                self._add_client(db, Client(FIXED_CLIENT_ID, "openrush-tui",
                                            (LOOPBACK_CALLBACK,), ALL_GRANTS, now))

    # -- clients ---------------------------------------------------------------------------

    @staticmethod
    def _add_client(db: sqlite3.Connection, client: Client) -> None:
        db.execute("INSERT INTO oauth_clients VALUES (?, ?, ?, ?, ?)",
                   (client.client_id, client.client_name, json.dumps(client.redirect_uris),
                    json.dumps(client.grant_types), client.created_at))

    def register(self, client: Client) -> bool:
        """Add `client`; False when the sandbox already keeps `MAX_CLIENTS`."""
        with self._store.transaction() as db:
            count = db.execute("SELECT count(*) FROM oauth_clients").fetchone()[0]
            if count >= MAX_CLIENTS:
                return False
            self._add_client(db, client)
        return True

    def client(self, client_id: str) -> Client | None:
        with self._store.transaction() as db:
            row = db.execute("SELECT * FROM oauth_clients WHERE client_id = ?",
                             (client_id,)).fetchone()
        if row is None:
            return None
        return Client(row["client_id"], row["client_name"],
                      tuple(json.loads(row["redirect_uris"])),
                      tuple(json.loads(row["grant_types"])), row["created_at"])

    # -- device codes ----------------------------------------------------------------------

    def add_device_code(self, device_code: str, user_code: str, client_id: str,
                        now: float, expires_at: float, interval: float) -> bool:
        """False when `user_code` is taken by a live code (the caller draws another)."""
        with self._store.transaction() as db:
            # Codes past their life are of no use to anyone: their user codes free up.
            db.execute("DELETE FROM oauth_device_codes WHERE expires_at <= ?", (now,))
            try:
                db.execute("INSERT INTO oauth_device_codes VALUES (?, ?, ?, ?, ?, NULL, "
                           "'pending', NULL)",
                           (token_digest(device_code), user_code, client_id, expires_at,
                            interval))
            except sqlite3.IntegrityError:
                return False
        return True

    def device_by_user_code(self, user_code: str) -> DeviceCode | None:
        with self._store.transaction() as db:
            row = db.execute("SELECT * FROM oauth_device_codes WHERE user_code = ?",
                             (user_code,)).fetchone()
        return None if row is None else _device(row)

    def decide(self, user_code: str, approve: bool, account_id: str, now: float) -> str:
        """Approve or deny a pending, unexpired code: ``done``, ``unknown``, ``expired`` or
        ``decided`` (already approved, denied or used)."""
        with self._store.transaction() as db:
            row = db.execute("SELECT * FROM oauth_device_codes WHERE user_code = ?",
                             (user_code,)).fetchone()
            if row is None:
                return "unknown"
            if row["expires_at"] <= now:
                return "expired"
            if row["state"] != "pending":
                return "decided"
            db.execute("UPDATE oauth_device_codes SET state = ?, account_id = ? "
                       "WHERE user_code = ?",
                       ("approved" if approve else "denied", account_id, user_code))
        return "done"

    def poll(self, device_code: str, client_id: str, now: float,
             slow_down_step: float) -> tuple[str, str | None]:
        """One poll: (outcome, account id). Outcomes: ``approved`` (once: the code is used
        then), ``authorization_pending``, ``slow_down`` (the interval grew), ``access_denied``,
        ``expired_token``, ``invalid_grant`` (unknown, used or another client's)."""
        with self._store.transaction() as db:
            row = db.execute("SELECT * FROM oauth_device_codes WHERE device_hash = ?",
                             (token_digest(device_code),)).fetchone()
            if row is None or row["client_id"] != client_id or row["state"] == "used":
                return "invalid_grant", None
            if row["expires_at"] <= now:
                return "expired_token", None
            last = row["last_poll"]
            if last is not None and now - last < row["interval"]:
                db.execute("UPDATE oauth_device_codes SET interval = interval + ?, "
                           "last_poll = ? WHERE device_hash = ?",
                           (slow_down_step, now, row["device_hash"]))
                return "slow_down", None
            db.execute("UPDATE oauth_device_codes SET last_poll = ? WHERE device_hash = ?",
                       (now, row["device_hash"]))
            if row["state"] == "denied":
                return "access_denied", None
            if row["state"] == "pending":
                return "authorization_pending", None
            db.execute("UPDATE oauth_device_codes SET state = 'used' WHERE device_hash = ?",
                       (row["device_hash"],))
            return "approved", row["account_id"]

    # -- authorization codes ---------------------------------------------------------------

    def add_code(self, code: str, grant: CodeGrant) -> None:
        with self._store.transaction() as db:
            db.execute("INSERT INTO oauth_codes VALUES (?, ?, ?, ?, ?, ?, 0, NULL)",
                       (token_digest(code), grant.client_id, grant.redirect_uri,
                        grant.challenge, grant.account_id, grant.expires_at))

    def take_code(self, code: str) -> CodeGrant | None:
        """The code's grant, marking it used (a used one comes back with `used` set, and the
        caller ends the family it gave: RFC 6749 §4.1.2)."""
        with self._store.transaction() as db:
            row = db.execute("SELECT * FROM oauth_codes WHERE code_hash = ?",
                             (token_digest(code),)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE oauth_codes SET used = 1 WHERE code_hash = ?", (row["code_hash"],))
        return CodeGrant(row["client_id"], row["redirect_uri"], row["challenge"],
                         row["account_id"], row["expires_at"], bool(row["used"]),
                         row["family_id"])

    def tie_code(self, code: str, family_id: str) -> None:
        with self._store.transaction() as db:
            db.execute("UPDATE oauth_codes SET family_id = ? WHERE code_hash = ?",
                       (family_id, token_digest(code)))

    # -- families and refresh tokens -------------------------------------------------------

    def new_family(self, family: Family, refresh_token: str, now: float,
                   refresh_expires_at: float) -> None:
        with self._store.transaction() as db:
            db.execute("INSERT INTO oauth_families VALUES (?, ?, ?, ?, 0)",
                       (family.family_id, family.client_id, family.account_id, now))
            db.execute("INSERT INTO oauth_refresh_tokens VALUES (?, ?, ?, 0)",
                       (token_digest(refresh_token), family.family_id, refresh_expires_at))

    def rotate(self, refresh_token: str, client_id: str, new_token: str, now: float,
               new_expires_at: float) -> tuple[str, Family | None]:
        """Trade `refresh_token` for `new_token`: (``ok``, family), or (``invalid_grant``,
        None) for an unknown, expired or ended one, or (``replayed``, None) for one already
        used, which ends its family; (``wrong_client``, None) for another client's."""
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT t.token_hash, t.expires_at, t.used, f.family_id, f.client_id, "
                "f.account_id, f.ended FROM oauth_refresh_tokens t JOIN oauth_families f "
                "USING (family_id) WHERE t.token_hash = ?",
                (token_digest(refresh_token),)).fetchone()
            if row is None or row["ended"]:
                return "invalid_grant", None
            if row["client_id"] != client_id:
                return "wrong_client", None
            if row["used"]:
                db.execute("UPDATE oauth_families SET ended = 1 WHERE family_id = ?",
                           (row["family_id"],))
                return "replayed", None
            if row["expires_at"] <= now:
                return "invalid_grant", None
            db.execute("UPDATE oauth_refresh_tokens SET used = 1 WHERE token_hash = ?",
                       (row["token_hash"],))
            db.execute("INSERT INTO oauth_refresh_tokens VALUES (?, ?, ?, 0)",
                       (token_digest(new_token), row["family_id"], new_expires_at))
        return "ok", Family(row["family_id"], row["client_id"], row["account_id"])

    def family_of_refresh(self, refresh_token: str) -> Family | None:
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT f.family_id, f.client_id, f.account_id FROM oauth_refresh_tokens t "
                "JOIN oauth_families f USING (family_id) WHERE t.token_hash = ?",
                (token_digest(refresh_token),)).fetchone()
        return None if row is None else Family(row["family_id"], row["client_id"],
                                               row["account_id"])

    def family(self, family_id: str) -> Family | None:
        with self._store.transaction() as db:
            row = db.execute("SELECT family_id, client_id, account_id FROM oauth_families "
                             "WHERE family_id = ?", (family_id,)).fetchone()
        return None if row is None else Family(row["family_id"], row["client_id"],
                                               row["account_id"])

    def end_family(self, family_id: str) -> None:
        with self._store.transaction() as db:
            db.execute("UPDATE oauth_families SET ended = 1 WHERE family_id = ?", (family_id,))

    def family_ended(self, family_id: str) -> bool:
        """True for an ended family and for one this sandbox never made."""
        with self._store.transaction() as db:
            row = db.execute("SELECT ended FROM oauth_families WHERE family_id = ?",
                             (family_id,)).fetchone()
        return row is None or bool(row["ended"])


def _device(row: sqlite3.Row) -> DeviceCode:
    return DeviceCode(row["user_code"], row["client_id"], row["expires_at"], row["interval"],
                      row["last_poll"], row["state"], row["account_id"])
