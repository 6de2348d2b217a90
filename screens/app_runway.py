"""The credit runway behind the header's low-balance warning and Activity's summary.

How long the balance lasts at the last 7 days' spend (`activity.runway`), and a warning in
the header under the threshold the settings hold (`low_balance_days`, 3 days by default).
Cheap on requests:

- Activity hands over the runway it computes from the days it has already counted (an
  unfiltered period: no request at all, `runway_counted`).
- Otherwise, when a balance arrives and no runway younger than `RUNWAY_REFRESH` is known for
  this key, it is measured: one request (`/v1/me/usage?status=success`, 200 billed calls a
  page) for most accounts, at most `RUNWAY_PAGES` (10) for a busy one, fewer near the rate
  limit. A new balance in between only divides by the spend already known: no request.

A mixin of `OpenRushApp` (kept apart to keep tui.py short); `balance` is the App's reactive,
`prefs` the settings (`app_prefs`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work
from textual.reactive import reactive

if TYPE_CHECKING:
    from openrush_tui.activity.runway import Runway
    from openrush_tui.clock import Clock
    from openrush_tui.prefs.settings import UserSettings
    from openrush_tui.session import Session

RUNWAY_REFRESH = 600.0  # seconds a measured spend is reused for


class RunwayWarning:
    runway: reactive[Runway | None] = reactive(None)

    session: Session
    prefs: UserSettings  # `app_prefs.RemembersSettings`
    balance: int | None
    now: Clock
    _runway_at: tuple[int, float] | None = None  # (session epoch, monotonic) of the spend
    _measuring = False

    if TYPE_CHECKING:  # provided by OpenRushApp and Textual's App
        def headers_changed(self) -> None: ...
        def watch(self, obj: object, attribute: str, callback: object,
                  init: bool = True) -> None: ...
        def call_after_refresh(self, callback: object) -> bool: ...
        screen: object

    def on_mount(self) -> None:
        # The App's own on_mount runs as well (Textual calls each class's handler).
        self.watch(self, "balance", self._balance_changed, init=False)

    @property
    def low_balance_days(self) -> float:
        """The warning's threshold: `low_balance_days` in the settings file (3 by default)."""
        return self.prefs.low_balance_days

    @property
    def runway_warning(self) -> str | None:
        """The header's words, when the balance runs low."""
        return self.runway.warning if self.runway is not None else None

    def watch_runway(self) -> None:
        self.headers_changed()

    def runway_counted(self, runway: Runway) -> None:
        """A runway computed from counted data (Activity's): no need to measure one."""
        self._runway_at = (self.session.epoch, self.session.monotonic())
        self.runway = replace(runway, threshold_days=self.low_balance_days)

    def _fresh(self) -> bool:
        at = self._runway_at
        return at is not None and at[0] == self.session.epoch and \
            self.session.monotonic() - at[1] < RUNWAY_REFRESH

    def _balance_changed(self, balance: int | None) -> None:
        from openrush_tui.activity.runway import Runway

        if balance is None:  # signed out, another key, a key the server refuses
            self.runway, self._runway_at = None, None
        elif self._fresh():  # measured lately (or failed lately: not again so soon)
            if self.runway is not None:
                self.runway = replace(self.runway, balance=balance,
                                      threshold_days=self.low_balance_days)
        elif balance <= 0:  # nothing to measure: it has run out
            self.runway = Runway(balance, 0, threshold_days=self.low_balance_days)
        else:  # after the other watchers: Activity may count it for free (`runway_counted`)
            self.call_after_refresh(self._measure_if_unknown)

    def _measure_if_unknown(self) -> None:
        if getattr(self.screen, "counts_runway", False):
            return  # Activity is counting those days anyway: it hands the runway over
        if self.balance is not None and not self._fresh() and not self._measuring:
            self._measuring = True
            self._measure_runway(self.balance)

    @work(group="runway", exit_on_error=False)
    async def _measure_runway(self, balance: int) -> None:
        from openrush_tui.activity.runway import measure_runway
        from openrush_tui.errors import OpenRushError

        epoch = self.session.epoch
        try:
            client = await self.session.client()
            runway = await measure_runway(client, balance, self.now(),
                                          threshold_days=self.low_balance_days)
        except OpenRushError:
            # No warning rather than a wrong one; a balance after RUNWAY_REFRESH tries again.
            self._runway_at = (epoch, self.session.monotonic())
            return
        finally:
            self._measuring = False
        if epoch == self.session.epoch and self.balance is not None:
            self._runway_at = (epoch, self.session.monotonic())
            self.runway = replace(runway, balance=self.balance)
