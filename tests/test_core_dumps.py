"""No core dump can hold a key: the one entry of the dashboard and the command line turns them
off before anything reads a key (a crash, or SIGQUIT from ctrl+\\ in a command, would
otherwise write the process's memory, the key in it, to a file)."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

ENTERING = """
import resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
resource.setrlimit(resource.RLIMIT_CORE, (1 << 20, hard))  # a shell with `ulimit -c 1024`
from openrush_tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("CORE", *resource.getrlimit(resource.RLIMIT_CORE), file=sys.__stderr__)
"""


@pytest.mark.parametrize("argv", [["--version"], ["keys", "list", "--bogus"]],
                         ids=["version", "usage-error"])
def test_the_entry_turns_core_dumps_off_before_anything_else(argv: list[str]) -> None:
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    if hard != resource.RLIM_INFINITY and hard < 1 << 20:
        pytest.skip("core dumps are limited below 1 MB here already")
    done = subprocess.run([sys.executable, "-c", ENTERING, *argv], capture_output=True,
                          text=True, timeout=60, check=False)
    assert "CORE 0 0" in done.stderr, done.stderr
