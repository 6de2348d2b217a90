"""A real headless browser for a test, when this machine has one: Chromium driven through
chromedriver's W3C WebDriver protocol over HTTP (with httpx; no other package). On Debian:
``apt-get install chromium-driver`` (it brings chromium). `available()` says whether both are
on PATH; tests that need it skip otherwise.

    with HeadlessBrowser() as browser:
        browser.open(url)
        browser.click("button[value=approve]")
        browser.wait_for("Signed in")
"""

from __future__ import annotations

import shutil
import subprocess
import time
from typing import Any, Self

import httpx

from tests.support.patience import PATIENCE
from tests.support.scripted_server import unused_port

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
BINARIES = ("chromium", "chromium-browser", "google-chrome")


def _browser() -> str | None:
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    return None


def available() -> bool:
    return shutil.which("chromedriver") is not None and _browser() is not None


class HeadlessBrowser:
    def __init__(self) -> None:
        self._driver: subprocess.Popen[bytes] | None = None
        self._http: httpx.Client | None = None
        self._session = ""

    def __enter__(self) -> Self:
        port = unused_port()
        self._driver = subprocess.Popen(["chromedriver", f"--port={port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=PATIENCE)
        deadline = time.monotonic() + PATIENCE
        while True:  # chromedriver listens once it has started: ask until it answers
            try:
                if self._http.get("/status").json()["value"]["ready"]:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.05)
        options = {"binary": _browser(), "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}
        answer = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": options}}})
        self._session = answer["sessionId"]
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._session and self._http is not None:
                self._http.delete(f"/session/{self._session}")
        finally:
            if self._http is not None:
                self._http.close()
            if self._driver is not None:
                self._driver.terminate()
                self._driver.wait(PATIENCE)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        assert self._http is not None
        answer = self._http.request(method, path, json=body)
        value = answer.json()["value"]
        if answer.status_code != 200:
            raise RuntimeError(f"WebDriver {path}: {value}")
        return value

    def open(self, url: str) -> None:
        self._call("POST", f"/session/{self._session}/url", {"url": url})

    def click(self, css: str) -> None:
        found = self._call("POST", f"/session/{self._session}/element",
                           {"using": "css selector", "value": css})
        self._call("POST", f"/session/{self._session}/element/{found[ELEMENT]}/click", {})

    def source(self) -> str:
        return str(self._call("GET", f"/session/{self._session}/source"))

    def url(self) -> str:
        return str(self._call("GET", f"/session/{self._session}/url"))

    def wait_for(self, text: str) -> str:
        """The page's source once it holds `text` (a click's navigation ends after the click
        answers): asked again until then, within the tests' patience."""
        deadline = time.monotonic() + PATIENCE
        while text not in (source := self.source()):
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never showed {text!r}: {source[:500]}")
            time.sleep(0.05)
        return source
