"""Every fixture lives in tests/support/fixtures.py; helpers in tests/support/."""

import gc

import pytest

pytest_plugins = ("tests.support.fixtures",)


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
