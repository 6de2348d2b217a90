"""``--json`` everywhere a script needs it, held to docs/json-output.md.

The commands run in-process through `cli.main` (the real parser, client and writer) against
the sandbox over HTTP on 127.0.0.1 (behind `FaultServer`, which injects a server's failures
where a test asks for one). The doc's examples are parsed, and each command's real output
must have exactly the fields of its example at every level, so the doc and the program
cannot drift apart. Also: errors with --json are text on stderr with an empty stdout; a
command that did something before failing still prints what it did; exit 0 always comes with
its document; a rotation's new key reaches stdout before the wait for the old key to fall
idle.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backends import fail

from openrush_tui.cli import main
from openrush_tui.commands import rotate
from openrush_tui.commands.common import BARE_ARRAYS, JSON_SCHEMAS, schema
from tests.support.accounts import UseKeyring
from tests.support.faults import FIXED_NOW, FaultySandbox, faulty_sandbox
from tests.support.scripted_server import Fault

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "json-output.md"


# -- the doc --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    name: str  # "keys-revoke"
    section: str  # the section's text: its table names every field
    values: list[Any]  # the document (one), or the stream's lines


def documented() -> dict[str, Example]:
    """Each section's example by its schema's name ("Schema: `openrush-tui/NAME/v1`")."""
    examples: dict[str, Example] = {}
    for section in re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M)[1:]:
        found = re.search(r"^Schema: `openrush-tui/([a-z-]+)/v(\d+)`", section, re.M)
        if found is None:
            continue
        block = re.search(r"^```(jsonl?)\n(.*?)^```", section, re.S | re.M)
        assert block is not None, f"no example under {section.splitlines()[0]}"
        text = block.group(2)
        values = [json.loads(line) for line in text.splitlines() if line.strip()] \
            if block.group(1) == "jsonl" else [json.loads(text)]
        name = found.group(1)
        assert name not in examples, f"two sections for {name}"
        assert int(found.group(2)) == JSON_SCHEMAS.get(name), f"{name}: not the code's version"
        examples[name] = Example(name, section, values)
    return examples


def kind(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    return {dict: "object", list: "array", str: "string"}.get(type(value), "number")


def differences(example: Any, real: Any, where: str = "") -> list[str]:
    """Where `real` has other fields than `example` (or another type), at every level. An
    empty object in the example is a map whose keys vary; a list's one element stands for
    every element; null on either side says nothing of the other's shape."""
    if kind(example) and kind(real) and kind(example) != kind(real):
        return [f"{where or 'the document'}: {kind(real)}, documented as {kind(example)}"]
    problems = []
    if isinstance(example, dict) and isinstance(real, dict) and example:
        if missing := sorted(example.keys() - real.keys()):
            problems.append(f"{where or 'top'}: documented, not printed: {missing}")
        if extra := sorted(real.keys() - example.keys()):
            problems.append(f"{where or 'top'}: printed, not documented: {extra}")
        for field in example.keys() & real.keys():
            problems += differences(example[field], real[field], f"{where}.{field}")
    if isinstance(example, list) and isinstance(real, list) and example:
        for number, item in enumerate(real):
            problems += differences(example[0], item, f"{where}[{number}]")
    return problems


def field_names(value: Any) -> set[str]:
    """Every field of an example, nested ones too (a map's varying keys are no fields)."""
    names: set[str] = set()
    if isinstance(value, dict):
        for field, inner in value.items():
            names |= {field} | field_names(inner)
    elif isinstance(value, list) and value:
        names |= field_names(value[0])
    return names


def test_the_doc_has_one_example_for_each_shape_the_code_prints() -> None:
    examples = documented()
    assert set(examples) == set(JSON_SCHEMAS), "docs/json-output.md and JSON_SCHEMAS differ"
    for name, example in examples.items():
        for value in example.values:
            if name in BARE_ARRAYS:
                assert isinstance(value, list) and len(value) == 1, name
            else:
                assert isinstance(value, dict) and next(iter(value)) == "schema", name
                assert value["schema"] == schema(name)


def test_the_doc_says_what_every_field_means() -> None:
    for name, example in documented().items():
        table = example.section.split("```", 2)[-1]  # the words after the example
        unnamed = sorted(field for field in field_names(example.values)
                         if f"`{field}`" not in table)
        assert not unnamed, f"{name}: no meaning given for {unnamed}"


def test_the_comparison_sees_a_field_added_removed_or_retyped() -> None:
    """The checker itself."""
    example = {"schema": "x", "keys": [{"id": "a", "error": None}], "map": {}}
    assert differences(example, {"schema": "x", "keys": [{"id": "b", "error": "no"}],
                                 "map": {"any": 1}}) == []
    assert differences(example, {"schema": "x", "keys": [{"id": "b"}], "map": {}}) == \
        [".keys[0]: documented, not printed: ['error']"]
    assert differences(example, {"schema": "x", "keys": [], "map": {}, "new": 1}) == \
        ["top: printed, not documented: ['new']"]
    assert differences(example, {"schema": "x", "keys": {}, "map": {}}) == \
        [".keys: object, documented as array"]


# -- running the commands -------------------------------------------------------------------


class Terminal(io.StringIO):
    """stdin as a terminal that answers what it was given."""

    def isatty(self) -> bool:
        return True


class Breaking(io.StringIO):
    """stdout whose reader leaves after the first write (``| head -n 1``)."""

    def write(self, text: str) -> int:
        if self.getvalue():
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def document(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines()]


Run = Callable[..., Ran]


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySandbox]:
    with faulty_sandbox(tmp_path_factory.mktemp("json-sandbox")) as env:
        yield env


@pytest.fixture
def cli(faulty: FaultySandbox, isolated_home: Path, use_keyring: UseKeyring,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """`openrush-tui ARGV` in this process, signed in with OPENRUSH_KEY (unless `key` is
    None), stdin piped (or a `Terminal`), stdout captured (or `stdout`)."""
    use_keyring(fail.Keyring())
    monkeypatch.setenv("OPENRUSH_API_URL", faulty.server.url)

    def run(*argv: str, stdin: str | io.StringIO = "", key: str | None = faulty.key,
            stdout: io.StringIO | None = None) -> Ran:
        if key is None:
            monkeypatch.delenv("OPENRUSH_KEY", raising=False)
        else:
            monkeypatch.setenv("OPENRUSH_KEY", key)
        monkeypatch.setattr("sys.stdin", stdin if isinstance(stdin, io.StringIO)
                            else io.StringIO(stdin))
        out, err = stdout or io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        return Ran(code, out.getvalue(), err.getvalue())

    yield run
    faulty.server.clear()


def new_key(faulty: FaultySandbox, name: str) -> tuple[str, str]:
    """A key of the demo account made in the sandbox itself: (its id, the key)."""
    raw, item = faulty.sandbox.create_key(faulty.sandbox.demo_account_id, name, None)
    return str(item["id"]), raw


def is_active(faulty: FaultySandbox, key_id: str) -> bool:
    answer = httpx.get(f"{faulty.server.url}/v1/me/api-credentials",
                       headers={"Authorization": f"Bearer {faulty.key}"}, timeout=30)
    return any(item["id"] == key_id and item["is_active"]
               for item in answer.json()["api_credentials"])


def every_output(cli: Run, faulty: FaultySandbox, home: Path) -> dict[str, list[Any]]:
    """Each documented shape as the real commands print it (several runs for some)."""
    printed: dict[str, list[Any]] = {}

    def add(name: str, ran: Ran, *, stream: bool = False) -> None:
        assert ran.code == 0, f"{name}: exit {ran.code}: {ran.err}"
        printed.setdefault(name, []).extend(ran.lines() if stream else [ran.document()])

    add("keys-list", cli("keys", "list", "--all", "--json"))
    add("keys-create", cli("keys", "create", "json create", "--expires-in", "30d", "--json"))
    gone, _ = new_key(faulty, "json revoked")
    add("keys-revoke", cli("keys", "revoke", "--yes", "--json", gone))
    add("keys-revoke", cli("keys", "revoke", "--yes", "--json", gone))  # already revoked
    add("keys-rotate", cli("keys", "rotate", new_key(faulty, "json rotated")[0], "--yes",
                           "--json"), stream=True)
    add("keys-rotate", cli("keys", "rotate", new_key(faulty, "json kept")[0], "--yes",
                           "--revoke-old", "never", "--json"), stream=True)
    add("keys-audit", cli("keys", "audit", "--idle-days", "0", "--expiring-days", "36500",
                          "--json"))
    (home / "scanned").mkdir()
    (home / "scanned" / "deploy.env").write_text(f"OPENRUSH_KEY={faulty.key}\n")
    scan = cli("keys", "scan", str(home / "scanned"), "--json")
    assert scan.code == 3, scan.err  # a working key of the account: exit 3, with its document
    printed["keys-scan"] = [json.loads(scan.out)]
    add("login", cli("login", "--insecure-storage", "--json", stdin=faulty.key + "\n",
                     key=None))
    add("status", cli("status", "--json", key=None))
    add("logout", cli("logout", "--yes", "--json", key=None))
    add("credits", cli("credits", "--json"))
    add("activity", cli("activity", "--own", "--limit", "3", "--json"))
    add("activity", cli("activity", "--own", "--limit", "3", "--jsonl"), stream=True)
    printed["activity"] = [printed["activity"][0], printed["activity"][1:]]  # array, lines
    add("agents-show", cli("agents", "show", "cursor", "--json"))
    add("agents-show", cli("agents", "show", "codex", "--key-header", "--json"))
    add("agents-install", cli("agents", "install", "cursor", "--dry-run", "--json"))
    add("agents-install", cli("agents", "install", "cursor", "--yes", "--json"))
    add("agents-install", cli("agents", "install", "cursor", "--yes", "--json"))  # no change
    add("agents-list", cli("agents", "list", "--json"))
    add("agents-uninstall", cli("agents", "uninstall", "cursor", "--dry-run", "--json"))
    add("agents-uninstall", cli("agents", "uninstall", "cursor", "--yes", "--json"))
    return printed


def test_every_command_prints_exactly_the_documented_fields(
        cli: Run, faulty: FaultySandbox, isolated_home: Path) -> None:
    printed = every_output(cli, faulty, isolated_home)
    examples = documented()
    assert set(printed) == set(examples)
    problems = []
    for name, outputs in printed.items():
        example = examples[name].values[0]
        for number, real in enumerate(outputs):
            problems += [f"{name} (run {number + 1}) {problem}"
                         for problem in differences(example, real)]
            if name not in BARE_ARRAYS:
                assert next(iter(real)) == "schema" and real["schema"] == schema(name)
    assert not problems, "\n".join(problems)
    # Each example's lists were met with elements, so their fields were compared too.
    assert printed["keys-revoke"][0]["keys"] and printed["keys-audit"][0]["keys"]
    assert printed["keys-scan"][0]["hits"] and printed["activity"][0]
    steps = [line["step"] for line in printed["keys-rotate"]]
    assert steps == ["created", "revoked", "created", "kept"]
    outcomes = [entry["outcome"] for run in printed["keys-revoke"] for entry in run["keys"]]
    assert outcomes == ["revoked", "already-revoked"]


# -- errors, partial results, answers -------------------------------------------------------


@pytest.mark.parametrize(("argv", "says"), [
    (("keys", "revoke", "--yes", "--json", "cred_none_such"), "no key of this account"),
    (("keys", "rotate", "cred_none_such", "--yes", "--json"), "no active key"),
    (("login", "--json"), "no key was given"),
    (("agents", "install", "claude-code", "--yes", "--json"), "not configured through a file"),
    (("agents", "uninstall", "claude-code", "--yes", "--json"), "not set up through a file"),
    (("agents", "show", "nobody", "--json"), "unknown agent"),
])
def test_an_error_before_anything_was_done_is_text_on_stderr_and_stdout_stays_empty(
        cli: Run, argv: tuple[str, ...], says: str) -> None:
    ran = cli(*argv)
    assert (ran.code, ran.out) == (2, "")
    said = [line for line in ran.err.splitlines() if line.startswith("openrush-tui: ")]
    assert len(said) == 1 and says in said[0] and "{" not in ran.err, ran.err


def test_not_signed_in_with_json_is_text_on_stderr(cli: Run) -> None:
    for argv in (("keys", "revoke", "--yes", "--json", "cred_x"),
                 ("keys", "rotate", "cred_x", "--yes", "--json")):
        ran = cli(*argv, key=None)
        assert (ran.code, ran.out) == (1, ""), ran.err
        assert "not signed in" in ran.err


def test_a_revoke_that_failed_for_one_key_still_says_what_became_of_each(
        cli: Run, faulty: FaultySandbox) -> None:
    done, _ = new_key(faulty, "json partial done")
    refused, _ = new_key(faulty, "json partial refused")
    assert cli("keys", "revoke", "--yes", "--json", done).code == 0
    faulty.server.inject(Fault(403, {"detail": "not allowed today"}), "revoke")
    ran = cli("keys", "revoke", "--yes", "--json", done, refused)
    assert ran.code == 1 and "was not revoked" in ran.err
    entries = json.loads(ran.out)["keys"]
    assert [(e["id"], e["outcome"]) for e in entries] == [(done, "already-revoked"),
                                                          (refused, "failed")]
    assert "not allowed today" in entries[1]["error"]
    assert is_active(faulty, refused)


def test_a_revoke_without_an_answer_is_unknown_not_failed(cli: Run,
                                                          faulty: FaultySandbox) -> None:
    key_id, _ = new_key(faulty, "json dropped")
    faulty.server.inject(Fault(drop="after"), "revoke")
    ran = cli("keys", "revoke", "--yes", "--json", key_id)
    assert ran.code == 1
    [entry] = json.loads(ran.out)["keys"]
    assert entry["outcome"] == "unknown" and entry["error"]
    assert not is_active(faulty, key_id)  # it was done: "unknown" never says "not revoked"


def test_answering_no_prints_a_document_that_says_nothing_changed(
        cli: Run, faulty: FaultySandbox, isolated_home: Path) -> None:
    key_id, _ = new_key(faulty, "json declined")
    revoke = cli("keys", "revoke", "--json", key_id, stdin=Terminal("n\n"))
    assert [e["outcome"] for e in revoke.document()["keys"]] == ["declined"]
    assert is_active(faulty, key_id)
    rotation = cli("keys", "rotate", key_id, "--json", stdin=Terminal("n\n"))
    assert rotation.code == 0
    assert [(line["step"], line["new_id"]) for line in rotation.lines()] == [("declined", None)]
    install = cli("agents", "install", "cursor", "--json", stdin=Terminal("n\n"))
    document = install.document()
    assert (document["changed"], document["written"]) == (True, False)
    assert document["diff"] and document["diff"] in install.err  # shown to be asked about
    assert not (isolated_home / ".cursor" / "mcp.json").exists()
    cli("login", "--insecure-storage", stdin=faulty.key + "\n", key=None)
    logout = cli("logout", "--json", stdin=Terminal("n\n"), key=None)
    assert logout.document()["signed_out"] is False
    assert cli("status", "--json", key=None).document()["signed_in"] is True


def test_a_rotation_whose_revoke_failed_ends_with_a_failed_line(
        cli: Run, faulty: FaultySandbox) -> None:
    old, _ = new_key(faulty, "json rotate refused")
    faulty.server.inject(Fault(403, {"detail": "not allowed"}), "revoke")
    ran = cli("keys", "rotate", old, "--yes", "--json")
    lines = ran.lines()
    assert ran.code == 1
    assert [line["step"] for line in lines] == ["created", "failed"]
    assert lines[0]["key"].startswith("or_") and lines[1]["key"] is None
    assert (lines[1]["old_state"], lines[1]["new_id"]) == ("active", lines[0]["new_id"])
    assert is_active(faulty, old)


def test_the_new_key_is_on_stdout_before_the_wait_for_the_old_key(
        cli: Run, faulty: FaultySandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """--revoke-old when-idle waits for production to stop using the old key, which it does
    once it has the new one: the new key must be out before the wait, not in a document at
    the end. (Time is the sandbox's fixed clock, moved by the rotation's own sleeps.)"""
    old, raw = new_key(faulty, "json idle")
    httpx.get(f"{faulty.server.url}/v1/me/credits",  # production uses it "now"
              headers={"Authorization": f"Bearer {raw}"}, timeout=30)
    now = [FIXED_NOW]
    out = io.StringIO()
    seen_while_waiting: list[str] = []

    async def sleep(seconds: float) -> None:
        seen_while_waiting.append(out.getvalue())
        now[0] += timedelta(seconds=seconds)

    def clock() -> datetime:
        return now[0]

    monkeypatch.setattr(rotate._rotate, "__kwdefaults__", {"clock": clock, "sleep": sleep})
    ran = cli("keys", "rotate", old, "--yes", "--json", "--revoke-old", "when-idle",
              "--idle-minutes", "10", stdout=out)
    assert ran.code == 0, ran.err
    assert seen_while_waiting, "the rotation did not wait"
    first = json.loads(seen_while_waiting[0].splitlines()[0])
    assert first["step"] == "created" and first["key"].startswith("or_")
    assert [line["step"] for line in ran.lines()] == ["created", "revoked"]
    assert "last used" in ran.err  # the waits are progress, on stderr


def test_a_reader_gone_after_the_new_key_does_not_stop_the_rotation(
        cli: Run, faulty: FaultySandbox) -> None:
    """``| head -n 1`` takes the new key's line and leaves: the rotation still revokes the
    old key, and the end says the rest of the output was lost, not that the key was. (This
    terminal signs in with the old key, from OPENRUSH_KEY: a line on switching comes between
    the new key's and the revoke.)"""
    old, raw = new_key(faulty, "json head")
    out = Breaking()
    ran = cli("keys", "rotate", old, "--yes", "--json", stdout=out, key=raw)
    assert json.loads(out.getvalue())["step"] == "created"
    assert "OPENRUSH_KEY" in ran.err  # the switch is the user's: said, and it goes on
    assert not is_active(faulty, old)
    assert ran.code == 1
    last = ran.err.strip().splitlines()[-1]
    assert last.startswith("openrush-tui: could not write the output")
    assert "Revoked the old key" in last and "never shown" not in last
