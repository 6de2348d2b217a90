"""Where a browser sign-in is kept, by the keys' rules and words (`auth.credentials`,
`auth.signin`): the OS keyring (service ``openrush-tui``, user ``web:<profile>``); where there
is no usable one, as the person chooses (`NeedsChoice`), the 0600 file ``web-sessions.json``
beside ``credentials.json``, or this session only (nothing written). The profile's earlier
choice (`profiles.remembered_storage`) is used without asking, as for keys.

What is kept is the whole `WebSession` as JSON (tokens, expiry, client id, endpoints), so a
command run later reuses the access token until it is due and then refreshes it.
`fresh_session` refreshes one sign-in at a time per config directory, across processes (a
lock file held by a thread of its own while the refresh is on the network, the stored session
read again under it), because the server rotates refresh tokens and ends a sign-in whose old
refresh token is presented twice: two terminals refreshing at once would sign each other out.

Functions without ``async`` may block (a keyring waits up to its timeout; files are written):
the dashboard runs them in a thread. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from openrush_tui.api.oauth_http import OAuthHttp
from openrush_tui.auth import keyring_store
from openrush_tui.auth.credentials import (
    CredentialStoreError,
    StoredKey,
    read_profile_entry,
    write_profile_entry,
)
from openrush_tui.auth.keyring_store import KeyringTimeout, KeyringUnusable, resolve_timeout
from openrush_tui.auth.profiles import remember_storage, remembered_storage
from openrush_tui.auth.signin import NeedsChoice, StorageChoice
from openrush_tui.auth.web.tokens import SignedOut, WebSession, refresh
from openrush_tui.clock import Clock
from openrush_tui.config import config_dir
from openrush_tui.files import strict_json
from openrush_tui.files.locks import locked
from openrush_tui.files.private import PrivateFileError
from openrush_tui.files.writing import ensure_private_dir
from openrush_tui.text.paths import display_path

KEYRING_PREFIX = "web:"
Source = Literal["keyring", "file", "session"]


def sessions_path() -> Path:
    return config_dir() / "web-sessions.json"


def _user(profile: str) -> str:
    return KEYRING_PREFIX + profile


@dataclass(frozen=True)
class Kept:
    """A browser sign-in and where it is kept."""

    session: WebSession
    source: Source
    where: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def source_label(self) -> str:
        """The words keys use for the same place ("the OS keyring (…)", "the file … (plain
        text, readable only by you)", "this session only (…)")."""
        token = self.session.refresh_token or self.session.access_token
        return StoredKey(token, self.source, self.where).source_label


def _text(session: WebSession) -> str:
    return json.dumps(session.to_json(), sort_keys=True)


def _read_text(text: str | None) -> WebSession | None:
    if not text:
        return None
    try:
        return WebSession.from_json(strict_json.loads(text))
    except strict_json.NotStrictJson:
        return None


# -- the file --------------------------------------------------------------------------------


def _file_session(profile: str) -> WebSession | None:
    return _read_text(read_profile_entry(sessions_path(), profile, "session"))


def _write_file(profile: str, session: WebSession | None) -> bool:
    return write_profile_entry(sessions_path(), profile, "session",
                               None if session is None else _text(session))


# -- keeping, finding, forgetting --------------------------------------------------------------


def keep(profile: str, session: WebSession, *, choice: StorageChoice | None = None,
         remembered: tuple[StorageChoice, ...] = ("file", "session")) -> Kept | NeedsChoice:
    """Keep `session`: the keyring first; without one, the profile's earlier choice (if one of
    `remembered`), else `NeedsChoice`; with `choice` (the person's answer), there, and the
    profile remembers it. CredentialStoreError when the file cannot be used."""
    if choice is None:
        try:
            info = keyring_store.store(_user(profile), _text(session))
        except KeyringUnusable as exc:
            earlier = remembered_storage(profile)
            if earlier not in remembered:
                return NeedsChoice(exc.describe(), display_path(sessions_path()))
            choice = "file" if earlier == "file" else "session"
        else:
            with contextlib.suppress(CredentialStoreError):  # an older copy in the file
                _write_file(profile, None)
            return Kept(session, "keyring", info.name)
    else:
        with contextlib.suppress(PrivateFileError):
            remember_storage(profile, choice)
    if choice == "session":
        return Kept(session, "session")
    _write_file(profile, session)
    with contextlib.suppress(Exception):  # an older keyring copy would be read first
        keyring_store.delete(_user(profile), resolve_timeout(None))
    return Kept(session, "file", display_path(sessions_path()))


def needs_choice(profile: str, remembered: tuple[StorageChoice, ...] = ("file", "session")
                 ) -> NeedsChoice | None:
    """Whether `keep` would have to ask (no usable keyring, no earlier choice): asked before
    a sign-in starts, so that tokens are never issued with nowhere to keep them."""
    try:
        info = keyring_store.backend_info()
    except Exception:  # a keyring that does not answer is no keyring to count on
        info = None
    if info is not None and info.usable:
        return None
    if remembered_storage(profile) in remembered:
        return None
    reason = KeyringUnusable(info.kind if info is not None and info.kind != "secure"
                             else "timeout", info)
    return NeedsChoice(reason.describe(), display_path(sessions_path()))


def find(profile: str, *, keyring_timeout: float | None = None) -> Kept | None:
    """The sign-in kept for `profile` (keyring, then file), with notes on what failed."""
    wait = resolve_timeout(keyring_timeout)
    notes: list[str] = []
    try:
        value, info = keyring_store.read(_user(profile), wait)
    except KeyringTimeout:
        notes.append(f"The OS keyring did not answer within {wait:g} s, so a browser sign-in "
                     "kept there could not be read.")
    except Exception as exc:  # a broken third-party backend must not stop the app starting
        notes.append(f"The OS keyring could not be read ({type(exc).__name__}).")
    else:
        session = _read_text(value)
        if session is not None:
            return Kept(session, "keyring", info.name, tuple(notes))
    session = _file_session(profile)
    if session is not None:
        return Kept(session, "file", display_path(sessions_path()), tuple(notes))
    return None


def forget(profile: str, *, keyring_timeout: float | None = None) -> list[str]:
    """Remove `profile`'s sign-in from the keyring and the file: the problems (empty when
    nothing may remain)."""
    problems: list[str] = []
    wait = resolve_timeout(keyring_timeout)
    try:
        keyring_store.delete(_user(profile), wait)
    except KeyringUnusable:
        pass  # no keyring: nothing kept there
    except KeyringTimeout:
        problems.append(f"The OS keyring did not answer within {wait:g} s; if a browser "
                        f"sign-in is kept there, remove it with your keyring tool (service "
                        f"{keyring_store.SERVICE}, user {_user(profile)}).")
    except Exception as exc:
        problems.append(f"The OS keyring could not be cleared ({type(exc).__name__}).")
    try:
        _write_file(profile, None)
    except CredentialStoreError as exc:
        problems.append(str(exc))
    return problems


# -- refreshing, one at a time ---------------------------------------------------------------


class _HeldLock:
    """The refresh lock, taken and held by a thread of its own (a lock of `files.locks` is
    its thread's), so the event loop never blocks on it while a refresh is on the network."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._taken = threading.Event()
        self._release = threading.Event()
        self._error: BaseException | None = None

    def _hold(self) -> None:
        try:
            ensure_private_dir(self._path.parent)
            with locked(self._path):
                self._taken.set()
                self._release.wait()
        except BaseException as exc:  # said to the waiting coroutine
            self._error = exc
            self._taken.set()

    async def __aenter__(self) -> None:
        threading.Thread(target=self._hold, name="openrush-refresh-lock", daemon=True).start()
        await asyncio.to_thread(self._taken.wait)
        if self._error is not None:
            raise CredentialStoreError(str(self._error))

    async def __aexit__(self, *exc_info: object) -> None:
        self._release.set()


async def fresh_session(profile: str, kept: Kept, http: OAuthHttp, clock: Clock, *,
                        force: bool = False) -> Kept:
    """`kept` with an access token good for now: refreshed when due (see the module's
    docstring), kept where it was; with `force`, refreshed now (the server refused the access
    token: a 401), unless another terminal already has. SignedOut when the server refused the
    refresh: the kept copy is removed, and the caller says `tokens.SIGNED_OUT`."""
    def settled(session: WebSession) -> bool:
        if force:  # renewed since `kept` was read: another access token than the refused one
            return session.access_token.reveal() != kept.session.access_token.reveal()
        return not session.refresh_due(clock())

    if settled(kept.session):
        return kept
    if kept.source == "session":
        return Kept(await refresh(http, kept.session, clock()), "session")
    async with _HeldLock(config_dir() / "web-refresh.lock"):
        latest = await asyncio.to_thread(find, profile)
        if latest is not None and latest.session.api_url == kept.session.api_url and \
                settled(latest.session):
            return latest  # another terminal refreshed it meanwhile
        current = latest.session if latest is not None else kept.session
        try:
            renewed = await refresh(http, current, clock())
        except SignedOut:
            await asyncio.to_thread(forget, profile)
            raise
        choice: StorageChoice | None = "file" if kept.source == "file" else None
        stored = await asyncio.to_thread(keep, profile, renewed, choice=choice)
        return stored if isinstance(stored, Kept) else Kept(renewed, "session")
