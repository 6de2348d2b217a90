"""The rate limit reads the same everywhere: "Limit 49/60 left" (the new-user trial, tmux
80x24 and 60x20: Activity's summary said "Limit 49/60 left", then "Limit 48/60" once the
period was filtered by a key, whose longer spend took the summary to its shortest words).
One function words it (`text.counts.requests_left`): the summary at every width, Live's
pace, the CLI's wait. In-process sandbox, fixed clock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openrush_tui.activity.live import live_words
from openrush_tui.api.budget import LivePace
from openrush_tui.tui import OpenRushApp
from openrush_tui.widgets.usage_summary import UsageSummary
from tests.support.activity import screen_of, settle_activity
from tests.support.apps import FIXED_NOW, sandbox_app

pytestmark = pytest.mark.usefixtures("isolated_home")

def limit_said(app: OpenRushApp) -> str:
    """The summary's limit, as drawn: "Limit 9,998/10,000 left"."""
    text = " ".join(app.screen.query_one(UsageSummary).render().plain.split())
    found = re.search(r"(?:Rate limit|Limit) [\d,]+/[\d,]+(?: left)?", text)
    assert found is not None, text
    return found.group(0)


async def test_the_limit_reads_the_same_filtered_or_not(
        tmp_path: Path, trial_size: tuple[int, int]) -> None:
    app = sandbox_app(tmp_path / "sandbox.sqlite3", page="activity")
    async with app.run_test(size=trial_size) as pilot:
        await settle_activity(pilot)
        said = limit_said(app)
        assert re.fullmatch(r"Limit [\d,]+/10,000 left", said), said
        client = await app.session.client()
        old = next(k for k in await client.list_keys() if k.name == "Old laptop")
        screen_of(app).filter_by_key(old.id, old.name)
        await settle_activity(pilot)
        said = limit_said(app)
        assert re.fullmatch(r"Limit [\d,]+/10,000 left", said), said


def test_one_wording_for_the_limit() -> None:
    from openrush_tui.text.counts import requests_left

    assert requests_left(49, 60) == "49/60 left"
    assert requests_left(9_995, 10_000) == "9,995/10,000 left"
    pace = LivePace("slowed", 20.0, 0.0, None, 29, 60)
    assert "".join(text for text, _ in live_words(True, pace, 10.0, FIXED_NOW, short=True)) \
        == f"every 20 s, slowed: {requests_left(29, 60)}"


def test_the_cli_s_wait_says_the_limit_in_the_same_words(
        capsys: pytest.CaptureFixture[str]) -> None:
    from openrush_tui.api.models import RateLimitInfo
    from openrush_tui.commands.activity import _say_pause

    _say_pause(30, RateLimitInfo(limit=60, remaining=49, reset=None))
    assert "(49/60 left; the rest is for your own programs)" in capsys.readouterr().err
