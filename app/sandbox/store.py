"""The sandbox's SQLite file: accounts, hashed credentials, usage events and a little metadata.

One connection shared by FastAPI's worker threads, serialised by a lock. Timestamps are stored
in the wire format (``2026-06-26T12:00:00Z``), which sorts correctly as text.

The database holds the session-signing secret: `db_files` vets the file and SQLite's files
beside it before SQLite opens them (`claim_files`) and after (`check_claim`). This module
and that one are the only places of the sandbox that open files (tests/test_files_guard.py).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openrush_tui.sandbox.db_files import check_claim, claim_files

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, balance INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS credentials (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    is_active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    expires_at TEXT
);
CREATE INDEX IF NOT EXISTS credentials_by_fingerprint ON credentials(fingerprint);
-- The key list reads its pages from this index alone: (account_id, created_at, seq) is the
-- list's order and its cursor's, and the columns after them are all the list shows, so a
-- page of 5,000 keys is one walk along the index, not 5,000 look-ups of rows scattered in
-- the table (17 -> 7 ms a page at 50,000 keys). Files made before it hold
-- credentials_by_account (account_id, created_at), which it covers: dropped.
DROP INDEX IF EXISTS credentials_by_account;
CREATE INDEX IF NOT EXISTS credentials_listed ON credentials(
    account_id, created_at, seq, id, name, prefix, is_active, last_used_at, expires_at
);
CREATE TABLE IF NOT EXISTS usage_events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    tool TEXT,
    endpoint TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    status TEXT NOT NULL,
    credits INTEGER NOT NULL,
    credential_id TEXT,
    credential_prefix TEXT,
    client TEXT,
    duration_ms INTEGER NOT NULL,
    user_agent TEXT,
    method TEXT,
    error TEXT
);
-- Keyset pagination walks (created_at DESC, seq DESC); seq is the rowid, so it rides along.
CREATE INDEX IF NOT EXISTS usage_by_time ON usage_events(account_id, created_at);
CREATE INDEX IF NOT EXISTS usage_by_key ON usage_events(account_id, credential_id, created_at);
"""

CREDENTIAL_COLUMNS = (
    "id",
    "account_id",
    "name",
    "prefix",
    "key_hash",
    "fingerprint",
    "is_active",
    "created_at",
    "last_used_at",
    "expires_at",
)
EVENT_COLUMNS = (
    "id",
    "account_id",
    "created_at",
    "source",
    "tool",
    "endpoint",
    "status_code",
    "status",
    "credits",
    "credential_id",
    "credential_prefix",
    "client",
    "duration_ms",
    "user_agent",
    "method",  # OURS: the call's HTTP method
    "error",  # OURS: the message a failed call was answered with (`said`)
)
# Columns added after the first release: (table, column, type), added to older files.
ADDED_COLUMNS = (("usage_events", "user_agent", "TEXT"), ("usage_events", "method", "TEXT"),
                 ("usage_events", "error", "TEXT"))
# The public item shapes (contract order); hash and fingerprint never leave the store.
CREDENTIAL_ITEM = (
    "id",
    "account_id",
    "name",
    "prefix",
    "is_active",
    "created_at",
    "last_used_at",
    "expires_at",
)
EVENT_ITEM = tuple(c for c in EVENT_COLUMNS if c != "account_id")
_CREATED_AT = CREDENTIAL_ITEM.index("created_at")

_CREDENTIAL_SELECT = f"SELECT {', '.join(CREDENTIAL_ITEM)} FROM credentials"  # noqa: S608 (constants)
_EVENT_SELECT = f"SELECT seq, {', '.join(EVENT_ITEM)} FROM usage_events"  # noqa: S608 (constants)


def _placeholders(columns: Sequence[str]) -> str:
    return ", ".join("?" for _ in columns)


# The account reads `exclude_reads_by` leaves out: a successful call to one of these paths
# with no tool and no create (201), by the product named. Never a failure (a revoked key's
# 401 is always listed), never a billed call, never an MCP call (no User-Agent recorded).
ACCOUNT_READS = ("/v1/me/usage", "/v1/me/credits", "/v1/me/api-credentials", "/v1/capabilities")
_NOT_READS_BY = (
    "NOT (substr(COALESCE(user_agent, ''), 1, ?) = ? AND status = 'success' AND tool IS NULL"
    f" AND status_code != 201 AND endpoint IN ({_placeholders(ACCOUNT_READS)}))"
)


@dataclass(frozen=True)
class UsageFilter:
    source: str | None = None
    status: str | None = None
    credential_id: str | None = None
    tool: str | None = None
    client: str | None = None  # OURS: the MCP client's name, exactly
    since: str | None = None  # wire-format instant, inclusive
    # OURS: leave out the successful account reads made by this User-Agent product (a
    # dashboard's own polling, `openrush-tui` for `openrush-tui/0.2.0`); see `_NOT_READS_BY`.
    exclude_reads_by: str | None = None


@dataclass(frozen=True)
class StoredKey:
    """What authentication needs about a credential row."""

    id: str
    account_id: str
    prefix: str
    key_hash: str
    is_active: bool
    expires_at: str | None


class Store:
    def __init__(self, path: Path, *, own_directory: bool = False) -> None:
        """Raises DatabaseFileError when the files cannot be used safely (nothing of the
        sandbox written yet), sqlite3.Error when SQLite cannot use them."""
        identity = claim_files(path, own_directory=own_directory)
        # isolation_level=None: autocommit, with explicit BEGIN in `transaction()`.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        try:
            with self._lock:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute("PRAGMA busy_timeout=5000")  # a second process on the file
                # Up to 32 MiB of pages kept (SQLite's default is 2 MiB, taken as needed): a
                # walk of the key list reads the whole of its index (7 MB at 50,000 keys),
                # which in 2 MiB was read again from the file at every walk (15 -> 7.6 ms a
                # page of 5,000 keys).
                self._db.execute("PRAGMA cache_size=-32768")
                self._db.executescript(SCHEMA)
                # Before any secret is written: SQLite opened what was vetted.
                check_claim(path, identity)
                for table, column, kind in ADDED_COLUMNS:
                    have = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
                    if column not in have:
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()  # our row_factory
            return row

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- metadata --------------------------------------------------------------------------

    def meta(self, name: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE name = ?", (name,))
        return None if row is None else row["value"]

    @staticmethod
    def set_meta(db: sqlite3.Connection, name: str, value: str) -> None:
        db.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    # -- accounts --------------------------------------------------------------------------

    @staticmethod
    def add_account(
        db: sqlite3.Connection, account_id: str, name: str, balance: int, created_at: str
    ) -> None:
        db.execute(
            "INSERT INTO accounts (id, name, balance, created_at) VALUES (?, ?, ?, ?)",
            (account_id, name, balance, created_at),
        )

    def account_exists(self, account_id: str) -> bool:
        return self._one("SELECT 1 FROM accounts WHERE id = ?", (account_id,)) is not None

    def balance(self, account_id: str) -> int:
        row = self._one("SELECT balance FROM accounts WHERE id = ?", (account_id,))
        return 0 if row is None else int(row["balance"])

    def charge(self, account_id: str, credits: int) -> int | None:
        """Deduct `credits` if the balance covers them; the new balance, or None when short."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE accounts SET balance = balance - ? WHERE id = ? AND balance >= ?",
                (credits, account_id, credits),
            )
            if cursor.rowcount != 1:
                return None
            return int(
                db.execute("SELECT balance FROM accounts WHERE id = ?", (account_id,)).fetchone()[
                    "balance"
                ]
            )

    # -- credentials -----------------------------------------------------------------------

    @staticmethod
    def add_credentials(db: sqlite3.Connection, rows: Iterable[Sequence[Any]]) -> None:
        """Rows in CREDENTIAL_COLUMNS order."""
        db.executemany(
            f"INSERT INTO credentials ({', '.join(CREDENTIAL_COLUMNS)}) "  # noqa: S608 (constants)
            f"VALUES ({_placeholders(CREDENTIAL_COLUMNS)})",
            rows,
        )

    def credentials(self, account_id: str) -> list[dict[str, Any]]:
        return credential_items(self.credential_rows(account_id, None)[0])

    def credential_rows(
        self, account_id: str, limit: int | None, after: tuple[str, int] | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[tuple[Any, ...]], tuple[str, int] | None]:
        """Keys newest first after the (created_at, seq) key `after`, at most `limit` (all:
        None), only those of `ids` when given; and the key to continue after (or None).
        Keyset pagination, as `usage_page` (OURS: docs/openrush-api.md). Each key is a tuple
        in CREDENTIAL_ITEM order as SQLite holds it (`is_active` 0 or 1), then its seq: no
        `sqlite3.Row` per key, which cost more than the query (`credential_items` makes the
        items)."""
        # With ids, `+` keeps SQLite from walking the account's keys in the index to find
        # them: it looks each id up (its UNIQUE index) and sorts those few (100 of 50,000
        # keys: 23 -> 0.3 ms).
        clauses: list[str] = ["+account_id = ?" if ids else "account_id = ?"]
        params: list[Any] = [account_id]
        if ids:
            clauses.append(f"id IN ({_placeholders(ids)})")
            params.extend(ids)
        if after is not None:
            clauses.append("created_at <= ? AND (created_at < ? OR seq < ?)")
            params.extend([after[0], after[0], after[1]])
        with self._lock:
            cursor = self._db.cursor()
            cursor.row_factory = None
            rows: list[tuple[Any, ...]] = cursor.execute(
                f"SELECT {', '.join(CREDENTIAL_ITEM)}, seq FROM credentials "  # noqa: S608 (fixed)
                f"WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, seq DESC LIMIT ?",
                [*params, -1 if limit is None else limit + 1],
            ).fetchall()
        if limit is None or len(rows) <= limit:
            return rows, None
        del rows[limit:]
        return rows, (rows[-1][_CREATED_AT], rows[-1][-1])

    def credential(self, account_id: str, credential_id: str) -> dict[str, Any] | None:
        row = self._one(
            f"{_CREDENTIAL_SELECT} WHERE account_id = ? AND id = ?", (account_id, credential_id)
        )
        return None if row is None else _credential_item(row)

    def keys_with_fingerprint(self, fingerprint: str) -> list[StoredKey]:
        rows = self._all(
            "SELECT id, account_id, prefix, key_hash, is_active, expires_at "
            "FROM credentials WHERE fingerprint = ?",
            (fingerprint,),
        )
        return [
            StoredKey(
                r["id"],
                r["account_id"],
                r["prefix"],
                r["key_hash"],
                bool(r["is_active"]),
                r["expires_at"],
            )
            for r in rows
        ]

    def touch_credential(self, credential_id: str, when: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE credentials SET last_used_at = ? WHERE id = ?", (when, credential_id)
            )

    def revoke_credential(self, account_id: str, credential_id: str) -> dict[str, Any] | None:
        with self.transaction() as db:
            db.execute(
                "UPDATE credentials SET is_active = 0 WHERE account_id = ? AND id = ?",
                (account_id, credential_id),
            )
        return self.credential(account_id, credential_id)

    @staticmethod
    def revoke_named(db: sqlite3.Connection, account_id: str, name: str) -> None:
        db.execute(
            "UPDATE credentials SET is_active = 0 WHERE account_id = ? AND name = ? AND is_active",
            (account_id, name),
        )

    def count_credentials(self, account_id: str) -> int:
        row = self._one("SELECT count(*) FROM credentials WHERE account_id = ?", (account_id,))
        return int(row[0]) if row else 0

    # -- usage -----------------------------------------------------------------------------

    @staticmethod
    def add_events(db: sqlite3.Connection, rows: Iterable[Sequence[Any]]) -> None:
        """Rows in EVENT_COLUMNS order."""
        db.executemany(
            f"INSERT INTO usage_events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608 (constants)
            f"VALUES ({_placeholders(EVENT_COLUMNS)})",
            rows,
        )

    def record_event(self, row: Sequence[Any]) -> None:
        with self.transaction() as db:
            self.add_events(db, [row])

    def usage_page(
        self,
        account_id: str,
        usage_filter: UsageFilter,
        limit: int,
        after: tuple[str, int] | None = None,
    ) -> tuple[list[dict[str, Any]], tuple[str, int] | None]:
        """One page, newest first, and the (created_at, seq) key to continue after (or None).

        Keyset pagination: the `created_at <= ?` bound lets SQLite seek in the index, so a
        page costs O(limit) however many events the account has.
        """
        clauses = ["account_id = ?"]
        params: list[Any] = [account_id]
        for column in ("source", "status", "credential_id", "tool", "client"):
            value = getattr(usage_filter, column)
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if usage_filter.since is not None:
            clauses.append("created_at >= ?")
            params.append(usage_filter.since)
        if usage_filter.exclude_reads_by:
            clauses.append(_NOT_READS_BY)
            agent = usage_filter.exclude_reads_by + "/"  # the product, then its version
            params.extend([len(agent), agent, *ACCOUNT_READS])
        if after is not None:
            clauses.append("created_at <= ? AND (created_at < ? OR seq < ?)")
            params.extend([after[0], after[0], after[1]])
        sql = (
            f"{_EVENT_SELECT} WHERE {' AND '.join(clauses)} "  # only fixed clause strings
            "ORDER BY created_at DESC, seq DESC LIMIT ?"
        )
        rows = self._all(sql, [*params, limit + 1])
        page = rows[:limit]
        items = [{name: row[name] for name in EVENT_ITEM} for row in page]
        more = len(rows) > limit
        return items, ((page[-1]["created_at"], page[-1]["seq"]) if more else None)

    def count_events(self, account_id: str) -> int:
        row = self._one("SELECT count(*) FROM usage_events WHERE account_id = ?", (account_id,))
        return int(row[0]) if row else 0


def _credential_item(row: sqlite3.Row) -> dict[str, Any]:
    item = {name: row[name] for name in CREDENTIAL_ITEM}
    item["is_active"] = bool(item["is_active"])
    return item


def credential_items(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The public items of `Store.credential_rows`' rows: the same as `_credential_item`'s
    (tests/test_sandbox_key_pages.py), made without a name look-up per field: 5,000 keys in
    ~2 ms where a dict comprehension over a `sqlite3.Row` took ~10 ms."""
    return [{"id": id_, "account_id": account_id, "name": name, "prefix": prefix,
             "is_active": bool(active), "created_at": created_at, "last_used_at": last_used_at,
             "expires_at": expires_at}
            for id_, account_id, name, prefix, active, created_at, last_used_at, expires_at, _seq
            in rows]
