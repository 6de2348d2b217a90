"""Once in a real headless browser (issue 22): the device flow approved on the sandbox's
/device page by Chromium, clicking its Approve button, as a person would: the CSRF cookie
(SameSite=Strict), the form and the page's Content-Security-Policy as a browser applies them.

Chromium is driven with selenium through the chromedriver installed beside it (its path given,
so selenium-manager never looks for, or downloads, a driver or a browser). Skipped where no
Chromium and chromedriver are installed (Debian: ``apt-get install chromium-driver``); the
same approval through plain HTTP runs everywhere (test_oauth_client.py). One browser, one
sign-in: a couple of seconds.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from openrush_tui.api.client import OpenRushClient
from openrush_tui.auth.web.device import DeviceCode
from openrush_tui.auth.web.discovery import WebSignIn
from openrush_tui.auth.web.flow import BrowserSignIn
from tests.support.budget_clocks import Clocks
from tests.support.patience import PATIENCE
from tests.support.threaded_sandbox import Served, module_sandbox

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                reason="no Chromium and chromedriver on this machine")

clock, served = module_sandbox("oauth-real-browser", token_seconds=600, key_seed=11)


def headless_chromium() -> webdriver.Chrome:
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def approve_in_the_browser(code: DeviceCode) -> str:
    browser = headless_chromium()
    try:
        browser.get(code.uri_to_open)  # the address with the code, as the QR code has it
        assert code.user_code in browser.page_source  # to compare with the terminal's
        browser.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
        # A click answers before its navigation ends: wait for the page after Approve.
        WebDriverWait(browser, PATIENCE).until(
            expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "h1"),
                                                              "Signed in"))
        return str(browser.page_source)
    finally:
        browser.quit()


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
