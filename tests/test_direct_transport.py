"""The client's own HTTP/1.1 transport (`api.direct`), used when it connects without a proxy:
it loads neither anyio nor httpcore (their ~35 ms of CPU were on the start-up's path, issue 23),
and keeps what the client's rules rely on: httpx's exceptions for each failure, keep-alive that
never reuses a spent connection, bodies that stream, TLS that verifies. The fault matrices
(tests/test_fault_matrix_*.py) run every server fault through it as well."""

from __future__ import annotations

import asyncio
import datetime
import ssl
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from openrush_tui.api.direct import DirectTransport
from openrush_tui.api.transport import Pool

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    """A loopback server on the test's own event loop, running `handler` per connection."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.connections = 0

    async def __aenter__(self) -> Server:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.server.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                          ) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/"


def answer(body: bytes, *extra: str) -> bytes:
    head = "".join(f"{line}\r\n" for line in ("HTTP/1.1 200 OK", f"Content-Length: {len(body)}",
                                             *extra))
    return head.encode() + b"\r\n" + body


async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers each request on the connection with its own path."""
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        writer.write(answer(head.split(b" ")[1]))
        await writer.drain()


def client(transport: httpx.AsyncBaseTransport, timeout: float = 5.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, timeout=timeout)


def test_a_direct_connection_loads_neither_anyio_nor_httpcore() -> None:
    # A fresh interpreter: this test process has loaded both for other tests.
    code = textwrap.dedent("""
        import asyncio, sys
        from openrush_tui.api.client import OpenRushClient

        async def serve(reader, writer):
            await reader.readuntil(b"\\r\\n\\r\\n")
            writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 14\\r\\n\\r\\n{\\"balance\\": 5}")
            await writer.drain()
            writer.close()

        async def main():
            server = await asyncio.start_server(serve, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            async with OpenRushClient(f"http://127.0.0.1:{port}", "or_" + "a" * 40) as api:
                print((await api.credits()).balance)
            server.close()

        asyncio.run(main())
        print(sorted({name.split(".")[0] for name in sys.modules} & {"anyio", "httpcore"}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    assert out == ["5", "[]"]


async def test_requests_in_turn_share_one_connection() -> None:
    async with Server(keep_alive) as server, client(DirectTransport(None)) as http:
        for path in ("/a", "/b", "/c"):
            response = await http.get(server.url() + path.lstrip("/"))
            assert response.content == path.encode()
    assert server.connections == 1


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        writer.write(answer(head.split(b" ")[1]))  # keep-alive by default, then hang up anyway
        await writer.drain()

    async with Server(once) as server, client(DirectTransport(None)) as http:
        assert (await http.get(server.url() + "a")).content == b"/a"
        await asyncio.sleep(0.2)  # the server's close arrives while the connection is idle
        assert (await http.get(server.url() + "b")).content == b"/b"  # no error: a new one
    assert server.connections == 2


async def test_a_body_left_unread_spends_its_connection() -> None:
    async with Server(keep_alive) as server, client(DirectTransport(None)) as http:
        async with http.stream("GET", server.url() + "first") as response:
            assert response.status_code == 200  # body never read
        assert (await http.get(server.url() + "second")).content == b"/second"
    assert server.connections == 2  # the unread bytes never pass for the second answer


async def test_a_large_body_streams_whole() -> None:
    body = bytes(range(256)) * (5 * 4096)  # 5 MiB: reading pauses and resumes on the way

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer(body))
        await writer.drain()

    async with Server(big) as server, client(DirectTransport(None)) as http:
        chunks = [chunk async for chunk in (await http.send(
            http.build_request("GET", server.url()), stream=True)).aiter_raw()]
    assert b"".join(chunks) == body and len(chunks) > 1


async def test_a_post_sends_its_body() -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        writer.write(answer(await reader.readexactly(length)))
        await writer.drain()

    async with Server(echo) as server, client(DirectTransport(None)) as http:
        response = await http.post(server.url(), json={"name": "production"})
    assert response.json() == {"name": "production"}


async def test_a_server_that_hangs_up_before_answering_is_a_protocol_error() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")

    async with Server(hang_up) as server, client(DirectTransport(None)) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await http.get(server.url())


async def test_a_body_cut_short_is_a_protocol_error() -> None:
    async def short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer(b"0123456789")[:-4])

    async with Server(short) as server, client(DirectTransport(None)) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(server.url())


async def test_garbage_for_an_answer_is_a_protocol_error() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")

    async with Server(garbage) as server, client(DirectTransport(None)) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(server.url())


async def test_a_silent_server_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(30)

    async with Server(silent) as server, client(DirectTransport(None), timeout=0.3) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(server.url())


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with Server(keep_alive) as server:
        port = server.port
    async with client(DirectTransport(None)) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{port}/")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made here (no network, no openssl binary)."""
    cryptography = pytest.importorskip("cryptography")
    del cryptography
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


async def test_https_verifies_the_server_certificate(tmp_path: Path) -> None:
    cert_file, key_file = self_signed(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    async with Server(keep_alive, tls=tls) as server:
        # The pool's own context for an https URL: the usual CA bundle, which never signed it.
        untrusting = Pool(server.url("https"), httpx.Timeout(5.0), None, "test")
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await untrusting.get().get("status")
        await untrusting.aclose()
        trusting = ssl.create_default_context(cafile=str(cert_file))
        async with client(DirectTransport(trusting)) as http:
            assert (await http.get(server.url("https") + "over-tls")).content == b"/over-tls"
