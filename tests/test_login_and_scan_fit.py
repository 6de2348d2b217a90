"""Leftovers of issue 20 at 80 and 60 columns: `login` with a key saved in the file (a fail
keyring) wraps every line at words, and `keys scan`'s progress line fits the terminal it is
drawn on as one line (a line that wraps breaks its ``\\r`` redraw).

`login` runs in this process (`main`) against a threaded sandbox over HTTP on 127.0.0.1, with
stdout and stderr made to look like terminals (`COLUMNS` says their width). The scan's
progress is checked once in a real process on a real pty, where the width must come from
the terminal stderr is (stdout a file, `COLUMNS` unset, as in bash, which does not export it).
"""

from __future__ import annotations

import fcntl
import getpass
import io
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backends import fail

from openrush_tui.cli import main
from openrush_tui.commands import output
from openrush_tui.commands.lifecycle import progress_text
from openrush_tui.keys.scan import Scanner, ScanReport
from openrush_tui.text.cells import cell_width
from openrush_tui.text.counts import plural
from openrush_tui.text.safe import visible
from tests.support.lifecycle import ACTIVE_KEY, EXPIRED_KEY, cli_env
from tests.support.patience import PATIENCE
from tests.support.sandbox_process import command
from tests.support.threaded_sandbox import Served, threaded_sandbox

# Deep enough that no progress line could hold it whole, with wide (CJK) characters in it.
DEEP = ("projects/customer-integrations/service-alpha/src/main/resources/config/环境设置/"
        "module_017_with_a_rather_long_name")
LAST = "配置文件_0001.txt"  # the file's own name: what a progress line keeps


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with threaded_sandbox(tmp_path_factory.mktemp("login-fit")) as running:
        yield running


class Typed(io.StringIO):
    """stdin a terminal on which the person types these lines."""

    def isatty(self) -> bool:
        return True


def terminals(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", str(columns))


def assert_wrapped_at_words(said: str, width: int) -> str:
    """Every line within `width` cells; the text joined again, for the words to be read whole."""
    assert all(cell_width(line) <= width for line in said.splitlines()), said
    return " ".join(said.split())


def assert_saved_in_the_file(joined: str) -> None:
    """The file's name whole on its line (a path broken mid-word would hold a space here)."""
    shown = re.search(r"is saved in the file (\S+) \(plain text, readable only by you\)\.",
                      joined)
    assert shown, joined
    assert Path(shown[1]).expanduser().is_file(), shown[1]


@pytest.mark.parametrize("columns", [80, 60])
def test_login_asked_for_the_file_wraps_every_line_at_words(
        columns: int, served: Served, isolated_home: Path,
        use_keyring: Callable[[object], object], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    use_keyring(fail.Keyring())
    terminals(monkeypatch, columns)
    key = served.sandbox.mint_bootstrap_key()
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": key)
    monkeypatch.setattr(sys, "stdin", Typed("y\n"))  # yes to the file
    assert main(["login", "--api-url", served.base_url]) == 0
    said = capsys.readouterr()
    errors = assert_wrapped_at_words(said.err, columns)
    assert "openrush-tui: This system has no OS keyring" in errors, said.err
    # The terminal shows the answer typed after the question.
    joined = assert_wrapped_at_words(said.out.replace("[y/N] ", "[y/N] yes\n"), columns)
    assert "It is plain text on disk, readable only by you (mode 0600). [y/N] yes" in joined
    assert re.search(r"Signed in to \S+ as acct_\w+ \(", joined), said.out
    assert_saved_in_the_file(joined)


@pytest.mark.parametrize("columns", [80, 60])
def test_login_piped_with_insecure_storage_wraps_every_line_at_words(
        columns: int, served: Served, isolated_home: Path,
        use_keyring: Callable[[object], object], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`echo KEY | login --insecure-storage` on a terminal, twice: the second time the file
    was chosen before (a note on stderr)."""
    use_keyring(fail.Keyring())
    terminals(monkeypatch, columns)
    key = served.sandbox.mint_bootstrap_key()
    for _ in range(2):
        monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))
        assert main(["login", "--insecure-storage", "--api-url", served.base_url]) == 0
        said = capsys.readouterr()
        assert said.err.startswith("openrush-tui: "), said.err
        assert_wrapped_at_words(said.err, columns)
        assert_saved_in_the_file(assert_wrapped_at_words(said.out, columns))


def progress_lines(shown: str) -> list[str]:
    """What each redraw of the progress line left on the terminal."""
    return [part for part in shown.split("\r\x1b[K") if part.startswith("scanning")]


def assert_progress_fits(lines: list[str], columns: int) -> None:
    """The first line names the one file scanned (the first thing the walk meets)."""
    assert lines
    for line in lines:
        assert "\n" not in line and "\r" not in line, line
        assert cell_width(line) < columns, (line, cell_width(line))  # never the last column
    # Its path is shortened in the middle: its start and the file's own name stay.
    assert lines[0].endswith(LAST) and "projects/" in lines[0] and "…" in lines[0], lines[0]


@pytest.mark.parametrize("columns", [80, 60])
def test_the_scan_progress_fits_in_one_line(columns: int, tmp_path: Path, isolated_home: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / DEEP
    deep.mkdir(parents=True)
    (deep / LAST).write_text("nothing to find\n")
    terminals(monkeypatch, columns)
    monkeypatch.chdir(tmp_path)
    assert main(["keys", "scan", f"{DEEP}/{LAST}"]) == 0
    assert_progress_fits(progress_lines(capsys.readouterr().err), columns)


def test_the_scan_progress_fits_the_terminal_stderr_is(tmp_path: Path) -> None:
    """stderr a pty 60 columns wide, stdout a file, no `COLUMNS` (bash does not export it):
    the width is stderr's terminal's, not the 80 of a stdout that is no terminal."""
    deep = tmp_path / DEEP
    deep.mkdir(parents=True)
    (deep / LAST).write_text("nothing to find\n")
    env = {name: value for name, value in cli_env(tmp_path, None).items()
           if name not in ("COLUMNS", "LINES")}
    main_fd, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 20, 60, 0, 0))
    try:
        with (tmp_path / "hits.txt").open("w") as hits:
            process = subprocess.run([*command(), "keys", "scan", f"{DEEP}/{LAST}"], cwd=tmp_path,
                                     stdin=subprocess.DEVNULL, stdout=hits, stderr=terminal,
                                     env=env, timeout=60, check=False)
        os.close(terminal)
        shown = b""
        while chunk := _read(main_fd):
            shown += chunk
    finally:
        os.close(main_fd)
    assert process.returncode == 0, shown
    assert_progress_fits(progress_lines(shown.decode()), 60)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO once the other side is closed and drained
        return b""


@given(where=st.text(min_size=0, max_size=200).map(visible),
       files=st.integers(0, 10**9), width=st.integers(1, 300))
def test_a_progress_line_never_outgrows_its_width(where: str, files: int, width: int) -> None:
    """Whatever a path holds (wide characters, combining marks, escapes): one line within
    the width, and the counts whole whenever they fit."""
    counts = f"scanning: {plural(files, 'file')}, 0 keys found"
    line = progress_text(counts, where, width)
    assert "\n" not in line and cell_width(line) <= width, (line, width)
    if cell_width(counts) <= width:
        assert line.startswith(counts), line


@pytest.mark.parametrize("columns", [80, 60])
def test_logout_of_a_key_in_the_file_wraps_at_words(
        columns: int, served: Served, isolated_home: Path,
        use_keyring: Callable[[object], object], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    use_keyring(fail.Keyring())
    key = served.sandbox.mint_bootstrap_key()
    monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))
    assert main(["login", "--insecure-storage", "--api-url", served.base_url]) == 0
    shown = re.search(r"saved in the file (\S+)", " ".join(capsys.readouterr().out.split()))
    assert shown, "the file's name"
    terminals(monkeypatch, columns)
    monkeypatch.setattr(sys, "stdin", Typed("y\n"))  # yes: delete the only copy
    assert main(["logout"]) == 0
    said = capsys.readouterr()
    assert_wrapped_at_words(said.err.replace("[y/N] ", "[y/N] y\n"), columns)
    joined = assert_wrapped_at_words(said.out, columns)
    assert f"the key was removed from {shown[1]}" in joined, said.out


USAGE_ERRORS = [
    (["keys", "create"], "required: NAME (see openrush-tui keys create --help)"),
    (["--bogus"], "unrecognized arguments: --bogus (see openrush-tui --help)"),
    (["keys", "rotate"], "required: ID|NAME (see openrush-tui keys rotate --help)"),
    (["keys", "rotate", "cred_x", "--revoke-old", "sometime"], "invalid choice: 'sometime'"),
    (["activity", "--source", "foo"], "invalid choice: 'foo'"),
    (["activity", "--since", "yesterdayish"], "not a date, time or age: 'yesterdayish'"),
    (["keys", "create", "n", "--expires-in", "-5d"], "argument --expires-in: expected one"),
    (["keys", "audit", "--fail-on", "whatever"], "unknown kind 'whatever'; the kinds are"),
]


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize(("argv", "words"), USAGE_ERRORS,
                         ids=[" ".join(argv) for argv, _ in USAGE_ERRORS])
def test_a_usage_error_wraps_at_words(columns: int, argv: list[str], words: str,
                                      isolated_home: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    terminals(monkeypatch, columns)
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    said = capsys.readouterr()
    assert said.out == ""
    joined = assert_wrapped_at_words(said.err, columns)
    assert joined.startswith("openrush-tui") and words in joined, said.err


def test_a_usage_error_piped_stays_one_line(isolated_home: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Not a terminal (pytest's capture): one line, for grep, however long."""
    for argv, words in USAGE_ERRORS:
        with pytest.raises(SystemExit):
            main(argv)
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.endswith("\n") and words in err, err


@pytest.mark.parametrize("columns", [80, 60])
def test_web_login_asked_for_the_file_wraps_at_words(
        columns: int, served: Served, isolated_home: Path,
        use_keyring: Callable[[object], object], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`login --web` with no keyring asks before anything starts, as `login` does for a key:
    the question (with the file's name) broken between words; no here, so nothing starts."""
    use_keyring(fail.Keyring())
    terminals(monkeypatch, columns)
    monkeypatch.setattr(sys, "stdin", Typed("n\n"))
    main(["login", "--web", "--no-wait", "--profile", "web2", "--api-url", served.base_url])
    said = capsys.readouterr()
    assert_wrapped_at_words(said.err, columns)
    joined = assert_wrapped_at_words(said.out.replace("[y/N] ", "[y/N] n\n"), columns)
    shown = re.search(r"Keep the sign-in in (\S+) instead\? It is plain text on disk, readable "
                      r"only by you \(mode 0600\)\. \[y/N\] n", joined)
    assert shown and shown[1].endswith("web-sessions.json"), said.out
    assert "nothing was started; nothing changed." in " ".join(said.err.split()), said.err


@pytest.mark.parametrize("columns", [80, 60])
def test_revoke_lists_the_keys_a_start_names_within_the_width(
        columns: int, served: Served, isolated_home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`keys revoke cred --yes`: every key's id starts so; each is listed broken between words
    with a hanging indent (its id whole on its first line, to be copied), nothing revoked."""
    monkeypatch.setenv("OPENRUSH_KEY", served.sandbox.mint_bootstrap_key())
    monkeypatch.setenv("OPENRUSH_API_URL", served.base_url)
    for name in ("Deploy bot for the staging cluster", "Nightly export"):
        assert main(["keys", "create", name, "--json"]) == 0
    capsys.readouterr()
    terminals(monkeypatch, columns)
    assert main(["keys", "revoke", "cred", "--yes"]) == 2
    said = capsys.readouterr().err
    assert_wrapped_at_words(said, columns)
    listed = [line for line in said.splitlines() if line.startswith("  cred_")]
    assert len(listed) >= 3, said
    lines = said.splitlines()
    for line in lines[lines.index(listed[0]):-1]:
        # A key's first line, or its rest after one deeper indent.
        assert line.startswith("  cred_") or re.match(r"    \S", line), said
    joined = " ".join(said.split())
    assert "Deploy bot for the staging cluster" in joined and "last used" in joined, said
    assert joined.endswith("Nothing was revoked."), said


WRITE_SYSCALLS = {"x86_64": "1", "aarch64": "64"}  # write(2)'s number, for /proc/PID/syscall


def writing_to_stderr(pid: int) -> bool:
    """The process `pid` is inside write(2) on fd 2 (blocked there: its terminal's output
    is stopped)."""
    with open(f"/proc/{pid}/syscall") as state:
        fields = state.read().split()
    return fields[:2] == [WRITE_SYSCALLS[os.uname().machine], "0x2"]


def workers_done(pid: int) -> bool:
    """Every process `pid` forked has ended (a zombie: not waited for yet), so what they
    found is known whenever the signal comes."""
    with open(f"/proc/{pid}/task/{pid}/children") as listed:
        children = listed.read().split()
    return all(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
               for child in children)


@pytest.mark.skipif(os.uname().machine not in WRITE_SYSCALLS
                    or not os.path.exists("/proc/self/syscall"), reason="needs Linux's /proc")
@pytest.mark.parametrize("processes", ["one", "forked"])
def test_ctrl_c_during_a_scan_clears_its_line_and_says_what_it_found(
        processes: str, tmp_path: Path) -> None:
    """ctrl+c while the scan is drawing its progress on a real pty (60 columns): the line
    is cleared before the message; the keys found so far are listed, as a scan's are, exit
    130. No timing: the terminal's output is stopped (as ctrl+s does), so the scan waits in
    its first progress write, after its first file (`a.txt`, the first path), until the
    test has sent SIGINT to its process group (what the terminal does on ctrl+c)."""
    if processes == "forked" and len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: the scan forks no workers")
    (tmp_path / "a.txt").write_text(f"KEY={ACTIVE_KEY}\n")
    for folder in range(4):
        (tmp_path / "more" / f"part{folder}").mkdir(parents=True)
        (tmp_path / "more" / f"part{folder}" / "b.txt").write_text(f"old={EXPIRED_KEY}\n")
    one_cpu = {min(os.sched_getaffinity(0))}
    main_fd, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 20, 60, 0, 0))
    termios.tcflow(terminal, termios.TCOOFF)
    try:
        with (tmp_path / "hits.txt").open("w") as hits:
            process = subprocess.Popen(  # one CPU: one process (`lifecycle.scan_workers`)
                [*command(), "keys", "scan", "a.txt", "more"], cwd=tmp_path,
                stdin=subprocess.DEVNULL, stdout=hits, stderr=terminal,
                env={**cli_env(tmp_path, None), "COLUMNS": "60"}, start_new_session=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, one_cpu))
                if processes == "one" else None)
        try:
            deadline = time.monotonic() + PATIENCE
            while not (writing_to_stderr(process.pid) and workers_done(process.pid)):
                assert process.poll() is None and time.monotonic() < deadline, "no progress"
                time.sleep(0.01)
            os.killpg(process.pid, signal.SIGINT)
            termios.tcflow(terminal, termios.TCOON)
            code = process.wait(timeout=PATIENCE)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        os.close(terminal)
        shown = b""
        while chunk := _read(main_fd):
            shown += chunk
    finally:
        os.close(main_fd)
    said = shown.decode()
    assert code == 130, said
    # The progress write that was waiting is given up (nothing of it reached the terminal,
    # here): whatever was drawn, the line is cleared before the first thing said.
    drawn = said.split("openrush-tui: ", 1)[0]
    assert drawn.endswith("\r\x1b[K"), said
    message = said.split("openrush-tui: interrupted.", 1)[1]
    found = (tmp_path / "hits.txt").read_text()
    assert found.startswith("a.txt:1:5  or_Active"), found  # the usual findings output
    joined = assert_wrapped_at_words(message.replace("\r\n", "\n"), 60)
    if processes == "forked":  # a child stopped mid-walk: `children_stopped_mid_walk`
        assert "Scanned 5 files" in joined and "5 keys found so far" in joined, said
        assert found.count("b.txt") == 4, found  # read by the workers before the parent
        return                                  # was stopped, and said all the same
    if processes == "one":  # stopped after its first file: the rest never read
        assert "b.txt" not in found, found
        assert "Scanned 1 file" in joined and "1 key found so far" in joined, said


def children_stopped_mid_walk(tmp_path: Path) -> None:
    """ctrl+c reaches the whole process group: each worker sends SIGINT to itself after a
    few entries (on the scan's clock, which it looks at before each), the parent is
    interrupted at its first progress that counts a file read. Each worker ends its walk
    there and sends what it read: the report holds those files' keys, marked interrupted
    (not the time limit)."""
    for number in range(64):
        folder = tmp_path / f"d{number % 16}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{number}.txt").write_text(f"KEY={ACTIVE_KEY}\n")
    parent = os.getpid()
    looks = [0]  # each process its own copy

    def clock() -> float:
        looks[0] += 1
        if os.getpid() != parent and looks[0] == 4:
            os.kill(os.getpid(), signal.SIGINT)
        return 0.0

    def progress(report: ScanReport, where: str) -> None:
        if report.files:  # the workers' counts: something was read before the ctrl+c
            raise KeyboardInterrupt

    try:
        report = Scanner(workers=2, monotonic=clock, progress=progress,
                         progress_every=0).scan([tmp_path])
    except KeyboardInterrupt:
        raise AssertionError("the interrupt ended the scan with nothing") from None
    assert report.processes == 2 and report.interrupted and not report.stopped
    assert 0 < report.files < 16 and len(report.hits) == report.files, report
    assert report.incomplete == ["interrupted before the end"]


def test_workers_stopped_mid_walk_send_what_they_found(tmp_path: Path) -> None:
    """In a new interpreter: the scan forks only where no other thread runs."""
    code = ("import sys; from pathlib import Path; "
            f"import {__name__} as tests; tests.children_stopped_mid_walk(Path(sys.argv[1]))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True,
                          text=True, timeout=PATIENCE, check=False)
    assert done.returncode == 0, done.stderr
