"""The bounded window over a long history: pages fall off one end and come back exactly."""

from __future__ import annotations

from dataclasses import dataclass

from openrush_tui.activity.window import EventWindow, NewerRequest, Page


@dataclass(frozen=True)
class Ev:
    id: str


HISTORY = [Ev(f"e{n:03d}") for n in range(1000)]  # newest first


def page(start: int, size: int = 10) -> Page[Ev]:
    """The page of HISTORY starting at `start`; cursors are positions, as strings."""
    end = min(start + size, len(HISTORY))
    return Page(None if start == 0 else str(start), HISTORY[start:end],
                str(end) if end < len(HISTORY) else None, size)


def fetch(request: NewerRequest, new: list[Ev] | None = None) -> list[Ev]:
    """What the server answers: from the newest (new events on top) or from a cursor."""
    if request.from_newest:
        return [*(new or []), *HISTORY][:request.limit]
    start = int(request.cursor or 0)
    return HISTORY[start:start + request.limit]


def test_paging_down_drops_whole_pages_from_the_top() -> None:
    window: EventWindow[Ev] = EventWindow(max_rows=40)
    window.reset(page(0))
    for start in range(10, 100, 10):
        window.append_older(page(start))
        assert len(window) <= 40
    assert [e.id for e in window.events()] == [e.id for e in HISTORY[60:100]]
    assert window.rows_above == 60 and not window.at_newest
    assert window.older_cursor == "100" and not window.at_end


def test_going_back_up_fetches_the_same_pages_until_the_newest() -> None:
    window: EventWindow[Ev] = EventWindow(max_rows=40)
    window.reset(page(0))
    for start in range(10, 100, 10):
        window.append_older(page(start))
    while (request := window.newer_request(newest_limit=200)) is not None:
        dropped = window.prepend_newer(request, fetch(request))
        assert dropped is not None and len(window) <= 40
    assert [e.id for e in window.events()] == [e.id for e in HISTORY[:40]]
    assert window.at_newest and window.rows_above == 0
    # The chain of cursors still continues where the window ends.
    assert window.older_cursor == "40"


def test_the_newest_page_comes_back_with_what_arrived_meanwhile() -> None:
    window: EventWindow[Ev] = EventWindow(max_rows=20)
    window.reset(page(0))
    window.append_older(page(10))
    window.append_older(page(20))  # page 0 (fetched without a cursor) is dropped
    request = window.newer_request(newest_limit=200)
    assert request == NewerRequest(None, 200, from_newest=True)
    arrived = [Ev("new2"), Ev("new1")]
    # 12 rows come back on top; both older pages make room for them.
    assert window.prepend_newer(request, fetch(request, arrived)) == 20
    assert [e.id for e in window.events()] == ["new2", "new1", *(e.id for e in HISTORY[:10])]
    assert window.at_newest and window.older_cursor == "10"


def test_a_gap_above_is_reported_rather_than_papered_over() -> None:
    window: EventWindow[Ev] = EventWindow(max_rows=20)
    window.reset(page(0))
    window.append_older(page(10))
    window.append_older(page(20))
    request = window.newer_request(newest_limit=5)
    assert request is not None
    flood = [Ev(f"new{n}") for n in range(5)]  # the join point is beyond what one fetch holds
    assert window.prepend_newer(request, flood) is None


def test_live_events_join_on_top_and_the_bound_holds() -> None:
    window: EventWindow[Ev] = EventWindow(max_rows=30)
    window.reset(page(0))
    window.append_older(page(10))
    window.append_older(page(20))
    fresh = window.add_newest([Ev("n3"), Ev("n2"), Ev("n1"), *HISTORY[:5]], HISTORY[0].id)
    assert fresh is not None and [e.id for e in fresh] == ["n3", "n2", "n1"]
    assert [e.id for e in window.events()][:4] == ["n3", "n2", "n1", "e000"]
    assert len(window) <= 30 and window.older_cursor == "20"  # the bottom page fell off
    assert window.add_newest([Ev("x")] * 3, "not-there") is None  # more than one fetch


def test_live_events_wait_above_when_the_window_is_further_down() -> None:
    window: EventWindow[Ev] = EventWindow(max_rows=20)
    window.reset(page(0))
    window.append_older(page(10))
    window.append_older(page(20))
    before = window.events()
    fresh = window.add_newest([Ev("n1"), *HISTORY[:3]], HISTORY[0].id)
    assert fresh is not None and [e.id for e in fresh] == ["n1"]
    assert window.events() == before  # shown when the user goes back up


def test_one_huge_first_page_says_it_overflows() -> None:
    window: EventWindow[Ev] = EventWindow(max_rows=10)
    window.reset(page(0))
    window.add_newest([Ev(f"n{n}") for n in range(8)] + HISTORY[:1], HISTORY[0].id)
    assert window.overflowing
