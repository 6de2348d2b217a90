"""The fault matrix's shared parts: the catalogue of faults, the short deadlines, the sandbox
behind the faulty front, and the table of outcomes.

Each matrix test runs one program surface (CLI commands, TUI pages, the write dialogs) against
every fault, records an outcome per case ("ok", or what went wrong) and fails listing every
case that was not ok. With FAULT_MATRIX_OUT set to a folder, each module also writes its
outcomes there as JSON (how the before/after table of issue 11 was made).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openrush_tui.api import client as client_module
from openrush_tui.api import timeouts as timeouts_module
from openrush_tui.clock import fixed_clock, parse_instant
from openrush_tui.config import Settings
from tests.support.scripted_server import Fault, FaultServer

FIXED_NOW = parse_instant("2026-06-26T12:00:00Z")
READ_TIMEOUT = 0.8  # per read: a trickle of a byte every TRICKLE seconds never trips it
DEADLINE = 1.5  # the whole request
TRICKLE = 0.15
MAX_BODY = 1024 * 1024
PATIENCE = DEADLINE + 30.0  # a case still running after this has hung (slack for a loaded machine)

BAD_TIME = "9999-12-31T23:59:59-01:00"  # overflows when converted to UTC


def _credential(created_at: str = "2026-06-01T00:00:00Z") -> dict[str, Any]:
    return {"id": "cred_absurd", "account_id": "acct_x", "name": "absurd", "prefix": "or_abcdef",
            "is_active": True, "created_at": created_at, "last_used_at": None, "expires_at": None}


def _everywhere(**parts: Any) -> bytes:
    """One body with a field for every endpoint, so one fault fits them all."""
    return json.dumps(parts).encode()


ABSURD_DATES = _everywhere(
    balance=5, api_credentials=[_credential(BAD_TIME)], key="or_" + "a" * 40,
    api_credential=_credential(BAD_TIME),
    items=[{"id": "use_1", "created_at": "0001-01-01T00:00:00+01:00", "source": "api"}],
    data={"tools": [{"name": "t", "credits": 1}]})
ABSURD_NUMBERS = (b'{"balance": 1e400, "api_credentials": [], "items": [{"id": "u", '
                  b'"created_at": "2026-06-26T12:00:00Z", "source": "api", "status_code": '
                  b'1e400, "credits": 1e400}], "key": 1e400, "data": {"tools": [{"name": "t", '
                  b'"credits": 1e400}]}}')

FAULTS: dict[str, Fault] = {
    "401 refused": Fault(401, {"detail": "The key was revoked"}),
    "404 not found": Fault(404, {"detail": "Not Found"}),
    "422 invalid": Fault(422, {"detail": [{"type": "value_error", "loc": ["body", "name"],
                                           "msg": "Value error, bad name", "input": "x"}]}),
    "429 Retry-After inf": Fault(429, {"detail": "slow down"}, {"Retry-After": "inf"}),
    "429 Retry-After 1e400": Fault(429, {"detail": "slow down"}, {"Retry-After": "1e400"}),
    "429 Retry-After absurd": Fault(429, {"detail": "slow down"},
                                    {"Retry-After": "2300090217"}),
    "500 after storing": Fault(500, {"detail": "the database failed after writing"}),
    "503 HTML": Fault(503, "<html><body>Service Unavailable</body></html>"),
    "200 HTML": Fault(body="<html><body>a captive portal</body></html>"),
    "200 bad JSON": Fault(body='{"api_credentials": [{"id": '),
    "200 empty": Fault(body=b""),
    "200 wrong shape": Fault(body={"unexpected": ["shape"]}),
    "200 nested 200,000 deep": Fault(body=b"[" * 200_000),
    "200 absurd dates": Fault(body=ABSURD_DATES),
    "200 absurd numbers": Fault(body=ABSURD_NUMBERS),
    "200 balance true": Fault(body={"balance": True}),
    "200 huge body": Fault(body=b" " * (2 * MAX_BODY) + b"{}"),
    "trickle": Fault(trickle=TRICKLE),
    "dropped before": Fault(drop="before"),
    "dropped after storing": Fault(drop="after"),
}
# 2xx answers whose body cannot be used: after a write they still mean "done".
UNREADABLE_2XX = {name for name, fault in FAULTS.items()
                  if fault.status is None and not fault.drop and not fault.trickle}


def server_did_write(name: str) -> bool:
    """Whether a write under this fault reached the API and took effect."""
    return FAULTS[name].reaches_api


def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every client made in this test (CLI ones included) gives up quickly and reads little."""
    defaults = dict(client_module.OpenRushClient.__init__.__kwdefaults__ or {})
    wanted = {"read_timeout": READ_TIMEOUT, "deadline": DEADLINE, "max_body": MAX_BODY,
              "connect_timeout": 1.0}
    defaults.update({k: v for k, v in wanted.items() if k in defaults})
    monkeypatch.setattr(client_module.OpenRushClient.__init__, "__kwdefaults__", defaults)
    # The timeouts' one home, which the clients the commands build read as they are made.
    monkeypatch.setattr(timeouts_module, "DEFAULT",
                        timeouts_module.Timeouts(1.0, READ_TIMEOUT, DEADLINE))


class _WaitsAsked:
    """The client module's `asyncio`, with `sleep` noting each wait asked before taking it."""

    def __init__(self, waits: list[float]) -> None:
        self.waits = waits

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float) -> None:
        self.waits.append(delay)
        await asyncio.sleep(delay)


def record_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds every client's retries ask to sleep (a Retry-After, a back-off), in order,
    as the list returned: what a command chose to wait, read without timing it."""
    waits: list[float] = []
    monkeypatch.setattr(client_module, "asyncio", _WaitsAsked(waits))
    return waits


def short_settings(api_url: str) -> Settings:
    """Settings for the dashboard with the matrix's short timeouts (fields this version has)."""
    wanted: dict[str, Any] = {"api_url": api_url, "fixed_now": FIXED_NOW, "connect_timeout": 1.0,
              "read_timeout": READ_TIMEOUT, "deadline": DEADLINE}
    names = {f.name for f in dataclasses.fields(Settings)}
    return Settings(**{k: v for k, v in wanted.items() if k in names})


@dataclasses.dataclass
class Matrix:
    """Outcomes by (surface, fault): "ok" or what went wrong."""

    name: str
    outcomes: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)

    def record(self, surface: str, fault: str, problems: list[str]) -> None:
        self.outcomes.setdefault(surface, {})[fault] = "; ".join(problems) or "ok"

    def failures(self) -> list[str]:
        return [f"{surface} × {fault}: {outcome}"
                for surface, row in self.outcomes.items()
                for fault, outcome in row.items() if outcome != "ok"]

    def save(self) -> None:
        folder = os.environ.get("FAULT_MATRIX_OUT")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            Path(folder, f"{self.name}.json").write_text(json.dumps(self.outcomes, indent=1))

    def check(self) -> None:
        self.save()
        failures = self.failures()
        assert not failures, "\n".join(failures)


def contradictions(text: str, *, write: str | None, fault: str,
                   did_write: bool | None = None) -> list[str]:
    """Sentences in `text` that contradict what the server did (`did_write`: by default what
    `fault`, a name of FAULTS, does), or absurd waits."""
    problems = []
    for wait in re.findall(r"[Ww]ait (\d+) seconds", text):
        if int(wait) > 86_400:
            problems.append(f"absurd wait ({wait} s)")
    if did_write is None:
        did_write = fault in FAULTS and server_did_write(fault)
    if write is not None and did_write:
        denial = {"create": r"Nothing was created|was not created|probably not created|"
                            r"No new key was created",
                  "revoke": r"was not revoked|Not revoked|Nothing was revoked"}[write]
        found = re.search(denial, text)
        if found:
            problems.append(f"false message “{found.group()}”")
    if "Traceback" in text or "Unexpected " in text:
        problems.append("traceback: " + _first_error(text))
    return problems


def _first_error(text: str) -> str:
    found = re.search(r"(\w+(?:Error|Exception))", text)
    return found.group(1) if found else "unknown"


def fault_names() -> Iterator[str]:
    return iter(FAULTS)


@dataclasses.dataclass
class FaultySandbox:
    server: FaultServer
    sandbox: Any  # openrush_tui.sandbox.app.Sandbox
    key: str  # an or_ key of the demo account

    def new_key(self, name: str) -> str:
        """A key made directly in the sandbox (not through the front); its id."""
        _raw, item = self.sandbox.create_key(self.sandbox.demo_account_id, name, None)
        return str(item["id"])

    def names(self) -> list[str]:
        """The demo account's key names, as the sandbox has them (the ground truth)."""
        answer = self.server._api.get(
            "/v1/me/api-credentials", headers={"Authorization": f"Bearer {self.key}"})
        return [item["name"] for item in answer.json()["api_credentials"]]


@contextlib.contextmanager
def faulty_sandbox(folder: Path) -> Iterator[FaultySandbox]:
    """A seeded sandbox (fixed clock, roomy rate limits) behind a `FaultServer`."""
    from openrush_tui.sandbox.app import create_sandbox
    from openrush_tui.sandbox.options import RateLimits, SandboxOptions

    sandbox = create_sandbox(SandboxOptions(db_path=folder / "sandbox.sqlite3", now=FIXED_NOW,
                                            key_seed=11,
                                            rate_limits=RateLimits(10**6, 10**7, 10**8)))
    try:
        key = sandbox.mint_bootstrap_key()
        with FaultServer(sandbox.app) as server:
            yield FaultySandbox(server, sandbox, key)
    finally:
        sandbox.close()


def dashboard(api_url: str, key: str, page: str) -> Any:
    """The dashboard on `api_url` with the matrix's short timeouts, signed in as with
    OPENRUSH_KEY."""
    from openrush_tui.auth.credentials import StoredKey
    from openrush_tui.auth.secret import Secret
    from openrush_tui.session import Session
    from openrush_tui.tui import OpenRushApp
    from tests.support.apps import HourlyClock

    settings = short_settings(api_url)
    session = Session(settings, StoredKey(Secret(key), "environment"), monotonic=HourlyClock())
    return OpenRushApp(settings, session, clock=fixed_clock(FIXED_NOW), first_page=page)


async def settled(pilot: Any, limit: float = PATIENCE) -> bool:
    """Whether every worker finished within `limit` seconds (False: something hangs)."""
    from tests.support.apps import settle

    try:
        await settle(pilot, limit)
    except TimeoutError:
        return False
    return True


def failed_workers(app: Any) -> list[str]:
    from textual.worker import WorkerState

    return [f"{type(w.error).__name__} in {w.name}" for w in app.workers
            if w.state == WorkerState.ERROR and w.error is not None]
