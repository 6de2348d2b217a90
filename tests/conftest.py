"""Every fixture lives in tests/support/fixtures.py; helpers in tests/support/."""

import collections
import gc

import pytest

from tests.support import rewrite_once, shared_css

pytest_plugins = ("tests.support.fixtures",)

shared_css.install()  # each stylesheet parsed once per test process, not once per app

# A test process lives long and holds much (every module the suite imports, hypothesis,
# Textual's caches), and each test's app makes some 100,000 objects that outlive a young
# collection: at the default thresholds a full collection walked all of it after almost
# every test, a fifth of the suite's CPU. Collections come here after 10,000 allocations
# rather than 700, and a full one after 100 middle ones rather than 10: a fifth as much
# time in the collector, some 10% more memory. The dashboard's own process is not touched
# (it freezes its start-up instead, tui/startup.py); a test that needs a collection at a
# given point calls gc.collect() itself.
gc.set_threshold(10_000, 10, 100)


# Modules of few tests that run long (one app walking every fault, mypy over the package…),
# longest first. xdist hands out modules by their number of tests, most first: these came
# last, and the suite ended with one or two of them running on a core while the other idled.
# Handed out first, they run beside the rest.
LONG_FIRST = ("test_fault_matrix_writes.py", "test_types.py", "test_fault_matrix_pages.py",
              "test_dialogs_hold.py", "test_leaving.py", "test_oauth_cli.py",
              "test_activity_big_history.py", "test_hostile_tui.py", "test_command_matrix.py",
              "test_activity_own_reads_cost.py", "test_replace_saved_key.py",
              "test_e2e_real_conditions.py", "test_textual_private.py")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False  # the order below is the one handed out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """LONG_FIRST's modules first, then the rest by their number of tests, most first (what
    xdist's own order was); a module's tests keep their order (the sort is stable)."""
    counts = collections.Counter(item.nodeid.split("::")[0] for item in items)
    rank = {name: index for index, name in enumerate(LONG_FIRST)}

    def order(item: pytest.Item) -> tuple[int, int]:
        module = item.nodeid.split("::")[0]
        return rank.get(module.rsplit("/", 1)[-1], len(rank)), -counts[module]

    items.sort(key=order)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """In the xdist controller, before its workers start (xdist starts them in its own
    sessionstart, trylast): the test modules' asserts rewritten once for all of them, and
    the plugins' (conftest, our fixtures, anyio's, syrupy's…) that the controller rewrote as
    it loaded them."""
    config = session.config
    workers = getattr(config.option, "numprocesses", None)
    if isinstance(workers, int) and workers > 1 and not hasattr(config, "workerinput"):
        rewrite_once.warm(config, rewrite_once.modules(config) + rewrite_once.plugin_modules())


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish() -> None:
    """The worker's last full collection now, then everything frozen: after this hook an xdist
    worker says it has finished, and execnet gives it 5 s to end before it sends the worker a
    SIGINT (gateway_base's `_terminate_execution`); pytest's own cleanup then collects five
    times more (to report what finalizers raise), and on a loaded machine five passes over a
    worker's heap of Textual apps took longer than that: a KeyboardInterrupt landed in a gc
    callback (hypothesis's) as an "unraisable" warning. What this pass frees is still reported
    (pytest's unraisable hook is in place until its cleanup), and its passes become cheap."""
    gc.collect()
    gc.freeze()
