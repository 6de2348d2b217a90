"""The decode boundary (issue 18, guard 3): dates and numbers from the server, the settings
file and the command line are checked where they enter, and what passes can be computed with.

Each defect replayed here failed before its fix: the client sent an expiry it could not read
back, a `--since`/`--expires-in` overflowed, the settings file's ``1e400`` came back as
``Infinity``. The properties below draw values across the whole calendar (years 1 and 9999
included) and every count the models accept, and run the business rules on them.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from openrush_tui.api.models import parse_credentials
from openrush_tui.cli import main
from openrush_tui.clock import LATEST_EXPIRY
from openrush_tui.keys.rules import expiry_from_choice, expiry_in, parse_expiry_date
from openrush_tui.prefs.settings import SettingsFile, UserSettings
from openrush_tui.sandbox import Sandbox
from tests.support.apps import FIXED_NOW
from tests.support.lifecycle import fixed_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = fixed_sandbox(tmp_path_factory.mktemp("boundary") / "sandbox.sqlite3")
    yield box
    box.close()


def create(sandbox: Sandbox, expires_at: str) -> httpx.Response:
    """POST a new key straight to the sandbox (in-process), as any client could."""
    body = {"name": f"expires {expires_at}", "expires_at": expires_at}
    return _send(sandbox, "POST", body)


def _send(sandbox: Sandbox, method: str, body: dict[str, object] | None = None
          ) -> httpx.Response:
    key = sandbox.mint_bootstrap_key()

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app),
                                     base_url="http://127.0.0.1") as client:
            return await client.request(method, "/v1/me/api-credentials", json=body,
                                        headers={"Authorization": f"Bearer {key}"})

    return asyncio.run(send())


def _list(sandbox: Sandbox) -> list[dict[str, object]]:
    answer = _send(sandbox, "GET")
    assert answer.status_code == 200, answer.text
    return answer.json()["api_credentials"]


# -- the latest expiry: never sent, never accepted ----------------------------------------------


@pytest.mark.parametrize("expires_at", ["9999-12-31T00:00:00Z", "9999-12-31T23:59:59-01:00",
                                        "9999-01-01T00:00:00Z"])
def test_the_sandbox_refuses_an_expiry_after_the_latest_the_client_reads(
        sandbox: Sandbox, expires_at: str) -> None:
    answer = create(sandbox, expires_at)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["body", "expires_at"]
    assert "9998-12-31" in problem["msg"]
    parse_credentials(_list(sandbox))  # and the list stays readable


def test_the_sandbox_says_an_expiry_in_year_1_is_past_without_failing(sandbox: Sandbox) -> None:
    answer = create(sandbox, "0001-01-01T00:00:00+01:00")  # no UTC spelling exists
    assert answer.status_code == 422, answer.text
    assert "must be in the future" in answer.json()["detail"][0]["msg"]


def test_the_latest_expiry_is_accepted_and_read_back(sandbox: Sandbox) -> None:
    answer = create(sandbox, "9998-12-31T23:59:59Z")
    assert answer.status_code == 201, answer.text
    keys = parse_credentials(_list(sandbox))
    assert LATEST_EXPIRY in {key.expires_at for key in keys}


def run_main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """The command line in-process; these commands stop before any request."""
    monkeypatch.setenv("OPENRUSH_API_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("OPENRUSH_KEY", "or_" + "k" * 40)
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, err.getvalue()


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize(("flags", "words"), [
    (["--expires-at", "9999-12-31"], "--expires-at: The expiry date can be 9998-12-31 at the "
                                     "latest"),
    (["--expires-at", "9999-12-31T23:59:59-01:00"], "can be 9998-12-31 at the latest"),
    (["--expires-in", "99999y"], "--expires-in: The expiry date can be 9998-12-31 at the "
                                 "latest"),
])
def test_keys_create_refuses_an_expiry_it_could_not_read_back(
        flags: list[str], words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = run_main(["keys", "create", "far future", *flags], monkeypatch)
    assert code == 2, err
    assert words in err and "Traceback" not in err


def test_the_new_key_dialogs_check_refuses_it_too() -> None:
    with pytest.raises(ValueError, match="9998-12-31 at the latest"):
        expiry_from_choice("date", FIXED_NOW, "9999-12-31")
    assert expiry_from_choice("date", FIXED_NOW, "9998-12-31") == \
        datetime(9998, 12, 31, tzinfo=UTC)
    near_the_end = LATEST_EXPIRY - timedelta(days=3)
    with pytest.raises(ValueError, match="at the latest"):
        expiry_from_choice("1y", near_the_end)
    with pytest.raises(ValueError, match="in the future"):
        parse_expiry_date("0001-01-01T00:00:00+01:00", FIXED_NOW)
    assert expiry_in("1h", FIXED_NOW) == FIXED_NOW + timedelta(hours=1)


# -- the command line's other dates --------------------------------------------------------------


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize("since", ["99999999d", "9" * 30 + "w", "0001-01-01T00:00:00+01:00"])
def test_activity_since_far_back_is_a_usage_error_or_the_start_never_a_traceback(
        since: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from openrush_tui.activity.filters import parse_since
    from openrush_tui.clock import EARLIEST

    try:
        start = parse_since(since, FIXED_NOW)
    except ValueError:
        return
    assert start == EARLIEST


# -- the settings file ----------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize("spelling", ["1e400", "-1e400", "NaN", "Infinity",
                                      "1" + "0" * 45])
def test_a_number_out_of_range_in_the_settings_never_comes_back_as_invalid_json(
        spelling: str, tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"
    path.parent.mkdir(parents=True, mode=0o700)
    text = f'{{"version": 1, "theme": "nord", "low_balance_days": {spelling}}}\n'
    path.write_text(text)
    path.chmod(0o600)
    file = SettingsFile(path)
    loaded = file.load()
    assert loaded.settings == UserSettings()  # nothing of it is used...
    assert loaded.note is not None and "out of range" in loaded.note
    assert not loaded.writable  # ...and nothing is written over it
    with pytest.raises(Exception, match="out of range"):
        file.save(UserSettings(theme="dracula"), ("theme",))  # a save anyway is refused
    assert path.read_text() == text  # the hand-edited file is as it was
