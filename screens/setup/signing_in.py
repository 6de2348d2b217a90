"""Setup's account flows: sign in (check, then keep the key where the person chose), where
keys are kept when there is no keyring (remembered per profile, changed with Storage), and
sign out (asking first when it would delete the only copy of a key).

A mixin of `SetupScreen` (kept apart to keep each module short). Where a key is saved is
`auth.signin`'s decision, shared with ``openrush-tui login``; this only asks and shows. Each
flow is an `@work` method that awaits its blocking call in a thread and finishes itself.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from textual import work

from openrush_tui.errors import OpenRushError

if TYPE_CHECKING:
    from textual.app import App

    from openrush_tui.auth.secret import Secret
    from openrush_tui.auth.signin import StorageChoice
    from openrush_tui.tui import OpenRushApp

STORE_GROUP = "store-key"
STORAGE_GROUP = "change-storage"
SIGN_OUT_GROUP = "sign-out"
SIGN_OUT_ASK_GROUP = "sign-out-ask"


class SigningIn:
    """What `SetupScreen` adds for signing in and out (it provides the rest)."""

    dashboard: OpenRushApp
    app: App[None]

    if TYPE_CHECKING:  # provided by SetupScreen and Textual's Screen
        def notify(self, message: str, **options: object) -> None: ...
        def action_reload(self, reuse: float = 0.0) -> None: ...
        def render_terminal(self) -> None: ...
        def show_signed_out(self) -> None: ...

    # -- signing in --------------------------------------------------------------------------

    def action_sign_in(self) -> None:
        from openrush_tui.screens.setup.sign_in import SignInScreen

        settings = self.dashboard.settings
        self.app.push_screen(SignInScreen(self.dashboard.session, server=settings.server_label),
                             self._key_checked)

    def _key_checked(self, secret: Secret | None) -> None:
        if secret is not None:
            self.save_key(secret)

    @work(group=STORE_GROUP, exclusive=True, exit_on_error=False)
    async def save_key(self, secret: Secret, choice: StorageChoice | None = None) -> None:
        """Keyring first (`signin.save_key`); without a usable one, ask, then store as chosen."""
        from openrush_tui.auth import signin

        settings = self.dashboard.settings
        try:
            if choice is None:
                result = await asyncio.to_thread(signin.save_key, settings.profile,
                                                 settings.api_url, secret,
                                                 sandbox=settings.sandbox is not None)
            else:
                result = await asyncio.to_thread(signin.save_as, settings.profile,
                                                 settings.api_url, secret, choice)
        except OpenRushError as exc:  # the credentials or profiles file could not be used
            self.notify(f"The key could not be saved: {exc}", severity="error", timeout=12,
                        markup=False)
            return
        if isinstance(result, signin.NeedsChoice):
            from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen

            self.app.push_screen(StorageChoiceScreen(result.reason, result.file_path),
                                 partial(self._storage_chosen, secret))
            return
        session = self.dashboard.session
        await session.use_key(result.key)
        session.notes = result.notes
        self.notify(f"Signed in. The key comes from {result.key.source_label}.", markup=False,
                    timeout=8)
        self.action_reload()

    def _storage_chosen(self, secret: Secret, choice: StorageChoice | None) -> None:
        if choice is None:
            self.notify("Not signed in: the key was not kept.", markup=False)
            return
        self.save_key(secret, choice)

    # -- where keys are kept without a keyring -----------------------------------------------

    def action_storage(self) -> None:
        self.ask_storage()

    @work(group=STORAGE_GROUP, exclusive=True, exit_on_error=False)
    async def ask_storage(self) -> None:
        """The storage dialog, saying what this profile chose before."""
        from openrush_tui.auth.credentials import credentials_path
        from openrush_tui.auth.signin import KEPT_IN, storage_choice
        from openrush_tui.screens.setup.storage_choice import StorageChoiceScreen
        from openrush_tui.text.paths import display_path

        profile = self.dashboard.settings.profile
        current = await asyncio.to_thread(storage_choice, profile)
        now = (f"Now the key is kept {KEPT_IN[current]}" if current
               else "Nothing is chosen yet (the next sign-in asks)")
        reason = (f"{now}. This applies when there is no usable OS keyring (an OS keyring, "
                  "when there is one, is always used first). The key in use moves too.")
        self.app.push_screen(
            StorageChoiceScreen(reason, display_path(credentials_path()),
                                title=f"Where profile “{profile}” keeps its key"),
            self._storage_changed)

    def _storage_changed(self, choice: StorageChoice | None) -> None:
        if choice is not None:
            self.change_storage(choice)

    @work(group=STORAGE_GROUP, exclusive=True, exit_on_error=False)
    async def change_storage(self, choice: StorageChoice) -> None:
        from openrush_tui.auth import signin

        session, settings = self.dashboard.session, self.dashboard.settings
        key = session.key if session.key and session.key.source in ("file", "session") else None
        try:
            moved = await asyncio.to_thread(signin.change_storage, settings.profile,
                                            settings.api_url, key, choice)
        except (OpenRushError, OSError) as exc:
            self.notify(f"The choice was not saved: {exc}", severity="error", timeout=12,
                        markup=False)
            return
        if moved is not None:
            await session.use_key(moved.key)
            session.notes = moved.notes
        self.render_terminal()
        self.notify(f"Keys of this profile are now kept {signin.KEPT_IN[choice]}"
                    + (" when there is no keyring; the key in use moved there."
                       if moved else " when there is no keyring."), markup=False, timeout=8)

    # -- signing out -------------------------------------------------------------------------

    def action_sign_out(self) -> None:
        if self.dashboard.session.signed_in:
            self.ask_sign_out()

    @work(group=SIGN_OUT_ASK_GROUP, exclusive=True, exit_on_error=False)
    async def ask_sign_out(self) -> None:
        """When signing out deletes the only copy of a key this tool knows of, ask first."""
        from openrush_tui.auth.signin import lost_by_signing_out
        from openrush_tui.screens.setup.sign_out import SignOutScreen

        session = self.dashboard.session
        if session.settings.sandbox is None:
            try:  # the keyring may be asked (bounded): a thread
                lost = await asyncio.to_thread(lost_by_signing_out, session.settings.profile,
                                               session.key)
            except OpenRushError as exc:  # e.g. a credentials file others can read
                self.notify(f"Not signed out: {exc}", severity="error", timeout=12,
                            markup=False)
                return
            if lost is not None:
                key, in_use = lost
                self.app.push_screen(SignOutScreen(key, in_use=in_use),
                                     lambda confirmed: self.sign_out() if confirmed else None)
                return
        self.sign_out()

    @work(group=SIGN_OUT_GROUP, exclusive=True, exit_on_error=False)
    async def sign_out(self) -> None:
        session = self.dashboard.session
        sandbox = session.settings.sandbox is not None
        try:
            report = await session.sign_out()
            if sandbox:
                message = "Signed out of the sandbox. Press s to sign in with a key."
            else:
                if report is None:  # the key was not stored by us, but an older one may be
                    report = await session.forget_stored()
                message = report.summary()
        except OpenRushError as exc:
            self.notify(f"Signing out did not finish: {exc}", severity="error", timeout=12,
                        markup=False)
            return
        self.dashboard.balance = None
        self.show_signed_out()
        self.notify(message, markup=False, timeout=10)
