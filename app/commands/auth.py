"""``login``, ``logout`` and ``status``: the Setup page's "This terminal" from the command line.

``login`` reads the key from a masked prompt, or from stdin when it is piped, and never from
an argument (argv is visible to every user of the machine through ``ps``). It checks the key
with the server before saving it: in the OS keyring, or, when there is none that keeps keys
safely, in the 0600 file only if the person agrees (a prompt, or ``--insecure-storage``).
Replacing the only copy of another saved key asks first, as ``logout`` does (a y/N prompt on
a terminal; ``--yes`` when stdin is not one).
Where the key goes is `auth.signin`'s decision, shared with the Setup page; here is only the
asking. (``agents`` is `commands.agents`.)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import textwrap
from dataclasses import replace
from typing import TYPE_CHECKING

from openrush_tui.commands import output
from openrush_tui.commands.common import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Target,
    add_connection_args,
    confirm,
    error,
    guarded,
    interrupted,
    plain_file_agreed,
    print_document,
    refuse_without_yes,
    resolve_target,
    say,
    stdin_is_terminal,
)
from openrush_tui.commands.table import stderr_width, terminal_width, wrap
from openrush_tui.config import mcp_url_from_env
from openrush_tui.errors import OpenRushError
from openrush_tui.text.safe import visible

if TYPE_CHECKING:
    from openrush_tui.auth.credentials import SignOutReport
    from openrush_tui.auth.secret import Secret
    from openrush_tui.auth.signin import Consent, SignedIn
    from openrush_tui.auth.status import Account, TerminalStatus
    from openrush_tui.auth.web.keeping import Kept


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = subparsers.add_parser(
        "login", help="sign this terminal in (the key is read from a prompt or stdin)",
        description="Check a key with the server and save it: in the OS keyring, or (when "
                    "there is none and you agree) in a file readable only by you. The key "
                    "is read from a masked prompt, or from stdin when piped, e.g. "
                    "`pass show openrush | openrush-tui login`.")
    add_connection_args(login)
    login.add_argument("--insecure-storage", action="store_true",
                       help="if no usable keyring exists, save the key to the 0600 file "
                            "(plain text on disk) without asking")
    login.add_argument("--yes", "-y", action="store_true",
                       help="replace a different saved key, or end a browser sign-in, "
                            "without asking (needed when stdin is not a terminal)")
    login.add_argument("--json", action="store_true",
                       help="print where the key was saved as JSON (docs/json-output.md)")
    login.add_argument("--web", action="store_true",
                       help="sign in through the browser instead of with a key: prints an "
                            "address and a code to approve on any device (docs/oauth.md)")
    login.add_argument("--no-wait", action="store_true",
                       help="with --web: print the address and code and exit; finish with "
                            "login --web --resume once approved")
    login.add_argument("--resume", action="store_true",
                       help="with --web: finish the sign-in that --no-wait started")
    login.set_defaults(func=login_command)

    logout = subparsers.add_parser(
        "logout", help="remove the saved key from the keyring and the credentials file "
                       "(asks first unless --yes)",
        description="Remove the saved key from the keyring and the credentials file. It may "
                    "be the only copy of the key, which OpenRush cannot show again, so this "
                    "asks first (and needs --yes when stdin is not a terminal).")
    add_connection_args(logout)
    logout.add_argument("--yes", "-y", action="store_true",
                        help="do not ask (needed when stdin is not a terminal)")
    logout.add_argument("--json", action="store_true",
                        help="print what was removed as JSON (docs/json-output.md)")
    logout.set_defaults(func=logout_command)

    status = subparsers.add_parser(
        "status", help="whether this terminal is signed in, to which server, with which key")
    add_connection_args(status)
    status.add_argument("--json", action="store_true",
                        help="print a JSON object (docs/json-output.md)")
    status.set_defaults(func=status_command, read_only=True)


def _profile(args: argparse.Namespace) -> str:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.profiles import check_profile_name

    return check_profile_name(getattr(args, "profile", "default"))


# ------------------------------------------------------------------ login


def read_key_from_user(prompt: str = "Paste your OpenRush key (input hidden): ") -> str:
    """A masked prompt on a terminal; the first line of stdin when it is piped."""
    if sys.stdin is not None and sys.stdin.isatty():
        # lazy: start-up (--help imports every command module)
        import getpass

        return getpass.getpass(prompt)
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()


@guarded
def login_command(args: argparse.Namespace) -> int:

    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.credentials import key_from_environment
    from openrush_tui.auth.secret import Secret
    from openrush_tui.auth.status import balance_text

    try:
        profile = _profile(args)
    except ValueError as exc:
        return error(str(exc), EXIT_USAGE)
    target = resolve_target(args)
    api_url = target.api_url
    if args.no_wait or args.resume or args.web:
        if not args.web or args.json or (args.no_wait and args.resume):
            return error("--no-wait and --resume go with --web (one of them), and --web "
                         "prints no --json yet", EXIT_USAGE)
        # lazy: start-up (--help imports every command module)
        from openrush_tui.commands.web_login import login_web

        return login_web(args, profile, target)
    raw = read_key_from_user().strip()
    if not raw:
        return error("no key was given (paste it at the prompt, or pipe it on stdin)",
                     EXIT_USAGE)
    secret = Secret(raw)
    try:
        account = asyncio.run(_check(target, secret))
    except KeyboardInterrupt:
        return interrupted("The key was not saved: this terminal's sign-in is unchanged.")
    browser = _browser_replaced(args, profile, api_url)
    if isinstance(browser, int):
        if args.json and browser == EXIT_OK:  # the browser sign-in was kept, as answered
            print_document("login", login_json(profile, api_url, account, None))
        return browser
    signed_in = _save(profile, api_url, secret, insecure_ok=args.insecure_storage,
                      replace_ok=args.yes)
    if isinstance(signed_in, int):
        if args.json and signed_in == EXIT_OK:  # the saved key was kept, as answered
            print_document("login", login_json(profile, api_url, account, None))
        return signed_in
    if browser is not None:  # the key is saved: the browser sign-in it replaces ends (logout's way)
        _end_browser(profile, err=args.json)
    output.receipt(f"This terminal is signed in to {visible(api_url)} with the key "
                   f"{visible(secret.masked())}, saved in {signed_in.key.source_label}.")
    if args.json:
        print_document("login", login_json(profile, api_url, account, signed_in))
        return EXIT_OK
    who = f" as {visible(account.account_id)}" if account.account_id else ""
    _tell(f"Signed in to {visible(api_url)}{who} ({balance_text(account.balance)}).")
    _tell(f"The key ({visible(secret.masked())}) is saved in {signed_in.key.source_label}.")
    if key_from_environment() is not None:
        _tell("Note: OPENRUSH_KEY is set in this environment and wins over the saved key.")
    return EXIT_OK


def _tell(sentence: str, *, err: bool = False) -> None:
    """A sentence of login's on stdout (stderr with `err`), broken between words at the
    terminal's width as the CLI's other messages are (`commands.table.wrap`); whole when
    piped."""
    say(wrap(sentence, stderr_width() if err else terminal_width()), err=err)


def _browser_replaced(args: argparse.Namespace, profile: str,
                      api_url: str) -> Kept | int | None:
    """The browser sign-in kept for this profile and server that is to end for the key (asked
    as replacing a saved key is: No unless answered yes, --yes off a terminal); None when
    there is none; an exit code when the person kept it or could not be asked."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.web_login import kept_for

    try:
        kept = kept_for(profile, api_url)
    except OpenRushError as exc:  # its store cannot be read: nothing is touched
        return error(f"the key was not saved: the browser sign-in kept here cannot be read "
                     f"({exc})")
    if kept is None or args.yes:
        return kept
    if not stdin_is_terminal():
        return refuse_without_yes("login", "end the browser sign-in")
    who = f" as {visible(kept.session.account_id)}" if kept.session.account_id else ""
    say(wrap(f"This terminal is signed in to {visible(api_url)} through the browser{who}, "
             f"kept in {kept.source_label}. Signing in with the key ends that sign-in.",
             stderr_width()), err=True)
    if not confirm("End the browser sign-in and sign in with the key? [y/N] "):
        say("Nothing changed: the browser sign-in stays.", err=True)
        return EXIT_OK
    return kept


def _end_browser(profile: str, *, err: bool) -> None:
    """The browser sign-in ended at the server (when it offers that) and removed, in a line."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.web_login import web_logout

    try:
        said = web_logout(profile)
    except OpenRushError as exc:
        error(f"the browser sign-in kept here could not be removed: {exc}")
        return
    for sentence in said or ():
        _tell(sentence, err=err)


def login_json(profile: str, api_url: str, account: Account,
               signed_in: SignedIn | None) -> dict[str, object]:
    """``login --json`` (docs/json-output.md): None when the saved key was kept."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.credentials import key_from_environment

    return {"saved": signed_in is not None, "profile": profile, "api_url": api_url,
            "account_id": account.account_id, "balance": account.balance,
            "key": signed_in.key.as_dict() if signed_in is not None else None,
            "environment_key_wins": key_from_environment() is not None}


async def _check(target: Target, secret: Secret) -> Account:
    """The account of `secret` on the command's server (a client built as every other is)."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.status import check_account
    from openrush_tui.session import build_client

    async with build_client(target.settings, secret) as client:
        # One command, once: the key list is the only place an `or_` key's account id is.
        return await check_account(client, secret, list_keys=True)


def _save(profile: str, api_url: str, secret: Secret, *,
          insecure_ok: bool, replace_ok: bool) -> SignedIn | int:
    """Keyring first; without a usable one, the file only if the person agrees; over the
    only copy of another saved key, only if the person agrees. An exit code when not saved."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.signin import NO_CONSENT, NeedsChoice, NeedsConsent, save_as, save_key

    replaces: Consent = "any" if replace_ok else NO_CONSENT
    # A remembered "this session only" means nothing to a command that ends now: ask.
    result = save_key(profile, api_url, secret, remembered=("file",), replaces=replaces)
    if isinstance(result, NeedsChoice):
        error(result.reason)
        if not _file_agreed(result.file_path, insecure_ok=insecure_ok):
            return EXIT_API_ERROR
        result = save_as(profile, api_url, secret, "file", replaces=replaces)
    if isinstance(result, NeedsConsent):
        if not stdin_is_terminal():
            return refuse_without_yes("login", "replace the saved key")
        for sentence in result.sentences():
            _tell(sentence, err=True)
        if not confirm("Replace it and sign in with the new key? [y/N] "):
            say("Nothing was replaced: the saved key stays.", err=True)
            return EXIT_OK
        # Where the new key goes was decided already (the keyring, or the file as agreed).
        result = (save_key(profile, api_url, secret, remembered=("file",),
                           replaces=result.consent())
                  if result.choice is None
                  else save_as(profile, api_url, secret, result.choice,
                               replaces=result.consent()))
        if isinstance(result, NeedsChoice | NeedsConsent):  # the store changed meanwhile
            return error("the saved key changed while you were asked; nothing was replaced. "
                         "Run login again.")
    for note in result.notes:
        error(note)
    return result


def _file_agreed(shown: str, *, insecure_ok: bool) -> bool:
    return plain_file_agreed(
        insecure_ok=insecure_ok,
        question=f"Save the key to {shown} instead? It is plain text on disk, readable only "
                 "by you (mode 0600). [y/N]",
        no_terminal=f"the key was not saved. Run again with --insecure-storage to save it to "
                    f"{shown} (plain text, readable only by you), or set OPENRUSH_KEY instead.",
        declined="the key was not saved; nothing changed.")


# ------------------------------------------------------------------ logout and status


@guarded
def logout_command(args: argparse.Namespace) -> int:
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.credentials import find_saved_key, forget
    from openrush_tui.auth.signin import lost_by_signing_out, what_is_lost

    try:
        profile = _profile(args)
    except ValueError as exc:
        return error(str(exc), EXIT_USAGE)
    # lazy: start-up (--help imports every command module)
    from openrush_tui.commands.web_login import web_logout

    try:
        browser = web_logout(profile)  # a browser sign-in: ended at the server, then removed
    except OpenRushError as exc:  # its store cannot be read: nothing else is touched either
        return error(f"Signing out did not finish: {exc}")
    for sentence in browser or ():
        _tell(sentence, err=args.json)
    if browser is not None and find_saved_key(profile).key is None:
        return EXIT_OK
    if not args.yes:  # ask first when the key saved here is the only copy this tool knows
        try:
            lost = lost_by_signing_out(profile, None)
        except OpenRushError as exc:  # a store that cannot be read cannot be cleared either
            return error(f"Signing out did not finish: {exc}")
        if lost is not None:
            if not stdin_is_terminal():
                return refuse_without_yes("logout", "delete the saved key")
            _tell(what_is_lost(lost[0], in_use=False), err=True)
            if not confirm("Delete it and sign out? [y/N] "):
                say("Nothing was deleted.", err=True)
                if args.json:
                    print_document("logout", logout_json(profile, None))
                return EXIT_OK
    report = forget(profile)
    if not report.finished:  # a saved copy may remain: say so where errors go, and fail
        code = error(report.summary())
        if args.json and report.removed:  # something was done: the document says what
            print_document("logout", logout_json(profile, report))
        return code
    output.receipt(report.summary())
    if args.json:
        print_document("logout", logout_json(profile, report))
    else:
        _tell(report.summary())
    return EXIT_OK


def logout_json(profile: str, report: SignOutReport | None) -> dict[str, object]:
    """``logout --json`` (docs/json-output.md): None when the person kept the key."""
    if report is None:
        # lazy: start-up (--help imports every command module)
        from openrush_tui.auth.credentials import key_from_environment

        return {"signed_out": False, "profile": profile, "removed_from": [], "kept": [],
                "problems": [], "warnings": [],
                "environment_key_still_set": key_from_environment() is not None,
                "message": "Nothing was deleted."}
    return {"signed_out": report.finished, "profile": profile,
            "removed_from": list(report.removed), "kept": list(report.kept),
            "problems": list(report.problems), "warnings": list(report.warnings),
            "environment_key_still_set": report.environment_still_set,
            "message": report.summary()}


STATUS_WIDTH = 80  # piped: an SSH session's default terminal
STATUS_LABEL = 10


def status_row(label: str, value: str) -> str:
    """One ``status`` row: the label, then the value wrapped at words to end within the
    terminal's width (`COLUMNS` first, as tables read it; `STATUS_WIDTH` when piped), its
    later lines under its first (a word longer than the room, a long URL or path, stays
    whole)."""
    room = max(20, (terminal_width() or STATUS_WIDTH) - STATUS_LABEL)
    lines = [value] if len(value) <= room else textwrap.wrap(
        value, room, break_long_words=False, break_on_hyphens=False) or [value]
    return "\n".join(f"{label if index == 0 else '':<{STATUS_LABEL}}{line}"
                     for index, line in enumerate(lines))


def terminal_status(args: argparse.Namespace) -> TerminalStatus:
    """The same model the Setup screen draws, checked against the server when signed in."""

    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.status import TerminalStatus
    profile = _profile(args)
    target = resolve_target(args)
    api_url, lookup = target.api_url, target.lookup
    settings = replace(target.settings,
                       mcp_url=mcp_url_from_env(getattr(args, "mcp_url", None)))
    status = TerminalStatus(server=settings.server_label, api_url=api_url,
                            mcp_url=settings.mcp_url, profile=profile, key=lookup.key,
                            notes=lookup.notes)
    if lookup.key is None:
        return status
    # lazy: start-up (--help imports every command module)
    from openrush_tui.auth.status import rejection

    try:
        account = asyncio.run(_check(target, lookup.key.secret))
    except OpenRushError as exc:
        return replace(status, error=str(exc), rejected=rejection(exc))
    return replace(status, account=account)


@guarded
def status_command(args: argparse.Namespace) -> int:
    try:
        status = terminal_status(args)
    except ValueError as exc:
        return error(str(exc), EXIT_USAGE)
    ok = status.signed_in and status.error is None
    if (not status.signed_in or (status.key is not None and status.key.source == "browser")) \
            and not args.json:
        # lazy: start-up (--help imports every command module)
        from openrush_tui.commands.web_login import web_status

        browser = web_status(_profile(args), resolve_target(args))
        for line in browser or ():
            say(line)
        if browser is not None:
            # What a key's status shows too: the account's balance (checked through the
            # browser sign-in above) and the MCP URL agents are set up with.
            for label, value in status.rows():
                if label == "Balance":
                    say(status_row(label, value))
            say(status_row("MCP URL", visible(status.mcp_url)))
            return EXIT_OK
    if args.json:
        print_document("status", status.as_dict())
        return EXIT_OK if ok else EXIT_API_ERROR
    say(status_row("Status", status.status_line()))
    for label, value in status.rows():
        say(status_row(label, value))
    say(status_row("MCP URL", visible(status.mcp_url)))
    if status.error:
        say(status_row("Problem", status.error))
    for note in status.shown_notes():
        say(status_row("Note", note))
    if not status.signed_in:
        say("Sign in with `openrush-tui login`, or set OPENRUSH_KEY.")
    return EXIT_OK if ok else EXIT_API_ERROR
