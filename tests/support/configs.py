"""Agent config files as people keep them, for the `agents install` tests."""

from __future__ import annotations

from pathlib import Path


def dotfiles_cursor_config(home: Path) -> tuple[Path, Path]:
    """~/.cursor/mcp.json as a symlink into ~/dotfiles (as dotfile managers do): (link, real)."""
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "cursor-mcp.json"
    real.write_text('{"mcpServers": {}}\n')
    link = home / ".cursor" / "mcp.json"
    link.parent.mkdir()
    link.symlink_to(real)
    return link, real
