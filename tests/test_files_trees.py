"""`files.trees`, the walk of a user's tree: the mount table, virtual file systems met inside a
tree, reads at every size around the chunk boundaries, never waiting on a FIFO, and a bounded
number of descriptors however deep the tree (none left open when the caller stops early)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.files import trees
from openrush_tui.files.trees import Entry, read_file, walk


def kinds(root: Path, **options: object) -> list[tuple[str, str]]:
    return [(os.path.relpath(entry.path, root), entry.kind)
            for entry in walk([root], **options)]  # type: ignore[arg-type]


@pytest.mark.skipif(not Path("/proc/self/mountinfo").exists(), reason="no mount table here")
def test_the_mount_table_names_the_virtual_file_systems() -> None:
    mounts = trees.virtual_mounts()
    assert mounts["/proc"] == "proc"
    assert all(kind in trees.VIRTUAL_TYPES for kind in mounts.values())


def kernel_escaped(path: str) -> str:
    """As /proc/self/mountinfo writes a mount point: space, tab, newline, backslash as \\ooo."""
    return "".join(f"\\{ord(char):03o}" if char in " \t\n\\" else char for char in path)


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1))
def test_mount_points_are_unescaped_as_the_kernel_escaped_them(path: str) -> None:
    assert trees._unescape(kernel_escaped(path)) == path


def test_a_mount_point_with_a_space_is_read_as_the_kernel_escapes_it() -> None:
    assert trees._unescape(r"/mnt/my\040disk") == "/mnt/my disk"
    assert trees._unescape(r"/mnt/back\134slash") == "/mnt/back\\slash"
    assert trees._unescape("/plain") == "/plain"


def test_a_virtual_file_system_inside_a_tree_is_not_entered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As /proc is under / : the mount table says the folder "kernel" is a proc file system.
    (tmp_path / "kernel" / "1").mkdir(parents=True)
    (tmp_path / "kernel" / "1" / "environ").write_text("or_x")
    (tmp_path / "notes.txt").write_text("x")
    kernel = os.path.realpath(tmp_path / "kernel")
    monkeypatch.setattr(trees, "virtual_mounts", lambda: {kernel: "proc"})
    assert kinds(tmp_path) == [(".", "folder"), ("kernel", "virtual"), ("notes.txt", "file")]
    entry = next(walk([tmp_path / "kernel" / "1"]))
    assert (entry.kind, entry.detail, entry.named) == ("virtual", "proc", True)


def test_what_the_walk_meets_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "a" / ".git").mkdir(parents=True)
    (tmp_path / "a" / "b.txt").write_text("x")
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "z.txt").write_text("x")
    assert kinds(tmp_path, skip_names={".git"}, skip_markers={"pyvenv.cfg"},
                 ignore=[tmp_path / "z.txt"]) == [
        (".", "folder"), ("a", "folder"), ("a/.git", "pruned"), ("a/b.txt", "file"),
        ("env", "pruned"), ("loop", "symbolic-link"), ("pipe", "special"),
        ("z.txt", "ignored")]


@pytest.mark.parametrize("size", [0, 1, trees.HEAD_BYTES - 1, trees.HEAD_BYTES,
                                  trees.HEAD_BYTES + 1, 2 * trees.CHUNK_BYTES + 3])
def test_a_file_is_read_whole_at_every_size(tmp_path: Path, size: int) -> None:
    content = bytes(range(1, 256)) * (size // 255 + 1)
    (tmp_path / "f").write_bytes(content[:size])
    assert read_file(Entry(str(tmp_path / "f"), "file"), limit=size) == content[:size]
    if size:
        with pytest.raises(trees.TooLarge):
            read_file(Entry(str(tmp_path / "f"), "file"), limit=size - 1)


def test_a_rejected_head_is_all_that_is_read(tmp_path: Path) -> None:
    (tmp_path / "bin").write_bytes(b"\0" * (3 * trees.HEAD_BYTES))
    heads: list[int] = []
    assert read_file(Entry(str(tmp_path / "bin"), "file"), limit=10**9,
                     reject=lambda head: heads.append(len(head)) or True) is None
    assert heads == [trees.HEAD_BYTES]


def test_a_fifo_swapped_in_after_the_listing_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "was-a-file")
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_file(Entry(str(tmp_path / "was-a-file"), "file"), limit=100)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(60)  # a generous deadline: a blocked open never returns at all
    assert not reader.is_alive(), "waited on a FIFO"
    assert [type(exc) for exc in outcome] == [trees.NotRegularFile]


def test_a_link_swapped_in_inside_a_tree_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(trees.NotRegularFile):
        read_file(Entry(str(tmp_path / "link"), "file"), limit=100)
    assert read_file(Entry(str(tmp_path / "link"), "file", named=True), limit=100) == b"x"


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="no /proc here")
def test_descriptors_stay_bounded_and_none_is_left_open(tmp_path: Path) -> None:
    deepest = tmp_path.joinpath(*["d"] * 100)
    deepest.mkdir(parents=True)
    (deepest / "k.txt").write_text("x")
    before = open_descriptors()
    most, last = 0, ""
    for entry in walk([tmp_path]):
        most, last = max(most, open_descriptors() - before), entry.path
    assert 0 < most <= trees.KEPT_OPEN + 1
    assert last.endswith("/k.txt") and open_descriptors() == before
    for stop_after in (1, 50):  # a caller that stops early (the deadline): at the root too
        entries = walk([tmp_path])
        for _ in range(stop_after):
            next(entries)
        entries.close()
        assert open_descriptors() == before


def test_missing_names_only_what_is_not_there(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    paths = [tmp_path / "file", tmp_path / "dangling", tmp_path / "nope", tmp_path / "file" / "x"]
    assert trees.missing(paths) == paths[1:]
