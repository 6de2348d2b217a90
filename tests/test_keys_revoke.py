"""The revoke flow shared by the API access page and `keys revoke`, against a real sandbox
(in-process over httpx's ASGI transport): order, one request per key, the report."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.models import ApiCredential
from openrush_tui.keys.revoke import Outcome, own_key_id, own_key_last, revoke_all
from openrush_tui.sandbox import Sandbox, SandboxOptions, create_sandbox
from tests.support.apps import FIXED_NOW


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = create_sandbox(SandboxOptions(db_path=tmp_path / "sandbox.sqlite3", now=FIXED_NOW,
                                        key_seed=7))
    yield box
    box.close()


def client_of(sandbox: Sandbox, key: str) -> OpenRushClient:
    return OpenRushClient("http://127.0.0.1", key,
                          transport=httpx.ASGITransport(app=sandbox.app))


@pytest.fixture
async def admin(sandbox: Sandbox) -> AsyncIterator[OpenRushClient]:
    """Signed in with the demo account's bootstrap key, which no test revokes."""
    async with client_of(sandbox, sandbox.mint_bootstrap_key()) as client:
        yield client


async def new_key(client: OpenRushClient, name: str) -> tuple[ApiCredential, str]:
    created = await client.create_key(name)
    return created.api_credential, created.key.get_secret_value()


async def active_ids(client: OpenRushClient) -> set[str]:
    return {key.id for key in await client.list_keys() if key.is_active}


async def test_the_terminals_own_key_goes_last_and_everything_is_revoked(
        sandbox: Sandbox, admin: OpenRushClient) -> None:
    own, own_raw = await new_key(admin, "this terminal")
    first, _ = await new_key(admin, "first")
    second, _ = await new_key(admin, "second")
    assert own_key_id([first, own, second], own_raw) == own.id
    heard: list[Outcome] = []
    async with client_of(sandbox, own_raw) as terminal:
        # Named first: revoked first, the two after it would be refused (401).
        report = await revoke_all(terminal, [own.id, first.id, second.id], own_id=own.id,
                                  each=heard.append)
    assert [outcome.key_id for outcome in report.outcomes] == [first.id, second.id, own.id]
    assert heard == report.outcomes  # each key reported as its answer arrived, in order
    assert report.failed == [] and len(report.revoked) == 3
    assert report.own_key_revoked
    assert all(o.answer is not None and o.answer.id == o.key_id and not o.answer.is_active
               for o in report.revoked)
    assert not {own.id, first.id, second.id} & await active_ids(admin)


async def test_one_failure_stops_none_of_the_others(admin: OpenRushClient) -> None:
    first, _ = await new_key(admin, "first")
    second, _ = await new_key(admin, "second")
    report = await revoke_all(admin, [first.id, "cred_doesnotexist", second.id])
    assert [(o.key_id, o.revoked) for o in report.outcomes] == [
        (first.id, True), ("cred_doesnotexist", False), (second.id, True)]
    [failed] = report.failed
    assert failed.answer is None and failed.error  # a sentence, for the user to read
    assert not report.own_key_revoked
    assert not {first.id, second.id} & await active_ids(admin)


async def test_without_its_own_key_last_the_later_revokes_fail_and_are_reported(
        sandbox: Sandbox, admin: OpenRushClient) -> None:
    own, own_raw = await new_key(admin, "this terminal")
    other, _ = await new_key(admin, "other")
    async with client_of(sandbox, own_raw) as terminal:
        # Not told which key is its own: the order is kept, so the second request has no key.
        report = await revoke_all(terminal, [own.id, other.id])
    assert [(o.key_id, o.revoked) for o in report.outcomes] == [(own.id, True), (other.id, False)]
    assert not report.own_key_revoked  # nobody said which key was the terminal's
    error = report.failed[0].error
    assert error is not None and "revoked" in error and own_raw not in error
    assert other.id in await active_ids(admin)


async def test_revoking_a_revoked_key_again_is_a_success(admin: OpenRushClient) -> None:
    key, _ = await new_key(admin, "twice")
    await revoke_all(admin, [key.id])
    again = await revoke_all(admin, [key.id])
    assert [o.revoked for o in again.outcomes] == [True]


def test_own_key_last_keeps_the_order_of_the_others() -> None:
    assert own_key_last(["a", "own", "b", "c"], "own") == ["a", "b", "c", "own"]
    assert own_key_last(["a", "b"], None) == ["a", "b"]
    assert own_key_last(["a", "b"], "elsewhere") == ["a", "b"]


def test_the_own_key_is_found_by_prefix_and_never_for_a_session_token() -> None:
    keys = [ApiCredential(id=f"cred_{n}", name=str(n), prefix=f"or_abc12{n}", is_active=True,
                          created_at=FIXED_NOW) for n in range(3)]
    assert own_key_id(keys, "or_abc121" + "z" * 34) == "cred_1"
    assert own_key_id(keys, "or_zzzzzz" + "z" * 34) is None
    assert own_key_id(keys, None) is None
    assert own_key_id(keys, "eyJhbGciOi.session.token") is None


def test_a_failed_revoke_of_one_key_says_one_key() -> None:
    # "Revoked 0 of 1 keys" (issue 20: counts with their noun, text.counts.plural).
    from openrush_tui.keys.revoke import RevokeReport
    from openrush_tui.keys.view import KeyRow
    from openrush_tui.screens.api_access.revoke import summary

    key = ApiCredential(id="cred_1", name="one", prefix="or_abc121", is_active=True,
                        created_at=FIXED_NOW)
    report = RevokeReport([Outcome("cred_1", error="The server is unavailable.")])
    said = summary(report, (KeyRow.of(key, FIXED_NOW),))
    assert said.startswith("Revoked 0 of 1 key. Not revoked: “one”"), said
