"""The runway behind the dashboard's low-balance warning: kept for the key in use, and measured
only when nothing fresher is known. No Textual: the App holds one and runs `measure` in its
worker; the header shows `Runway.warning`.

Cheap on requests:

- Activity hands over the runway it computes from the days it has already counted (an
  unfiltered period: no request at all, `counted`).
- Otherwise, when a balance arrives and no runway younger than `RUNWAY_REFRESH` is known for
  this key, it is measured (`begin`, then `measure`): one request (`/v1/me/usage?status=
  success`, 200 billed calls a page) for most accounts, at most `runway.RUNWAY_PAGES` (10)
  for a busy one, fewer near the rate limit. A new balance in between only divides by the
  spend already known: no request.

The threshold is the settings' `low_balance_days` (3 days by default), read at each use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from openrush_tui.activity.runway import Runway, measure_runway
from openrush_tui.errors import OpenRushError

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.clock import Clock

RUNWAY_REFRESH = 600.0  # seconds a measured spend is reused for


class KeyInUse(Protocol):
    """What the gauge needs of the session (`session.Session`)."""

    @property
    def epoch(self) -> int: ...  # bumped whenever the key in use changes
    def monotonic(self) -> float: ...
    async def client(self) -> OpenRushClient: ...


class RunwayGauge:
    """The runway of the key in use; `on_change` hears each new one (None: none known)."""

    def __init__(self, session: KeyInUse, clock: Clock, threshold: Callable[[], float],
                 on_change: Callable[[Runway | None], object]) -> None:
        self._session = session
        self._clock = clock
        self._threshold = threshold
        self._on_change = on_change
        self.runway: Runway | None = None
        self._at: tuple[int, float] | None = None  # (session epoch, monotonic) of the spend
        self._measuring = False

    def _set(self, runway: Runway | None) -> None:
        self.runway = runway
        self._on_change(runway)

    def _fresh(self) -> bool:
        at = self._at
        return at is not None and at[0] == self._session.epoch and \
            self._session.monotonic() - at[1] < RUNWAY_REFRESH

    def counted(self, runway: Runway) -> None:
        """A runway computed from counted data (Activity's): no need to measure one."""
        self._at = (self._session.epoch, self._session.monotonic())
        self._set(replace(runway, threshold_days=self._threshold()))

    def balance_changed(self, balance: int | None) -> bool:
        """The runway follows a new balance; True when it is worth measuring (ask `begin`
        once Activity had its chance to hand one over)."""
        if balance is None:  # signed out, another key, a key the server refuses
            self._at = None
            self._set(None)
        elif self._fresh():  # measured lately (or failed lately: not again so soon)
            if self.runway is not None:
                self._set(replace(self.runway, balance=balance,
                                  threshold_days=self._threshold()))
        elif balance <= 0:  # nothing to measure: it has run out
            self._set(Runway(balance, 0, threshold_days=self._threshold()))
        else:
            return True
        return False

    def begin(self, balance: int | None) -> bool:
        """True, and one measurement under way, when `balance`'s runway is still unknown and
        none is being measured; then call `measure`."""
        if balance is None or self._fresh() or self._measuring:
            return False
        self._measuring = True
        return True

    async def measure(self, balance: int, latest_balance: Callable[[], int | None]) -> None:
        """Count the spend and set the runway of the balance then current (`latest_balance`),
        unless the key changed meanwhile. A request that fails leaves no warning rather than
        a wrong one; a balance after `RUNWAY_REFRESH` tries again."""
        epoch = self._session.epoch
        try:
            client = await self._session.client()
            runway = await measure_runway(client, balance, self._clock(),
                                          threshold_days=self._threshold())
        except OpenRushError:
            self._at = (epoch, self._session.monotonic())
            return
        finally:
            self._measuring = False
        latest = latest_balance()
        if epoch == self._session.epoch and latest is not None:
            self._at = (epoch, self._session.monotonic())
            self._set(replace(runway, balance=latest))
