"""Each flow has one home in the core that both faces (the dashboard, the command line) use:
the client builder and its timeouts, a command's credentials (resolved once), creating a key,
switching the stored key after a rotation, and the one yes/no dialog (issue 19)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from textual.widgets import Button

from openrush_tui.api import timeouts
from openrush_tui.api.errors import ApiTimeout
from openrush_tui.api.models import ApiCredential
from openrush_tui.auth.credentials import StoredKey, save_to_keyring
from openrush_tui.auth.profiles import remember_api_url
from openrush_tui.auth.secret import Secret
from openrush_tui.cli import main
from openrush_tui.clock import system_clock
from openrush_tui.config import Settings
from openrush_tui.keys.create import KeyCreation
from openrush_tui.keys.switch import switcher
from openrush_tui.keys.view import KeyRow
from openrush_tui.screens.api_access.reveal import leave_without_copy_dialog
from openrush_tui.screens.api_access.revoke import revoke_dialog
from openrush_tui.screens.dialogs.yes_no import YesNoDialog
from openrush_tui.screens.setup.sign_out import sign_out_dialog
from openrush_tui.session import Session, build_client
from tests.support.apps import sandbox_app, settle
from tests.support.keyring_backends import MemoryKeyring
from tests.support.sandbox_process import RunningSandbox, SandboxFactory
from tests.support.scripted_server import Reply, ScriptedServer

pytestmark = pytest.mark.usefixtures("isolated_home")


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxFactory) -> RunningSandbox:
    return sandbox_server()


def new_key(server: RunningSandbox, name: str) -> dict[str, str]:
    reply = httpx.post(f"{server.base_url}/v1/me/api-credentials", json={"name": name},
                       headers={"Authorization": f"Bearer {server.bootstrap_key}"})
    assert reply.status_code == 201, reply.text
    return {"id": reply.json()["api_credential"]["id"], "key": reply.json()["key"]}


# -- the client: one builder, one place for the timeouts ----------------------------------------


async def test_the_dashboard_and_a_command_wait_as_long_as_the_one_timeouts_say(
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(timeouts, "DEFAULT", timeouts.Timeouts(connect=1.0, read=0.3,
                                                               deadline=5.0))
    with ScriptedServer() as slow:
        # Slower than the read timeout; nothing else is scripted (a retry would be a 599).
        slow.add(Reply(200, [], delay=2.0), Reply(200, [], delay=2.0))
        session = Session(Settings(api_url=slow.url), StoredKey(Secret("or_" + "t" * 40), "env"))
        with pytest.raises(ApiTimeout, match=r"did not answer within 0\.3 s"):
            await (await session.client()).list_keys()
        await session.aclose()
        monkeypatch.setenv("OPENRUSH_KEY", "or_" + "t" * 40)
        code = await asyncio.to_thread(main, ["keys", "list", "--api-url", slow.url])
    assert code == 1
    assert "did not answer within 0.3 s" in capfd.readouterr().err


def test_a_command_builds_its_client_as_the_dashboard_does() -> None:
    from openrush_tui.cli import build_parser
    from openrush_tui.commands.common import make_client, resolve_target

    argv = ["keys", "list", "--api-url", "http://127.0.0.1:9", "--x-api-key"]
    target = resolve_target(build_parser(argv).parse_args(argv))
    assert target.settings.timeouts == timeouts.DEFAULT  # the one place, as the dashboard's
    client = make_client(target, need_key=False)
    assert client.auth_scheme == "x-api-key" and client.base_url == "http://127.0.0.1:9"


# -- a command's credentials: resolved once -----------------------------------------------------


class CountingKeyring(MemoryKeyring):
    """The OS keyring of this test, counting how often a key is looked for."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


def test_keys_rotate_and_revoke_look_for_the_key_once(
        server: RunningSandbox, use_keyring, capfd: pytest.CaptureFixture[str]) -> None:
    keyring = CountingKeyring()
    use_keyring(keyring)
    save_to_keyring("default", Secret(server.bootstrap_key))
    remember_api_url("default", server.base_url)
    first, second = new_key(server, "resolved once a"), new_key(server, "resolved once b")

    def reads(*argv: str) -> int:
        keyring.reads = 0
        assert main([*argv, "--api-url", server.base_url]) == 0, capfd.readouterr().err
        return keyring.reads

    once = reads("keys", "list")
    assert once >= 1
    assert reads("keys", "revoke", first["id"], "--yes") == once
    assert reads("keys", "rotate", second["id"], "--yes", "--revoke-old", "never") == once


# -- creating a key ------------------------------------------------------------------------------


async def test_a_creation_refuses_a_bad_name_before_sending_and_strips_a_good_one(
        server: RunningSandbox) -> None:
    refused = KeyCreation("   ", None, clock=system_clock)
    assert refused.problem
    with ScriptedServer() as nobody:  # nothing scripted: a request would be a 599
        async with build_client(Settings(api_url=nobody.url), Secret("or_" + "n" * 40)) as c:
            with pytest.raises(ValueError):
                await refused.send(c)
        assert nobody.requests == []
    creation = KeyCreation("  deploy bot  ", None, clock=system_clock)
    async with build_client(Settings(api_url=server.base_url),
                            Secret(server.bootstrap_key)) as client:
        result = await creation.send(client)
    assert result.created is not None and result.created.api_credential.name == "deploy bot"
    assert creation.in_flight is None


async def test_a_creation_whose_answer_is_lost_says_where_to_look() -> None:
    with ScriptedServer() as broken:
        broken.add(Reply(502, {"detail": "bad gateway"}))
        creation = KeyCreation("deploy bot", None, clock=system_clock, known_ids={"cred_old"})
        async with build_client(Settings(api_url=broken.url), Secret("or_" + "g" * 40)) as c:
            result = await creation.send(c)
    assert result.created is None and result.failed is None and result.unseen is not None
    assert result.unseen.known_ids == frozenset({"cred_old"})
    assert "“deploy bot” created at or after" in result.unseen.where_to_look()


# -- switching the stored key after a rotation ---------------------------------------------------


async def test_the_switch_from_openrush_key_tells_the_user_and_a_running_program_adopts_it(
        ) -> None:
    env_key = StoredKey(Secret("or_" + "o" * 40), "environment")
    new = Secret("or_" + "N" * 40)
    said = await switcher(env_key, "default", "http://127.0.0.1:9")(new)  # keys rotate
    assert said.status == "manual" and "set OPENRUSH_KEY to the new key" in said.text
    session = Session(Settings(api_url="http://127.0.0.1:9"), env_key)  # the dashboard
    adopted = await switcher(env_key, "default", "http://127.0.0.1:9",
                             adopt=session.use_key)(new)
    assert adopted.status == "manual" and adopted.text.startswith(said.text)
    assert "uses the new key (in memory only)" in adopted.text
    assert session.key is not None and session.key.secret.reveal() == new.reveal()
    nobody = await switcher(None, "default", "http://127.0.0.1:9")(new)
    assert nobody.status == "manual" and "Sign this terminal in" in nobody.text


# -- the one yes/no dialog -----------------------------------------------------------------------


def dialogs() -> dict[str, YesNoDialog]:
    now = system_clock()
    rows = tuple(KeyRow.of(ApiCredential(id=f"cred_{n}", name=f"key {n}", prefix=f"or_{n}abc…",
                                         created_at=now), now) for n in (1, 2))
    return {
        "revoke": revoke_dialog(rows, now),
        "sign out": sign_out_dialog(StoredKey(Secret("or_" + "s" * 40), "keyring")),
        "close the reveal": leave_without_copy_dialog(),
    }


@pytest.mark.parametrize("which", ["revoke", "sign out", "close the reveal"])
async def test_each_confirmation_is_the_yes_no_dialog_with_no_focused(
        which: str, tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    answers: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ("enter", "escape", None):  # Enter out of habit, Escape, then the yes button
            dialog = dialogs()[which]
            app.push_screen(dialog, answers.append)
            await settle(pilot)
            assert app.screen is dialog and isinstance(app.focused, Button)
            assert "-no" in app.focused.classes
            if key is None:
                await pilot.click(".-yes")
            else:
                await pilot.press(key)
            await settle(pilot)
    assert answers == [False, False, True]
