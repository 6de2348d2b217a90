"""One connection per app: the API client, built lazily, and the in-process sandbox behind it.

Nothing here runs at import or construction time, so the first frame never waits for httpx,
pydantic, FastAPI or SQLite: `warm_up()` (the dashboard calls it once its first frame is on
screen) or else the first `client()` call loads them, in threads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from importlib import import_module
from typing import TYPE_CHECKING

from openrush_tui.api.budget import RequestBudget
from openrush_tui.auth.credentials import CredentialStoreError, Lookup, StoredKey, forget
from openrush_tui.auth.secret import Secret
from openrush_tui.blocking import in_daemon_thread
from openrush_tui.clock import fixed_clock, system_clock
from openrush_tui.config import Settings

if TYPE_CHECKING:
    import httpx

    from openrush_tui.api.client import OpenRushClient
    from openrush_tui.api.models import ApiCredential
    from openrush_tui.api.oauth_http import OAuthHttp
    from openrush_tui.auth.credentials import Lookup, SignOutReport
    from openrush_tui.auth.secret import Secret
    from openrush_tui.auth.status import StoreChange
    from openrush_tui.auth.web.keeping import Kept
    from openrush_tui.clock import Clock
    from openrush_tui.sandbox.app import Sandbox


def build_client(settings: Settings, key: Secret | None, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> OpenRushClient:
    """The one way a client is made, for the dashboard's `Session` and every command
    (`commands.common.make_client`): the settings' URL, auth scheme and timeouts, and a
    request budget that reads a rate limit's reset against the settings' clock (a fixed one
    in demos). Imports httpx: call it off the first-paint path."""
    # lazy: start-up (loads after the dashboard's first frame)
    from openrush_tui.api.client import OpenRushClient

    timeouts = settings.timeouts
    wall = fixed_clock(settings.fixed_now) if settings.fixed_now else system_clock
    return OpenRushClient(settings.effective_api_url, key.reveal() if key else None,
                          auth_scheme=settings.auth_scheme, connect_timeout=timeouts.connect,
                          read_timeout=timeouts.read, deadline=timeouts.deadline,
                          transport=transport,
                          budget=RequestBudget(monotonic=monotonic, wall=wall))


def web_key(web: Kept) -> StoredKey:
    """A browser sign-in's access token as the key the client sends."""
    return StoredKey(web.session.access_token, "browser", web.source_label)


class Session:
    def __init__(self, settings: Settings, key: StoredKey | None, *,
                 notes: tuple[str, ...] = (), signed_out: bool = False,
                 lookup: Callable[[], Lookup] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.monotonic = monotonic  # the request budget's clock (tests move it on)
        self.key = key
        # Finding a saved key may wait on an OS keyring (bounded, but seconds when locked),
        # so it runs after the first frame, in `finish_lookup`.
        self._lookup = lookup
        self._lookup_task: asyncio.Future[None] | None = None
        # What the key lookup wants a person to know (e.g. a keyring that did not answer).
        self.notes = notes
        # Another terminal changed the saved key since this one read it (`check_stored_key`).
        self.store_note: str | None = None
        # ...and the key saved for the profile then, which Setup offers (`use_saved_key`).
        self.saved_offer: StoredKey | None = None
        self._client: OpenRushClient | None = None
        self._sandbox: Sandbox | None = None
        self._warm: asyncio.Future[None] | None = None
        # The signed-in key's account, once a key list has said it (see `learn_account_id`).
        self.account_id: str | None = None
        self._lock = asyncio.Lock()
        # signed_out=True starts the sandbox without its demo session (sign-in tests, demos).
        self._signed_out = signed_out
        # Counts the changes of the key in use (a sign-in, a sign-out, the saved key found):
        # a page showing data of an older epoch shows another key's account, or none.
        self.epoch = 0
        self._listeners: list[Callable[[], object]] = []
        # A browser sign-in (issue 22) in use: its access token is `key` ("browser"), renewed
        # before each use when due (`_fresh_web`). Its clock and the device flow's sleep are
        # the real ones; tests move both by hand.
        self.web: Kept | None = None
        self.sign_in_clock: Clock = system_clock
        self.sign_in_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.sign_in_transport: httpx.AsyncBaseTransport | None = None  # tests: in memory
        self._oauth: OAuthHttp | None = None
        self._web_lock = asyncio.Lock()

    def on_change(self, listener: Callable[[], object]) -> None:
        """Call `listener` after every change of the key in use."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        self.epoch += 1
        self.account_id = None  # another key's, or none
        for listener in self._listeners:
            listener()

    @property
    def lookup_pending(self) -> bool:
        """A saved key is still being looked for; pages wait for `finish_lookup`."""
        return self._lookup is not None

    async def finish_lookup(self) -> None:
        """Look for a saved key off the event loop (once, however many callers wait)."""
        if self._lookup is None:
            return
        if self._lookup_task is None:
            self._lookup_task = asyncio.ensure_future(self._run_lookup(self._lookup))
        # Shielded: a page's cancelled worker must not cancel the lookup others await.
        await asyncio.shield(self._lookup_task)

    async def _run_lookup(self, lookup: Callable[[], Lookup]) -> None:
        try:
            found = await in_daemon_thread(lookup, name="openrush-key-lookup")
        except CredentialStoreError as exc:  # a store problem becomes a note on Setup
            found = Lookup(None, (str(exc),))
        except Exception as exc:  # never leave the pages waiting on a lookup that died
            found = Lookup(None, (f"The saved key could not be looked up ({type(exc).__name__})."
                                  " Sign in again.",))
        if found.key is None and self.settings.sandbox is None:
            web = await self._kept_web()
            if web is not None:
                self.web = web
                found = Lookup(web_key(web), found.notes)
        self.key = found.key
        self.notes = found.notes
        self._lookup = None
        self._changed()

    async def _kept_web(self) -> Kept | None:
        """The browser sign-in kept for this profile and server, if any (never raises: the
        paste flow stays)."""
        # lazy: start-up (loads after the dashboard's first frame)
        from openrush_tui.auth.web import keeping

        try:
            kept = await in_daemon_thread(partial(keeping.find, self.settings.profile),
                                          name="openrush-web-lookup")
        except Exception:  # an unreadable store: signed out, as without one
            return None
        api_url = self.settings.effective_api_url.rstrip("/")
        return kept if kept is not None and kept.session.api_url == api_url else None

    @property
    def signed_in(self) -> bool:
        # In the sandbox the demo session signs in when the client is built, unless the
        # user signed out.
        return self.key is not None or (self.settings.sandbox is not None
                                        and not self._signed_out)

    @property
    def client_if_ready(self) -> OpenRushClient | None:
        return self._client

    def warm_up(self) -> asyncio.Future[None]:
        """Start loading what the first request needs (httpx, pydantic, the models; FastAPI
        and SQLite for the in-process sandbox) in threads, once; the future of that work.

        It overlaps with the saved-key lookup, which mostly waits on the keyring.
        """
        if self._warm is None or (self._warm.done() and (self._warm.cancelled()
                                                         or self._warm.exception())):
            self._warm = asyncio.ensure_future(self._load())  # the first time, or again
            # Its failure is said by the request that awaits it, not as "never retrieved".
            self._warm.add_done_callback(lambda done: done.cancelled() or done.exception())
        return self._warm

    async def _load(self) -> None:
        # A few hundred milliseconds of imports: in a thread, so the event loop keeps drawing.
        await asyncio.to_thread(import_module, "openrush_tui.api.client")
        if self.settings.sandbox is not None:
            # Importing FastAPI, opening SQLite and seeding all run off the event loop.
            await asyncio.to_thread(import_module, "openrush_tui.sandbox.app")
            # lazy: start-up (loads after the dashboard's first frame)
            from openrush_tui.sandbox.app import create_sandbox

            self._sandbox = await asyncio.to_thread(create_sandbox, self.settings.sandbox)

    async def client(self) -> OpenRushClient:
        self.warm_up()  # loading the client overlaps with looking for the key
        await self.finish_lookup()
        async with self._lock:
            if self._client is None:
                self._client = await self._connect()
        if self.web is not None:
            await self._fresh_web()
        return self._client

    def oauth_http(self) -> OAuthHttp:
        """The HTTP of browser sign-ins' refreshes and revocations (one per session)."""
        # lazy: start-up (loads after the dashboard's first frame)
        from openrush_tui.api.oauth_http import OAuthHttp

        if self._oauth is None:
            self._oauth = OAuthHttp(transport=self.sign_in_transport)
        return self._oauth

    async def renew_refused(self, refused: str) -> str | None:
        """The client's `renew` (issue 22): the server refused the access token `refused`
        (a 401) before it was due, so the browser sign-in renews now, once for every request
        refused with it, and the request goes once more with the new token (returned); None
        without a browser sign-in. Refused itself: as `_fresh_web`."""
        await self._fresh_web(refused)
        web = self.web
        return None if web is None else web.session.access_token.reveal()

    async def _fresh_web(self, refused: str | None = None) -> None:
        """Renew the browser sign-in's access token when it is due, one renewal at a time,
        before a request is made with it: the person never sees it expire (`refused`: the
        token the server refused, renewed now unless it was meanwhile). A refused renewal
        signs this session out and says so on Setup (`tokens.SIGNED_OUT`), then raises
        `tokens.SignedOut` for the request that asked."""
        def settled(web: Kept | None) -> bool:
            if web is None:
                return True
            if refused is not None:
                return web.session.access_token.reveal() != refused
            return not web.session.refresh_due(self.sign_in_clock())

        if settled(self.web):
            return
        # lazy: start-up (loads after the dashboard's first frame)
        from openrush_tui.auth.web import keeping
        from openrush_tui.auth.web.tokens import SIGNED_OUT, SignedOut

        async with self._web_lock:
            web = self.web
            if web is None or settled(web):
                return  # renewed (or signed out) while this one waited
            try:
                fresh = await keeping.fresh_session(self.settings.profile, web,
                                                    self.oauth_http(), self.sign_in_clock,
                                                    force=refused is not None)
            except SignedOut:
                if self.web is web:
                    await self.sign_out()
                    self.notes = (SIGNED_OUT,)
                raise
            async with self._lock:
                if self.web is not web:  # signed out or in again meanwhile
                    return
                self.web = fresh
                self.key = web_key(fresh)
                if self._client is not None:  # the same account: no page forgets its data
                    self._client = self._client.with_key(fresh.session.access_token.reveal(),
                                                         renew=self.renew_refused)

    async def _connect(self) -> OpenRushClient:
        settings = self.settings
        # Shielded: a page's cancelled worker must not cancel the loading others await.
        await asyncio.shield(self.warm_up())
        transport = None
        if self._sandbox is not None:
            # lazy: start-up (loads after the dashboard's first frame)
            import httpx

            transport = httpx.ASGITransport(app=self._sandbox.app)
            if self.key is None and not self._signed_out:
                self.key = StoredKey(Secret(self._sandbox.session_token()), "sandbox")
        # Building it loads httpcore and the TLS settings (its pool): a thread, like the imports.
        client = await asyncio.to_thread(partial(
            build_client, settings, self.key.secret if self.key else None,
            transport=transport, monotonic=self.monotonic))
        client.renew = self.renew_refused  # a browser sign-in's 401: renewed, sent once more
        return client

    def learn_account_id(self, keys: list[ApiCredential]) -> None:
        """Remember the account a key list (API access's) shows for the signed-in key, so
        that Setup never lists every key to learn it."""
        # lazy: start-up (loads after the dashboard's first frame)
        from openrush_tui.auth.status import account_id_in

        if self.key is not None:
            self.account_id = account_id_in(keys, self.key.secret) or self.account_id

    async def demo_key(self) -> StoredKey | None:
        """The in-process sandbox's demo session as a key (a fresh token), so that a person who
        signed out of it can sign in again; None outside the sandbox."""
        if self.settings.sandbox is None:
            return None
        await asyncio.shield(self.warm_up())  # opens the sandbox if nothing has yet
        if self._sandbox is None:  # closed as the app quits
            return None
        return StoredKey(Secret(self._sandbox.session_token()), "sandbox")

    async def use_key(self, key: StoredKey, *, web: Kept | None = None) -> None:
        """Sign this session in with another key (the next request uses it); `web`: the
        browser sign-in it is the access token of (`web_key`)."""
        async with self._lock:
            same = self.key is not None and self.key.secret.reveal() == key.secret.reveal()
            self.key = key
            self.web = web
            self.store_note = None
            self.saved_offer = None
            self._signed_out = False
            if self._client is not None:
                self._client = self._client.with_key(key.secret.reveal(),
                                                     renew=self.renew_refused)
        if not same:  # the same key kept elsewhere (a storage change): the same account
            self._changed()

    async def check_stored_key(self) -> str | None:
        """A sentence when the store no longer holds the key in use (another terminal signed
        in with another key, or out), or holds one while this session is signed out, kept in
        `store_note`; the key saved now, if it may be used here, in `saved_offer`
        (`use_saved_key`). None when nothing changed."""
        key = self.key
        change = await self._store_change()
        if self.key is key:  # a sign-in meanwhile wins
            self.store_note = change.note if change else None
            self.saved_offer = change.saved if change else None
        return self.store_note

    async def _store_change(self) -> StoreChange | None:
        # lazy: start-up (loads after the dashboard's first frame)
        from openrush_tui.auth.status import store_change

        if self.settings.sandbox is not None or self.lookup_pending or self.web is not None:
            return None
        return await in_daemon_thread(partial(store_change, self.settings.profile, self.key,
                                              self.settings.effective_api_url),
                                      name="openrush-store-check")

    async def use_saved_key(self) -> StoredKey | None:
        """Use the key saved for the profile now (another terminal's sign-in, or `keys
        rotate`'s new key), read again from the store, as a restart would: no restart. None
        (nothing changed) when the store no longer offers one."""
        change = await self._store_change()
        saved = change.saved if change else None
        if saved is None:
            self.store_note = change.note if change else None
            self.saved_offer = None
            return None
        await self.use_key(saved)
        self.notes = ()  # the lookup's notes were about the key replaced
        return saved

    async def sign_out(self) -> SignOutReport | None:
        """Forget the key in memory and, if this tool stored it, in the keyring and the file.

        A key from OPENRUSH_KEY or the sandbox was never stored here, so only memory is
        cleared for those (the report then is None). The keyring call is bounded by its
        timeout and runs in a thread, so awaiting this never freezes the UI.
        """
        async with self._lock:
            named = self.key
            stored = named is not None and named.source in ("keyring", "file")
            self.key = None
            self.web = None
            self.store_note = None
            self.saved_offer = None
            self._signed_out = True
            self.notes = ()
            if self._client is not None:
                self._client = self._client.with_key(None)
        self._changed()
        if not stored or named is None or self.settings.sandbox is not None:
            return None
        return await self.forget_stored(only=named.secret)

    async def forget_stored(self, *, only: Secret | None = None) -> SignOutReport:
        """Remove this profile's key from every place this tool saves one (with `only`, that
        key alone: one saved meanwhile by another terminal is reported, not removed)."""
        return await asyncio.to_thread(partial(forget, self.settings.profile, only=only))

    async def end_web(self, web: Kept) -> tuple[bool | None, list[str]]:
        """End a browser sign-in: revoked at the server (RFC 7009) and forgotten here.
        Whether the server ended it (None: it could not be reached or refused; False: it
        offers no revocation), and what may remain kept."""
        # lazy: start-up (loads after the dashboard's first frame)
        from openrush_tui.auth.web import keeping
        from openrush_tui.auth.web.tokens import revoke
        from openrush_tui.errors import OpenRushError

        try:
            ended: bool | None = await revoke(self.oauth_http(), web.session)
        except OpenRushError:
            ended = None
        problems = await asyncio.to_thread(keeping.forget, self.settings.profile)
        return ended, problems

    async def aclose(self) -> None:
        if self._oauth is not None:
            await self._oauth.aclose()
            self._oauth = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
            self._warm = None  # a later request opens the sandbox again
