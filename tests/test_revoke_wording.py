"""What the revoke confirmation says a revoke does (issue 20): "stops working at once" only of
keys still active; of keys already expired (or revoked), that nothing using them works anyway.
The page's dialog and `keys revoke`'s question share the words (`keys.revoke.consequence`)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Static

from openrush_tui.api.models import ApiCredential, CredentialStatus
from openrush_tui.auth.credentials import Lookup
from openrush_tui.commands.common import Target
from openrush_tui.commands.keys import confirm_revoke
from openrush_tui.config import Settings
from openrush_tui.keys.revoke import consequence
from openrush_tui.screens.api_access.revoke import REVOKE_DIALOG
from tests.support.apps import TERMINAL, sandbox_app, settle, text_of
from tests.support.keys import select


@pytest.mark.parametrize(("statuses", "words"), [
    (["active"], "Anything using this key stops working at once. This cannot be undone."),
    (["active", "active"],
     "Anything using these keys stops working at once. This cannot be undone."),
    (["expired"], "This key is already expired: nothing using it works anyway. "
                  "This cannot be undone."),
    (["expired", "expired"], "These keys are already expired: nothing using them works "
                             "anyway. This cannot be undone."),
    (["revoked", "expired"], "These keys are already expired or revoked: nothing using them "
                             "works anyway. This cannot be undone."),
    (["active", "expired"], "Anything using the active key stops working at once; the other "
                            "is already expired, so nothing using it works anyway. This "
                            "cannot be undone."),
    (["active", "active", "expired", "expired"],
     "Anything using the 2 active keys stops working at once; the other 2 are already "
     "expired, so nothing using them works anyway. This cannot be undone."),
])
def test_only_active_keys_stop_working_at_once(statuses: list[CredentialStatus],
                                               words: str) -> None:
    assert consequence(statuses) == words


async def test_the_dialog_says_an_expired_key_works_nowhere_already(tmp_path: Path) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3")
    async with app.run_test(size=TERMINAL) as pilot:
        await settle(pilot)
        await select(pilot, "Contractor (temporary)")  # the sandbox's expired key
        await pilot.press("d")
        await pilot.pause()
        assert app.screen.id == REVOKE_DIALOG
        text = text_of(app.screen.query_one("#consequence", Static))
        assert "stops working at once" not in text
        assert "already expired: nothing using it works anyway" in text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("space")  # marked, with an active one
        await select(pilot, "Staging")
        await pilot.press("space")
        await pilot.press("d")
        await pilot.pause()
        text = text_of(app.screen.query_one("#consequence", Static))
        assert "Anything using the active key stops working at once; the other is already " \
               "expired" in text


def test_keys_revoke_asks_without_stops_working_of_expired_keys(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    past = datetime.now(UTC) - timedelta(days=3)
    keys = [ApiCredential(id=f"cred_{n}", name=f"old {n}", prefix=f"or_abc12{n}",
                          created_at=past - timedelta(days=30), expires_at=past)
            for n in range(2)]
    not_signed_in = Target(Settings(api_url="http://127.0.0.1"), Lookup(None))
    assert confirm_revoke(keys, None, not_signed_in) is False  # answered no
    said = capsys.readouterr().err
    assert "stops working at once" not in said
    assert "These keys are already expired: nothing using them works anyway." in said
