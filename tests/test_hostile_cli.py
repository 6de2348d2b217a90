"""Property: whatever a server puts in any string field, no command prints a character that
could act on the terminal, and every ``--json`` output is valid JSON of the server's data.

The commands run in-process (`cli.main`) against a scripted server over HTTP that answers
every endpoint with hostile strings (tests/support/hostile.py); stdout and stderr are
captured and searched.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backends.fail import Keyring as FailKeyring

from openrush_tui.cli import main
from tests.support.accounts import UseKeyring
from tests.support.hostile import (
    Payload,
    hostile_settings,
    payloads,
    serve,
    unsafe_characters,
)
from tests.support.scripted_server import ScriptedServer

KEY = "or_" + "c" * 40


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


@contextlib.contextmanager
def environment(server: ScriptedServer) -> Iterator[None]:
    """A home of its own, pointed at the scripted server with a key in OPENRUSH_KEY."""
    with tempfile.TemporaryDirectory() as home:
        values = {"HOME": home, "XDG_CONFIG_HOME": str(Path(home) / "config"),
                  "XDG_DATA_HOME": str(Path(home) / "data"),
                  "OPENRUSH_API_URL": server.url, "OPENRUSH_KEY": KEY}
        with mock.patch.dict(os.environ, values):
            yield


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
          mock.patch.object(sys, "stdin", io.StringIO(stdin))):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def assert_clean(argv: tuple[str, ...], out: str, err: str) -> None:
    for name, text in (("stdout", out), ("stderr", err)):
        found = unsafe_characters(text)
        assert not found, f"{' '.join(argv)}: {sorted(map(repr, found))} on {name}"


TEXT_COMMANDS = (
    ("keys", "list", "--all"),
    ("keys", "create", "new key"),
    ("activity", "--limit", "10"),
    ("status",),
    ("credits",),
)


@hostile_settings(12)
@given(payload=payloads(), revoke_ok=st.booleans())
def test_no_command_prints_an_unsafe_character(server: ScriptedServer, payload: Payload,
                                               revoke_ok: bool, use_keyring: UseKeyring
                                               ) -> None:
    use_keyring(FailKeyring())
    serve(server, payload, revoke_ok=revoke_ok)
    ids = [key["id"] for key in payload.keys]
    with environment(server):
        for argv in (*TEXT_COMMANDS, ("keys", "revoke", *ids, "--yes")):
            code, out, err = run(*argv)
            assert code in (0, 1), (argv, err)
            assert_clean(argv, out, err)
        login = ("login", "--insecure-storage")
        code, out, err = run(*login, stdin=KEY + "\n")
        assert code == 0, err
        assert_clean(login, out, err)


@hostile_settings(8)
@given(payload=payloads())
def test_json_output_is_valid_escaped_and_the_same_data(server: ScriptedServer,
                                                        payload: Payload) -> None:
    serve(server, payload)
    with environment(server):
        argv = ("keys", "list", "--all", "--json")
        code, out, err = run(*argv)
        assert code == 0, err
        assert_clean(argv, out, err)
        assert [key["name"] for key in json.loads(out)] == [k["name"] for k in payload.keys]
        argv = ("activity", "--json")
        code, out, err = run(*argv)
        assert_clean(argv, out, err)
        assert [event["tool"] for event in json.loads(out)] == [e["tool"] for e in
                                                                payload.events]
        argv = ("activity", "--jsonl")
        code, out, err = run(*argv)
        assert_clean(argv, out, err)
        lines = out.splitlines()
        assert [json.loads(line)["source"] for line in lines] == [e["source"] for e in
                                                                   payload.events]
        for argv in (("keys", "create", "x", "--json"), ("status", "--json")):
            code, out, err = run(*argv)
            assert_clean(argv, out, err)
            json.loads(out)
