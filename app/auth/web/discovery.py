"""Whether a server offers sign-in with the browser, and where (docs/oauth.md, Discovery).

`discover` reads the API host's protected-resource metadata (RFC 9728), then the
authorization server's metadata (RFC 8414), and answers a `WebSignIn` (the endpoints and the
flows offered) or `NotOffered` (why not, in one line). The host rule: every URL either
document names must pass the API URL's rules (`api.safety.check_sign_in_url`: https, or http
on a literal loopback address) and lie on the API URL's origin or on the authorization
server's, which the protected-resource metadata named and which passed the same rules.
Nothing here raises for what a server sends: a network failure is `NotOffered` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from openrush_tui.api.errors import InsecureURLError
from openrush_tui.api.oauth_http import DocumentMissing, OAuthHttp, origin
from openrush_tui.api.oauth_models import (
    ServerMetadata,
    parse_resource_metadata,
    parse_server_metadata,
)
from openrush_tui.api.safety import check_sign_in_url
from openrush_tui.errors import OpenRushError
from openrush_tui.text.safe import sanitize

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class WebSignIn:
    """A server's browser sign-in, every URL checked. A flow is offered when its endpoint is
    set: `device_endpoint` (RFC 8628) and `authorization_endpoint` (code + PKCE S256)."""

    api_url: str
    issuer: str
    token_endpoint: str
    device_endpoint: str | None
    authorization_endpoint: str | None
    registration_endpoint: str | None
    revocation_endpoint: str | None
    grants: tuple[str, ...]

    @property
    def offers_device(self) -> bool:
        return self.device_endpoint is not None

    @property
    def offers_code(self) -> bool:
        return self.authorization_endpoint is not None

    def allowed(self, url: str, what: str) -> str:
        """`url` if the host rule allows it (the API's or this server's origin); else
        InsecureURLError. For URLs met later, e.g. the device flow's verification_uri."""
        return _allowed(url, what, self.api_url, self.issuer)


@dataclass(frozen=True)
class NotOffered:
    """Why the dashboard offers only the paste flow, in one line (`reason` ends with no
    full stop; `line` is the sentence to show)."""

    reason: str

    @property
    def line(self) -> str:
        return f"Sign-in with the browser is not offered here: {self.reason}."


def well_known(url: str, name: str) -> str:
    """RFC 8414 §3.1 / RFC 9728 §3.1: the well-known name goes between host and path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{name}{parts.path.rstrip('/')}"


def _allowed(url: str, what: str, api_url: str, server_url: str) -> str:
    checked = check_sign_in_url(url, what)
    if origin(checked) not in (origin(api_url), origin(server_url)):
        host = sanitize(urlsplit(checked).netloc, 60)
        raise InsecureURLError(f"its {what} is on another host ({host})", "")
    return checked


def _same(one: str, other: str) -> bool:
    return one.rstrip("/") == other.rstrip("/")


async def discover(http: OAuthHttp, api_url: str) -> WebSignIn | NotOffered:
    """The server's browser sign-in, or why there is none (see the module's docstring)."""
    try:
        resource = await http.document(well_known(api_url, "oauth-protected-resource"),
                                       parse_resource_metadata, "its sign-in metadata")
        if not _same(resource.resource, api_url):  # RFC 9728 §3.3: a document for another API
            return NotOffered("its sign-in metadata describes another server")
        servers = resource.authorization_servers or []
        if not servers:
            return NotOffered("its sign-in metadata names no authorization server")
        server_url = check_sign_in_url(servers[0], "authorization server").rstrip("/")
        metadata = await http.document(well_known(server_url, "oauth-authorization-server"),
                                       parse_server_metadata,
                                       "its authorization server's metadata")
        if not _same(metadata.issuer, server_url):  # RFC 8414 §3.3
            return NotOffered("its authorization server's metadata names another issuer")
        return _plan(api_url, server_url, metadata)
    except DocumentMissing:
        return NotOffered("the server publishes no sign-in metadata")
    except InsecureURLError as refused:
        return NotOffered(refused.message.rstrip(".").replace("The ", "the ", 1))
    except OpenRushError as failed:
        return NotOffered(f"its sign-in metadata could not be read ({failed.message.rstrip('.')})")


def _plan(api_url: str, server_url: str, metadata: ServerMetadata) -> WebSignIn | NotOffered:
    def checked(url: str | None, what: str) -> str | None:
        return None if url is None else _allowed(url, what, api_url, server_url)

    token = checked(metadata.token_endpoint, "token endpoint")
    if token is None:
        return NotOffered("its authorization server has no token endpoint")
    grants = metadata.grants
    device = checked(metadata.device_authorization_endpoint, "device authorization endpoint")
    code = checked(metadata.authorization_endpoint, "authorization endpoint")
    registration = checked(metadata.registration_endpoint, "registration endpoint")
    revocation = checked(metadata.revocation_endpoint, "revocation endpoint")
    if DEVICE_GRANT not in grants:
        device = None
    if "authorization_code" not in grants or "S256" not in (
            metadata.code_challenge_methods_supported or ()):
        code = None
    if device is None and code is None:
        return NotOffered("its authorization server offers neither a device code nor a "
                          "browser sign-in with PKCE (S256)")
    return WebSignIn(api_url.rstrip("/"), server_url, token, device, code, registration,
                     revocation, grants)
