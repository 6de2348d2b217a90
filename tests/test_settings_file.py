"""The settings file (`prefs.settings`): defaults, a round trip, and every way a file can be
wrong (corrupt, wrongly typed, out of range, in a symlinked directory) gives a note and the
defaults, never an exception, and never a write over what the user may want to fix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.activity.filters import PERIODS
from openrush_tui.activity.runway import LOW_RUNWAY_DAYS
from openrush_tui.prefs.settings import (
    CHECKS,
    LOW_BALANCE_DAYS,
    SettingsFile,
    UserSettings,
    parse,
    settings_path,
    updated,
)
from openrush_tui.prefs.settings import PERIODS as SETTINGS_PERIODS


def test_a_missing_file_gives_the_defaults_and_no_note(tmp_path: Path) -> None:
    loaded = SettingsFile(tmp_path / "config" / "settings.json").load()
    assert loaded.settings == UserSettings()
    assert loaded.note is None and loaded.writable


def test_it_lives_in_the_config_directory(isolated_home: Path) -> None:
    assert settings_path() == isolated_home / ".config" / "openrush-tui" / "settings.json"


def test_what_is_saved_is_loaded_again_in_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"
    chosen = UserSettings(theme="nord", last_page="activity", activity_period_days=30,
                          activity_live=False, keys_hide_inactive=True, low_balance_days=5)
    SettingsFile(path).save(chosen)
    assert SettingsFile(path).load().settings == chosen
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["version"] == 1


def test_a_save_changes_only_the_fields_named_and_keeps_unknown_ones(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "nord", "from_a_newer_version": [1, 2],
                                "activity_live": "yes"}))
    path.chmod(0o600)
    SettingsFile(path).save(UserSettings(keys_hide_inactive=True), ("keys_hide_inactive",))
    data = json.loads(path.read_text())
    assert data["from_a_newer_version"] == [1, 2] and data["theme"] == "nord"
    assert data["keys_hide_inactive"] is True
    assert data["activity_live"] == "yes"  # not touched: the user may mean to fix it


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "null", '"text"', "{" * 100_000])
def test_a_corrupt_file_is_a_note_and_is_never_written_over(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text)
    loaded = SettingsFile(path).load()
    assert loaded.settings == UserSettings()
    assert loaded.note is not None and "settings.json" in loaded.note
    assert f"rm {path}" in loaded.note
    assert not loaded.writable


def test_wrongly_typed_fields_take_their_defaults_and_are_named(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({
        "theme": 7, "last_page": "billing", "activity_period_days": 14,
        "activity_live": 1, "keys_hide_inactive": True, "low_balance_days": -1,
    }))
    loaded = SettingsFile(path).load()
    assert loaded.settings == UserSettings(keys_hide_inactive=True)
    assert loaded.writable
    for name in ("theme", "last_page", "activity_period_days", "activity_live",
                 "low_balance_days"):
        assert f"“{name}”" in (loaded.note or "")
    assert "keys_hide_inactive" not in (loaded.note or "")


def test_a_file_others_can_read_is_used_since_it_holds_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "nord"}))
    path.chmod(0o644)
    assert SettingsFile(path).load().settings.theme == "nord"
    SettingsFile(path).save(UserSettings(theme="dracula"), ("theme",))
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_symlinked_config_directory_is_a_note_not_followed(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    (real / "settings.json").write_text(json.dumps({"theme": "nord"}))
    link = tmp_path / "config"
    os.symlink(real, link)
    loaded = SettingsFile(link / "settings.json").load()
    assert loaded.settings == UserSettings() and not loaded.writable
    assert "symbolic link" in (loaded.note or "")


def test_updated_refuses_a_value_the_file_could_not_hold() -> None:
    with pytest.raises(ValueError, match="activity_period_days"):
        updated(UserSettings(), activity_period_days=9)
    with pytest.raises(ValueError, match="password"):
        updated(UserSettings(), password="or_secret")  # no field for secrets exists
    assert updated(UserSettings(), theme=None).theme is None


def test_the_file_has_room_for_the_low_balance_threshold_and_agrees_with_the_runway() -> None:
    assert LOW_BALANCE_DAYS == LOW_RUNWAY_DAYS
    assert UserSettings().low_balance_days == LOW_RUNWAY_DAYS
    assert SETTINGS_PERIODS == PERIODS


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10),
                                                                        children, max_size=4),
    max_leaves=10)


@given(st.dictionaries(st.sampled_from([*CHECKS, "other"]), json_values, max_size=8))
def test_any_json_object_gives_usable_settings(data: dict[str, object]) -> None:
    settings, unusable = parse(data)
    assert settings.activity_period_days in PERIODS
    assert isinstance(settings.activity_live, bool)
    assert settings.last_page in (None, "setup", "api-access", "activity")
    assert 0 <= settings.low_balance_days <= 365
    assert set(unusable) <= set(CHECKS)
    assert json.loads(json.dumps(settings.to_json()))  # always writable back
