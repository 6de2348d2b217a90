"""The browser sign-in as the tests drive it: the person approving on the sandbox's pages
(plain HTTP, no browser) and the dashboard's Setup dialog waited through (issue 22)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.widgets import Static

from openrush_tui.clock import fixed_clock
from openrush_tui.sandbox.app import create_sandbox
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
from openrush_tui.screens.setup.web_sign_in import WebSignInScreen
from openrush_tui.tui import OpenRushApp
from tests.support.apps import FIXED_NOW, KEY_SEED, remote_app, settle, text_of, until
from tests.support.budget_clocks import Clocks

CSRF = re.compile(r"name='csrf' value='([^']+)'")
FIELDS = re.compile(r"name='([^']+)' value='([^']*)'")


class Gate:
    """The device flow's wait between polls: moves the shared clock by what was asked, and
    returns only once the test opens it (after the person approved)."""

    def __init__(self, clocks: Clocks) -> None:
        self.clocks, self.open = clocks, asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.clocks.skip(seconds)
        await self.open.wait()


def shown(screen: Any, selector: str) -> bool:
    return bool(screen.query(selector)) and screen.query_one(selector).display


async def approve(base_url: str, user_code: str) -> None:
    """The person at the browser: the device page's form, then Approve (CSRF token)."""
    async with httpx.AsyncClient(base_url=base_url) as browser:
        page = await browser.get("/device", params={"user_code": user_code})
        token = CSRF.search(page.text)
        assert token, page.text
        answer = await browser.post("/device", data={"user_code": user_code,
                                                     "csrf": token.group(1),
                                                     "decision": "approve"})
        assert answer.status_code == 200, answer.text


async def browse(address: str) -> str:
    """The person's browser in the code flow: the authorization page, Approve, and the
    address it is sent to."""
    async with httpx.AsyncClient() as browser:
        page = await browser.get(address)
        fields = dict(FIELDS.findall(page.text))
        decided = await browser.post(str(page.url.copy_with(query=None)),
                                     data={**fields, "decision": "approve"})
    assert decided.status_code == 302, decided.text
    return decided.headers["location"]


async def approved_in_the_dialog(pilot: Pilot[Any], base_url: str, gate: Gate) -> None:
    """Setup's `b`, the code approved on the sandbox's page: up to the storage question."""
    app = pilot.app
    await until(pilot, lambda: shown(app.screen, "#web-sign-in"))
    await pilot.press("b")
    await until(pilot, lambda: isinstance(app.screen, WebSignInScreen)
                and shown(app.screen, "#web-code"))
    await approve(base_url, text_of(app.screen.query_one("#web-code", Static)).strip())
    gate.open.set()  # the next poll finds it approved
    await until(pilot, lambda: isinstance(app.screen, StorageChoiceScreen))


async def signed_in_through_the_browser(pilot: Pilot[Any], base_url: str, gate: Gate) -> None:
    """As `approved_in_the_dialog`, then kept for this session only."""
    app = pilot.app
    assert isinstance(app, OpenRushApp)
    await approved_in_the_dialog(pilot, base_url, gate)
    await pilot.press("s")
    await until(pilot, lambda: app.session.web is not None)
    await settle(pilot)


def code_dialog_app(tmp_path: Path) -> OpenRushApp:
    """Signed out of a server whose sign-in is served in memory (the sandbox, seeded): the
    same user code and address every run. The API itself is not reachable (port 9)."""
    sandbox = create_sandbox(SandboxOptions(db_path=tmp_path / "sandbox.sqlite3",
                                            now=FIXED_NOW, key_seed=KEY_SEED,
                                            sign_in_clock=fixed_clock(FIXED_NOW)))
    app = remote_app("http://127.0.0.1:9", None)
    app.session.sign_in_clock = fixed_clock(FIXED_NOW)
    never = asyncio.Event()

    async def wait_for_ever(_: float) -> None:
        await never.wait()

    app.session.sign_in_sleep = wait_for_ever
    app.session.sign_in_transport = httpx.ASGITransport(app=sandbox.app)
    return app


async def open_code_dialog(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: shown(pilot.app.screen, "#web-sign-in"))
    await settle(pilot)
    await pilot.press("b")
    await until(pilot, lambda: isinstance(pilot.app.screen, WebSignInScreen)
                and shown(pilot.app.screen, "#web-code"))
    await pilot.pause()


USER_CODE = re.compile(r"enter the code ([A-Z]{4}-[A-Z]{4})")


def signed_in_by_the_cli(base_url: str, capsys: Any) -> Any:
    """`login --web --no-wait` (the 0600 file: no keyring), the code approved on the page,
    then `login --web --resume`: the sign-in kept (`keeping.Kept`)."""
    from openrush_tui.auth.web import keeping
    from openrush_tui.cli import main

    assert main(["login", "--web", "--no-wait", "--insecure-storage",
                 "--api-url", base_url]) == 0
    said = capsys.readouterr().err
    code = USER_CODE.search(said)
    assert code, said
    asyncio.run(approve(base_url, code.group(1)))
    assert main(["login", "--web", "--resume", "--api-url", base_url]) == 0
    capsys.readouterr()
    kept = keeping.find("default")
    assert kept is not None
    return kept
