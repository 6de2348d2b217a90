"""How the sandbox reads the key list (issue 23): a page comes from one index alone, in the
list's order (no look-up of each key's row, no sort), a look-up by id uses the ids' own
index, and a file made before that index loses the one it replaces. Plans, not timings: what
SQLite says it will do (`EXPLAIN QUERY PLAN`) for the statements the store really runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openrush_tui.clock import parse_instant
from openrush_tui.sandbox.app import Sandbox, create_sandbox
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.sandbox.store import Store

NOW = parse_instant("2026-06-26T12:00:00Z")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = create_sandbox(SandboxOptions(db_path=tmp_path_factory.mktemp("pages") / "s.sqlite3",
                                        now=NOW, key_seed=5, seed_keys=40))
    yield box
    box.close()


def plans(store: Store, read: Callable[[], object]) -> list[str]:
    """SQLite's plan of each SELECT on credentials that `read()` runs on `store`."""
    statements: list[str] = []
    connection: sqlite3.Connection = store._db  # what the store runs
    connection.set_trace_callback(statements.append)
    try:
        read()
    finally:
        connection.set_trace_callback(None)
    return [" / ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql))
            for sql in statements if "FROM credentials" in sql]


def test_a_page_of_the_key_list_is_read_from_one_index_in_its_order(sandbox: Sandbox) -> None:
    store, account = sandbox.store, sandbox.demo_account_id
    _, after = store.credential_rows(account, 10)
    assert after is not None
    for read in (lambda: store.credential_rows(account, None),
                 lambda: store.credential_rows(account, 10),
                 lambda: store.credential_rows(account, 10, after)):
        [plan] = plans(store, read)
        assert "COVERING INDEX credentials_listed" in plan
        assert "TEMP B-TREE" not in plan  # the index gives the list's order


def test_a_look_up_by_id_looks_the_ids_up(sandbox: Sandbox) -> None:
    store, account = sandbox.store, sandbox.demo_account_id
    ids = [item["id"] for item in store.credentials(account)[:3]]
    [plan] = plans(store, lambda: store.credential_rows(account, 2, None, ids))
    assert "sqlite_autoindex_credentials_1 (id=?)" in plan  # not a walk of the account's keys


def test_the_items_are_those_of_one_key_read_alone(sandbox: Sandbox) -> None:
    # `credential_items` (the list) and `_credential_item` (one key: create, revoke) agree.
    store, account = sandbox.store, sandbox.demo_account_id
    listed = store.credentials(account)
    assert len(listed) == 47  # the demo's 7 and 40 bulk keys
    assert listed == [store.credential(account, item["id"]) for item in listed]
    assert {type(item["is_active"]) for item in listed} == {bool}


def test_a_file_made_before_the_index_loses_the_one_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as old:  # as a file of an earlier version has it
        old.execute("DROP INDEX credentials_listed")
        old.execute("CREATE INDEX credentials_by_account ON credentials(account_id, created_at)")
    old.close()
    Store(path).close()
    with sqlite3.connect(path) as reopened:
        names = {row[0] for row in reopened.execute("SELECT name FROM sqlite_master")}
    reopened.close()
    assert "credentials_listed" in names
    assert "credentials_by_account" not in names
