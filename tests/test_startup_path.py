"""What keeps the start fast and light (measured by bench/startup.py, never timed here): the
client loads no more than it needs, plain-http pools load no CA bundle, the served sandbox
answers without Nagle delays, and the network stack loads only once the first frame is out."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys

import httpx

from openrush_tui.api.transport import Pool
from openrush_tui.sandbox.server import listen


def test_the_client_loads_without_httpx_command_line_tool() -> None:
    code = ("import sys, openrush_tui.api.client; "
            "print(' '.join(m for m in ('click', 'pygments', 'rich.syntax') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == ""


def test_a_plain_http_pool_trusts_no_certificate_and_https_the_usual_ones() -> None:
    timeout = httpx.Timeout(1.0)
    plain = Pool("http://127.0.0.1:9", timeout, None, "test").verify
    assert isinstance(plain, ssl.SSLContext)
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0  # a TLS answer could never be trusted
    assert Pool("https://api.openrush.io", timeout, None, "test").verify is True


def test_served_connections_send_without_waiting_for_acknowledgements() -> None:
    listening = listen("127.0.0.1", 0)
    with listening, socket.create_connection(listening.getsockname()):
        accepted, _ = listening.accept()
        with accepted:  # inherited from the listening socket
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
