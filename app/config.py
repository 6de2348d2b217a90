"""Where this terminal points: the API and MCP URLs, the profile, the in-process sandbox."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from openrush_tui.api.timeouts import Timeouts, default_timeouts

if TYPE_CHECKING:  # the options are only carried here; the sandbox is started by `session`
    from openrush_tui.sandbox.options import SandboxOptions

APP_NAME = "openrush-tui"
DEFAULT_API_URL = "https://api.openrush.io"
DEFAULT_MCP_URL = "https://api.openrush.com/mcp"
WEB_BILLING_URL = "https://www.openrush.com/dashboard/billing"
# The in-process sandbox is reached through httpx's ASGI transport: no socket is opened,
# and a loopback host keeps the client's "http only on loopback" rule meaningful.
IN_PROCESS_SANDBOX_URL = "http://127.0.0.1"

AuthScheme = Literal["bearer", "x-api-key"]


@dataclass(frozen=True)
class Settings:
    api_url: str = DEFAULT_API_URL
    mcp_url: str = DEFAULT_MCP_URL
    profile: str = "default"
    auth_scheme: AuthScheme = "bearer"
    sandbox: SandboxOptions | None = None
    fixed_now: datetime | None = None
    # The defaults are `api.timeouts`' (read as each Settings is made); `deadline` bounds the
    # whole request, `read_timeout` each read.
    connect_timeout: float = field(default_factory=lambda: default_timeouts().connect)
    read_timeout: float = field(default_factory=lambda: default_timeouts().read)
    deadline: float = field(default_factory=lambda: default_timeouts().deadline)
    live_interval: float | None = None  # Activity's wish (seconds); None: its default

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(self.connect_timeout, self.read_timeout, self.deadline)

    @property
    def server_label(self) -> str:
        """Says plainly which server this is: the real service, a local sandbox, or elsewhere."""
        if self.sandbox is not None:
            return "sandbox (in-process)"
        url = self.api_url.rstrip("/")
        if url in (DEFAULT_API_URL, "https://api.openrush.com"):
            return "OpenRush"
        host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if host in ("127.0.0.1", "localhost", "::1", "[::1]"):
            return f"local server {url}"
        return url

    @property
    def effective_api_url(self) -> str:
        return IN_PROCESS_SANDBOX_URL if self.sandbox is not None else self.api_url


def api_url_from_env(flag: str | None) -> str:
    """The flag wins, then ``OPENRUSH_API_URL``, then the documented default."""
    return (flag or os.environ.get("OPENRUSH_API_URL") or DEFAULT_API_URL).rstrip("/")


def mcp_url_from_env(flag: str | None) -> str:
    return (flag or os.environ.get("OPENRUSH_MCP_URL") or DEFAULT_MCP_URL).rstrip("/")


CONFIG_DIR_VAR = "OPENRUSH_CONFIG_DIR"


def config_dir() -> Path:
    """``$OPENRUSH_CONFIG_DIR`` when set (as gh's GH_CONFIG_DIR: the settings, profiles,
    credentials file and agent-config locks all move there), else the user config directory
    (``$XDG_CONFIG_HOME/openrush-tui`` on Linux)."""
    override = os.environ.get(CONFIG_DIR_VAR, "")
    if override.strip():
        # Absolute now: a relative one must not follow a later change of directory.
        return Path(override).expanduser().absolute()
    # lazy: start-up (--help imports every command module)
    import platformdirs

    return platformdirs.user_config_path(APP_NAME)
