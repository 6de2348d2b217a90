"""The guided rotation (`keys/rotate.py`, `keys/switch.py`) against a real sandbox, in-process
over httpx's ASGI transport, on a clock the test moves: the sandbox and the flow share it, and
the flow's `sleep` advances it, so "idle for 10 minutes" takes no real time. Faults come from
a scripted HTTP server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backends import fail

from openrush_tui.api.budget import RequestBudget
from openrush_tui.api.client import OpenRushClient
from openrush_tui.api.models import ApiCredential, RateLimitInfo
from openrush_tui.auth.credentials import StoredKey, read_file_key
from openrush_tui.auth.secret import Secret
from openrush_tui.auth.signin import save_as
from openrush_tui.keys.rotate import (
    Created,
    Failed,
    Kept,
    Revoked,
    Rotation,
    Step,
    Switched,
    Waiting,
    poll_every,
    replacement_expiry,
    replacement_name,
)
from openrush_tui.keys.rules import name_problem
from openrush_tui.keys.switch import SwitchResult, switch_stored_key
from openrush_tui.sandbox import Sandbox
from tests.support.accounts import UseKeyring
from tests.support.apps import FIXED_NOW
from tests.support.lifecycle import MovingClock, asgi_client, clocked_sandbox
from tests.support.scripted_server import Reply, ScriptedServer

URL = "http://127.0.0.1"


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(FIXED_NOW)


@pytest.fixture
def sandbox(tmp_path: Path, clock: MovingClock) -> Iterator[Sandbox]:
    with clocked_sandbox(tmp_path / "sandbox.sqlite3", clock) as box:
        yield box


@pytest.fixture
async def admin(sandbox: Sandbox, clock: MovingClock) -> AsyncIterator[OpenRushClient]:
    key = sandbox.mint_bootstrap_key()
    async with asgi_client(sandbox, key, budget=budget_on(clock)) as client:
        yield client


def budget_on(clock: MovingClock) -> RequestBudget:
    """A request budget whose clock is the test's: a call a minute later is sent again."""
    return RequestBudget(monotonic=lambda: clock.now.timestamp())


async def new_key(client: OpenRushClient, name: str,
                  expires_at: datetime | None = None) -> tuple[ApiCredential, str]:
    created = await client.create_key(name, expires_at)
    return created.api_credential, created.key.get_secret_value()


async def key_named(client: OpenRushClient, name: str) -> ApiCredential:
    return next(key for key in await client.list_keys() if key.name == name)


async def steps_of(rotation: Rotation) -> list[Step]:
    return [step async for step in rotation.run()]


# -- the replacement and the pace -------------------------------------------------------------


def test_the_replacement_is_named_with_the_date_once_and_fits() -> None:
    today = datetime(2026, 12, 2, 14, 5, 9, tzinfo=UTC)
    assert replacement_name("Production server", today) == "Production server 2026-12-02"
    assert replacement_name("Production server 2026-06-26", today) == \
        "Production server 2026-12-02"
    assert len(replacement_name("x" * 120, today)) == 120


def test_a_second_rotation_the_same_day_gets_a_name_of_its_own() -> None:
    now = datetime(2026, 12, 2, 14, 5, 9, tzinfo=UTC)
    assert replacement_name("Production server 2026-12-02", now) == \
        "Production server 2026-12-02 14:05"
    assert replacement_name("Production server 2026-12-02 14:05", now,
                            ["Production server 2026-12-02"]) == \
        "Production server 2026-12-02 14:05:09"
    # The old key kept, the original rotated again (another key has today's name).
    assert replacement_name("reporting", now, ["reporting", "reporting 2026-12-02"]) == \
        "reporting 2026-12-02 14:05"


def test_the_replacement_drops_what_the_server_refuses_in_a_new_name() -> None:
    today = datetime(2026, 12, 2, tzinfo=UTC)
    assert replacement_name("Imported\x07legacy", today) == "Imported legacy 2026-12-02"
    assert replacement_name("\x1b\n", today) == "Replacement key 2026-12-02"


@given(st.text(max_size=300))
def test_every_replacement_name_is_one_the_server_accepts(name: str) -> None:
    # An old key's name came from the server, which may hold anything; the new one is sent.
    assert name_problem(replacement_name(name, datetime(2026, 12, 2, tzinfo=UTC))) is None


def test_the_replacement_keeps_the_old_keys_lifetime() -> None:
    old = ApiCredential(id="cred_1", name="n", prefix="or_abc123", created_at=FIXED_NOW,
                        expires_at=FIXED_NOW + timedelta(days=30))
    later = FIXED_NOW + timedelta(days=25)
    assert replacement_expiry(old, later) == later + timedelta(days=30)
    assert replacement_expiry(old.model_copy(update={"expires_at": None}), later) is None


def test_polling_is_gentle_with_the_shared_rate_limit() -> None:
    now = FIXED_NOW
    ten = timedelta(minutes=10)
    minute_window = now + timedelta(seconds=30)
    assert poll_every(ten, None, now) == 60  # a sixth of 10 minutes, capped at a minute
    assert poll_every(timedelta(seconds=30), None, now) == 10  # 6 a minute: 10% of 60
    assert poll_every(timedelta(seconds=30), RateLimitInfo(limit=600, remaining=500,
                                                           reset=minute_window), now) == 5
    # An hourly window's limit says nothing about a minute: assume the documented 60.
    hourly = RateLimitInfo(limit=1000, remaining=900, reset=now + timedelta(minutes=30))
    assert poll_every(timedelta(seconds=30), hourly, now) == 10
    # Few requests left: wait for the window to reset.
    low = RateLimitInfo(limit=60, remaining=3, reset=minute_window)
    assert poll_every(timedelta(seconds=30), low, now) == 31


# -- the flow ------------------------------------------------------------------------------------


async def test_revoke_now_creates_a_working_replacement_and_revokes_the_old_key(
        sandbox: Sandbox, admin: OpenRushClient, clock: MovingClock) -> None:
    old, _ = await new_key(admin, "Production", FIXED_NOW + timedelta(days=30))
    clock.now += timedelta(days=10)
    rotation = Rotation(admin, old, revoke_old="now", clock=clock, sleep=clock.sleep)
    assert rotation.plan() == (f"Create “Production {clock.now.date()}” (expires after 30 days, "
                               f"like the old key) to replace “Production” ({old.id}), then "
                               "revoke the old key at once.")
    created, revoked = await steps_of(rotation)
    assert isinstance(created, Created) and isinstance(revoked, Revoked)
    assert created.new.expires_at == clock.now + timedelta(days=30)
    async with asgi_client(sandbox, created.key.reveal()) as fresh:
        assert (await fresh.credits()).balance >= 0  # the new key works
    assert (await key_named(admin, "Production")).is_active is False
    assert rotation.what_exists() == (f"The new key “{created.new.name}” ({created.new.id}) "
                                      f"exists; the old key “Production” ({old.id}) is revoked.")
    assert created.key.reveal() not in repr(created)


async def test_never_keeps_the_old_key(admin: OpenRushClient, clock: MovingClock) -> None:
    old, _ = await new_key(admin, "kept")
    steps = await steps_of(Rotation(admin, old, revoke_old="never", clock=clock))
    assert [type(step) for step in steps] == [Created, Kept]
    assert (await key_named(admin, "kept")).is_active


async def test_when_idle_waits_while_production_still_uses_the_old_key(
        sandbox: Sandbox, admin: OpenRushClient, clock: MovingClock) -> None:
    old, old_raw = await new_key(admin, "busy")
    production = asgi_client(sandbox, old_raw, budget=budget_on(clock))
    await production.credits()  # used just now
    uses = iter([True, True, True])  # production calls again during the first three waits

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        if next(uses, False):
            await production.credits()

    rotation = Rotation(admin, old, revoke_old="when-idle", idle=timedelta(minutes=10),
                        clock=clock, sleep=sleep)
    started = clock.now
    steps = await steps_of(rotation)
    await production.aclose()
    waiting = [step for step in steps if isinstance(step, Waiting)]
    assert isinstance(steps[0], Created) and isinstance(steps[-1], Revoked)
    assert waiting[0].text == ("old key last used just now; it is revoked once unused for "
                               "10 minutes")
    assert any("last used 2 minutes ago" in step.text for step in waiting)
    last_use = started + timedelta(seconds=sum(clock.slept[:3]))
    assert clock.now - last_use >= timedelta(minutes=10)  # idle for the whole 10 minutes
    assert max(clock.slept) <= 60 and min(clock.slept) >= 1
    assert len(clock.slept) <= 15  # about one look a minute, not a busy loop


async def test_an_old_key_revoked_elsewhere_while_waiting_ends_the_wait(
        sandbox: Sandbox, admin: OpenRushClient, clock: MovingClock) -> None:
    old, old_raw = await new_key(admin, "revoked elsewhere")
    async with asgi_client(sandbox, old_raw) as production:
        await production.credits()

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        await admin.revoke_key(old.id)

    steps = await steps_of(Rotation(admin, old, revoke_old="when-idle", clock=clock,
                                    sleep=sleep))
    assert isinstance(steps[-1], Revoked)
    assert steps[-1].text == (f"The old key “revoked elsewhere” ({old.id}) is revoked already; "
                              "nothing to revoke.")


# -- the terminal's own key -------------------------------------------------------------------


@pytest.mark.usefixtures("isolated_home")
async def test_the_stored_key_switches_before_the_old_key_is_revoked(
        sandbox: Sandbox, admin: OpenRushClient, clock: MovingClock,
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    old, old_raw = await new_key(admin, "this terminal")
    stored = save_as("default", URL, Secret(old_raw), "file").key
    states: list[bool] = []

    async def switch(secret: Secret) -> SwitchResult:
        states.append((await key_named(admin, "this terminal")).is_active)
        return await asyncio.to_thread(switch_stored_key, stored, "default", URL, secret)

    async with asgi_client(sandbox, old_raw) as terminal:
        rotation = Rotation(terminal, old, revoke_old="when-idle", own=True, switch=switch,
                            clock=clock, sleep=clock.sleep)
        steps = await steps_of(rotation)
    created = steps[0]
    assert isinstance(created, Created)
    assert [type(step) for step in steps[:2]] == [Created, Switched]
    assert isinstance(steps[-1], Revoked)
    assert states == [True]  # the switch came while the old key still worked
    assert read_file_key("default") == created.key.reveal()
    assert "kept in the file" in steps[1].text
    # Creating the replacement was the old key's last use; every look after it used the new
    # key, so the old key fell idle 10 minutes after that one use, not later.
    assert clock.now - FIXED_NOW < timedelta(minutes=11)


@pytest.mark.usefixtures("isolated_home")
async def test_a_failed_switch_revokes_nothing_and_says_what_exists(
        sandbox: Sandbox, admin: OpenRushClient, clock: MovingClock,
        use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())  # the old key "came from" a keyring that is gone now
    old, old_raw = await new_key(admin, "keyring terminal")
    stored = StoredKey(Secret(old_raw), "keyring", "SecretService")

    async def switch(secret: Secret) -> SwitchResult:
        return switch_stored_key(stored, "default", URL, secret)

    steps = await steps_of(Rotation(admin, old, own=True, switch=switch, clock=clock))
    assert [type(step) for step in steps] == [Created, Failed]
    new = steps[0].new  # type: ignore[union-attr]
    assert steps[1].text.startswith("The new key could not be saved in the OS keyring (")
    assert steps[1].text.endswith(
        f"Nothing was revoked. The new key “{new.name}” ({new.id}) exists; the old key "
        f"“keyring terminal” ({old.id}) is still active.")
    assert (await key_named(admin, "keyring terminal")).is_active


def test_a_key_from_the_environment_cannot_be_switched_here() -> None:
    stored = StoredKey(Secret("or_old"), "environment")
    result = switch_stored_key(stored, "default", URL, Secret("or_new"))
    assert result.status == "manual" and "set OPENRUSH_KEY to the new key" in result.text
    session = switch_stored_key(StoredKey(Secret("or_old"), "session"), "default", URL,
                                Secret("or_new"))
    assert session.status == "switched" and session.key is not None
    assert session.key.secret.reveal() == "or_new"


# -- failures ------------------------------------------------------------------------------------

OLD = ApiCredential(id="cred_old", name="Old", prefix="or_oldold", created_at=FIXED_NOW)
CREATED = {"key": "or_" + "N3w" * 13 + "x",
           "api_credential": {"id": "cred_new", "name": "Old 2026-06-26", "prefix": "or_N3wN3w",
                              "created_at": "2026-06-26T12:00:00Z"}}


async def scripted_steps(*replies: Reply, **options: object) -> list[Step]:
    with ScriptedServer() as server:
        server.add(*replies)
        async with OpenRushClient(server.url, "or_admin", read_timeout=0.5) as client:
            rotation = Rotation(client, OLD, clock=lambda: FIXED_NOW,  # type: ignore[arg-type]
                                sleep=lambda _s: asyncio.sleep(0), **options)
            return await steps_of(rotation)


async def test_a_refused_create_changes_nothing() -> None:
    refusal = {"detail": [{"type": "value_error", "loc": ["body", "name"], "msg": "no",
                           "input": "x"}]}
    (step,) = await scripted_steps(Reply(422, refusal))
    assert isinstance(step, Failed)
    assert step.text.startswith("No new key was created: ")
    assert step.text.endswith("The old key “Old” (cred_old) is still active.")


async def test_a_create_answered_5xx_may_have_made_a_key() -> None:
    # The server may have created it before failing: never "no new key was created".
    (step,) = await scripted_steps(Reply(500, {"detail": "boom"}))
    assert isinstance(step, Failed)
    assert "may have been created without being shown" in step.text
    assert step.text.endswith("The old key “Old” (cred_old) is still active.")


async def test_a_create_without_an_answer_may_have_made_a_key() -> None:
    (step,) = await scripted_steps(Reply(201, CREATED, delay=2))
    assert isinstance(step, Failed)
    assert "may have been created without being shown" in step.text
    assert "“Old 2026-06-26”" in step.text


async def test_a_refused_revoke_says_both_keys_exist() -> None:
    steps = await scripted_steps(Reply(201, CREATED), Reply(403, {"detail": "not yours"}))
    assert isinstance(steps[-1], Failed)
    assert steps[-1].text.startswith("The old key was not revoked: ")
    assert steps[-1].text.endswith("The new key “Old 2026-06-26” (cred_new) exists; the old "
                                   "key “Old” (cred_old) is still active.")


async def test_a_revoke_answered_5xx_may_have_revoked_the_old_key() -> None:
    # The server may have revoked it before failing: never "is still active".
    rotation_steps = await scripted_steps(Reply(201, CREATED), Reply(500, {"detail": "boom"}))
    assert isinstance(rotation_steps[-1], Failed)
    assert rotation_steps[-1].text.startswith("The revoke got no clear answer: ")
    assert rotation_steps[-1].text.endswith("the old key “Old” (cred_old) may have been "
                                            "revoked.")


async def interrupted(*replies: Reply, revoke_old: str = "now") -> Rotation:
    """A rotation cancelled while its last request (delayed by the server) is out."""
    with ScriptedServer() as server:
        server.add(*replies)
        async with OpenRushClient(server.url, "or_admin", read_timeout=5) as client:
            rotation = Rotation(client, OLD, clock=lambda: FIXED_NOW,  # type: ignore[arg-type]
                                revoke_old=revoke_old)  # type: ignore[arg-type]
            task = asyncio.ensure_future(steps_of(rotation))
            for _ in range(500):  # until the server has the last request (its answer waits)
                if len(server.requests) == len(replies):
                    break
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return rotation


async def test_interrupted_while_creating_the_replacement_it_may_exist() -> None:
    rotation = await interrupted(Reply(201, CREATED, delay=3))
    assert rotation.what_exists() == ("The new key “Old 2026-06-26” may have been created "
                                      "without being shown; the old key “Old” (cred_old) is "
                                      "still active.")
    assert "openrush-tui keys list --all" in rotation.unfinished()


async def test_interrupted_while_revoking_the_old_key_it_may_be_revoked() -> None:
    rotation = await interrupted(Reply(201, CREATED), Reply(200, {}, delay=3))
    assert rotation.what_exists().endswith("the old key “Old” (cred_old) may have been revoked.")
    assert rotation.unfinished() == "Revoke the old key later with: openrush-tui keys revoke " \
                                    "cred_old"


async def test_waiting_gives_up_after_repeated_failed_looks() -> None:
    steps = await scripted_steps(Reply(201, CREATED), *[Reply(500, {"detail": "x"})] * 5,
                                 revoke_old="when-idle")
    assert [type(step) for step in steps] == [Created, *[Waiting] * 4, Failed]
    assert steps[-1].text.startswith("Stopped waiting: the old key could not be checked")
    assert "the old key “Old” (cred_old) is still active" in steps[-1].text


# -- outside values at the calendar's edges (issue 18, guard 3) -------------------------------


def old_listed(**fields: object) -> dict[str, object]:
    """The old key as a list answer gives it, with `fields` changed."""
    item: dict[str, object] = {"id": "cred_old", "name": "Old", "prefix": "or_oldold",
                               "is_active": True, "created_at": "2026-06-26T12:00:00Z",
                               "last_used_at": None, "expires_at": None}
    return {"api_credentials": [{**item, **fields}]}


class ScriptClock(MovingClock):
    """The scripted flows' clock: `sleep` moves it, so waits cost no real time, and the
    client's request budget reads it too (a 429's hold ends when the sleep says so)."""

    def budget(self) -> RequestBudget:
        return RequestBudget(monotonic=lambda: self.now.timestamp(), wall=self)


async def scripted_on_clock(clock: ScriptClock, *replies: Reply,
                            old: ApiCredential = OLD, **options: object) -> list[Step]:
    with ScriptedServer() as server:
        server.add(*replies)
        async with OpenRushClient(server.url, "or_admin", read_timeout=2,
                                  budget=clock.budget()) as client:
            rotation = Rotation(client, old, clock=clock, sleep=clock.sleep,
                                **options)  # type: ignore[arg-type]
            return await steps_of(rotation)


def test_a_1970_key_expiring_in_9999_is_replaced_within_the_latest_expiry() -> None:
    # The lifetime (8,000 years) counted from now left the calendar: R crashed the dashboard.
    from openrush_tui.clock import LATEST, LATEST_EXPIRY

    old = ApiCredential(id="cred_1", name="ancient", prefix="or_abc123",
                        created_at=datetime(1970, 1, 1, tzinfo=UTC), expires_at=LATEST)
    assert replacement_expiry(old, FIXED_NOW) == LATEST_EXPIRY
    rotation = Rotation(None, old, clock=lambda: FIXED_NOW)  # type: ignore[arg-type]
    assert rotation.expires_at == LATEST_EXPIRY
    assert "expires on 9998-12-31 (the latest expiry allowed)" in rotation.plan()


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
def test_every_replacement_expiry_is_one_the_server_takes(created: datetime, expires: datetime,
                                                          now: datetime) -> None:
    from openrush_tui.clock import LATEST_EXPIRY, shifted
    from openrush_tui.keys.rotate import lifetime_words

    old = ApiCredential(id="cred_1", name="n", prefix="or_abc123", created_at=created,
                        expires_at=expires)
    now = now.replace(tzinfo=UTC)
    expiry = replacement_expiry(old, now)
    assert expiry is not None and expiry <= LATEST_EXPIRY
    if now < LATEST_EXPIRY - timedelta(hours=1):
        assert expiry > now  # never one the server refuses as past
    assert expiry == LATEST_EXPIRY or (expiry.second, expiry.microsecond) == (0, 0)  # clean
    # As long as the plan says ("expires after N days"): the old key's time of day within 12
    # hours of now + N days, never the first one after them (up to a day more).
    assert old.expires_at is not None
    lifetime = old.expires_at - old.created_at
    if lifetime >= timedelta(days=1) and expiry < LATEST_EXPIRY:
        days = round(lifetime / timedelta(days=1))
        assert abs(expiry - shifted(now, timedelta(days=days))) <= timedelta(hours=12)
    # The words say the lifetime the plan uses: their number and unit match expiry - now,
    # within the rule's rounding (days: the old key's time of day within 12 hours; hours: the
    # next whole minute). An 8-hour key was said to expire "after 1 day".
    words = lifetime_words(old, expiry, now)
    said = re.fullmatch(r"expires after ([\d,]+) (day|hour)s?, like the old key", words)
    if said is None:
        assert expiry == LATEST_EXPIRY and words.startswith("expires on "), words
        return
    number, unit = int(said[1].replace(",", "")), said[2]
    assert (number == 1) == (not words.startswith(f"expires after {said[1]} {unit}s")), words
    if expiry < LATEST_EXPIRY:
        if unit == "hour":
            assert lifetime < timedelta(days=1)
            assert timedelta(hours=number) <= expiry - now <= \
                timedelta(hours=number, minutes=1), words
        else:
            assert lifetime >= timedelta(days=1)
            assert abs(expiry - shifted(now, timedelta(days=number))) <= \
                timedelta(hours=12), words


async def test_a_last_use_in_the_future_does_not_make_the_wait_endless() -> None:
    # 2999: a server's bug or a clock far off. Idle is counted from when the value was seen.
    clock = ScriptClock()
    future = old_listed(last_used_at="2999-01-01T00:00:00Z")
    steps = await scripted_on_clock(
        clock, Reply(201, CREATED), *[Reply(200, future)] * 12, Reply(200, {}),
        revoke_old="when-idle", idle=timedelta(minutes=10))
    assert isinstance(steps[-1], Revoked), steps[-1]
    waiting = [step for step in steps if isinstance(step, Waiting)]
    assert waiting[0].text == ("the server says the old key was last used at 2999-01-01 "
                               "00:00:00 UTC, in the future; it is revoked once that has not "
                               "changed for 10 minutes")
    assert timedelta(minutes=10) <= clock.now - FIXED_NOW <= timedelta(minutes=12)


async def test_a_last_use_that_changes_keeps_the_wait_going_even_from_the_future() -> None:
    clock = ScriptClock()
    uses = [old_listed(last_used_at=f"2999-01-01T00:00:0{n}Z") for n in range(3)]
    steps = await scripted_on_clock(
        clock, Reply(201, CREATED), *[Reply(200, use) for use in uses],
        *[Reply(200, uses[-1])] * 12, Reply(200, {}),
        revoke_old="when-idle", idle=timedelta(minutes=10))
    assert isinstance(steps[-1], Revoked), steps[-1]
    # Ten quiet minutes after the last change, not after the first look.
    assert clock.now - FIXED_NOW >= timedelta(minutes=10) + timedelta(seconds=sum(clock.slept[:2]))


async def test_the_idle_wait_waits_out_a_429_as_the_server_asks() -> None:
    clock = ScriptClock()
    steps = await scripted_on_clock(
        clock, Reply(201, CREATED),
        Reply(429, {"detail": "slow down"}, {"Retry-After": "45"}),
        Reply(200, old_listed(last_used_at=None)), Reply(200, {}),
        revoke_old="when-idle")
    assert isinstance(steps[-1], Revoked), [step.text for step in steps]
    assert any(seconds >= 45 for seconds in clock.slept)  # the server's wait, not a poll's
    waiting = [step.text for step in steps if isinstance(step, Waiting)]
    assert waiting == ["The server asked to wait (rate limit): looking at the old key again "
                       "in 45 s."]


async def test_a_storm_of_429s_is_waited_out_not_given_up() -> None:
    clock = ScriptClock()
    limited = Reply(429, {"detail": "slow down"}, {"Retry-After": "30"})
    steps = await scripted_on_clock(
        clock, Reply(201, CREATED), *[limited] * 8,
        Reply(200, old_listed(last_used_at=None)), Reply(200, {}),
        revoke_old="when-idle")
    assert isinstance(steps[-1], Revoked), [step.text for step in steps]
    assert sum(clock.slept) >= 8 * 30
