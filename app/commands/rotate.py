"""`openrush-tui keys rotate ID|NAME`: the guided rotation of `keys.rotate`, in a terminal.

The new key is printed once on stdout (``NEW=$(openrush-tui keys rotate prod --yes)``);
everything else goes to stderr. While waiting for the old key to fall idle, a terminal shows
"old key last used 2 minutes ago" on one line; a pipe gets a line only when that changes.

With ``--json`` stdout is JSON Lines instead, one object a step (``keys-rotate`` in
docs/json-output.md), each written as the step happens: a rotation may wait minutes for the
old key to fall idle, and what it waits for is the new key being put to use, so the key
cannot wait for a document printed at the end.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from openrush_tui.clock import system_clock
from openrush_tui.commands import output
from openrush_tui.commands.common import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    add_connection_args,
    confirm,
    error,
    guarded,
    print_document,
    resolve_target,
    run_with_client,
    say,
    status_line,
    stdin_is_terminal,
)
from openrush_tui.commands.keys import by_full_key, cut_hint
from openrush_tui.commands.lifecycle import number_up_to
from openrush_tui.text.counts import number
from openrush_tui.text.safe import cut_names, is_cut, shown_as, visible

if TYPE_CHECKING:
    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.clock import Clock
    from openrush_tui.commands.common import Target
    from openrush_tui.keys.rotate import Rotation, Sleep, Step


def register_rotate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rotate = commands.add_parser(
        "rotate", help="replace a key with a new one, then revoke the old one",
        description="Create a replacement key (the same name plus today's date, the same "
                    "lifetime), print it once on stdout, then revoke the old key now, once "
                    "nothing has used it for --idle-minutes, or never. If this terminal signs "
                    "in with the old key, it switches to the new one first.")
    rotate.add_argument("key", metavar="ID|NAME",
                        help="the key's id (cred_…, or its start as `keys list` shows it) or "
                             "its name")
    rotate.add_argument("--revoke-old", choices=("now", "when-idle", "never"), default="now",
                        help="when to revoke the old key (default %(default)s)")
    rotate.add_argument("--idle-minutes", type=number_up_to("minutes", 10_080), default=10.0,
                        metavar="N",
                        help="with --revoke-old when-idle: revoke once the old key has been "
                             "unused this long (default %(default)g)")
    rotate.add_argument("--yes", "-y", action="store_true",
                        help="do not ask for confirmation (needed when stdin is not a terminal)")
    rotate.add_argument("--json", action="store_true",
                        help="print each step as a line of JSON as it happens, the new key "
                             "in the first (docs/json-output.md)")
    add_connection_args(rotate)
    rotate.set_defaults(func=run_rotate)


class KeyNotFound(Exception):
    """The ID|NAME named no key, or several (a usage error)."""


def find_target(keys: Sequence[ApiCredential], ref: str) -> ApiCredential:
    """The key with this id, else the one active key with exactly this name, else the one key
    whose id starts with it (a narrow `keys list` shows the start; a full key, as pasted from
    a file, names the key with its prefix: never echoed, masked)."""
    [found], shown = by_full_key([ref], list(keys))
    if found != ref:
        by_prefix = next((key for key in keys if key.id == found), None)
        if by_prefix is None:
            raise KeyNotFound(f"no key of this account starts like “{visible(shown[found])}” "
                              "(see `openrush-tui keys list`)")
        ref = found
    by_id = next((key for key in keys if key.id == ref), None)
    if by_id is not None:
        if not by_id.is_active:
            raise KeyNotFound(f"{visible(ref)} is revoked: there is nothing to rotate "
                              "(create a new key with `openrush-tui keys create`)")
        return by_id
    named = [key for key in keys if key.name == ref and key.is_active] or [
        key for key in keys if shown_as(key.name, ref) and key.is_active]  # as shown
    if len(named) == 1:
        return named[0]
    if not named and is_cut(ref):  # as a narrow table cut it: only if no other key reads so
        cut = [key for key in keys if cut_names(key.name, ref)]
        if len(cut) == 1:
            return find_target(keys, cut[0].id)
        if cut:
            ids = visible(", ".join(key.id for key in cut))
            raise KeyNotFound(f"“{visible(ref)}” could be the name of any of "
                              f"{number(len(cut))} keys, cut by a table: give the id of one "
                              f"({ids})")
    if not named and ref:  # a unique start of an id, as a narrow `keys list` shows it
        started = [key for key in keys if key.id.startswith(ref)]
        if len(started) == 1:
            return find_target(keys, started[0].id)
        if started:
            raise KeyNotFound(f"{number(len(started))} keys have an id that starts with "
                              f"“{visible(ref)}”: give more of the id (see `openrush-tui "
                              "keys list`)")
    if not named:
        raise KeyNotFound(f"no active key has the id or name “{visible(ref)}”{cut_hint(ref)} "
                          "(see `openrush-tui keys list`)")
    ids = ", ".join(key.id for key in named)
    raise KeyNotFound(f"{number(len(named))} active keys are named “{visible(ref)}”: give the "
                      f"id of one ({visible(ids)})")


@guarded
def run_rotate(args: argparse.Namespace) -> int:
    if not args.yes and not stdin_is_terminal():
        return error("keys rotate: refusing to ask for confirmation because stdin is not a "
                     "terminal; pass --yes to rotate without asking", EXIT_USAGE)
    target = resolve_target(args)  # once: the client and the own-key check use the same key
    try:
        return run_with_client(target, lambda client: _rotate(client, args, target))
    except KeyNotFound as problem:
        return error(f"keys rotate: {problem}", EXIT_USAGE)


async def _rotate(client: OpenRushClient, args: argparse.Namespace, target: Target, *,
                  clock: Clock | None = None,
                  sleep: Sleep | None = None) -> int:
    """The rotation itself; `clock` and `sleep` are the system's unless a test moves time."""
    # lazy: start-up (`keys scan` registers this command and never needs the event loop)
    import asyncio

    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.rotate import Rotation
    from openrush_tui.keys.rules import signed_in_with
    from openrush_tui.keys.switch import switcher

    keys = await client.list_keys()
    old = find_target(keys, args.key)
    stored = target.key  # the key `client` signs in with
    own = stored is not None and signed_in_with(old.prefix, stored.secret.reveal())
    switch = switcher(stored, target.settings.profile, target.api_url)
    rotation = Rotation(client, old, revoke_old=args.revoke_old,
                        idle=timedelta(minutes=args.idle_minutes), own=own, switch=switch,
                        clock=clock or system_clock, sleep=sleep or asyncio.sleep,
                        taken_names=[key.name for key in keys])
    tell(rotation.plan())
    printer = JsonStepPrinter() if args.json else StepPrinter()
    if not args.yes and not confirm("Rotate? [y/N] "):  # the y/N question of every command
        tell("Nothing was changed.")
        printer.line("declined", "Nothing was changed.", rotation)
        return EXIT_OK
    try:
        return await follow(rotation, printer)
    except asyncio.CancelledError:  # Ctrl+C: say where things stand before stopping
        printer.end_line()
        where = " ".join(filter(None, (f"Interrupted. {rotation.what_exists()}",
                                       rotation.unfinished())))
        tell(where)
        printer.line("interrupted", where, rotation)
        raise


def tell(text: str) -> None:
    say(text, err=True)  # stdout is for the new key only


class StepPrinter:
    """Prints each step as it happens: the key on stdout, words on stderr."""

    def __init__(self) -> None:
        self.terminal = output.stderr_is_terminal()
        self._line_open = False  # a Waiting line is being rewritten in place
        self._last_waiting = ""

    def end_line(self) -> None:
        if self._line_open:
            tell("")
            self._line_open = False

    def line(self, step: str, text: str, rotation: Rotation) -> None:
        """A step of --json's stream (text: said on stderr already)."""

    def show(self, step: Step, rotation: Rotation) -> None:
        # lazy: start-up (--help imports every command module)
        from openrush_tui.keys import rotate as steps

        if isinstance(step, steps.Waiting):
            if self.terminal:  # one line, rewritten in place
                status_line(step.text)
                self._line_open = True
            elif step.text != self._last_waiting:
                tell(step.text)
            self._last_waiting = step.text
            return
        self.end_line()
        if isinstance(step, steps.Created):
            # Said if stdout cannot take the key: the rotation stops here, the old key active.
            output.receipt(f"{rotation.what_exists()} The new key was never shown and can "
                           "never be shown again: revoke it with `openrush-tui keys revoke "
                           f"{visible(step.new.id)}` and rotate again.")
            say(step.key.reveal())
        tell(f"openrush-tui: {step.text}" if isinstance(step, steps.Failed) else step.text)


class JsonStepPrinter(StepPrinter):
    """--json: each step also a line of JSON on stdout, as it happens (the words still on
    stderr, for the person watching); the waits only on stderr."""

    def show(self, step: Step, rotation: Rotation) -> None:
        # lazy: start-up (--help imports every command module)
        from openrush_tui.keys import rotate as steps

        if isinstance(step, steps.Waiting):
            super().show(step, rotation)
            return
        self.end_line()
        if isinstance(step, steps.Created):
            # Said if stdout cannot take it: the rotation stops here, the old key active.
            lost = (f"{rotation.what_exists()} The new key was never shown and can never be "
                    "shown again: revoke it with `openrush-tui keys revoke "
                    f"{visible(step.new.id)}` and rotate again.")
            output.receipt(lost)
            self.line("created", step.text, rotation, key=step.key.reveal(),
                      credential=step.new)
            output.withdraw(lost)  # shown: from here on the steps say what was done
        else:
            output.receipt(step.text)
            self.line(step_name(step), step.text, rotation)
        tell(f"openrush-tui: {step.text}" if isinstance(step, steps.Failed) else step.text)

    def line(self, step: str, text: str, rotation: Rotation, *, key: str | None = None,
             credential: ApiCredential | None = None) -> None:
        """One line of the stream; after the new key's (which must be shown or stop the
        rotation), a reader gone does not stop the rotation: the end says so."""
        new = rotation.new
        old_state = ("unknown" if rotation.sending == "revoke" or rotation.old_maybe_revoked
                     else "active" if rotation.old_active else "revoked")
        print_document("keys-rotate", {
            "step": step, "message": text, "old_id": rotation.old.id, "old_state": old_state,
            "new_id": new.id if new is not None else None, "key": key,
            "api_credential": credential.model_dump(mode="json") if credential else None,
        }, line=True, keep_going=key is None)


def step_name(step: Step) -> str:
    """The "step" of a line of --json's stream (docs/json-output.md)."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys import rotate as steps

    if isinstance(step, steps.Switched):
        # "manual": this terminal's key is OPENRUSH_KEY's, which only its owner can change
        return "switched" if step.result.status == "switched" else "switch-by-hand"
    return {steps.Created: "created", steps.Waiting: "waiting", steps.Revoked: "revoked",
            steps.Kept: "kept", steps.Failed: "failed"}[type(step)]


async def follow(rotation: Rotation, printer: StepPrinter) -> int:
    """Show each step of the rotation; 1 if one failed."""
    # lazy: start-up (--help imports every command module)
    from openrush_tui.keys.rotate import Failed, Kept

    async for step in rotation.run():
        printer.show(step, rotation)
        if isinstance(step, Kept | Failed) and (hint := rotation.unfinished()):
            tell(hint)
        if isinstance(step, Failed):
            return EXIT_API_ERROR
    return EXIT_OK

