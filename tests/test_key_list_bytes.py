"""The key list's answers, byte for byte: `GET /v1/me/api-credentials` of a seeded account
(fixed clock, fixed seed) gives exactly the bytes it gave before the sandbox served it faster
(issue 23: the key list written straight from SQLite's rows, without FastAPI's encoding).

The digests below were recorded from the sandbox as it was (`a78bb11`'s routes and store:
FastAPI validating and dumping the returned dict) with `record()` at the end of this file
(`python -m tests.test_key_list_bytes`), and are kept: a change to an answer's bytes, its
`content-type` or its length fails here. The account holds the demo's keys, 300 bulk ones
(ties in `created_at`, used and unused, revoked) and extra keys whose names JSON must escape
(quotes, backslash, control characters only a database file can hold, non-ASCII, U+2028).
Every kind of answer of the list is covered: the whole list, a walk of pages by cursor, the
largest page, a look-up by id, as a Dashboard session and as an API key (whose own
`last_used_at` moves with the call), and its refusals (422).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openrush_tui.clock import parse_instant
from openrush_tui.sandbox.app import Sandbox, create_sandbox
from openrush_tui.sandbox.options import ExtraKey, RateLimits, SandboxOptions

NOW = parse_instant("2026-06-26T12:00:00Z")
KEYS = "/v1/me/api-credentials"
ODD_NAMES = (
    'quote " and backslash \\ and slash /',
    "clé ünïcödé 🔑 名前",
    "line\u2028separator and \u007f delete",
    "tab\tnewline\ncarriage\rbell\x07",  # only a database file can hold these (the API refuses)
    "<script>&amp;</script>",
)
Answer = tuple[str, str, str, str]  # status(es), content-type, content-length(s), sha256


def seeded(path: Path) -> Sandbox:
    extra = tuple(ExtraKey(name, created_days_ago=number * 0.5,
                           last_used_days_ago=None if number % 2 else 0.25,
                           expires_in_days=None if number % 3 else 30.0, revoked=number == 4)
                  for number, name in enumerate(ODD_NAMES))
    return create_sandbox(SandboxOptions(db_path=path, now=NOW, key_seed=23, seed_keys=300,
                                         extra_keys=extra,
                                         rate_limits=RateLimits(10**7, 10**8, 10**9)))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = seeded(tmp_path_factory.mktemp("key-bytes") / "sandbox.sqlite3")
    yield box
    box.close()


class _SyncASGI(httpx.BaseTransport):
    """httpx's ASGI transport (the app in this process) for a synchronous client."""

    def __init__(self, box: Sandbox) -> None:
        self._asgi = httpx.ASGITransport(app=box.app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def one() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body)

        return asyncio.run(one())


def answers(box: Sandbox) -> dict[str, Answer]:
    got: dict[str, Answer] = {}
    session = {"Authorization": "Bearer " + box.session_token()}

    def ask(http: httpx.Client, label: str, params: dict[str, str | list[str]],
            headers: dict[str, str]) -> list[httpx.Response]:
        """One request, or with `label` ending in "walk" every page after the first."""
        responses = [http.get(KEYS, params=params, headers=headers)]
        while label.endswith("walk") and responses[-1].json()["next_cursor"] is not None:
            params = {**params, "cursor": responses[-1].json()["next_cursor"]}
            responses.append(http.get(KEYS, params=params, headers=headers))
        digest = hashlib.sha256()
        for response in responses:
            digest.update(b"%d:%s" % (len(response.content), response.content))
        got[label] = (",".join(sorted({str(r.status_code) for r in responses})),
                      ",".join(sorted({r.headers["content-type"] for r in responses})),
                      ",".join(r.headers["content-length"] for r in responses),
                      digest.hexdigest())
        return responses

    with httpx.Client(base_url="http://sandbox", transport=_SyncASGI(box)) as http:
        whole = ask(http, "whole list", {}, session)[0].json()["api_credentials"]
        ask(http, "largest page", {"limit": "5000"}, session)
        ask(http, "7 a page, walk", {"limit": "7"}, session)  # ties in created_at crossed
        ids = [whole[3]["id"], whole[-1]["id"], "cred_unknown"]
        ask(http, "by id", {"id": ids}, session)
        ask(http, "by id, 1 a page, walk", {"id": ids, "limit": "1"}, session)
        ask(http, "refused: limit 0", {"limit": "0"}, session)
        ask(http, "refused: limit 5001", {"limit": "5001"}, session)
        ask(http, "refused: a cursor not ours", {"cursor": "bm90IG91cnM"}, session)
        key = {"Authorization": "Bearer " + box.mint_bootstrap_key()}
        ask(http, "as an API key", {}, key)
        ask(http, "as an API key, 50 a page, walk", {"limit": "50"}, key)
    return got


RECORDED: dict[str, Answer] = {
    "whole list": (
        "200", "application/json",
        "72765",
        "caf948934c96c8ef9d66c260e6e297fd696c452923b5d65e37600415c522def0"),
    "largest page": (
        "200", "application/json",
        "72784",
        "9d3aad7cc32d02f9ee5370f66acb18be6910d1eea2efb906c8066614f65e0f34"),
    "7 a page, walk": (
        "200", "application/json",
        "1799,1704,1742,1704,1648,1670,1735,1712,1704,1691,1706,1705,1683,1703,1721,1721,"
        "1667,1704,1704,1704,1740,1705,1723,1667,1705,1723,1703,1722,1703,1705,1688,1704,"
        "1685,1723,1670,1669,1705,1668,1704,1704,1723,1723,1704,1740,992",
        "14785be7aa407138a34917eb0da7762cb37a09fe6475723038098d68d62b3a3d"),
    "by id": (
        "200", "application/json",
        "536",
        "edb7f99d44f06e06d233dd2106a4a122b2dff6a93dfcc71180352dbade078cbc"),
    "by id, 1 a page, walk": (
        "200", "application/json",
        "332,278",
        "34fe1928ab2d675c35058efcc3eb95d81a5f64177f424ede7af7dffa2a41e8b2"),
    "refused: limit 0": (
        "422", "application/json",
        "144",
        "712028c8818cd5f7a09c78b2b06b98ddfc23c9b51498e4703a324c97db6b3b6a"),
    "refused: limit 5001": (
        "422", "application/json",
        "147",
        "be0a87a7e2cfd3debaa19443d4c1969281382070ea3fb5844d3aa947e33949eb"),
    "refused: a cursor not ours": (
        "422", "application/json",
        "118",
        "35164fa5b13ea12977204d59c7eebd69b6b839c259a14cea0cc114cd42cea561"),
    "as an API key": (
        "200", "application/json",
        "73006",
        "38a0e98524c45444afcbb35ae5cb9095a4ec427bbb8a7ff1909d64ff576007ca"),
    "as an API key, 50 a page, walk": (
        "200", "application/json",
        "11802,11700,11759,11743,11639,11707,3116",
        "bd78d1b4215a4e84ba2105050e224653e9e9a5cb5d9263627ee2158e0217af12"),
}


def test_the_key_list_answers_are_the_bytes_they_were(sandbox: Sandbox) -> None:
    got = answers(sandbox)
    assert set(got) == set(RECORDED)
    for label, expected in RECORDED.items():
        assert got[label] == expected, label


def record() -> None:  # pragma: no cover (run by hand)
    import tempfile
    import textwrap

    with tempfile.TemporaryDirectory() as scratch:
        box = seeded(Path(scratch) / "sandbox.sqlite3")
        for label, (status, kind, lengths, digest) in answers(box).items():
            wrapped = textwrap.wrap(lengths, 80)
            lines = "\n".join(f"        {part!r}" for part in wrapped)
            print(f"    {label!r}: (\n        {status!r}, {kind!r},\n{lines},\n"
                  f"        {digest!r}),")
        box.close()


if __name__ == "__main__":
    record()
