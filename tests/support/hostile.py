"""Hostile server strings for the property tests: every string field of every model.

`hostile_text()` mixes escape sequences that really attack terminals (OSC 52 clipboard
writes, title changes, cursor save/move/restore, C1 CSI), invisible format characters (bidi
overrides and isolates, zero-width characters, tag characters), separators, lone surrogates
and markup with arbitrary text. `Payload` is one account's worth of such data, served on
every endpoint by a `ScriptedServer` (`serve`). `unsafe_characters` says what of it reached
an output.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from tests.support.scripted_server import Reply, ScriptedServer

FRAGMENTS = (
    "\x1b]52;c;cHduZWQ=\x1b\\",  # OSC 52: "pwned" on the clipboard, ended by ST
    "\x1b]0;owned title\x07",  # OSC 0: the window title, ended by BEL
    "\x1b7\x1b[1;1H\x1b[32mactive\x1b8",  # save cursor, paint elsewhere, restore
    "\x9b2J",  # C1 CSI: clear the screen
    "\x9d0;t\x9c",  # C1 OSC … ST
    "\x1b[6n",  # a query the terminal answers into stdin
    "\u202e",  # right-to-left override
    "\u2066x\u2069",  # an isolate
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # zero-width no-break space
    "\U000e0041\U000e007f",  # tag characters
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\x07", "\x00", "\x7f", "\r", "\n", "\t", "\x85",
    "\ud800",  # a lone surrogate (JSON can carry one)
    "[bold red]markup[/]",
)

# Characters that must never reach a terminal: controls (C0, DEL, C1), format characters,
# line and paragraph separators, surrogates.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def unsafe_characters(output: str, *, allowed: str = "\n") -> set[str]:
    """The unsafe characters in `output` (line breaks of the output itself allowed)."""
    # Each distinct character asked about once: a screen's SVG is some 100,000 characters of
    # a few hundred kinds, and asking per character was a fifth of the hostile TUI test's CPU.
    return {char for char in set(output)
            if char not in allowed and unicodedata.category(char) in UNSAFE_CATEGORIES}


_piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6))


def hostile_text(*, max_pieces: int = 2) -> st.SearchStrategy[str]:
    """Text with at least one attack in it, somewhere among arbitrary characters."""
    return st.tuples(st.lists(_piece, max_size=max_pieces), st.sampled_from(FRAGMENTS),
                     st.lists(_piece, max_size=max_pieces)).map(
        lambda parts: "".join(parts[0]) + parts[1] + "".join(parts[2]))


def hostile_settings(examples: int) -> settings:
    """Few examples (each runs whole commands or the whole app) and no shrinking: shrinking
    step by step would outlast the per-test timeout; a failure prints its example as drawn."""
    return settings(max_examples=examples, deadline=None,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


TIME = "2026-06-25T10:00:00Z"


@st.composite
def credential(draw: st.DrawFn, index: int) -> dict[str, Any]:
    return {"id": f"cred_{index}" + draw(hostile_text(max_pieces=1)),
            "account_id": draw(hostile_text(max_pieces=1)),
            "name": draw(hostile_text()), "prefix": "or_" + draw(hostile_text(max_pieces=1)),
            "is_active": draw(st.booleans()), "created_at": TIME,
            "last_used_at": draw(st.sampled_from([None, TIME])), "expires_at": None}


@st.composite
def usage_event(draw: st.DrawFn, index: int, credential_id: str | None) -> dict[str, Any]:
    return {"id": f"use_{index}" + draw(hostile_text(max_pieces=1)), "created_at": TIME,
            "source": draw(hostile_text(max_pieces=1)), "tool": draw(hostile_text()),
            "endpoint": draw(hostile_text()), "status_code": draw(st.sampled_from([200, 401])),
            "status": draw(hostile_text(max_pieces=1)), "credits": draw(st.integers(0, 5)),
            "credential_id": credential_id,
            "credential_prefix": draw(st.none() | hostile_text(max_pieces=1)),
            "client": draw(st.none() | hostile_text(max_pieces=1)),
            "duration_ms": 12}


@st.composite
def tool(draw: st.DrawFn, index: int) -> dict[str, Any]:
    return {"name": f"t{index}" + draw(hostile_text(max_pieces=1)),
            "domain": draw(hostile_text(max_pieces=1)), "credits": 2,
            "enabled": draw(st.booleans()), "description": draw(hostile_text())}


@dataclass(frozen=True)
class Payload:
    """One hostile account: its keys, its usage (some events with an unknown key), tools,
    the key a create answers with and the detail of an error answer."""

    keys: list[dict[str, Any]]
    events: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    created: dict[str, Any]
    error_detail: str


@st.composite
def payloads(draw: st.DrawFn, *, max_keys: int = 3, max_events: int = 4) -> Payload:
    keys = [draw(credential(i)) for i in range(draw(st.integers(1, max_keys)))]
    owners = [key["id"] for key in keys] + [None, "cred_unknown" + draw(hostile_text())]
    events = [draw(usage_event(i, draw(st.sampled_from(owners))))
              for i in range(draw(st.integers(1, max_events)))]
    tools = [draw(tool(i)) for i in range(draw(st.integers(1, 3)))]
    created = {"key": "or_" + draw(hostile_text(max_pieces=1)),
               "api_credential": draw(credential(99))}
    return Payload(keys, events, tools, created, draw(hostile_text()))


def serve(server: ScriptedServer, payload: Payload, *, revoke_ok: bool = True) -> None:
    """Answer every endpoint the dashboard and the commands use from `payload`."""
    server.clear_routes()
    server.route("GET", "/v1/me/api-credentials", Reply(200, {"api_credentials": payload.keys}))
    server.route("POST", "/v1/me/api-credentials", Reply(201, payload.created))
    revoked = {**payload.keys[0], "is_active": False}
    server.route("POST", "/v1/me/api-credentials/.+/revoke",
                 Reply(200, revoked) if revoke_ok else Reply(404, {"detail":
                                                                   payload.error_detail}))
    server.route("GET", "/v1/me/credits", Reply(200, {"balance": 1234}))
    server.route("GET", "/v1/me/usage", Reply(200, {"items": payload.events,
                                                    "next_cursor": None}))
    server.route("GET", "/v1/capabilities", Reply(200, {"data": {"tools": payload.tools}}))
