"""openrush-tui: a terminal dashboard for an OpenRush account."""

# The one place the version is written: pyproject.toml reads it when a wheel is built
# ([tool.setuptools.dynamic]), so the installed metadata and `--version` always agree.
__version__ = "0.1.0"


def version() -> str:
    """This program's version, as `openrush-tui --version` says it."""
    return __version__
