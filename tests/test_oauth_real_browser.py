"""Once in a real headless browser (issue 22): the device flow approved on the sandbox's
/device page by Chromium, clicking its Approve button, as a person would: the CSRF cookie
(SameSite=Strict), the form and the page's Content-Security-Policy as a browser applies them.

Skipped where no Chromium and chromedriver are installed (Debian: ``apt-get install
chromium-driver``); the same approval through plain HTTP runs everywhere
(test_oauth_client.py). One browser, one sign-in: a couple of seconds.
"""

from __future__ import annotations

import asyncio

import pytest

from openrush_tui.api.client import OpenRushClient
from openrush_tui.auth.web.device import DeviceCode
from openrush_tui.auth.web.discovery import WebSignIn
from openrush_tui.auth.web.flow import BrowserSignIn
from tests.support import webdriver
from tests.support.budget_clocks import Clocks
from tests.support.threaded_sandbox import Served, module_sandbox

pytestmark = pytest.mark.skipif(not webdriver.available(),
                                reason="no Chromium and chromedriver on this machine")

clock, served = module_sandbox("oauth-real-browser", token_seconds=600, key_seed=11)


def approve_in_the_browser(code: DeviceCode) -> str:
    with webdriver.HeadlessBrowser() as browser:
        browser.open(code.uri_to_open)  # the address with the code, as the QR code has it
        shown = browser.source()
        assert code.user_code in shown  # the code to compare with the terminal's
        browser.click("button[value=approve]")
        return browser.wait_for("<h1>Signed in</h1>")  # the page after Approve


async def test_the_device_flow_approved_in_a_real_browser(served: Served, clock: Clocks) -> None:
    said: list[str] = []
    code: DeviceCode | None = None

    async def sleep(seconds: float) -> None:
        clock.skip(seconds)
        if code is not None and not said:  # the person approves while the terminal waits
            said.append(await asyncio.to_thread(approve_in_the_browser, code))

    async with BrowserSignIn(served.base_url, None, clock=clock.wall, sleep=sleep) as flow:
        plan = await flow.discover()
        assert isinstance(plan, WebSignIn)
        code = await flow.start_device(plan)
        session = await flow.wait(plan, code)
    assert said  # approved once, in the browser
    async with OpenRushClient(served.base_url, session.access_token.reveal()) as client:
        assert (await client.credits()).balance > 0
