"""`sandbox serve --extra-keys FILE`: keys of chosen ages, added once, served as usual."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from openrush_tui.clock import format_instant
from openrush_tui.sandbox import SandboxOptions, create_sandbox
from openrush_tui.sandbox.extra_keys import load_extra_keys
from openrush_tui.sandbox.options import ExtraKey
from tests.support.apps import FIXED_NOW

PLANTED = "or_PlantedKey0123456789abcdefghijABCDEFGHIJ"


def test_keys_get_their_ages_and_a_planted_key_works(tmp_path: Path) -> None:
    extra = (ExtraKey("Legacy", created_days_ago=200, last_used_days_ago=45),
             ExtraKey("Gone", created_days_ago=3, revoked=True),
             ExtraKey("Planted", key=PLANTED, expires_in_days=-2))
    options = SandboxOptions(db_path=tmp_path / "s.sqlite3", now=FIXED_NOW, key_seed=7,
                             extra_keys=extra)
    for _ in range(2):  # a restart on the same database adds nothing twice
        sandbox = create_sandbox(options)
        try:
            listed = sandbox.store.credentials(sandbox.demo_account_id)
        finally:
            sandbox.close()
        assert [item["name"] for item in listed].count("Legacy") == 1
        items = {item["name"]: item for item in listed}
        legacy = items["Legacy"]
        assert legacy["created_at"] == format_instant(FIXED_NOW - timedelta(days=200))
        assert legacy["last_used_at"] == format_instant(FIXED_NOW - timedelta(days=45))
        assert legacy["expires_at"] is None and legacy["is_active"] is True
        assert items["Gone"]["is_active"] is False
        assert items["Planted"]["prefix"] == PLANTED[:9]
        assert items["Planted"]["expires_at"] == format_instant(FIXED_NOW - timedelta(days=2))


def test_the_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps([{"name": "A", "created_days_ago": 3, "key": PLANTED}]))
    assert load_extra_keys(path) == (ExtraKey("A", created_days_ago=3, key=PLANTED),)
    for bad, problem in [({"name": "A", "colour": 1}, "unknown fields"),
                         ({"created_days_ago": 1}, "name"),
                         ({"name": "A", "created_days_ago": "3"}, "number of days"),
                         ({"name": "A", "key": "sk_live"}, "or_")]:
        path.write_text(json.dumps([bad]))
        with pytest.raises(ValueError, match=problem):
            load_extra_keys(path)
    path.write_text("{")
    with pytest.raises(ValueError, match="cannot read"):
        load_extra_keys(path)
