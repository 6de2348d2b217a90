"""Paths as people read them."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path) -> str:
    """`path` as a person reads it: ``~/.config/…`` under the home directory."""
    try:
        relative = path.resolve().relative_to(Path.home().resolve())
    except (ValueError, RuntimeError, OSError):
        return str(path)
    return f"~/{relative.as_posix()}" if relative.parts else "~"
