"""``login --web``, and the browser sign-in's part of ``status`` and ``logout`` (docs/oauth.md).

``login --web`` asks the server for a device code and prints where to approve it on stderr
(the address, the code, the address with the code in it), then waits, polling as the server
allows, until it is approved, denied or expired; ctrl+c stops it. ``--no-wait`` prints and
exits, keeping the device code (`auth.web.pending`) for ``login --web --resume``. A server
without the device grant but with the code flow gets a browser sign-in through a listener on
127.0.0.1. The sign-in is kept where a key would be (`auth.web.keeping`: the keyring, else the
0600 file if the person agrees or passes ``--insecure-storage``). `auth.web` does the work;
this module only says it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import textwrap
from typing import TYPE_CHECKING

from openrush_tui.commands import output
from openrush_tui.commands.common import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Target,
    error,
    interrupted,
    plain_file_agreed,
    say,
)
from openrush_tui.commands.terminal import help_width
from openrush_tui.config import DEFAULT_API_URL
from openrush_tui.errors import OpenRushError
from openrush_tui.text.safe import visible
from openrush_tui.text.shell import continued
from openrush_tui.text.times import exact

if TYPE_CHECKING:
    from openrush_tui.api.client import Renew
    from openrush_tui.auth.credentials import StoredKey
    from openrush_tui.auth.web.discovery import WebSignIn
    from openrush_tui.auth.web.flow import BrowserSignIn
    from openrush_tui.auth.web.keeping import Kept
    from openrush_tui.auth.web.tokens import WebSession


def login_web(args: argparse.Namespace, profile: str, target: Target) -> int:
    try:
        return asyncio.run(_login(args, profile, target))
    except KeyboardInterrupt:
        return interrupted("Not signed in: nothing was kept.")


# Every line login --web prints ends within this many columns, or the terminal's if narrower:
# an SSH session's default terminal, where the sign-in through the browser is most used.
WIDTH = 80
LEAST_WIDTH = 40


def width() -> int:
    return max(LEAST_WIDTH, min(help_width(), WIDTH))


def tell(sentence: str, *, err: bool = True, prefix: str = "") -> None:
    """`sentence` wrapped at words within `width`, on stderr unless `err` is False (a word
    longer than a line, an address, stays whole: broken, it could not be opened)."""
    say("\n".join(textwrap.wrap(prefix + sentence, width(), break_long_words=False,
                               break_on_hyphens=False)) or prefix + sentence, err=err,
        whole=True)  # wrapped already, its long words (addresses) kept whole


def _resume_command(profile: str, api_url: str) -> str:
    """The command to finish with, on lines of its own, continued with a backslash where it
    would not fit, so that it is copied and pasted whole."""
    options = []  # each with its value: a line is broken before an option, never after
    if api_url != DEFAULT_API_URL:
        options.append(f"--api-url {visible(api_url)}")
    if profile != "default":
        options.append(f"--profile {visible(profile)}")
    lines = continued(["openrush-tui login --web --resume", *options], width())
    return "\n".join(lines)


async def _login(args: argparse.Namespace, profile: str, target: Target) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.web import pending
    from openrush_tui.auth.web.discovery import NotOffered
    from openrush_tui.auth.web.flow import BrowserSignIn
    from openrush_tui.clock import system_clock

    api_url = target.api_url
    storage = await asyncio.to_thread(_storage_agreed, profile, args.insecure_storage)
    if not storage:
        return EXIT_API_ERROR
    async with BrowserSignIn(api_url, profile) as signing:
        plan = await signing.discover()
        if isinstance(plan, NotOffered):
            return error(f"{plan.line} Sign in with a key instead: openrush-tui login")
        waited = 0.0
        if args.resume:
            kept = await asyncio.to_thread(pending.load, profile)
            if kept is None or kept.api_url != api_url:
                return error("there is no browser sign-in to resume for this profile and "
                             "server; start one with: openrush-tui login --web", EXIT_USAGE)
            code = kept.code
            waited = (system_clock() - kept.saved_at).total_seconds()
        elif not plan.offers_device:
            return await _with_browser_here(signing, plan, args, profile, target)
        else:
            code = await signing.start_device(plan)
            tell(f"To sign in, open {visible(code.verification_uri)} and enter the code "
                 f"{visible(code.user_code)}")
            if code.complete_uri:
                tell(f"(or open {visible(code.complete_uri)}, where the code is filled in)")
            tell(f"The code works until {exact(code.expires_at)}.")
            if args.no_wait:
                await asyncio.to_thread(pending.save, profile, api_url, code, system_clock())
                tell("When it is approved, run:")
                say(_resume_command(profile, api_url), err=True)
                return EXIT_OK
        tell("Waiting for the approval in the browser (ctrl+c stops)…")
        try:
            session = await signing.wait(plan, code, waited=waited)
        finally:
            if args.resume or args.no_wait:
                await asyncio.to_thread(pending.drop, profile)
        return await _signed_in(signing, session, args, profile, target)


async def _with_browser_here(signing: BrowserSignIn, plan: WebSignIn, args: argparse.Namespace,
                             profile: str, target: Target) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.web.pkce import LoopbackListener

    if args.no_wait or args.resume:
        return error("this server offers no device code, only a sign-in in a browser on this "
                     "machine, which cannot wait in the background", EXIT_USAGE)
    async with LoopbackListener() as listener:
        request = await signing.code_request(plan, listener.redirect_uri)
        listener.expect(request)
        tell("To sign in, open this address in a browser on this machine:")
        say(visible(request.address), err=True, whole=True)  # however long: to be opened
        tell("Waiting for the browser (ctrl+c stops)…")
        code = await listener.code()
    session = await signing.finish(plan, request, code)
    return await _signed_in(signing, session, args, profile, target)


async def _signed_in(signing: BrowserSignIn, session: WebSession, args: argparse.Namespace,
                     profile: str, target: Target) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.profiles import remember_api_url
    from openrush_tui.auth.status import balance_text
    from openrush_tui.auth.web.tokens import with_account
    from openrush_tui.session import build_client

    async with build_client(target.settings, session.access_token) as client:
        balance = (await client.credits()).balance
    session = with_account(session, session.account_id)
    kept = await asyncio.to_thread(_keep, profile, session)
    if kept is None:  # the store failed after all: the tokens are not left valid anywhere
        # lazy: start-up (--help imports every command module)
        from openrush_tui.auth.web.tokens import revoke

        with contextlib.suppress(OpenRushError):
            await revoke(signing.http, session)
        return error("the sign-in could not be kept, so it was ended; nothing changed.")
    await asyncio.to_thread(remember_api_url, profile, target.api_url)
    who = f" as {visible(session.account_id)}" if session.account_id else ""
    output.receipt(f"This terminal is signed in to {visible(target.api_url)} through the "
                   f"browser{who}, kept in {kept.source_label}.")
    tell(f"Signed in to {visible(target.api_url)} through the browser{who} "
         f"({balance_text(balance)}).", err=False)
    tell(f"The sign-in is kept in {kept.source_label}; {session_until(session)}.", err=False)
    return EXIT_OK


def session_until(session: WebSession) -> str:
    if session.expires_at is None:
        return "the session has no set end"
    renews = " and renews itself" if session.refresh_token is not None else ""
    return f"the session runs until {exact(session.expires_at)}{renews}"


def _storage_agreed(profile: str, insecure_ok: bool) -> bool:
    """Before anything starts: the keyring, or, without one, the 0600 file only if the
    person agrees (a prompt, or ``--insecure-storage``), as `login` asks for a key."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.profiles import remember_storage
    from openrush_tui.auth.web.keeping import needs_choice

    asked = needs_choice(profile, remembered=("file",))
    if asked is None:
        return True
    tell(asked.reason, prefix="openrush-tui: ")  # a note: it goes on if agreed
    if not plain_file_agreed(
            insecure_ok=insecure_ok,
            question=f"Keep the sign-in in {asked.file_path} instead? It is plain text on "
                     "disk, readable only by you (mode 0600). [y/N]",
            no_terminal=f"nothing was started. Run again with --insecure-storage to keep the "
                        f"sign-in in {asked.file_path} (plain text, readable only by you).",
            declined="nothing was started; nothing changed."):
        return False
    remember_storage(profile, "file")  # as agreed: `keep` goes to the file without asking
    return True


def _keep(profile: str, session: WebSession) -> Kept | None:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.signin import NeedsChoice
    from openrush_tui.auth.web.keeping import keep

    kept = keep(profile, session, remembered=("file",))
    return None if isinstance(kept, NeedsChoice) else kept


# ------------------------------------------------------------------ every command's key


def browser_key(profile: str, api_url: str) -> StoredKey | None:
    """The access token of the browser sign-in kept for `profile` at `api_url`, refreshed
    when due, as the key a command's clients use (`common.resolve_target`, when no key is
    saved or set); None without one. `tokens.SignedOut` when the server refused the refresh
    (the kept copy is gone; `guarded` says "Signed out: sign in again")."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.credentials import StoredKey
    from openrush_tui.auth.web import keeping

    kept = keeping.find(profile)
    if kept is None or kept.session.api_url != api_url.rstrip("/"):
        return None
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a command resolves its key before its loop runs
        kept = asyncio.run(_fresh(profile, kept))
    return StoredKey(kept.session.access_token, "browser", kept.source_label)


async def _fresh(profile: str, kept: Kept, *, force: bool = False) -> Kept:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.web import keeping
    from openrush_tui.auth.web.flow import BrowserSignIn
    from openrush_tui.clock import system_clock

    async with BrowserSignIn(kept.session.api_url, profile) as signing:
        return await keeping.fresh_session(profile, kept, signing.http, system_clock,
                                           force=force)


def renewal(profile: str, api_url: str) -> Renew:
    """The client's `renew` for a command signed in through the browser (`common.make_client`,
    as the dashboard's `Session.renew_refused`): the server refused the access token mid-way
    (a 401; the token was due by the server's clock, not yet by ours), so the sign-in renews
    now and the request goes once more with the new token. Once a command: a request refused
    with the old token later gets the renewed one, kept meanwhile (or by another terminal).
    None, so the 401 stands, when no sign-in is kept any more (signed out elsewhere);
    `tokens.SignedOut` when the server refuses the renewal (the kept copy is gone; `guarded`
    says "Signed out: sign in again.")."""
    one_at_a_time = asyncio.Lock()  # requests in flight together renew once

    async def renew(refused: str) -> str | None:
        # lazy: start-up (--help imports every command module)
        from openrush_tui.auth.web import keeping

        async with one_at_a_time:
            kept = await asyncio.to_thread(keeping.find, profile)
            if kept is None or kept.session.api_url != api_url.rstrip("/"):
                return None
            if kept.session.access_token.reveal() == refused:
                kept = await _fresh(profile, kept, force=True)
            return kept.session.access_token.reveal()

    return renew


# ------------------------------------------------------------------ status and logout


def web_status(profile: str, target: Target) -> list[str] | None:
    """``status``'s lines for a browser sign-in kept for this profile and server (refreshed
    when due), or None when there is none or a key wins over it (OPENRUSH_KEY, a saved
    key)."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.web import keeping

    if target.key is not None and target.key.source != "browser":
        return None
    kept = keeping.find(profile)
    if kept is None or kept.session.api_url != target.api_url.rstrip("/"):
        return None
    return asyncio.run(_web_status(profile, kept, target))


async def _web_status(profile: str, kept: Kept, target: Target) -> list[str]:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.web import keeping
    from openrush_tui.auth.web.flow import BrowserSignIn
    from openrush_tui.auth.web.tokens import SIGNED_OUT, SignedOut
    from openrush_tui.clock import system_clock
    from openrush_tui.commands.auth import status_row
    from openrush_tui.errors import OpenRushError

    async with BrowserSignIn(target.api_url, profile) as signing:
        try:
            kept = await keeping.fresh_session(profile, kept, signing.http, system_clock)
        except SignedOut:
            return [status_row("Status", SIGNED_OUT)]
        except OpenRushError as exc:
            return [status_row("Status", "signed in through the browser; the session could "
                                         f"not be renewed ({exc})")]
    session = kept.session
    who = f" as {visible(session.account_id)}" if session.account_id else ""
    until = f", session until {exact(session.expires_at)}" if session.expires_at else ""
    return [status_row("Status", f"signed in through the browser{who}{until}"),
            status_row("Server", visible(target.api_url)),
            status_row("Kept in", kept.source_label)]


def kept_for(profile: str, api_url: str) -> Kept | None:
    """The browser sign-in kept for this profile on this server, or None."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.web import keeping

    kept = keeping.find(profile)
    if kept is None or kept.session.api_url != api_url.rstrip("/"):
        return None
    return kept


def web_logout(profile: str) -> list[str] | None:
    """Sign a browser sign-in out: revoked at the server when it offers that, then removed.
    The sentences to say, or None when none was kept."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.web import keeping

    kept = keeping.find(profile)
    if kept is None:
        return None
    said = asyncio.run(_revoke(kept))
    problems = keeping.forget(profile)
    return [said, *problems] if problems else [said]


async def _revoke(kept: Kept) -> str:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.web.flow import BrowserSignIn
    from openrush_tui.auth.web.tokens import revoke
    from openrush_tui.errors import OpenRushError

    async with BrowserSignIn(kept.session.api_url, None) as signing:
        try:
            offered = await revoke(signing.http, kept.session)
        except OpenRushError as exc:
            return (f"Signed out of the browser sign-in here; the server could not end it "
                    f"({exc}), so it ends when its tokens expire.")
    if not offered:
        return "Signed out of the browser sign-in here (the server offers no revocation)."
    return "Signed out of the browser sign-in: the server ended it, and it was removed."
