"""What a Setup reload costs the account, counted at the server: every call made with an
`or_` key is recorded by the sandbox as a usage event, so the events that appear during a
reload are the requests it sent. A 5,000-key account, served over real HTTP; the request
budget's clock is moved on before each reload, so that each one asks the server."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from openrush_tui.auth.status import NOT_LISTED
from tests.support.apps import later, remote_app, settle, text_of
from tests.support.sandbox_process import RunningSandbox, SandboxFactory

pytestmark = pytest.mark.usefixtures("isolated_home")
SIZE = (80, 24)


@pytest.fixture(scope="module")
def big_account(sandbox_server: SandboxFactory,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningSandbox, Path]]:
    db = tmp_path_factory.mktemp("big") / "sandbox.sqlite3"
    yield sandbox_server(db_path=db, extra=("--seed-keys", "5000")), db


def endpoints_called(db: Path, key: str) -> list[str]:
    """Every request made with `key` so far, oldest first."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return [row[0] for row in connection.execute(
            "SELECT endpoint FROM usage_events WHERE credential_prefix = ? ORDER BY seq",
            (key[:9],))]


def account_row(app: object) -> str:
    text = text_of(app.screen.query_one("#terminal", Static))  # type: ignore[attr-defined]
    return next(line for line in text.splitlines() if line.startswith("Account"))


async def test_a_setup_reload_is_one_small_request_on_a_5000_key_account(
        big_account: tuple[RunningSandbox, Path]) -> None:
    (url, key), db = big_account
    before = len(endpoints_called(db, key))
    app = remote_app(url, key, page="setup")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        opened = endpoints_called(db, key)
        # No key list when the page opens; the header's credit runway looks at the last 7
        # days' spend once (then not again for 10 minutes).
        assert opened[before:] == ["/v1/me/credits", "/v1/me/usage"]
        for _ in range(3):
            later(app, 60)
            await pilot.press("r")
            await settle(pilot)
        reloads = endpoints_called(db, key)[len(opened):]
        assert reloads == ["/v1/me/credits"] * 3
        assert NOT_LISTED in account_row(app)  # not known yet, and said so


async def test_setup_shows_the_account_id_api_access_already_listed(
        big_account: tuple[RunningSandbox, Path]) -> None:
    (url, key), db = big_account
    before = len(endpoints_called(db, key))
    app = remote_app(url, key, page="api-access")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        listed = endpoints_called(db, key)
        # A big account's list comes in pages (its first 250 keys, then the rest): one walk,
        # its pages however they interleave with the balance and the runway's look.
        opened = listed[before:]
        assert listed[before] == "/v1/me/api-credentials"
        assert sorted(path for path in opened if path != "/v1/me/api-credentials") == [
            "/v1/me/credits", "/v1/me/usage"]
        later(app, 60)  # nothing API access fetched is reused
        await pilot.press("1")
        await settle(pilot)
        assert account_row(app).split()[-1].startswith("acct_")
        assert endpoints_called(db, key)[len(listed):] == ["/v1/me/credits"]
