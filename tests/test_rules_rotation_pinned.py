"""The rotation's rules pinned (`keys/rotate.py`, its pure parts): the replacement's name at
the 120-character limit and on repeated rotations, its lifetime (never under an hour), the
words for it, when the old key counts as idle, and how often it is looked at, at each edge of
the shared rate limit. Found by bench/mutation.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.models import ApiCredential, RateLimitInfo
from openrush_tui.clock import LATEST_EXPIRY
from openrush_tui.keys.rotate import (
    IdleWatch,
    Rotation,
    lifetime_words,
    poll_every,
    replacement_expiry,
    replacement_name,
)

NOW = datetime(2026, 12, 2, 14, 5, 9, tzinfo=UTC)
CREATED = datetime(2026, 6, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def old_key(lifetime: timedelta | None, name: str = "Production") -> ApiCredential:
    return ApiCredential(id="cred_old", name=name, prefix="or_abc123", created_at=CREATED,
                         expires_at=None if lifetime is None else CREATED + lifetime)


# -- the name ---------------------------------------------------------------------------------


def test_a_long_name_is_cut_to_fit_and_loses_a_space_left_at_the_cut() -> None:
    name = "x" * 108 + " yyyyyyyy"  # the cut (109 characters) ends on the space
    assert replacement_name(name, NOW) == "x" * 108 + " 2026-12-02"
    assert len(replacement_name("x" * 120, NOW)) == 120
    assert replacement_name("x" * 120, NOW) == "x" * 109 + " 2026-12-02"


def test_a_rotated_name_drops_its_old_date_and_time() -> None:
    for old in ("Prod 2026-06-26", "Prod 2026-06-26 10:00", "Prod  2026-06-26 10:00:05"):
        assert replacement_name(old, NOW) == "Prod 2026-12-02"
    # Only a date at the end is a rotation's: one inside the name is part of it.
    assert replacement_name("2026-06-26 backup", NOW) == "2026-06-26 backup 2026-12-02"


def test_a_name_taken_at_every_precision_still_gets_one() -> None:
    taken = ["Prod 2026-12-02", "Prod 2026-12-02 14:05"]
    assert replacement_name("Prod", NOW, taken) == "Prod 2026-12-02 14:05:09"
    assert replacement_name("Prod", NOW, [*taken, "Prod 2026-12-02 14:05:09"]) == \
        "Prod 2026-12-02 14:05:09"  # the server will say so; nothing finer to add


def test_the_old_keys_own_name_counts_as_taken_even_padded() -> None:
    assert replacement_name("  Prod 2026-12-02 ", NOW) == "Prod 2026-12-02 14:05"


# -- the lifetime -----------------------------------------------------------------------------


@pytest.mark.parametrize(("lifetime", "replacement"), [
    # 30 days from 14:05:09, at the old key's midnight: the one nearest to them (9:55 later).
    (timedelta(days=30), datetime(2027, 1, 2, tzinfo=UTC)),
    # ... and when the nearest one is before them (4:05 earlier rather than 19:55 later).
    (timedelta(days=30, hours=10), datetime(2027, 1, 1, 10, tzinfo=UTC)),
    # A day is a lifetime of days: at the old key's midnight nearest to a day from now.
    (timedelta(days=1), datetime(2026, 12, 4, tzinfo=UTC)),
    (timedelta(hours=2), NOW.replace(hour=16, minute=6, second=0)),  # the next whole minute
    (timedelta(hours=1), NOW.replace(hour=15, minute=6, second=0)),
    (timedelta(minutes=30), NOW.replace(hour=15, minute=6, second=0)),  # never under an hour
    (timedelta(0), NOW.replace(hour=15, minute=6, second=0)),
    (-timedelta(days=3), NOW.replace(hour=15, minute=6, second=0)),  # expired when made
])
def test_the_replacement_lives_as_long_as_the_old_key_and_at_least_an_hour(
        lifetime: timedelta, replacement: datetime) -> None:
    assert replacement_expiry(old_key(lifetime), NOW) == replacement


def test_the_replacement_ends_at_the_old_keys_time_of_day_to_the_minute() -> None:
    # Made at 09:58:45 to stop at midnight: the exact lifetime from 10:00:00 ended 00:01:15.
    made = datetime(2026, 6, 1, 9, 58, 45, tzinfo=UTC)
    old = ApiCredential(id="cred_old", name="n", prefix="or_abc123", created_at=made,
                        expires_at=datetime(2026, 7, 1, tzinfo=UTC))
    ten = datetime(2026, 6, 20, 10, 0, tzinfo=UTC)
    # 30 days from 10:00 is 10:00: the midnight before (10 hours) is nearer than the one after.
    assert replacement_expiry(old, ten) == datetime(2026, 7, 20, tzinfo=UTC)
    # Its time of day itself, once the days have passed, is not put off by a day.
    assert replacement_expiry(old, ten.replace(hour=0)) == datetime(2026, 7, 20, tzinfo=UTC)
    # Exactly 12 hours either way: the later one (never short of the days said by a tie).
    assert replacement_expiry(old, ten.replace(hour=12)) == datetime(2026, 7, 21, tzinfo=UTC)
    at_noon = old.model_copy(update={"expires_at": datetime(2026, 7, 1, 12, 30, 59,
                                                            tzinfo=UTC)})
    assert replacement_expiry(at_noon, ten) == datetime(2026, 7, 20, 12, 30, tzinfo=UTC)
    # The nearest on the day before: 31 days from 01:00 end at 23:30 the evening before.
    late = old.model_copy(update={"expires_at": datetime(2026, 7, 1, 23, 30, tzinfo=UTC)})
    assert replacement_expiry(late, ten.replace(hour=1)) == \
        datetime(2026, 7, 20, 23, 30, tzinfo=UTC)
    # A day and a half is said, and kept, as two days: at noon, 2 days less 2:05:09.
    days_and_a_half = old_key(timedelta(days=1, hours=12))
    assert replacement_expiry(days_and_a_half, NOW) == datetime(2026, 12, 4, 12, tzinfo=UTC)
    # On a whole minute already: kept.
    assert replacement_expiry(old_key(timedelta(hours=3)), NOW.replace(second=0)) == \
        NOW.replace(hour=17, second=0)


def test_a_lifetime_of_hours_never_ends_after_the_latest_expiry() -> None:
    now = LATEST_EXPIRY - timedelta(minutes=30)
    assert replacement_expiry(old_key(timedelta(hours=2)), now) == LATEST_EXPIRY


def test_the_replacement_lives_as_many_days_as_the_plan_says_not_one_more() -> None:
    # The trial: a 35-day key (12:44 to 12:44) rotated at 12:46:50 got 2027-01-12 12:44, ~36
    # days, while the plan said "expires after 35 days, like the old key".
    old = ApiCredential(id="cred_old", name="n", prefix="or_abc123",
                        created_at=datetime(2026, 11, 7, 12, 44, tzinfo=UTC),
                        expires_at=datetime(2026, 12, 12, 12, 44, tzinfo=UTC))
    now = datetime(2026, 12, 7, 12, 46, 50, tzinfo=UTC)
    assert replacement_expiry(old, now) == datetime(2027, 1, 11, 12, 44, tzinfo=UTC)
    assert lifetime_words(old) == "expires after 35 days, like the old key"
    ninety_four = old.model_copy(update={"expires_at": datetime(2027, 2, 9, 12, 44,
                                                                tzinfo=UTC)})
    assert lifetime_words(ninety_four) == "expires after 94 days, like the old key"
    assert replacement_expiry(ninety_four, now) == datetime(2027, 3, 11, 12, 44, tzinfo=UTC)


@pytest.mark.parametrize(("lifetime", "words"), [
    (None, "never expires, like the old key"),
    (timedelta(days=30), "expires after 30 days, like the old key"),
    (timedelta(days=1), "expires after 1 day, like the old key"),
    # Under a day, in the hours the replacement is given (it was "1 day" for an 8-hour key).
    (timedelta(hours=6), "expires after 6 hours, like the old key"),
    (timedelta(hours=8, minutes=7), "expires after 8 hours, like the old key"),
    (timedelta(hours=1), "expires after 1 hour, like the old key"),
    (timedelta(minutes=20), "expires after 1 hour, like the old key"),  # never under an hour
    (timedelta(hours=23, minutes=40), "expires after 24 hours, like the old key"),
    (timedelta(days=1, hours=13), "expires after 2 days, like the old key"),
    (timedelta(days=1500), "expires after 1,500 days, like the old key"),
])
def test_the_lifetime_in_words(lifetime: timedelta | None, words: str) -> None:
    old = old_key(lifetime)
    assert lifetime_words(old) == words
    assert lifetime_words(old, replacement_expiry(old, NOW), NOW) == words


def test_a_lifetime_ending_exactly_at_the_latest_expiry_is_not_cut() -> None:
    old = old_key(timedelta(days=30))
    now = LATEST_EXPIRY - timedelta(days=30)
    assert replacement_expiry(old, now) == LATEST_EXPIRY
    assert lifetime_words(old, LATEST_EXPIRY, now) == "expires after 30 days, like the old key"
    later = now + timedelta(seconds=1)
    assert replacement_expiry(old, later) == LATEST_EXPIRY
    assert lifetime_words(old, LATEST_EXPIRY, later) == \
        "expires on 9998-12-31 (the latest expiry allowed)"
    # Without the moment of the plan, the lifetime is all it can say.
    assert lifetime_words(old, LATEST_EXPIRY) == "expires after 30 days, like the old key"


# -- idle -------------------------------------------------------------------------------------


def test_idle_from_exactly_the_idle_time_after_the_last_use() -> None:
    watch = IdleWatch(timedelta(minutes=10))
    used = NOW - timedelta(minutes=10)
    assert watch.idle_enough(used, NOW)
    assert not IdleWatch(timedelta(minutes=10)).idle_enough(used + timedelta(seconds=1), NOW)
    assert IdleWatch(timedelta(minutes=10)).idle_enough(None, NOW)  # never used


def test_a_new_use_starts_the_count_again() -> None:
    watch = IdleWatch(timedelta(minutes=10))
    assert not watch.idle_enough(NOW - MINUTE, NOW)
    later = NOW + 5 * MINUTE
    assert not watch.idle_enough(later - MINUTE, later)  # used again 4 minutes in
    assert not watch.idle_enough(later - MINUTE, later + 8 * MINUTE)
    assert watch.idle_enough(later - MINUTE, later + 9 * MINUTE)


def test_a_last_use_in_the_future_counts_from_when_it_was_first_seen() -> None:
    watch = IdleWatch(timedelta(minutes=10))
    future = NOW + timedelta(days=365 * 900)
    assert watch.quiet_since(future, NOW) == NOW
    assert not watch.idle_enough(future, NOW + 9 * MINUTE)
    assert watch.idle_enough(future, NOW + 10 * MINUTE)
    assert watch.quiet_since(future, NOW + 20 * MINUTE) == NOW  # unchanged: still from then


# -- how often the old key is looked at ------------------------------------------------------


def rate(limit: int, remaining: int, reset_in: timedelta | None) -> RateLimitInfo:
    return RateLimitInfo(limit=limit, remaining=remaining,
                         reset=None if reset_in is None else NOW + reset_in)


@pytest.mark.parametrize(("idle", "seconds"), [
    (timedelta(minutes=6), 60),  # a sixth of the idle time: exactly the one-minute cap
    (timedelta(minutes=7), 60),
    (timedelta(minutes=3), 30),
    (timedelta(seconds=66), 11),
    (timedelta(seconds=6), 10),  # 60 a minute shared: one look in 10 s at most
])
def test_a_sixth_of_the_idle_time_between_a_tenth_of_the_limit_and_a_minute(
        idle: timedelta, seconds: float) -> None:
    assert poll_every(idle, None, NOW) == seconds


@pytest.mark.parametrize(("reset_in", "seconds"), [
    (timedelta(seconds=60), 1),  # a window ending within the minute: the headers' limit
    (timedelta(seconds=1), 1),
    (timedelta(seconds=61), 10),  # a longer window says nothing about a minute: 60 assumed
    (timedelta(0), 10),  # a window ending now, or already over: 60 assumed
    (timedelta(seconds=-5), 10),
    (None, 10),
])
def test_the_limit_counts_only_when_it_describes_the_minute(
        reset_in: timedelta | None, seconds: float) -> None:
    assert poll_every(timedelta(seconds=6), rate(1200, 1000, reset_in), NOW) == seconds


def test_never_more_than_one_look_a_second() -> None:
    # 1,200 a minute would allow one look every half second: still one a second at most.
    assert poll_every(timedelta(seconds=3), rate(1200, 1000, timedelta(seconds=30)), NOW) == 1


def test_a_limit_of_zero_is_read_as_one_a_minute() -> None:
    assert poll_every(timedelta(seconds=6), rate(0, 500, timedelta(seconds=30)), NOW) == 60


@pytest.mark.parametrize(("remaining", "reset_in", "seconds"), [
    (10, timedelta(seconds=45), 46),  # at the reserve: wait for the reset, and a second
    (11, timedelta(seconds=45), 10),
    (0, timedelta(seconds=3), 10),  # the reset is sooner than the usual pace anyway
    (3, timedelta(hours=5), 3600),  # never more than an hour
    (3, None, 10),  # no reset time to wait for
])
def test_near_the_reserve_it_waits_for_the_window_to_reset(
        remaining: int, reset_in: timedelta | None, seconds: float) -> None:
    assert poll_every(timedelta(seconds=6), rate(60, remaining, reset_in), NOW) == seconds


# -- the plan's words ---------------------------------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[OpenRushClient]:
    async with OpenRushClient("http://127.0.0.1:9", "or_" + "a" * 40) as made:
        yield made  # never sends: the plan is words only


@pytest.mark.parametrize(("idle", "words"), [
    (timedelta(minutes=10), "10 minutes"),
    (timedelta(minutes=1), "1 minute"),
    (timedelta(seconds=90), "1.5 minutes"),
    (timedelta(seconds=30), "30 s"),
    (timedelta(seconds=59.6), "60 s"),
    (timedelta(hours=2), "120 minutes"),
    (timedelta(days=1000), "1440000 minutes"),  # never "1.44e+06"
])
async def test_the_plan_says_how_long_idle_is(client: OpenRushClient, idle: timedelta,
                                              words: str) -> None:
    # A key used once: a key never used is revoked at once (test_setup_rotate_words).
    used = old_key(None).model_copy(update={"last_used_at": CREATED})
    rotation = Rotation(client, used, revoke_old="when-idle", idle=idle, clock=lambda: NOW)
    assert rotation.plan() == (
        "Create “Production 2026-12-02” (never expires, like the old key) to replace "
        f"“Production” (cred_old), then revoke the old key once nothing has used it for "
        f"{words}.")
