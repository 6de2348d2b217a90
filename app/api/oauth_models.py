"""The browser sign-in's server documents (docs/oauth.md), read at the decode boundary.

Like `api.models` (whose rules this follows: part of the boundary `api/decode.py` states),
each document is validated into a frozen model that ignores unknown fields, with numbers
checked as whole numbers in range, so nothing past here meets a float, a ``true`` or a
10**400. Tokens and codes become ``SecretStr`` the moment they are read: never in a repr,
a log or an error. No URL is trusted here: `auth.web.discovery` checks every one.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from openrush_tui.api.errors import bad_shape
from openrush_tui.api.models import Count, LooseText, parse_model

# RFC 8414 §2: without grant_types_supported, these are what a server supports.
DEFAULT_GRANTS = ("authorization_code", "implicit")
LONGEST_LIFE = 10 * 365 * 86400  # seconds a token or code is taken to live, at most
LONGEST_INTERVAL = 3600  # seconds between polls a server may ask for, at most


def _text_list(value: Any) -> Any:
    """A list of strings; other items (and a list that is not one) are left out."""
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, str)]


TextList = Annotated[list[str] | None, BeforeValidator(_text_list)]
Seconds = Annotated[Count, Field(ge=1, le=LONGEST_LIFE)]


class _Document(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class ResourceMetadata(_Document):
    """RFC 9728 §2: the API host names its authorization servers."""

    resource: str
    authorization_servers: TextList = None


class ServerMetadata(_Document):
    """RFC 8414 §2: where the authorization server's endpoints are and what it can do."""

    issuer: str
    authorization_endpoint: LooseText = None
    token_endpoint: LooseText = None
    device_authorization_endpoint: LooseText = None
    registration_endpoint: LooseText = None
    revocation_endpoint: LooseText = None
    grant_types_supported: TextList = None
    code_challenge_methods_supported: TextList = None

    @property
    def grants(self) -> tuple[str, ...]:
        return tuple(self.grant_types_supported or DEFAULT_GRANTS)


class Registration(_Document):
    """RFC 7591 §3.2.1: the client id is all a public client needs."""

    client_id: Annotated[str, Field(min_length=1, max_length=255)]


class DeviceAuthorization(_Document):
    """RFC 8628 §3.2 (``verification_url``, Google's spelling, is read too)."""

    device_code: SecretStr
    user_code: Annotated[str, Field(min_length=1, max_length=32)]
    verification_uri: str = Field(validation_alias=AliasChoices("verification_uri",
                                                                "verification_url"))
    verification_uri_complete: LooseText = None
    expires_in: Seconds
    interval: Annotated[Count, Field(ge=0, le=LONGEST_INTERVAL)] = 5


class TokenAnswer(_Document):
    """RFC 6749 §5.1; `account_id` is OURS (an extra parameter, read when present)."""

    access_token: SecretStr
    token_type: str
    expires_in: Seconds | None = None
    refresh_token: SecretStr | None = None
    account_id: LooseText = None


class ErrorAnswer(_Document):
    """RFC 6749 §5.2, read tolerantly: either field may be missing or not text."""

    error: LooseText = None
    error_description: LooseText = None


def parse_resource_metadata(payload: Any) -> ResourceMetadata:
    return parse_model(ResourceMetadata, payload, "its sign-in metadata")


def parse_server_metadata(payload: Any) -> ServerMetadata:
    return parse_model(ServerMetadata, payload, "its authorization server's metadata")


def parse_registration(payload: Any) -> Registration:
    return parse_model(Registration, payload, "the client registration")


def parse_device_authorization(payload: Any) -> DeviceAuthorization:
    found = parse_model(DeviceAuthorization, payload, "the sign-in code")
    if not found.user_code.isprintable():
        raise bad_shape("the sign-in code", "the user code has characters that cannot be shown")
    return found


def parse_tokens(payload: Any) -> TokenAnswer:
    found = parse_model(TokenAnswer, payload, "the sign-in tokens")
    if found.token_type.lower() != "bearer":  # RFC 6749 §7.1: a type this client cannot use
        raise bad_shape("the sign-in tokens", "the token type is not Bearer")
    return found


def parse_error(payload: Any) -> ErrorAnswer:
    return ErrorAnswer.model_validate(payload) if isinstance(payload, dict) else ErrorAnswer()
