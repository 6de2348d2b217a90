"""What Activity says, in one place: titles, status lines, markers and notes.

Plain strings for `rich.text.Text` (never markup); server strings in them (a key's name, a
tool) go through `visible`. Kept apart from the screen so the wording is tested on its own.
"""

from __future__ import annotations

from openrush_tui.activity.filters import PERIODS, ActivityFilter
from openrush_tui.text.counts import plural
from openrush_tui.text.safe import visible


def title(page: str, chosen: ActivityFilter) -> str:
    """The screen title with the filter in it: ``Activity · last 7 days · MCP``."""
    return " · ".join([page, visible(chosen.title())])


def window_status(held: int, above: int, new_above: int, hidden: int = 0,
                  own_shown: bool = False, matching: tuple[int, str] | None = None, *,
                  unfetched: bool = False) -> str:
    """Which events the table holds, how many of this tool's own reads it hides, how many
    of them match the `/` filter (`matching`: the count and the text), whether older events
    were left unfetched behind those hidden (`unfetched`: + loads them, nothing is fetched
    unasked), and whether newer events wait above it."""
    text = (f"Latest {plural(held, 'event')}" if above == 0
            else f"Events {above + 1:,}–{above + held:,}, newest first")
    if matching is not None:
        text += f" · {matching[0]:,} match “{visible(matching[1])}” (Escape clears)"
    if hidden:
        text += f" · {plural(hidden, 'own read')} hidden (h shows)"
        if unfetched:
            text += ", older not fetched (+ loads)"
    elif own_shown:
        text += " · own reads shown (h hides)"
    if new_above:
        text += f" · {plural(new_above, 'new event')} above (scroll to the top)"
    elif above:
        text += " · newer events above (scroll to the top)"
    return text


def end_of_history(days: int) -> str:
    hint = f" Press p for the last {max(PERIODS)} days." if days < max(PERIODS) else ""
    return f"── End of history: no earlier events in the last {days} days ──{hint}"


def more_below(page_size: int) -> str:
    return f"More below: scroll or press + for the next {page_size} events."  # 60 columns


def empty(chosen: ActivityFilter) -> str:
    period = f"in the last {chosen.days} days"
    if chosen.active:
        what = visible(" · ".join(chosen.parts()))
        return f"No events {period} match {what}. Press Escape to clear the filter."
    return f"No API or MCP calls {period}. Calls made with your keys or agents show up here."


def no_match(loaded: int, text: str, *, more: bool) -> str:
    """The `/` filter matches none of the events loaded (it narrows them, never fetches): as
    a key filter's empty table says "No events … match", with what brings some (`more`: older
    events are left to load)."""
    head = f"No events of the {loaded:,} loaded" if loaded != 1 else "Not the one event loaded"
    then = "; + loads more, Escape clears" if more else " (Escape clears)"
    return f"{head} match “{visible(text)}”{then}."


def period_label(chosen: ActivityFilter, *, capital: bool) -> str:
    label = f"last {chosen.days} days" + (", filtered" if chosen.active else "")
    return label[0].upper() + label[1:] if capital else label


def counted(count: int, complete: bool) -> str:
    """The chart's note while counting goes well."""
    if complete:
        if count == 1:
            return "The period's one event counted."
        return f"All {count:,} events of the period counted." if count else (
            "No events in the period.")
    return f"Counting the period's events… {count:,} so far."


# The chart waits for e: a server that ignores `exclude_reads_by` sends this tool's own reads,
# and counting the period would walk them all (fits 80 columns).
OWN_READS_UNCOUNTED = "Only the newest page counted (own reads fill it). Press e to count more."


def partial(count: int, back_to: str | None, why: str) -> str:
    """Short enough for one line at 120 columns: what is counted, what ? means, what to do."""
    since = f" (back to {back_to})" if back_to else ""
    return (f"Partial: newest {count:,} events counted{since}, {why}; ? = not loaded. "
            "Press e to count more.")


def key_titles(*, live: bool, later_days: int, own_shown: bool, metric: str) -> dict[str, str]:
    """What the command palette calls the page's keys now (their state in words), by the
    bindings' ids; `later_days`: the period p switches to."""
    return {"activity.live": "Live refresh: turn off" if live else "Live refresh: turn on",
            "activity.period": f"Show the last {later_days} days",
            "activity.own": "Hide this tool's own reads" if own_shown
            else "Show this tool's own reads",
            "activity.metric": "Chart calls" if metric == "credits" else "Chart credits"}


def own_reads_switched(shown: bool) -> str:
    """h's toast."""
    return ("This dashboard's and the CLI's own reads of the account are shown." if shown
            else "Own reads hidden again.")


# -- what a fetch under way, or one that failed, says -----------------------------------------

LOADING = "Loading activity…"
REFRESHING = "Refreshing… The events below are the last ones loaded."
LOADING_MORE = "Loading more…"
LOADING_NEWER = "Loading newer events…"
SIGNED_OUT = "This terminal is not signed in. Press 1 for Setup to see how to sign in."
NOTHING_COUNTED = "Nothing counted: no activity has loaded."


def switch_failed(wanted: ActivityFilter, kept: ActivityFilter, problem: str) -> str:
    """A switch to `wanted` failed: what is shown is still `kept`, and says so."""
    return (f"Could not switch to {visible(wanted.title())}: {problem} Still showing "
            f"{visible(kept.title())}.")


def more_failed(problem: str) -> str:
    return f"Could not load more. {problem} Press + to try again."


def newer_failed(problem: str) -> str:
    return f"Could not load newer events. {problem}"


def live_failed(problem: str) -> str:
    return f"Live refresh failed; the list is as it was. {problem}"


def count_failed(problem: str) -> str:
    return f"Partial: counting stopped. {problem} Press e to try again."


# -- why the list starts again from the newest (said in a toast) ------------------------------

FLOOD_ABOVE = "Many new events arrived: showing the newest again."  # while going back up
FLOOD_AT_TOP = "Many new events arrived: showing the newest."  # the top page outgrew the bound


def flood(limit: int) -> str:
    """A live refresh could not reach the newest event already shown."""
    return f"More than {limit} new events arrived: showing the newest."
