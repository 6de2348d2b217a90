"""The leak scanner's core: the matcher (hypothesis), the walk (what it skips, never following
a link, the deadline) and what each hit is to the account (`keys/leaks.py`)."""

from __future__ import annotations

import contextlib
import os
import re
import string
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.api.models import ApiCredential
from openrush_tui.keys.leaks import classify
from openrush_tui.keys.scan import (
    KEY_PATTERN,
    MAX_FILE_BYTES,
    Hit,
    Scanner,
    find_keys,
    fingerprint,
    path_text,
)
from tests.support.unprivileged import as_ordinary_user

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
BASE62 = string.digits + string.ascii_letters
KEY = "or_" + "Ab3" * 13 + "x"  # 40 characters after or_

keys_st = st.text(BASE62, min_size=40, max_size=40).filter(
    lambda body: any(ch.isdigit() or ch.isupper() for ch in body)).map(lambda b: "or_" + b)
# Text around a key: anything, as long as the characters touching it are not word characters.
filler = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
boundary = st.sampled_from(" \n\t\"'=:;,([{<>}])/#`")


def found(text: str) -> list[tuple[int, int, str, str, str, str]]:
    return list(find_keys(text.encode()))


@given(before=filler, left=boundary, key=keys_st, right=boundary, after=filler)
def test_a_key_is_found_where_it_is_with_only_its_masked_form(
        before: str, left: str, key: str, right: str, after: str) -> None:
    prefix_text = before + left
    data = (prefix_text + key + right + after).encode()
    hits = [hit for hit in find_keys(data) if hit[2] == key[:9] and hit[3] == key[-4:]]
    assert hits, data
    line, column, _, _, masked, print_ = hits[0]
    head = prefix_text.encode()
    assert line == head.count(b"\n") + 1
    assert column == len(head) - (head.rfind(b"\n") + 1) + 1
    assert masked == f"{key[:9]}…{key[-4:]}" and key not in repr(hits)
    assert print_ == fingerprint(key)


# The pattern as first written, look-behind first: the one in use must match exactly as it did.
PLAIN_PATTERN = re.compile(rb"(?<![A-Za-z0-9_])or_[A-Za-z0-9]{20,200}(?![A-Za-z0-9_])")


@given(st.lists(st.sampled_from([b"or_", b"Ab3", b"_", b"x", b" ", b"\n", b"\xff", b"0" * 20]),
                max_size=40).map(b"".join))
def test_the_fast_key_pattern_matches_exactly_what_the_plain_one_does(data: bytes) -> None:
    assert [m.span() for m in KEY_PATTERN.finditer(data)] == [
        m.span() for m in PLAIN_PATTERN.finditer(data)]


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",))))
def test_text_without_or_underscore_has_no_hits(text: str) -> None:
    assert found(text.replace("or_", "")) == []


@given(st.lists(st.text(string.ascii_lowercase, min_size=1, max_size=12), min_size=1,
                max_size=8))
def test_snake_case_names_are_not_keys(words: list[str]) -> None:
    assert found("or_" + "_".join(words) + "_" + "x" * 20) == []


@pytest.mark.parametrize("text", [
    "color_AbCdEf0123456789abcdef",  # part of a longer word
    "or_Ab3Ab3",  # too short
    "my_or_Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab3",  # inside an identifier
    "or_abcdefghijklmnopqrstuvwxyz",  # no digit, no capital: a word, not a key
    f"{KEY}_suffix",  # followed by a word character: a longer identifier
])
def test_what_is_not_a_key(text: str) -> None:
    assert found(text) == []


def test_several_keys_on_several_lines() -> None:
    data = f"a\nKEY={KEY}\n\nother: 'or_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9' and {KEY}\n"
    assert [(line, column) for line, column, *_ in found(data)] == [(2, 5), (4, 9), (4, 42)]


# -- the walk ---------------------------------------------------------------------------------


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_the_walk_skips_what_it_must_and_never_follows_a_link(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write(tree / "app" / "settings.py", f"KEY = '{KEY}'\n")
    write(tree / ".env", f"OPENRUSH_KEY={KEY}\n")
    for skipped in (".git/config", "node_modules/pkg/index.js", ".venv/lib/x.py",
                    "env/lib/y.py", "src/__pycache__/z.txt"):
        write(tree / skipped, KEY)
    write(tree / "env" / "pyvenv.cfg", "home = /usr\n")  # a virtualenv by its marker
    write(tree / "data.bin", b"\0\1" + KEY.encode())
    write(tree / "big.log", b"x" * (MAX_FILE_BYTES + 1))
    outside = write(tmp_path / "outside" / "secret.txt", KEY)
    (tree / "link.txt").symlink_to(outside)
    (tree / "linked-dir").symlink_to(outside.parent, target_is_directory=True)
    own = write(tree / "credentials.json", KEY)

    seen: list[Path] = []
    report = Scanner(progress=lambda report, path: seen.append(path), progress_every=0,
                     ignore=[own]).scan([tree])
    assert sorted(str(hit.path.relative_to(tree)) for hit in report.hits) == [
        ".env", "app/settings.py"]
    assert report.skipped == {"folder": 5, "binary": 1, "large": 1, "symbolic-link": 2,
                              "credential-file": 1}
    assert report.files == 2 and not report.stopped
    assert seen  # progress was reported
    assert KEY not in repr(report)


def test_a_symbolic_link_named_on_the_command_line_is_followed(tmp_path: Path) -> None:
    # Naming a link is asking for what it points to; one met inside a tree is not followed.
    target = write(tmp_path / "a.txt", KEY)
    link = tmp_path / "b.txt"
    link.symlink_to(target)
    folder = tmp_path / "real"
    write(folder / "c.txt", KEY)
    (folder / "back").symlink_to(tmp_path, target_is_directory=True)  # a loop, not followed
    linked_folder = tmp_path / "linked"
    linked_folder.symlink_to(folder, target_is_directory=True)
    report = Scanner().scan([target, link, linked_folder])
    assert [hit.path for hit in report.hits] == [target, link, linked_folder / "c.txt"]
    assert report.skipped == {"symbolic-link": 1} and report.complete


def test_the_deadline_stops_the_walk_and_says_so(tmp_path: Path) -> None:
    for number in range(20):
        write(tmp_path / f"f{number:02}.txt", KEY)
    ticks = iter(range(1000))
    report = Scanner(seconds=5, monotonic=lambda: float(next(ticks))).scan([tmp_path])
    assert report.stopped and 0 < report.files < 20
    assert report.incomplete == ["stopped at the time limit (5 s) before the end"]


def test_the_deadline_holds_for_files_named_on_the_command_line(tmp_path: Path) -> None:
    files = [write(tmp_path / f"f{number:02}.txt", KEY) for number in range(20)]
    ticks = iter(range(1000))
    report = Scanner(seconds=5, monotonic=lambda: float(next(ticks))).scan(files)
    assert report.stopped and 0 < report.files < 20


@pytest.fixture
def fast_tmp(tmp_path: Path) -> Iterator[Path]:
    """A folder in memory (/dev/shm) where there is one: 2,000 folders made and removed on a
    busy disk take seconds, in memory hundredths. Emptied by the test."""
    shm = Path("/dev/shm")  # noqa: S108 (mkdtemp makes a private folder of its own there)
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(dir=shm, prefix="openrush-test-"))
    try:
        yield folder
    finally:
        with contextlib.suppress(OSError):
            folder.rmdir()


def test_a_tree_2000_folders_deep_is_walked_without_recursion(
        fast_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A relative path keeps the deepest file under PATH_MAX wherever the temporary folder is.
    monkeypatch.chdir(fast_tmp)
    deepest = Path("deep")
    deepest.mkdir()
    try:
        folder = os.open(deepest, os.O_RDONLY)
        for _ in range(1999):  # one name at a time (os.makedirs recurses too)
            os.mkdir("d", dir_fd=folder)
            folder, parent = os.open("d", os.O_RDONLY, dir_fd=folder), folder
            os.close(parent)
            deepest /= "d"
        os.close(folder)
        write(deepest / "k.txt", KEY)
        report = Scanner().scan([Path("deep")])
        assert [hit.path for hit in report.hits] == [deepest / "k.txt"]
        assert report.files == 1 and not report.skipped
    finally:
        # pytest's own clean-up (shutil.rmtree) recurses: it would fail on this tree.
        remove_chain(Path("deep"))


def remove_chain(top: Path) -> None:
    """Remove nested folders without recursion (pytest's clean-up, shutil.rmtree, recurses):
    each step moves the folder's only subfolder up in its place."""
    below = top.with_name(top.name + ".below")
    while True:
        names = os.listdir(top)
        for name in names:
            if name != "d":
                (top / name).unlink()
        if "d" not in names:
            top.rmdir()
            return
        os.rename(top / "d", below)
        top.rmdir()
        os.rename(below, top)


def test_an_unreadable_file_is_counted_not_fatal(tmp_path: Path) -> None:
    locked = write(tmp_path / "locked.txt", KEY)
    locked.chmod(0)
    write(tmp_path / "open.txt", KEY)
    report = as_ordinary_user(lambda: Scanner().scan([tmp_path]))
    assert len(report.hits) == 1 and report.skipped == {"unreadable": 1}
    assert report.unreadable == [f"{locked}: Permission denied"]


def test_unreadable_folders_are_counted_not_fatal(tmp_path: Path) -> None:
    # One that cannot be listed, one whose names can be listed but not opened.
    write(tmp_path / "a-locked" / "k.txt", KEY).parent.chmod(0)
    write(tmp_path / "b-names-only" / "k.txt", KEY).parent.chmod(0o444)
    write(tmp_path / "c-open" / "k.txt", KEY)
    try:
        report = as_ordinary_user(lambda: Scanner().scan([tmp_path]))
    finally:
        for folder in ("a-locked", "b-names-only"):
            (tmp_path / folder).chmod(0o700)
    assert [hit.path.parent.name for hit in report.hits] == ["c-open"]
    assert report.skipped == {"unreadable": 2}
    assert report.unreadable == [f"{tmp_path}/a-locked: Permission denied",
                                 f"{tmp_path}/b-names-only/k.txt: Permission denied"]
    assert report.incomplete == [f"2 unreadable files or folders left out (first: "
                                 f"{tmp_path}/a-locked: Permission denied)"]


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="no /proc here")
@pytest.mark.parametrize("root", ["/proc", "/proc/self", "/proc/1/fdinfo", "/sys"])
def test_virtual_file_systems_are_not_entered(root: str) -> None:
    report = Scanner().scan([Path(root)])
    assert report.skipped == {"virtual": 1} and report.virtual == [root]
    assert report.files == 0 and not report.stopped


def test_a_fifo_or_a_device_is_skipped_never_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    write(tmp_path / "x.txt", KEY)
    report = Scanner().scan([tmp_path, tmp_path / "pipe", Path("/dev/zero")])
    assert report.skipped == {"special": 3} and len(report.hits) == 1


def test_keys_in_file_names_are_masked_wherever_a_path_is_shown(tmp_path: Path) -> None:
    name_key = "or_NameKey0123456789abcdefghijABCDEFGHIJ"
    tree = tmp_path / f"backup_{name_key}"
    write(tree / f"{name_key}.env", KEY)
    write(tree / "zz.txt", "nothing")
    shown: list[object] = []
    report = Scanner(progress=lambda report, where: shown.append(where),
                     progress_every=0).scan([tree])
    assert len(report.hits) == 1 and shown
    masked = f"{name_key[:9]}…{name_key[-4:]}"
    assert path_text(report.hits[0].path) == f"{tmp_path}/backup_{masked}/{masked}.env"
    assert all(name_key not in str(where) and masked in str(where) for where in shown)


@given(st.binary(max_size=40), keys_st, st.binary(max_size=40))
def test_path_text_is_valid_text_and_never_shows_a_key(before: bytes, key: str,
                                                       after: bytes) -> None:
    name = os.fsdecode(before.replace(b"/", b"") + key.encode() + after.replace(b"/", b""))
    shown = path_text(name)
    shown.encode("utf-8")  # no lone surrogate: valid in any JSON parser
    assert key not in shown and key[3:-4] not in shown


def test_path_text_shows_bytes_that_are_not_utf8_as_escapes() -> None:
    assert path_text(os.fsdecode(b"caf\xe9\n.txt")) == "caf\\xe9\\n.txt"
    assert path_text("café.txt") == "café.txt"


# -- what a hit is ------------------------------------------------------------------------------


def credential(name: str, raw: str, *, active: bool = True, expires: float | None = None,
               used: float | None = 2, with_fingerprint: str | None = None) -> ApiCredential:
    return ApiCredential(
        id=f"cred_{name}", name=name, prefix=raw[:9] + "...", is_active=active,
        created_at=NOW - timedelta(days=30),
        last_used_at=None if used is None else NOW - timedelta(days=used),
        expires_at=None if expires is None else NOW + timedelta(days=expires),
        fingerprint=with_fingerprint)


def hit_of(raw: str) -> Hit:
    line, column, *rest = next(find_keys(raw.encode()))
    return Hit(Path("x"), line, column, *rest)


ACTIVE = "or_Active0123456789abcdefghijABCDEFGHIJklm"
REVOKED = "or_Revoke0123456789abcdefghijABCDEFGHIJklm"
EXPIRED = "or_Expire0123456789abcdefghijABCDEFGHIJklm"
STRANGER = "or_Strang0123456789abcdefghijABCDEFGHIJklm"


def test_each_hit_is_named_with_what_to_do() -> None:
    keys = [credential("prod", ACTIVE), credential("old", REVOKED, active=False),
            credential("temp", EXPIRED, expires=-1)]
    verdicts = classify([hit_of(k) for k in (ACTIVE, REVOKED, EXPIRED, STRANGER)], keys, NOW)
    assert [(v.status, v.key.name if v.key else None) for v in verdicts] == [
        ("active", "prod"), ("revoked", "old"), ("expired", "temp"), ("unknown", None)]
    assert verdicts[0].advice == ("ACTIVE key “prod” (last used 2 days ago): revoke or rotate "
                                  "it, and move it to a secret store")
    assert verdicts[1].advice == "revoked key “old”: harmless, remove it"
    assert verdicts[3].advice == "not a key of this account"
    assert [v.dangerous for v in verdicts] == [True, False, False, False]


def test_unchecked_hits_count_as_dangerous() -> None:
    (verdict,) = classify([hit_of(STRANGER)], None, NOW)
    assert verdict.status == "unchecked" and verdict.dangerous


def test_a_fingerprint_from_the_server_confirms_or_rules_out_a_prefix_match() -> None:
    twin = ACTIVE[:9] + "X" * (len(ACTIVE) - 9)  # same prefix, another key
    keys = [credential("prod", ACTIVE, with_fingerprint=fingerprint(ACTIVE))]
    same, other = classify([hit_of(ACTIVE), hit_of(twin)], keys, NOW)
    assert same.status == "active"
    assert other.status == "unknown" and "another fingerprint" in other.advice


def test_server_names_are_shown_literally() -> None:
    keys = [credential("x\x1b[2Jy", ACTIVE)]
    (verdict,) = classify([hit_of(ACTIVE)], keys, NOW)
    assert "\x1b" not in verdict.advice and "x\\e[2Jy" in verdict.advice
