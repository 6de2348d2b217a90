"""The sandbox's SQLite file: accounts, hashed credentials, usage events and a little metadata.

One connection shared by FastAPI's worker threads, serialised by a lock. Timestamps are stored
in the wire format (``2026-06-26T12:00:00Z``), which sorts correctly as text.

The database holds the session-signing secret, and SQLite writes pages of it into `-wal` (and
plays back a hot `-journal`) beside the file, opening those by name. So before SQLite opens
anything, `claim_files` makes sure that the file and those siblings are this user's own
regular files, 0600, never a symlink, a device, a hard link or another user's plant, and
that nobody else can swap them: a folder others may write to is refused unless sticky (like
/tmp), and there the siblings are created first, exclusively, so no one else can take their
names. After SQLite has opened them they are checked again (`check_claim`). This module is
the only place of the sandbox that opens or chmods files (tests/test_files_guard.py).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openrush_tui.errors import OpenRushError
from openrush_tui.text.safe import visible

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
CREATE INDEX IF NOT EXISTS credentials_by_account ON credentials(account_id, created_at);
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
    user_agent TEXT
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
)
# Columns added after the first release: (table, column, type), added to older files.
ADDED_COLUMNS = (("usage_events", "user_agent", "TEXT"),)
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

_CREDENTIAL_SELECT = f"SELECT {', '.join(CREDENTIAL_ITEM)} FROM credentials"  # noqa: S608 (constants)
_EVENT_SELECT = f"SELECT seq, {', '.join(EVENT_ITEM)} FROM usage_events"  # noqa: S608 (constants)


def _placeholders(columns: Sequence[str]) -> str:
    return ", ".join("?" for _ in columns)


@dataclass(frozen=True)
class UsageFilter:
    source: str | None = None
    status: str | None = None
    credential_id: str | None = None
    tool: str | None = None
    client: str | None = None  # OURS: the MCP client's name, exactly
    since: str | None = None  # wire-format instant, inclusive


@dataclass(frozen=True)
class StoredKey:
    """What authentication needs about a credential row."""

    id: str
    account_id: str
    prefix: str
    key_hash: str
    is_active: bool
    expires_at: str | None


# -- the files -----------------------------------------------------------------------------

SIBLINGS = ("-wal", "-shm", "-journal")  # what SQLite opens by name beside the database
_NEW = os.O_RDONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
# Never follows a link, never waits on a FIFO: the file was lstat-ed as regular just before.
_EXISTING = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_ELSEWHERE = "Pick a file in a folder of your own with --db"
_RETRY = "Try again, or pick a file in a folder of your own with --db"
_WRITABLE = "Pick a file in a folder you can write to with --db"


class DatabaseFileError(OpenRushError):
    """The database, a file SQLite keeps beside it, or its folder cannot be used safely.

    An OpenRushError, so `sandbox serve` prints it as one line and the dashboard shows it."""


def _shown(path: Path) -> str:
    return visible(str(path))


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _owner() -> int | None:
    return os.geteuid() if hasattr(os, "geteuid") else None  # None: no owners (Windows)


def _private_group(gid: int) -> bool:
    """A user-private group (Debian, Ubuntu, Fedora: umask 002), named after us and with no
    one else in it: its write bit lets no other user in."""
    try:
        import grp
        import pwd

        name = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(gid)
    except (ImportError, KeyError, OSError):
        return False
    return group.gr_name == name and set(group.gr_mem) <= {name}


def _others_can_write(info: os.stat_result) -> bool:
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWOTH:
        return True
    return bool(mode & stat.S_IWGRP) and not _private_group(info.st_gid)


def _make_folders(directory: Path) -> None:
    """`directory` and its missing parents, each 0700 whatever the umask; existing ones as
    they are."""
    missing = []
    while not os.path.lexists(directory) and directory.parent != directory:
        missing.append(directory)
        directory = directory.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue  # made meanwhile by someone else: checked like any existing folder
        except OSError as exc:
            raise DatabaseFileError(f"Cannot create the folder {_shown(folder)} "
                                    f"({exc.strerror})", _WRITABLE) from None
        _tighten_folder(folder)  # ours and new


def _fchmod(descriptor: int, mode: int) -> None:
    if hasattr(os, "fchmod"):  # not on Windows before 3.13, where modes mean little anyway
        os.fchmod(descriptor, mode)


def _tighten_folder(folder: Path) -> None:
    """0700 through a descriptor that does not follow links, so a folder swapped for a link
    meanwhile is not what gets the mode."""
    if not hasattr(os, "fchmod"):
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                         | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.fchmod(descriptor, 0o700)
    finally:
        os.close(descriptor)


def _check_folder(directory: Path, *, own_directory: bool) -> bool:
    """Whether others may write to `directory` (then it is sticky: they cannot remove or
    rename our files). A folder of another user, or one others may write to that is not
    sticky, is refused. `own_directory` (the default location, ours alone): an older,
    looser one of ours is tightened to 0700."""
    try:
        info = directory.stat()  # a folder reached through a link the user named is theirs
    except OSError as exc:
        raise DatabaseFileError(f"Cannot use the folder {_shown(directory)} ({exc.strerror})",
                                _ELSEWHERE) from None
    if not stat.S_ISDIR(info.st_mode):
        raise DatabaseFileError(f"{_shown(directory)} is not a folder", _ELSEWHERE)
    me = _owner()
    if me is None:
        return False
    if info.st_uid not in (me, 0):
        raise DatabaseFileError(f"The folder {_shown(directory)} belongs to another user, who "
                                "could swap the sandbox's files", _ELSEWHERE)
    if own_directory and info.st_uid == me and stat.S_IMODE(info.st_mode) & 0o077 \
            and directory.lstat().st_ino == info.st_ino:
        _tighten_folder(directory)
        return False
    if not _others_can_write(info):
        return False
    if not info.st_mode & stat.S_ISVTX:
        raise DatabaseFileError(
            f"The folder {_shown(directory)} can be written by other users, who could swap "
            "the sandbox's files for their own", _ELSEWHERE + " (mkdir -m 700 DIR)")
    return True


def _check_file(path: Path, info: os.stat_result) -> None:
    """A regular file of ours with one name, whatever is at `path`, else refused."""
    if stat.S_ISLNK(info.st_mode):
        raise DatabaseFileError(
            f"{_shown(path)} is a symbolic link, which the sandbox does not follow",
            f"Give --db the real file's path, or remove the link (rm {_shown(path)})")
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseFileError(f"{_shown(path)} is not a regular file, so it was not touched",
                                _ELSEWHERE)
    me = _owner()
    if me is not None and info.st_uid != me:
        raise DatabaseFileError(
            f"{_shown(path)} belongs to another user (planted, perhaps, to read the "
            "sandbox's secrets), so it was not touched", _ELSEWHERE)
    if info.st_nlink > 1:
        raise DatabaseFileError(f"{_shown(path)} has other hard links, through which others "
                                "might read it", f"Copy it (cp {_shown(path)} NEW) and "
                                "give --db the copy")


def _claim_file(path: Path, *, create: bool) -> tuple[int, int] | None:
    """`path` as a private regular file of ours: (st_dev, st_ino), or None when it does not
    exist and `create` is False. A new one is created exclusively, 0600; an existing one
    is vetted (`_check_file`) without following a link or waiting on a FIFO, and, being ours,
    has its group and other bits taken away."""
    if create:
        try:
            descriptor = os.open(path, _NEW, 0o600)
        except FileExistsError:
            pass
        except OSError as exc:
            raise DatabaseFileError(f"Cannot create {_shown(path)} ({exc.strerror})",
                                    _WRITABLE) from None
        else:
            try:
                _fchmod(descriptor, 0o600)  # ours and new: whatever the umask left
                info = os.fstat(descriptor)
            finally:
                os.close(descriptor)
            return info.st_dev, info.st_ino
    try:
        before = path.lstat()
    except FileNotFoundError:
        if create:  # removed between our two calls
            raise DatabaseFileError(f"{_shown(path)} changed while it was being opened",
                                    _RETRY) from None
        return None
    except OSError as exc:
        raise DatabaseFileError(f"Cannot use {_shown(path)} ({exc.strerror})",
                                _ELSEWHERE) from None
    _check_file(path, before)
    try:
        descriptor = os.open(path, _EXISTING)
    except OSError as exc:
        raise DatabaseFileError(f"Cannot open {_shown(path)} ({exc.strerror})",
                                _ELSEWHERE) from None
    try:
        info = os.fstat(descriptor)
        if (info.st_dev, info.st_ino) != (before.st_dev, before.st_ino):
            raise DatabaseFileError(f"{_shown(path)} changed while it was being opened",
                                    _RETRY)
        _check_file(path, info)
        if stat.S_IMODE(info.st_mode) & 0o077:
            _fchmod(descriptor, stat.S_IMODE(info.st_mode) & 0o700)
    finally:
        os.close(descriptor)
    return info.st_dev, info.st_ino


def claim_files(path: Path, *, own_directory: bool) -> tuple[int, int]:
    """Make `path` and the files SQLite keeps beside it safe to open (see the module's
    docstring); the database's (st_dev, st_ino), for `check_claim`. Our descriptors are
    closed before SQLite opens the files: closing one while SQLite holds its POSIX locks on
    the same file would drop those locks."""
    _make_folders(path.parent)
    shared = _check_folder(path.parent, own_directory=own_directory)
    identity = _claim_file(path, create=True)
    assert identity is not None  # noqa: S101 (create=True always gives one)
    for suffix in SIBLINGS:
        # In a shared folder, names left free could be taken by others before SQLite
        # creates them (it does not create exclusively); ours, empty, are what it expects.
        _claim_file(_sibling(path, suffix), create=shared)
    return identity


def check_claim(path: Path, identity: tuple[int, int]) -> None:
    """After SQLite opened them: the database is still the file vetted, and whatever SQLite
    keeps beside it is ours, regular and private."""
    try:
        now = path.lstat()
    except OSError:
        now = None
    if now is None or (now.st_dev, now.st_ino) != identity:
        raise DatabaseFileError(f"{_shown(path)} changed while it was being opened",
                                _RETRY)
    for suffix in SIBLINGS:
        sibling = _sibling(path, suffix)
        try:
            info = sibling.lstat()
        except FileNotFoundError:
            continue
        _check_file(sibling, info)
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise DatabaseFileError(f"{_shown(sibling)} is readable by others", _ELSEWHERE)


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
            return self._db.execute(sql, params).fetchone()

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
        rows = self._all(
            f"{_CREDENTIAL_SELECT} WHERE account_id = ? ORDER BY created_at DESC, seq DESC",
            (account_id,),
        )
        return [_credential_item(row) for row in rows]

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
