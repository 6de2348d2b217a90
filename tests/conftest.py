"""Every fixture lives in tests/support/fixtures.py; helpers in tests/support/."""

pytest_plugins = ("tests.support.fixtures",)
