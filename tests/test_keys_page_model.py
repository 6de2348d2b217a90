"""What API access works out without a screen (`keys.attention`, `keys.listing`,
`keys.own_key`): the audit of the listed keys and its narrowing, the line above the table and
the empty table's text, which keys a revoke acts on, the terminal's own key and the sign-out
once it is revoked. The page itself is driven in test_keys_tui.py and
test_lifecycle_keys_tui.py; these pin the rules at their edges."""

from __future__ import annotations

import inspect
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from openrush_tui.api.models import ApiCredential
from openrush_tui.auth.credentials import SignOutReport, StoredKey
from openrush_tui.auth.secret import Secret
from openrush_tui.config import Settings
from openrush_tui.errors import OpenRushError
from openrush_tui.keys.attention import Attention
from openrush_tui.keys.listing import (
    EMPTY_ACCOUNT,
    EMPTY_HINT,
    LOADING,
    REFRESHING,
    ListState,
    to_revoke,
)
from openrush_tui.keys.own_key import SIGNED_OUT, sign_out_after_revoke, signed_in_key_id
from openrush_tui.keys.view import KeyView
from openrush_tui.screens.api_access import page
from openrush_tui.screens.base import DashboardScreen
from openrush_tui.session import Session

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
RAW = "or_abc121" + "z" * 34  # the key of "one" (by its display prefix)


def key(name: str, *, created: float = 10, used: float | None = 1, active: bool = True,
        prefix: str = "or_abc999") -> ApiCredential:
    return ApiCredential(
        id=f"cred_{name}", name=name, prefix=prefix, is_active=active,
        created_at=NOW - timedelta(days=created),
        last_used_at=None if used is None else NOW - timedelta(days=used))


def view_of(*keys: ApiCredential) -> KeyView:
    view = KeyView()
    view.load(list(keys), NOW)
    return view


# -- the audit of the listed keys ----------------------------------------------------------

def test_the_audit_runs_again_only_when_the_list_of_keys_changes() -> None:
    view = view_of(key("fresh"), key("idle", created=90, used=40), key("never", created=45,
                                                                       used=None))
    attention = Attention()
    assert attention.report is None and attention.flagged == frozenset()
    assert attention.follow(view.rows, NOW)
    assert attention.flagged == {"cred_idle", "cred_never"}
    view.set_filter("idle")  # the filter builds no new row list: no audit
    assert not attention.follow(view.rows, NOW)
    view.mark_revoked("cred_idle", NOW)  # a revoke does
    assert attention.follow(view.rows, NOW)
    assert attention.flagged == {"cred_never"}
    assert attention.unused_ids() == ["cred_never"]


def test_a_narrows_to_the_flagged_keys_and_back_and_says_when_none_is() -> None:
    attention = Attention()
    assert attention.toggle() is None and not attention.only  # nothing audited yet
    assert not attention.offers_narrowing()
    attention.follow(view_of(key("fresh")).rows, NOW)
    assert attention.toggle() == "No key needs attention."
    assert not attention.only and attention.shown_only is None
    assert not attention.offers_narrowing() and not attention.offers_unused()
    assert attention.none_unused() == "No active key has gone unused for 30 days."

    attention.follow(view_of(key("fresh"), key("idle", created=90, used=40)).rows, NOW)
    assert attention.offers_narrowing() and attention.offers_unused()
    assert attention.toggle() is None
    assert attention.only and attention.shown_only == {"cred_idle"}
    # Narrowed, and the flagged key revoked since: a still undoes the narrowing.
    attention.follow(view_of(key("fresh")).rows, NOW)
    assert attention.offers_narrowing()
    assert attention.toggle() is None and not attention.only


def test_the_findings_of_the_row_under_the_cursor() -> None:
    view = view_of(key("fresh"), key("idle", created=90, used=40))
    attention = Attention()
    assert attention.for_key(view.rows[0]) is None  # before any audit
    attention.follow(view.rows, NOW)
    by_name = {row.name: row for row in view.rows}
    assert attention.for_key(by_name["fresh"]) is None
    found = attention.for_key(by_name["idle"])
    assert found is not None and found.kinds == ("idle", "no-expiry")
    assert attention.for_key(None) is None


# -- the line above the table ---------------------------------------------------------------

def test_before_the_first_list_the_page_says_it_is_loading() -> None:
    state, view = ListState(), KeyView()
    assert (state.status(view).state, state.status(view).message) == ("loading", LOADING)
    assert state.status(view).empty_text == ""
    assert state.loading(view).message == LOADING and state.loading(view).empty_text is None
    state.failed("Connection failed.")
    status = state.status(view)
    assert (status.state, status.message) == ("error", "Connection failed.")
    assert status.empty_text == "The keys could not be loaded yet. Press r to try again."


def test_an_error_keeps_the_last_list_and_says_so() -> None:
    state, view = ListState(), view_of(key("one"))
    state.shown()
    assert state.loading(view).message == REFRESHING
    state.failed("Connection failed.")
    status = state.status(view)
    assert status.message == "Connection failed. The list below is the last one loaded."
    assert status.empty_text is None  # the table keeps what it says
    state.shown()
    assert state.status(view).state == "info"


def test_an_empty_account_and_a_signed_out_terminal() -> None:
    state, view = ListState(), KeyView()
    state.shown()
    status = state.status(view)
    assert (status.state, status.message, status.empty_text) == ("empty", EMPTY_ACCOUNT,
                                                                 EMPTY_HINT)
    state.failed("Connection failed.")
    state.signed_out_now()  # signed out wins over the error
    status = state.status(view)
    assert status.state == "info" and "not signed in" in status.message
    assert status.empty_text == "Sign in to see your keys."
    state.forget()
    assert not state.loaded and state.error is None


def test_the_counts_say_why_fewer_keys_are_shown() -> None:
    state = ListState()
    state.shown()
    view = view_of(key("ci one"), key("ci two"), key("old", active=False))
    assert state.status(view).message == "3 keys, 2 active"
    view.set_filter(" ci ")
    assert state.status(view).message == "3 keys, 2 active · showing 2 matching “ci”"
    view.set_filter("nothing")
    assert state.status(view).empty_text == "No key matches. Press Escape to clear the filter."
    view.set_filter("")
    view.set_hide_inactive(True)
    view.set_only(frozenset({"cred_old"}))
    status = state.status(view)
    assert status.message == ("3 keys, 2 active · showing 0 that need attention, active (h "
                              "shows the revoked and expired)")
    assert status.empty_text == ("No key that needs attention is active; press h to show "
                                 "them all.")
    view.set_hide_inactive(False)
    view.set_only(frozenset())
    assert state.status(view).empty_text == ("No key needs attention. Press a to show every "
                                             "key.")
    view.set_only(None)
    assert view_of(key("one")).total == 1
    assert state.status(view_of(key("one"))).message == "1 key, 1 active"


# -- revoking -------------------------------------------------------------------------------

def test_a_revoke_leaves_out_the_keys_already_revoked() -> None:
    rows = {row.name: row for row in view_of(key("live"), key("gone", active=False),
                                             key("gone too", active=False)).rows}
    assert to_revoke((rows["live"], rows["gone"])) == ((rows["live"],), 1, None)
    assert to_revoke((rows["gone"],)) == ((), 1, "That key is already revoked.")
    assert to_revoke((rows["gone"], rows["gone too"])) == ((), 2,
                                                           "Those keys are already revoked.")


def session_with(secret: str | None) -> Session:
    """Signed in from the environment (nothing saved to remove), or not signed in."""
    return Session(Settings(), StoredKey(Secret(secret), "environment") if secret else None)


def test_the_terminals_own_key_is_found_by_prefix_never_for_a_session_token() -> None:
    keys = [key("one", prefix="or_abc121"), key("two", prefix="or_abc122")]
    assert signed_in_key_id(session_with(RAW).key, keys) == "cred_one"
    assert signed_in_key_id(session_with(None).key, keys) is None
    assert signed_in_key_id(session_with("eyJhbGciOi.session.token").key, keys) is None
    assert signed_in_key_id(session_with(RAW).key, [keys[1]]) is None


async def test_revoking_the_own_key_signs_out_and_says_what_became_of_the_saved_copy() -> None:
    session = session_with(RAW)
    assert await sign_out_after_revoke(session) == SIGNED_OUT
    assert not session.signed_in

    class Saved(Session):
        def __init__(self, outcome: SignOutReport | OpenRushError) -> None:
            super().__init__(Settings(), StoredKey(Secret(RAW), "keyring"))
            self.outcome = outcome

        async def sign_out(self) -> SignOutReport | None:
            if isinstance(self.outcome, OpenRushError):
                raise self.outcome
            return self.outcome

    said = await sign_out_after_revoke(Saved(SignOutReport(removed=["the OS keyring"])))
    assert said == f"{SIGNED_OUT} Signed out; the key was removed from the OS keyring."
    said = await sign_out_after_revoke(Saved(OpenRushError("The keyring is locked.")))
    assert said == f"{SIGNED_OUT} The saved copy could not be removed: The keyring is locked."


def test_the_page_is_one_screen_class_in_one_module() -> None:
    """Composition, not mixins: nothing between the page and the dashboard's base screen,
    and no other class defined in the page's module."""
    assert page.ApiAccessScreen.__mro__[1:] == DashboardScreen.__mro__
    defined = [name for name, value in vars(page).items()
               if inspect.isclass(value) and value.__module__ == page.__name__]
    assert defined == ["ApiAccessScreen"]


def test_the_page_loads_no_dialog_and_no_revoke_flow_before_its_first_frame() -> None:
    """API access is the first page of a signed-in start: its module leaves each dialog, the
    revoke flow and the key rules (a few milliseconds) to when a key is first acted on. A
    fresh interpreter, as this process has loaded them all."""
    code = ("import sys, openrush_tui.screens.api_access.page; print(' '.join(sorted(m for m "
            "in sys.modules if m.startswith(('openrush_tui.keys.', "
            "'openrush_tui.screens.api_access.')))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert "openrush_tui.screens.api_access.page" in loaded
    early = {"openrush_tui.keys.revoke", "openrush_tui.keys.rules", "openrush_tui.keys.own_key",
             *(f"openrush_tui.screens.api_access.{name}"
               for name in ("create", "reveal", "details", "rotate", "revoke"))}
    assert early.isdisjoint(loaded), sorted(early.intersection(loaded))
