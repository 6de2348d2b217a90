"""`openrush-tui sandbox serve`: the sandbox under uvicorn on a loopback address."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
from collections.abc import Callable
from typing import TextIO

import uvicorn

from openrush_tui.sandbox.app import create_sandbox
from openrush_tui.sandbox.bootstrap import Bootstrap
from openrush_tui.sandbox.db_files import DatabaseFileError
from openrush_tui.sandbox.options import SandboxOptions


class _AnnouncingServer(uvicorn.Server):
    """Calls `on_ready(port)` once the socket listens, so port 0 reports the real port."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[int], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit and self.servers and self.servers[0].sockets:
            self._on_ready(self.servers[0].sockets[0].getsockname()[1])


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, with Nagle's algorithm off for every connection.

    Accepted connections inherit TCP_NODELAY from it; asyncio sets it only on sockets it
    created itself (with a known protocol), not on these. Without it an answer's body, written
    after its headers, waits for the client's delayed ACK: ~40 ms per request on a kept-alive
    connection.
    """
    listening = socket.create_server((host, port))
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listening


def _announce(out: TextIO, host: str, port: int, key: Bootstrap, db_path: str) -> None:
    url = base_url(host, port)
    out.write(
        f"OpenRush sandbox listening on {url}\n"
        f"Bootstrap key for the demo account: {key.key}\n"
        f"  {key.note()}\n"
        f"Try it:\n"
        f"  export OPENRUSH_API_URL={url}\n"
        f"  export OPENRUSH_KEY=<the bootstrap key above>\n"
        f'  curl {url}/v1/me/credits -H "Authorization: Bearer $OPENRUSH_KEY"\n'
        f"Database: {db_path}\n"
        f"Press Ctrl+C to stop.\n"
    )
    out.flush()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # so `finally` closes the database


def serve(options: SandboxOptions, host: str, port: int, *, out: TextIO, err: TextIO) -> int:
    """Serve until stopped. Exit codes: 0 stopped, 1 could not start (the port is taken, the
    database cannot be used: one line on `err` says which), 130 ctrl+c. `out` and `err` are
    the command line's one writer (`commands.output`), handed down by `sandbox serve`."""
    try:
        # Bound before the database is opened: a taken port is said at once, in one line.
        listening = listen(host, port)
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        return _cannot_start(err, f"cannot listen on {base_url(host, port)} ({why}); is another "
                             "server using that port? Pick another with --port (0 picks a free "
                             "one).")
    try:
        sandbox = create_sandbox(options)
    except DatabaseFileError as exc:  # unsafe or impossible files: says which and what to do
        listening.close()
        return _cannot_start(err, str(exc))
    except sqlite3.Error as exc:
        listening.close()
        return _cannot_start(err, f"the database {options.db_path} cannot be used ({exc}); move it "
                             "away or pick another file with --db.")
    try:
        key = sandbox.bootstrap_key()  # the one of the last start on this file, if it works
        config = uvicorn.Config(
            sandbox.app, host=host, port=port, log_level="warning", access_log=False, lifespan="off"
        )
        server = _AnnouncingServer(
            config, lambda real_port: _announce(out, host, real_port, key, str(options.db_path))
        )
        # uvicorn re-raises the signal it caught after a graceful shutdown; this handler is
        # the one it restores, which turns SIGTERM into a clean exit.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        server.run(sockets=[listening])
    except sqlite3.Error as exc:
        return _cannot_start(err, f"the database {options.db_path} failed ({exc}).")
    except KeyboardInterrupt:
        return 130
    finally:
        sandbox.close()
        listening.close()
    return 0


def _cannot_start(err: TextIO, reason: str) -> int:
    err.write(f"openrush-tui sandbox serve: {reason}\n")
    return 1
