"""The local-files package (`openrush_tui.files`): the edges every caller relies on.

Reads never block on a FIFO or a device and stop at a size cap; writes are atomic, 0600
whatever the umask, never through a link, never over an existing file when asked not to
(decided at the rename), never over a version other than the one read; locks time out.
"""

from __future__ import annotations

import fcntl
import os
import stat
import threading
from pathlib import Path

import pytest

from openrush_tui.files.errors import LocalFileError
from openrush_tui.files.locks import LockTimeout, locked
from openrush_tui.files.reading import NotRegularFile, TooLarge, read_bytes, read_text, stamp_of
from openrush_tui.files.writing import (
    FileChanged,
    FileExists,
    NewFile,
    create_exclusive,
    ensure_private_dir,
    leftover_temporaries,
    make_dirs,
    write_file,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


# -- reading ------------------------------------------------------------------------------------


@pytest.mark.timeout(90)
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match="named pipe"):
        read_bytes(fifo)


def test_a_device_and_a_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile, match="device"):
        read_bytes(Path("/dev/zero"))
    with pytest.raises(NotRegularFile, match="directory"):
        read_bytes(tmp_path)


def test_reads_stop_at_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2000)
    assert read_bytes(big, limit=2000)[0] == b"x" * 2000
    with pytest.raises(TooLarge, match="2,000 bytes"):
        read_bytes(big, limit=1999)


def test_a_symlink_is_followed_only_when_allowed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("text")
    link = tmp_path / "link"
    link.symlink_to(real)
    assert read_text(link)[0] == "text"
    with pytest.raises(NotRegularFile, match="symbolic link"):
        read_text(link, follow_symlinks=False)


def test_text_that_is_not_utf8_is_a_clear_error_and_crlf_stays(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"a\r\nb")
    assert read_text(path)[0] == "a\r\nb"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(LocalFileError, match="not UTF-8"):
        read_text(path)


def test_an_unreadable_file_is_a_sentence(tmp_path: Path) -> None:
    if os.getuid() == 0:
        pytest.skip("root reads everything")
    path = tmp_path / "secret"
    path.write_text("x")
    path.chmod(0)
    with pytest.raises(LocalFileError, match="Permission denied"):
        read_bytes(path)


# -- writing ------------------------------------------------------------------------------------


def test_writes_are_0600_whatever_the_umask_and_leave_nothing_behind(tmp_path: Path) -> None:
    old = os.umask(0o277)
    try:
        write_file(tmp_path / "out.json", "{}\n")
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "out.json") == 0o600
    assert os.listdir(tmp_path) == ["out.json"]


def test_the_mode_asked_for_is_given_exactly(tmp_path: Path) -> None:
    write_file(tmp_path / "config.toml", "a = 1\n", mode=0o640)
    assert mode_of(tmp_path / "config.toml") == 0o640


def test_replacing_a_symlink_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "settings.json"
    link.symlink_to(victim)
    write_file(link, "{}")
    assert victim.read_text() == "precious"
    assert not link.is_symlink() and link.read_text() == "{}"


def test_never_overwrite_is_decided_at_the_rename(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with pytest.raises(FileExists, match="not overwritten"), \
            NewFile(path, overwrite=False) as new:
        new.handle.write("ours\n")
        path.write_text("theirs\n")  # appears while we write
    assert path.read_text() == "theirs\n" and os.listdir(tmp_path) == ["export.csv"]


def test_a_dangling_symlink_counts_as_taken(tmp_path: Path) -> None:
    path = tmp_path / "config.json.bak"
    path.symlink_to(tmp_path / "nowhere")
    assert not create_exclusive(path, b"copy")
    assert not (tmp_path / "nowhere").exists()


def test_another_name_takes_the_next_free_number(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("first\n")
    (tmp_path / "export-2.csv").symlink_to(tmp_path / "nowhere")
    with NewFile(path, overwrite=False, another_name=True) as new:
        new.handle.write("third\n")
    assert new.path == tmp_path / "export-3.csv" and new.path.read_text() == "third\n"
    assert path.read_text() == "first\n"


def test_a_file_changed_since_it_was_read_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("v1")
    stamp = stamp_of(path)
    write_file(path, "v2", expect=stamp)  # unchanged: replaced
    with pytest.raises(FileChanged, match="changed while"):
        write_file(path, "v3", expect=stamp)  # v2 is not the version that was read
    assert path.read_text() == "v2"
    with pytest.raises(FileChanged):
        write_file(tmp_path / "new.json", "x", expect=stamp)  # absent is not that version
    write_file(tmp_path / "new.json", "x", expect=None)  # expected absent: created
    assert not leftover_temporaries(path)


def test_an_exception_in_the_block_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt), NewFile(path) as new:
        new.handle.write("half")
        raise KeyboardInterrupt
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["credentials.json"]


def test_a_full_disk_is_a_sentence_and_nothing_changes(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    # The folder cannot hold /dev/full, so simulate the write error on our own handle.
    path = tmp_path / "out.csv"
    with pytest.raises(LocalFileError, match="Could not write"), NewFile(path) as new:
        new.handle.write("x")
        os.dup2(os.open("/dev/full", os.O_WRONLY), new.handle.fileno())
        new.handle.write("y" * 100_000)
    assert os.listdir(tmp_path) == []


# -- folders ------------------------------------------------------------------------------------


def test_new_folders_are_0700_and_existing_ones_are_not_chmodded(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    make_dirs(existing / "a" / "b")
    assert mode_of(existing) == 0o755
    assert mode_of(existing / "a") == 0o700 and mode_of(existing / "a" / "b") == 0o700


def test_a_private_folder_others_can_write_is_refused_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(LocalFileError, match="chmod 700"):
        ensure_private_dir(folder)
    assert mode_of(folder) == 0o777


# -- locks --------------------------------------------------------------------------------------


def test_a_lock_held_elsewhere_times_out_with_a_sentence(tmp_path: Path) -> None:
    lock = tmp_path / ".lock"
    lock.touch(mode=0o600)
    holder = os.open(lock, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds  # a controlled clock: no real waiting

    try:
        with pytest.raises(LockTimeout, match="locked by another process for 10 s"), \
                locked(lock, sleep=sleep, clock=lambda: now[0]):
            pass
    finally:
        os.close(holder)
    assert 10.0 <= now[0] < 10.2
    with locked(lock):  # released: taken at once
        pass


def test_a_fifo_at_the_lock_name_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".lock")
    with pytest.raises(LocalFileError, match="not a lock file"), locked(tmp_path / ".lock"):
        pass


def test_the_lock_serialises_read_modify_write(tmp_path: Path) -> None:
    from openrush_tui.files.private import read_private_json, update_private_json

    folder = tmp_path / "config"
    path = folder / "counts.json"

    def bump() -> None:
        for _ in range(20):
            update_private_json(path, lambda data: data.update(n=data.get("n", 0) + 1))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert read_private_json(path) == {"n": 80}
