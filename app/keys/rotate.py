"""Guided rotation: a replacement key, then the old one revoked now, once idle, or never.

One flow for `keys rotate` and (later) API access's ``R``: `Rotation.run()` is an async
generator of steps, each with the words it shows, so a screen and the command line go through
the same sequence and differ only in how they show a step:

1. ``Created``: the replacement exists (same name plus today's date, the same lifetime as the
   old key or none); the raw key is in this step once, to reveal.
2. ``Switched``: only when this terminal signs in with the old key: the stored credential now
   holds the new key (or the step says what the user must do, e.g. for ``OPENRUSH_KEY``).
   This happens before the old key is revoked; when it fails, nothing is revoked.
3. ``Waiting`` (when-idle only, repeated): the old key's `last_used_at`, polled gently. The
   idle time counts from the older of that time and the moment this client first saw it
   (`IdleWatch`), so a `last_used_at` in the future (a server's clock far off, or its bug)
   delays the revoke by `idle` at most, not for ever. A 429 is waited out for as long as the
   server asks (Retry-After); it is not a failed look.
4. ``Revoked`` or ``Kept``: the end.

Any step can instead be ``Failed``, whose words say what exists now ("the new key … exists;
the old key … is still active"); the flow stops there. After the replacement exists, every
request uses it when the old key was this terminal's, so polling never touches the old key
(creating the replacement was then its last use here: the idle time counts from there).
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from openrush_tui.api.errors import RateLimited
from openrush_tui.auth.secret import Secret
from openrush_tui.clock import LATEST_EXPIRY, shifted
from openrush_tui.errors import OpenRushError
from openrush_tui.keys.revoke import revoke_all
from openrush_tui.keys.rules import NAME_MAX, acceptable_name
from openrush_tui.keys.switch import Switcher, SwitchResult
from openrush_tui.text.counts import plural
from openrush_tui.text.safe import visible
from openrush_tui.text.times import exact, relative

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential, RateLimitInfo

RevokeOld = Literal["now", "when-idle", "never"]
REVOKE_OLD: tuple[RevokeOld, ...] = ("now", "when-idle", "never")
DEFAULT_IDLE = timedelta(minutes=10)
POLL_SHARE = 0.10  # of the per-minute rate limit, at most, while waiting
POLL_MAX = 60.0  # seconds between two looks at the old key, at most
RATE_RESERVE = 10  # requests left to the user's own programs before polling waits for a reset
POLL_FAILURES = 5  # failed looks in a row before the flow gives up waiting (a 429 is not one)
# After a failed look the next waits twice as long as the last, up to this many seconds: a
# server away for a minute or two (a restart, a dropped network) is waited out, at one
# request a look, where five looks at the usual pace gave up in under a minute.
FAILED_LOOK_WAIT_MAX = 120.0
SKEW = timedelta(minutes=1)  # a last use this far ahead of our clock is "in the future"

_DATED = re.compile(r"\s+\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?$")

Sleep = Callable[[float], Awaitable[object]]  # asyncio.sleep, or a test's clock that moves


# -- the replacement ---------------------------------------------------------------------------


def replacement_name(name: str, now: datetime, taken: Collection[str] = ()) -> str:
    """``Production server 2026-12-02``; the date of an earlier rotation is replaced, the
    name is shortened to fit the 120-character limit, and characters the server refuses in
    a new name (an old key's name may hold them) become spaces. A name the account already
    has (`taken`, the old key's own: a second rotation the same day) gets the time too."""
    base = _DATED.sub("", acceptable_name(name)) or "Replacement key"
    taken = {*taken, name.strip()}
    for stamp in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        suffix = f" {now.strftime(stamp)}"
        candidate = base[: NAME_MAX - len(suffix)].rstrip() + suffix
        if candidate not in taken:
            break
    return candidate


def replacement_expiry(old: ApiCredential, now: datetime) -> datetime | None:
    """The old key's expiry policy: its lifetime (created → expires) counted from now, so a
    30-day key is replaced by a 30-day key; None when it never expired. Never after
    `LATEST_EXPIRY` (a 1970 key that expires in 9999 has a lifetime no "now" can add).

    On a time a person would choose: a lifetime of days (rounded, as `lifetime_words` says it)
    ends at the old key's time of day, to the minute (a key that expired at midnight is
    replaced by one that does), the one NEAREST to now + those days, so within 12 hours of
    what the plan says ("expires after 35 days": 35 days less 3 minutes, not the first such
    time after them, which made it ~36); a shorter one after its whole hours, at the next
    whole minute. The exact lifetime counted from now carried the seconds of the moment the
    old key was created ("00:01:15")."""
    if old.expires_at is None:
        return None
    lifetime = _lifetime(old)
    if lifetime < timedelta(days=1):
        return min(_next_minute(shifted(now, timedelta(hours=_hours(lifetime)))),
                   LATEST_EXPIRY)
    target = shifted(now, timedelta(days=_days(lifetime)))
    at = old.expires_at.astimezone(target.tzinfo)
    return min(_nearest_time_of_day(target, at.hour, at.minute), LATEST_EXPIRY)


def _nearest_time_of_day(target: datetime, hour: int, minute: int) -> datetime:
    """The instant at `hour`:`minute` nearest to `target` (the later one on a tie): on
    `target`'s own day, or the day before or after."""
    same_day = target.replace(hour=hour, minute=minute, second=0, microsecond=0)
    candidates = (shifted(same_day, -timedelta(days=1)), same_day,
                  shifted(same_day, timedelta(days=1)))
    return min(candidates, key=lambda at: (abs(at - target), -at.timestamp()))


def _lifetime(old: ApiCredential) -> timedelta:
    assert old.expires_at is not None  # noqa: S101 (callers check)
    return max(old.expires_at - old.created_at, timedelta(hours=1))


def _days(lifetime: timedelta) -> int:
    """A lifetime in whole days, never 0 (as it is said: "expires after 1 day")."""
    return max(1, round(lifetime / timedelta(days=1)))


def _hours(lifetime: timedelta) -> int:
    """A lifetime under a day in whole hours, never 0 (said and kept: "after 8 hours")."""
    return max(1, round(lifetime / timedelta(hours=1)))


def _next_minute(instant: datetime) -> datetime:
    """`instant` on a whole minute: itself, or the next one."""
    whole = instant.replace(second=0, microsecond=0)
    return whole if whole == instant else shifted(whole, timedelta(minutes=1))


def lifetime_words(old: ApiCredential, expires_at: datetime | None = None,
                   now: datetime | None = None) -> str:
    """The replacement's expiry in words; with the replacement's `expires_at` and `now`, it
    says so when the old lifetime had to be cut at `LATEST_EXPIRY`."""
    if old.expires_at is None:
        return "never expires, like the old key"
    if expires_at is not None and now is not None and expires_at == LATEST_EXPIRY and \
            shifted(now, _lifetime(old)) > LATEST_EXPIRY:
        return f"expires on {LATEST_EXPIRY.date()} (the latest expiry allowed)"
    # The unit `replacement_expiry` counts in: a key of 8 hours is not "1 day" (the trial).
    lifetime = _lifetime(old)
    if lifetime < timedelta(days=1):
        return f"expires after {plural(_hours(lifetime), 'hour')}, like the old key"
    return f"expires after {plural(_days(lifetime), 'day')}, like the old key"


class IdleWatch:
    """Since when the old key has been quiet, from the `last_used_at` values polled.

    The older of the last use and the moment this client first saw that value: a server's
    time is trusted when it is in the past, and a time in the future (clock skew, a bug)
    counts from when it was seen, so that it cannot hold the wait for ever. A new value (a
    new use) starts the count again.
    """

    def __init__(self, idle: timedelta) -> None:
        self.idle = idle
        self._seen: datetime | None = None
        self._since: datetime | None = None

    def quiet_since(self, used: datetime, now: datetime) -> datetime:
        if used != self._seen or self._since is None:
            self._seen, self._since = used, now
        return min(used, self._since)

    def idle_enough(self, used: datetime | None, now: datetime) -> bool:
        return used is None or now - self.quiet_since(used, now) >= self.idle


# -- polling ---------------------------------------------------------------------------------


def poll_every(idle: timedelta, rate: RateLimitInfo | None, now: datetime) -> float:
    """Seconds until the next look at the old key.

    A sixth of the idle time, at most a minute, and never more often than `POLL_SHARE` of the
    per-minute limit (the account's limit is shared with production: 60 a minute means one
    look every 10 s at the most). With few requests left, wait for the window to reset.
    """
    per_minute = 60
    if rate is not None and rate.reset is not None and \
            timedelta(0) < rate.reset - now <= timedelta(seconds=60):
        per_minute = max(1, rate.limit)  # the headers describe the minute window
    floor = max(1.0, 60.0 / (per_minute * POLL_SHARE))
    wait = min(POLL_MAX, max(floor, idle.total_seconds() / 6))
    if rate is not None and rate.remaining <= RATE_RESERVE and rate.reset is not None:
        wait = max(wait, min(3600.0, (rate.reset - now).total_seconds() + 1))
    return wait


# -- the steps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    new: ApiCredential
    key: Secret  # the raw key: reveal it once, then forget the step
    text: str


@dataclass(frozen=True)
class Switched:
    result: SwitchResult
    text: str


@dataclass(frozen=True)
class Waiting:
    last_used_at: datetime | None
    text: str  # "old key last used 2 minutes ago; …"


@dataclass(frozen=True)
class Revoked:
    text: str


@dataclass(frozen=True)
class Kept:
    text: str


@dataclass(frozen=True)
class Failed:
    text: str  # what went wrong, and what exists now


Step = Created | Switched | Waiting | Revoked | Kept | Failed


def key_words(key: ApiCredential) -> str:
    """“Name” (cred_…), literally."""
    return f"“{visible(key.name)}” ({visible(key.id)})"


class Rotation:
    """One rotation of `old`. `own` says this terminal signs in with it; `switch` then moves
    the stored credential to the new key (None: the caller cannot, the user is told)."""

    def __init__(self, client: OpenRushClient, old: ApiCredential, *,
                 revoke_old: RevokeOld = "now", idle: timedelta = DEFAULT_IDLE,
                 own: bool = False, switch: Switcher | None = None,
                 clock: Callable[[], datetime], sleep: Sleep = asyncio.sleep,
                 taken_names: Collection[str] = ()) -> None:
        """`taken_names`: the account's key names, which the replacement's must differ from."""
        self.client = client
        self.old = old
        self.revoke_old = revoke_old
        self.idle = idle
        self.own = own
        self._switch = switch
        self._clock = clock
        # Public: a dashboard that moves the wait elsewhere (API access's line, once the
        # dialog has closed) paces the looks from there; the flow stays this one.
        self.sleep = sleep
        now = self._planned_at = clock()
        self.new_name = replacement_name(old.name, now, taken_names)
        self.expires_at = replacement_expiry(old, now)
        self.new: ApiCredential | None = None  # set once the replacement exists
        self.old_active = True
        # A write sent and not answered yet (an interruption now leaves it unknown), and a
        # revoke that went out but got no usable answer: the server may have done either.
        self.sending: Literal["create", "revoke"] | None = None
        self.old_maybe_revoked = False
        self._by_id = True  # the server looks keys up by id (until it shows it does not)

    # -- words -----------------------------------------------------------------------------

    def plan(self) -> str:
        """What is about to happen, for the confirmation."""
        then = {"now": "then revoke the old key at once",
                "when-idle": "then revoke the old key once nothing has used it for "
                             f"{_minutes(self.idle)}",
                "never": "and keep the old key active"}[self.revoke_old]
        if self.revoke_old == "when-idle" and self.old.last_used_at is None and not self.own:
            # A key never used is idle enough (`IdleWatch`): no wait, as the words must say.
            then = ("then revoke the old key at once, as nothing has ever used it (were it "
                    f"used meanwhile: once unused for {_minutes(self.idle)})")
        words = lifetime_words(self.old, self.expires_at, self._planned_at)
        return (f"Create “{visible(self.new_name)}” ({words}) to replace "
                f"{key_words(self.old)}, {then}.")

    def what_exists(self) -> str:
        """Both keys' state right now, for any step that fails or is interrupted (a write
        whose answer never came may have happened: said so, never "was not")."""
        parts = []
        if self.new is not None:
            parts.append(f"the new key {key_words(self.new)} exists")
        elif self.sending == "create":
            parts.append(f"the new key “{visible(self.new_name)}” may have been created "
                         "without being shown")
        old_state = ("may have been revoked" if self.sending == "revoke" or
                     self.old_maybe_revoked else
                     "is still active" if self.old_active else "is revoked")
        parts.append(f"the old key {key_words(self.old)} {old_state}")
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."

    def unfinished(self) -> str:
        """What is left to the user when the flow stops here (a failed step, Ctrl+C, the app
        closing), as a command; empty when nothing is."""
        if self.new is None and self.sending == "create":
            return ("Look for it with: openrush-tui keys list --all, and revoke it: its key "
                    "was never shown.")
        if self.new is not None and self.old_active:
            return f"Revoke the old key later with: openrush-tui keys revoke {self.old.id}"
        return ""

    def revoke_by_hand(self, here: str = "") -> str:
        """How to finish when the flow stopped with both keys active (S, a wait that gave
        up, a revoke refused): "Revoke the old key once nothing uses it (`here`, or the
        command)."; empty when there is nothing to revoke or it may be revoked already."""
        if self.new is None or not self.old_active or self.old_maybe_revoked \
                or self.sending == "revoke":
            return ""
        command = f"openrush-tui keys revoke {visible(self.old.id)}"
        return (f"Revoke the old key once nothing uses it ({here}, or {command})." if here
                else f"Revoke the old key once nothing uses it ({command}).")

    def revoked_by_hand(self) -> Revoked:
        """The end of a rotation whose old key was revoked another way while it waited (`d`
        on API access): nothing is left to revoke, nothing may be "still active"."""
        self.old_active, self.old_maybe_revoked, self.sending = False, False, None
        replaced = f"; the new key {key_words(self.new)} replaces it" if self.new else ""
        return Revoked(f"The old key {key_words(self.old)} was revoked by hand{replaced}.")

    # -- the flow --------------------------------------------------------------------------

    async def run(self) -> AsyncIterator[Step]:
        # `sending` is cleared only when an answer (or a typed failure) comes: cancelled
        # meanwhile, the request stays "sent" for what_exists.
        self.sending = "create"
        try:
            created = await self.client.create_key(self.new_name, self.expires_at)
        except OpenRushError as error:
            self.sending = None
            # A timeout, a dropped connection or a 5xx after the request left: it may exist.
            if not error.may_have_succeeded:
                yield Failed(f"No new key was created: {error} {self.what_exists()}")
                return
            yield Failed(f"{error.message} The new key may have been created without being "
                         f"shown: look for the newest key named “{visible(self.new_name)}” and "
                         f"revoke it. {self.what_exists()}")
            return
        self.sending = None
        self.new = created.api_credential
        raw = Secret(created.key.get_secret_value())
        yield Created(self.new, raw, f"Created {key_words(self.new)}. This is the only time "
                                     "the new key is shown: store it now.")
        if self.own:
            # From here on the old key is never used by this terminal: its last use stays
            # production's, and revoking it does not cut this terminal off.
            self.client = self.client.with_key(raw.reveal())
            result = await self._switch(raw) if self._switch is not None else None
            if result is None:
                result = SwitchResult("manual", "This terminal signs in with the old key: sign "
                                                "in with the new key.")
            if result.status == "failed":
                yield Failed(f"{result.text} Nothing was revoked. {self.what_exists()}")
                return
            yield Switched(result, result.text)
        if self.revoke_old == "never":
            yield Kept(f"The old key {key_words(self.old)} stays active; revoke it once nothing "
                       "uses it.")
            return
        if self.revoke_old == "when-idle":
            async for step in self._wait_until_idle():
                yield step
                if not isinstance(step, Waiting):
                    return
        yield await self._revoke()

    async def _revoke(self) -> Step:
        self.sending = "revoke"
        report = await revoke_all(self.client, [self.old.id])
        self.sending = None
        outcome = report.outcomes[0]
        if outcome.uncertain:  # sent, no usable answer: the server may have revoked it
            self.old_maybe_revoked = True
            return Failed(f"The revoke got no clear answer: {outcome.error} "
                          f"{self.what_exists()}")
        if not outcome.revoked:
            return Failed(f"The old key was not revoked: {outcome.error} {self.what_exists()}")
        self.old_active = False
        return Revoked(f"Revoked the old key {key_words(self.old)}.")

    async def _wait_until_idle(self) -> AsyncIterator[Step]:
        """Waiting steps until the old key has been idle for `idle`; a Revoked step instead
        when it stopped being active meanwhile, a Failed one when it cannot be checked."""
        failures = 0
        watch = IdleWatch(self.idle)
        while True:
            try:
                keys = await self._look()
            except RateLimited as error:
                # Not a failed look: the server says when to look again, so wait that long.
                wait = math.ceil(max(error.retry_after or 0.0, self.client.budget.blocked_for(),
                                     1.0))
                yield Waiting(None, "The server asked to wait (rate limit): looking at the "
                                    f"old key again in {wait} s.")
                await self.sleep(wait)
                continue
            except OpenRushError as error:
                failures += 1
                if failures >= POLL_FAILURES:
                    yield Failed(f"Stopped waiting: the old key could not be checked ({error}) "
                                 f"{self.what_exists()}")
                    return
                pace = poll_every(self.idle, self.client.rate_limit, self._clock())
                wait = max(pace, min(FAILED_LOOK_WAIT_MAX, pace * 2 ** (failures - 1)))
                yield Waiting(None, f"Could not check the old key ({error}); trying again "
                                    f"in {math.ceil(wait)} s.")
                await self.sleep(wait)
                continue
            failures = 0
            now = self._clock()
            old = next((key for key in keys if key.id == self.old.id), None)
            if old is None or old.status(now) != "active":
                self.old_active = False
                state = "is no longer listed" if old is None else f"is {old.status(now)} already"
                yield Revoked(f"The old key {key_words(self.old)} {state}; nothing to revoke.")
                return
            used = old.last_used_at
            if watch.idle_enough(used, now):
                return
            assert used is not None  # noqa: S101 (a key never used is idle enough)
            yield Waiting(used, self._waiting_words(used, now))
            await self.sleep(poll_every(self.idle, self.client.rate_limit, now))

    async def _look(self) -> list[ApiCredential]:
        """The old key as the server lists it now (or nothing: no longer listed), asked for by
        its id (OURS, docs/openrush-api.md): one key's answer a look, whatever the account's
        size (the whole list was 11.6 MB at 50,000 keys, each look, for as long as the wait).
        A server that does not look keys up by id answers with others: the whole list then,
        and for the looks after."""
        if self._by_id:
            found = await self.client.keys_by_id([self.old.id])
            if found is not None:
                return found
            self._by_id = False
        return await self.client.list_keys()

    def _waiting_words(self, used: datetime, now: datetime) -> str:
        if used - now > SKEW:
            return (f"the server says the old key was last used at {exact(used)}, in the "
                    f"future; it is revoked once that has not changed for "
                    f"{_minutes(self.idle)}")
        return (f"old key last used {relative(min(used, now), now)}; it is revoked once "
                f"unused for {_minutes(self.idle)}")


def _minutes(span: timedelta) -> str:
    minutes = span.total_seconds() / 60
    if minutes < 1:
        return f"{round(span.total_seconds())} s"
    shown = f"{minutes:g}" if minutes != int(minutes) else str(int(minutes))
    return f"{shown} minute{'s' if minutes != 1 else ''}"
