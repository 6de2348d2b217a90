"""The rules behind the keys page and `keys create`, without a screen: names, expiry, the view,
the table's columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openrush_tui.api.models import ApiCredential
from openrush_tui.keys.columns import GAP, MIN_NAME_WIDTH, cell_text, column_at, fit_columns
from openrush_tui.keys.rules import (
    expiry_from_choice,
    name_problem,
    parse_duration,
    parse_expiry_date,
    signed_in_with,
)
from openrush_tui.keys.view import KeyRow, KeyView

NOW = datetime(2026, 6, 26, 12, tzinfo=UTC)


@pytest.mark.parametrize(("name", "problem"), [
    ("Production", None),
    ("  padded  ", None),
    ("x" * 120, None),
    ("[bold red]boom[/]", None),
    ("", "required"),
    ("   ", "required"),
    ("x" * 121, "121 characters"),
    ("tab\there", "a tab"),
    ("new\nline", "a line break"),
    ("esc\x1b[31m", "an escape"),
    ("bell\x07", "U+0007"),
])
def test_name_rules_match_the_server(name: str, problem: str | None) -> None:
    said = name_problem(name)
    if problem is None:
        assert said is None
    else:
        assert said is not None and problem in said


def test_durations_and_dates() -> None:
    assert parse_duration("30d") == timedelta(days=30)
    assert parse_duration(" 12H ") == timedelta(hours=12)
    assert parse_duration("2w") == timedelta(weeks=2)
    assert parse_duration("1y") == timedelta(days=365)
    for bad in ("30", "d", "3 months", "-1d"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)
    with pytest.raises(ValueError, match="would expire at once: give at least 1h"):
        parse_duration("0d")
    assert parse_expiry_date("2026-12-31", NOW) == datetime(2026, 12, 31, tzinfo=UTC)
    assert parse_expiry_date("2026-07-01T08:30:00Z", NOW) == datetime(2026, 7, 1, 8, 30,
                                                                       tzinfo=UTC)
    with pytest.raises(ValueError, match=r"future \(a date alone means its first moment"):
        parse_expiry_date("2026-06-26", NOW)  # today: midnight has passed
    with pytest.raises(ValueError, match="not a date"):
        parse_expiry_date("31/12/2026", NOW)
    assert expiry_from_choice("never", NOW) is None
    assert expiry_from_choice("7d", NOW) == NOW + timedelta(days=7)
    assert expiry_from_choice("1y", NOW) == NOW + timedelta(days=365)
    assert expiry_from_choice("date", NOW, "2027-01-01") == datetime(2027, 1, 1, tzinfo=UTC)


def test_the_signed_in_key_is_recognised_by_its_prefix_only() -> None:
    raw = "or_abc123" + "z" * 34
    assert signed_in_with("or_abc123", raw)
    assert signed_in_with("or_abc123...", raw)
    assert not signed_in_with("or_abc124", raw)
    assert not signed_in_with("or_", raw)  # too short to mean anything
    assert not signed_in_with("or_abc123", None)
    assert not signed_in_with("eyJhbG", "eyJhbGciOi.session.token")


def key(index: int, name: str, *, active: bool = True, expires_days: float | None = None,
        used_days: float | None = None) -> ApiCredential:
    return ApiCredential(
        id=f"cred_{index:04d}", name=name, prefix=f"or_{index:06d}", is_active=active,
        created_at=NOW - timedelta(days=index),
        last_used_at=None if used_days is None else NOW - timedelta(days=used_days),
        expires_at=None if expires_days is None else NOW + timedelta(days=expires_days))


def sample() -> list[ApiCredential]:
    return [key(1, "beta"), key(2, "Alpha", used_days=1), key(3, "gamma", active=False),
            key(4, "delta", expires_days=-1, used_days=3), key(5, "alpha two", expires_days=5)]


def names(view: KeyView) -> list[str]:
    return [row.key.name for row in view.shown]


def test_view_sorts_newest_first_then_by_any_column() -> None:
    view = KeyView()
    view.load(list(reversed(sample())), NOW)
    assert names(view) == ["beta", "Alpha", "gamma", "delta", "alpha two"]
    view.sort_by("name")
    assert names(view) == ["Alpha", "alpha two", "beta", "delta", "gamma"]
    view.sort_by("name", descending=True)
    assert names(view)[0] == "gamma"
    view.sort_by("status")
    assert [row.status for row in view.shown] == ["active"] * 3 + ["expired", "revoked"]
    view.sort_by("last_used")
    assert names(view)[:2] == ["Alpha", "delta"]  # never-used keys after every used one
    view.sort_by("expires")
    assert names(view)[:2] == ["delta", "alpha two"]  # soonest first, "never" last


def test_view_filters_on_name_and_prefix_and_hides_inactive() -> None:
    view = KeyView()
    view.load(sample(), NOW)
    view.set_filter("ALPHA")
    assert names(view) == ["Alpha", "alpha two"]
    view.set_filter("or_000003")
    assert names(view) == ["gamma"]
    view.set_filter("")
    view.set_hide_inactive(True)
    assert names(view) == ["beta", "Alpha", "alpha two"]
    assert (view.total, view.active) == (5, 3)


def test_view_marks_one_key_revoked() -> None:
    view = KeyView()
    keys = [*sample(), key(0, "beta")]
    view.load(keys, NOW)
    view.mark_revoked("cred_0001", NOW)
    row = view.row("cred_0001")
    assert row is not None and row.status == "revoked"


def test_view_makes_server_strings_visible() -> None:
    view = KeyView()
    view.load([key(1, "evil\x1b[31m\nname")], NOW)
    assert view.shown[0].name == "evil\\e[31m\\nname"


def test_columns_fill_the_width_and_drop_the_least_needed_first() -> None:
    everything = ["name", "prefix", "status", "created", "last_used", "expires"]
    wide = fit_columns(120)
    assert [column for column, _ in wide] == everything
    assert sum(width + GAP for _, width in wide) == 120  # the name takes what is left
    assert fit_columns(89)[0] == ("name", MIN_NAME_WIDTH)  # the narrowest that keeps all
    assert [column for column, _ in fit_columns(88)] == [
        "name", "prefix", "status", "last_used", "expires"]  # "created" goes first
    assert sum(width + GAP for _, width in fit_columns(88)) == 88
    assert fit_columns(10) == [("name", MIN_NAME_WIDTH), ("status", 8)]  # never less


def test_a_click_lands_on_the_column_or_the_gap_after_it() -> None:
    layout = fit_columns(120)  # name 47, prefix 11, status 8, created, last used, expires 14
    assert column_at(layout, 0) == "name"
    assert column_at(layout, 47 + GAP - 1) == "name"
    assert column_at(layout, 47 + GAP) == "prefix"
    assert column_at(layout, 119) == "expires"
    assert column_at(layout, 120) is None
    assert column_at(layout, -1) is None


def test_cells_say_what_the_list_shows_with_their_kind_of_style() -> None:
    never = KeyRow.of(key(1, "beta"), NOW)
    assert cell_text(never, "name", NOW) == ("beta", "text")
    assert cell_text(never, "prefix", NOW) == ("or_000001…", "text")
    assert cell_text(never, "last_used", NOW) == ("never", "dim")
    assert cell_text(never, "expires", NOW) == ("never", "dim")
    assert cell_text(never, "created", NOW) == ("1 day ago", "text")
    old = KeyRow.of(key(4, "delta", expires_days=-1, used_days=3), NOW)
    assert cell_text(old, "status", NOW) == ("expired", "expired")
    assert cell_text(old, "last_used", NOW) == ("3 days ago", "text")
    assert cell_text(old, "expires", NOW) == ("1 day ago", "text")


def test_prefixes_are_ordered_a_to_z_whatever_their_case() -> None:
    # The re-trial: "A to Z" listed or_0…, or_3…, or_B…, or_X…, then or_s…, or_v….
    keys = [key(index, f"k{index}").model_copy(update={"prefix": prefix})
            for index, prefix in enumerate(["or_s", "or_B", "or_0", "or_v", "or_X"], 1)]
    view = KeyView()
    view.load(keys, NOW)
    view.sort_by("prefix")
    assert [row.key.prefix for row in view.shown] == ["or_0", "or_B", "or_s", "or_v", "or_X"]
