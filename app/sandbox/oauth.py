"""The sandbox's authorization server (docs/oauth.md): the rules, with no HTTP in them.

`OAuthServer` issues and checks device codes, authorization codes (PKCE S256 only), access
tokens (the sandbox's session JWT with a `sid`, the sign-in it belongs to) and rotating
refresh tokens, on the sign-in clock (`sign_in_seconds`): the system clock, or with
``--fixed-now`` that instant moving on with real time, or a test's own clock
(`SandboxOptions.sign_in_clock`). The routes (`oauth_routes`) and the pages (`oauth_pages`)
are thin over it. Every failure is an `OAuthError` with RFC 6749's error code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from openrush_tui.sandbox import auth
from openrush_tui.sandbox.keys import TokenSource
from openrush_tui.sandbox.oauth_store import (
    ALL_GRANTS,
    DEVICE_GRANT,
    Client,
    CodeGrant,
    Family,
    OAuthStore,
)
from openrush_tui.sandbox.options import SandboxOptions
from openrush_tui.sandbox.ratelimit import FailureLimiter
from openrush_tui.sandbox.store import Store

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no digits
USER_CODE_LENGTH = 8
DEVICE_CODE_SECONDS = 600
CODE_SECONDS = 60
FORM_SECONDS = 600
REFRESH_SECONDS = 30 * 86400
SLOW_DOWN_STEP = 5.0
WRONG_CODES_PER_MINUTE = 30
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of SHA-256, no padding
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: `status`, `error` code and a one-sentence description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def sign_in_seconds(options: SandboxOptions) -> Callable[[], float]:
    """The sign-in clock in Unix seconds (see the module's docstring)."""
    clock = options.sign_in_clock
    if clock is not None:
        return lambda: clock().timestamp()
    if options.now is not None:
        start, began = options.now.timestamp(), time.monotonic()
        return lambda: start + (time.monotonic() - began)
    return time.time


def user_code_shown(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def user_code_typed(text: str) -> str:
    """What a person typed, as stored: upper case, letters only (``bcdf ghjk`` works)."""
    return "".join(ch for ch in text.upper() if "A" <= ch <= "Z")[:32]


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def loopback_redirect(uri: str) -> bool:
    """A redirect URI a public client may register: http on 127.0.0.1 or [::1] (RFC 8252)."""
    try:
        parts = urlsplit(uri)
        _ = parts.port
    except ValueError:
        return False
    return (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")
            and not parts.fragment and parts.username is None and parts.password is None
            and uri.isprintable() and " " not in uri)


def redirect_matches(registered: str, requested: str) -> bool:
    """RFC 8252 §7.3: a loopback redirect matches whatever its port; all else exactly."""
    if registered == requested:
        return True
    if not (loopback_redirect(registered) and loopback_redirect(requested)):
        return False
    mine, theirs = urlsplit(registered), urlsplit(requested)
    return (mine.hostname, mine.path, mine.query) == (theirs.hostname, theirs.path, theirs.query)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    account_id: str

    def body(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "token_type": "Bearer",
                "expires_in": self.expires_in, "refresh_token": self.refresh_token,
                "account_id": self.account_id}


class OAuthServer:
    def __init__(self, store: Store, ids: TokenSource, secret: str, account_id: str,
                 options: SandboxOptions) -> None:
        self.now = sign_in_seconds(options)
        self.store = OAuthStore(store, self.now())
        self.ids = ids
        self._secret = secret
        self.account_id = account_id  # the demo account: who the approval pages approve for
        self.token_seconds = options.token_seconds
        self.interval = float(options.device_interval)
        # Wrong user codes typed on /device, all callers together (RFC 8628 §5.1): 30 a
        # minute of real time, so 20**8 codes cannot be walked through.
        self.wrong_codes = FailureLimiter(WRONG_CODES_PER_MINUTE)

    # -- metadata --------------------------------------------------------------------------

    @staticmethod
    def resource_metadata(base: str) -> dict[str, Any]:
        return {"resource": base, "authorization_servers": [base],
                "bearer_methods_supported": ["header"], "resource_name": "OpenRush sandbox"}

    @staticmethod
    def server_metadata(base: str) -> dict[str, Any]:
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "device_authorization_endpoint": f"{base}/oauth/device_authorization",
            "registration_endpoint": f"{base}/oauth/register",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "response_types_supported": ["code"],
            "grant_types_supported": list(ALL_GRANTS),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
        }

    # -- registration ----------------------------------------------------------------------

    def register(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise OAuthError("invalid_client_metadata", "The body must be a JSON object.")
        method = body.get("token_endpoint_auth_method", "none")
        if method != "none":
            raise OAuthError("invalid_client_metadata",
                             "Only public clients (token_endpoint_auth_method none) register.")
        name = body.get("client_name", "an OAuth client")
        if not isinstance(name, str) or not 0 < len(name) <= 100 or not name.isprintable():
            raise OAuthError("invalid_client_metadata",
                             "client_name must be 1 to 100 printable characters.")
        uris = body.get("redirect_uris", [])
        if not isinstance(uris, list) or len(uris) > 10 or not all(
                isinstance(uri, str) and len(uri) <= 500 and loopback_redirect(uri)
                for uri in uris):
            raise OAuthError("invalid_redirect_uri", "Redirect URIs must be http://127.0.0.1/… "
                             "or http://[::1]/… (a loopback redirect).")
        grants = body.get("grant_types", ["authorization_code", "refresh_token"])
        if not isinstance(grants, list) or not grants or not all(g in ALL_GRANTS for g in grants):
            raise OAuthError("invalid_client_metadata",
                             f"grant_types must be among {', '.join(ALL_GRANTS)}.")
        client = Client(self.ids.ident("client_"), name, tuple(uris), tuple(grants), self.now())
        if not self.store.register(client):
            raise OAuthError("invalid_client_metadata", "The sandbox keeps no more clients.")
        return client.as_dict()

    def client(self, client_id: Any, grant: str | None = None) -> Client:
        found = self.store.client(client_id) if isinstance(client_id, str) else None
        if found is None:
            raise OAuthError("invalid_client", "Unknown client_id.", 401)
        if grant is not None and grant not in found.grant_types:
            raise OAuthError("unauthorized_client", f"This client did not register {grant}.")
        return found

    # -- the device flow -------------------------------------------------------------------

    def device_authorization(self, form: Mapping[str, str], base: str) -> dict[str, Any]:
        client = self.client(form.get("client_id"), DEVICE_GRANT)
        device_code = secrets.token_urlsafe(32)
        now = self.now()
        for _ in range(20):
            user_code = self._user_code()
            if self.store.add_device_code(device_code, user_code, client.client_id, now,
                                          now + DEVICE_CODE_SECONDS, self.interval):
                break
        else:  # 20 draws all taken: 2.56e10 codes make this practically impossible
            raise OAuthError("slow_down", "No free user code now; try again.")
        shown = user_code_shown(user_code)
        return {"device_code": device_code, "user_code": shown,
                "verification_uri": f"{base}/device",
                "verification_uri_complete": f"{base}/device?user_code={shown}",
                "expires_in": DEVICE_CODE_SECONDS, "interval": int(self.interval)}

    def _user_code(self) -> str:
        # From the seeded source when there is one, so a demo shows the same code each run.
        number = int(self.ids.secret(), 16)
        letters = []
        for _ in range(USER_CODE_LENGTH):
            number, index = divmod(number, len(USER_CODE_ALPHABET))
            letters.append(USER_CODE_ALPHABET[index])
        return "".join(letters)

    def decide(self, user_code: str, approve: bool) -> str:
        return self.store.decide(user_code, approve, self.account_id, self.now())

    # -- the token endpoint ----------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> Tokens:
        grant = form.get("grant_type", "")
        if grant not in ALL_GRANTS:
            raise OAuthError("unsupported_grant_type", "grant_type is not one this server has.")
        client = self.client(form.get("client_id"), grant)
        if grant == DEVICE_GRANT:
            return self._device_tokens(client, form.get("device_code", ""))
        if grant == "authorization_code":
            return self._code_tokens(client, form)
        return self._refreshed(client, form.get("refresh_token", ""))

    def _device_tokens(self, client: Client, device_code: str) -> Tokens:
        outcome, account_id = self.store.poll(device_code, client.client_id, self.now(),
                                              SLOW_DOWN_STEP)
        if outcome == "approved" and account_id is not None:
            return self._new_sign_in(client, account_id)
        descriptions = {
            "authorization_pending": "The person has not approved the code yet.",
            "slow_down": f"Polling too fast: wait {SLOW_DOWN_STEP:g} s more between polls.",
            "access_denied": "The person denied the sign-in.",
            "expired_token": "The device code has expired; start again.",
        }
        raise OAuthError(outcome, descriptions.get(outcome, "Unknown or used device_code."))

    def _code_tokens(self, client: Client, form: Mapping[str, str]) -> Tokens:
        code = form.get("code", "")
        grant = self.store.take_code(code) if code else None
        if grant is None or grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", "Unknown authorization code.")
        if grant.used:  # RFC 6749 §4.1.2: a code used twice revokes what it gave
            if grant.family_id is not None:
                self.store.end_family(grant.family_id)
            raise OAuthError("invalid_grant", "The authorization code was already used.")
        if grant.expires_at <= self.now():
            raise OAuthError("invalid_grant", "The authorization code has expired.")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization "
                             "request's.")
        verifier = form.get("code_verifier", "")
        if not _VERIFIER.fullmatch(verifier) or not hmac.compare_digest(
                s256(verifier), grant.challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the challenge.")
        tokens, family_id = self._issue(client, grant.account_id)
        self.store.tie_code(code, family_id)
        return tokens

    def _refreshed(self, client: Client, refresh_token: str) -> Tokens:
        new_refresh = secrets.token_urlsafe(32)
        now = self.now()
        outcome, family = self.store.rotate(refresh_token, client.client_id, new_refresh, now,
                                            now + REFRESH_SECONDS)
        if family is None:
            if outcome == "replayed":
                raise OAuthError("invalid_grant", "The refresh token was already used; this "
                                 "sign-in has ended. Sign in again.")
            raise OAuthError("invalid_grant", "The refresh token is unknown, expired or "
                             "revoked. Sign in again.")
        return self._tokens(family, new_refresh)

    def _new_sign_in(self, client: Client, account_id: str) -> Tokens:
        return self._issue(client, account_id)[0]

    def _issue(self, client: Client, account_id: str) -> tuple[Tokens, str]:
        family = Family(self.ids.ident("signin_"), client.client_id, account_id)
        refresh = secrets.token_urlsafe(32)
        now = self.now()
        self.store.new_family(family, refresh, now, now + REFRESH_SECONDS)
        return self._tokens(family, refresh), family.family_id

    def _tokens(self, family: Family, refresh: str) -> Tokens:
        issued = int(self.now())
        claims = {"sub": family.account_id, "aud": auth.SESSION_AUDIENCE,
                  "role": "authenticated", "iss": auth.SESSION_ISSUER, "iat": issued,
                  "exp": issued + self.token_seconds, "sid": family.family_id,
                  "client_id": family.client_id}
        access = jwt.encode(claims, self._secret, algorithm="HS256")
        return Tokens(access, refresh, self.token_seconds, family.account_id)

    # -- the authorization endpoint --------------------------------------------------------

    def check_authorization(self, params: Mapping[str, str]) -> Client:
        """The client of a request whose client and redirect URI are known: OAuthError with
        status 400 otherwise, which is shown, never redirected to (RFC 6749 §4.1.2.1)."""
        client = self.client(params.get("client_id"))
        redirect = params.get("redirect_uri", "")
        if not any(redirect_matches(uri, redirect) for uri in client.redirect_uris):
            raise OAuthError("invalid_request", "This redirect_uri is not registered for the "
                             "client.")
        return client

    @staticmethod
    def redirect_problem(params: Mapping[str, str]) -> str | None:
        """What makes a request with a known redirect wrong (said by redirecting back)."""
        if params.get("response_type") != "code":
            return "response_type must be code."
        if not params.get("state"):
            return "state is required."
        if params.get("code_challenge_method") != "S256":
            return "code_challenge_method must be S256."
        if not _CHALLENGE.fullmatch(params.get("code_challenge", "")):
            return "code_challenge must be 43 base64url characters."
        return None

    def new_code(self, client: Client, params: Mapping[str, str]) -> str:
        code = secrets.token_urlsafe(32)
        self.store.add_code(code, CodeGrant(client.client_id, params["redirect_uri"],
                                            params["code_challenge"], self.account_id,
                                            self.now() + CODE_SECONDS, False, None))
        return code

    # -- revocation ------------------------------------------------------------------------

    def revoke(self, form: Mapping[str, str]) -> None:
        client = self.client(form.get("client_id"))
        token = form.get("token", "")
        family = self.store.family_of_refresh(token) or self._family_of_access(token)
        if family is None:
            return  # RFC 7009 §2.2: an unknown token is answered 200 too
        if family.client_id != client.client_id:
            raise OAuthError("unauthorized_client", "This token was issued to another client.")
        self.store.end_family(family.family_id)

    def _family_of_access(self, token: str) -> Family | None:
        claims = self._claims(token)
        sid = claims.get("sid") if claims else None
        return self.store.family(sid) if isinstance(sid, str) else None

    def _claims(self, token: str) -> dict[str, Any] | None:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._secret, algorithms=["HS256"], audience=auth.SESSION_AUDIENCE,
                issuer=auth.SESSION_ISSUER, options={"verify_exp": False, "verify_iat": False})
        except jwt.PyJWTError:
            return None
        return claims

    # -- what the API's authentication asks --------------------------------------------------

    def session_problem(self, claims: Mapping[str, Any]) -> str | None:
        """Why an access token with a `sid` is refused now, or None: its expiry on the
        sign-in clock, and whether its sign-in has ended (signed out, or a replayed token)."""
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp <= self.now():
            return "Session token has expired."
        sid = claims.get("sid")
        if not isinstance(sid, str) or self.store.family_ended(sid):
            return "Session has been signed out."
        return None

    # -- the approval forms' CSRF tokens -----------------------------------------------------

    def form_token(self, cookie: str, subject: str) -> str:
        issued = int(self.now())
        return f"{issued}.{self._form_mac(cookie, subject, issued)}"

    def form_token_ok(self, cookie: str | None, subject: str, token: str) -> bool:
        """The token was made for this cookie and subject, within `FORM_SECONDS`."""
        issued_text, _, mac = token.partition(".")
        if not cookie or not issued_text.isdigit() or len(issued_text) > 12:
            return False
        issued = int(issued_text)
        if not 0 <= self.now() - issued <= FORM_SECONDS:
            return False
        return hmac.compare_digest(mac, self._form_mac(cookie, subject, issued))

    def _form_mac(self, cookie: str, subject: str, issued: int) -> str:
        message = f"openrush-sandbox-form\n{cookie}\n{subject}\n{issued}".encode()
        return hmac.new(self._secret.encode(), message, hashlib.sha256).hexdigest()
