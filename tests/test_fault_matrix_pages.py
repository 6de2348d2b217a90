"""The fault matrix, dashboard pages: Setup, API access and Activity, each refreshed (r) under
every fault, at 80×24.

Each case asserts: no traceback (no failed worker, no "Unexpected …" notice), every worker done
within the deadline (no hang), the last good data still on screen, and no absurd wait or false
message on screen. Between cases the page reloads cleanly, so each starts from good data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import DataTable

from tests.support.apps import notices, text_of
from tests.support.faults import (
    FAULTS,
    FaultySandbox,
    Matrix,
    contradictions,
    dashboard,
    failed_workers,
    faulty_sandbox,
    settled,
)

# One test walks every fault (each bounded by its patience): more than the default allows
# on a busy machine.
pytestmark = pytest.mark.timeout(600)

SIZE = (80, 24)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySandbox]:
    with faulty_sandbox(tmp_path_factory.mktemp("page-faults")) as env:
        yield env


def rows_shown(app: object, page: str) -> int:
    """How much good data the page shows: keys, events, or tools."""
    screen = app.screen  # type: ignore[attr-defined]
    if page == "api-access":
        return len(screen.query_one("#keys").view.rows)
    if page == "activity":
        return screen.query_one("#events", DataTable).row_count
    tools = screen.query_one("#tools", DataTable)
    return tools.row_count if tools.display else 0


def on_screen(app: object) -> str:
    from textual.widgets import Static

    screen = app.screen  # type: ignore[attr-defined]
    texts = [text_of(widget) for widget in screen.query(Static)]
    return " ".join([*texts, *notices(app)])  # type: ignore[arg-type]


@pytest.mark.parametrize("page", ["setup", "api-access", "activity"])
async def test_every_fault(page: str, faulty: FaultySandbox) -> None:
    matrix = Matrix(f"page-{page}")
    app = dashboard(faulty.server.url, faulty.key, page)
    async with app.run_test(size=SIZE) as pilot:
        assert await settled(pilot)
        good = rows_shown(app, page)
        assert good > 0
        for name, fault in FAULTS.items():
            app.clear_notifications()
            faulty.server.inject(fault)
            await pilot.press("r")
            finished = await settled(pilot)
            problems = [] if finished else ["hang"]
            problems += [f"traceback: {failure}" for failure in failed_workers(app)]
            if rows_shown(app, page) == 0:  # (an answer that parsed may show fewer)
                problems.append("last good data lost")
            problems += [p for p in contradictions(on_screen(app), write=None, fault=name)
                         if p not in problems]
            matrix.record(page, name, problems)
            faulty.server.clear()
            await pilot.press("r")
            await settled(pilot)
            good = max(good, rows_shown(app, page))
    matrix.check()
