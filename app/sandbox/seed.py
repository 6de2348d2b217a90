"""Demo data for a new sandbox database, and bulk top-ups for large-account benchmarks.

Everything derives from the sandbox clock, a data seed and the TokenSource, so the same
options give the same database. Raw keys of seeded credentials are thrown away at once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openrush_tui.clock import format_instant
from openrush_tui.sandbox import keys
from openrush_tui.sandbox.catalog import TOOLS, TOOLS_BY_NAME
from openrush_tui.sandbox.keys import TokenSource
from openrush_tui.sandbox.said import seeded_error
from openrush_tui.sandbox.store import Store

DEFAULT_DATA_SEED = 20260626
DEFAULT_BALANCE = 1250
DEMO_DAYS = 30
MCP_CLIENTS = ("Claude Code", "Cursor", "Claude Desktop", "VS Code")
META_DEMO_ACCOUNT = "demo_account_id"
META_OTHER_ACCOUNT = "other_account_id"
META_JWT_SECRET = "jwt_secret"  # noqa: S105 (the meta row name, not a secret)
META_BULK_KEYS = "bulk_keys"
META_BULK_EVENTS = "bulk_events"

# How often each enabled tool turns up in demo traffic.
TOOL_WEIGHTS = {
    "inspect_serp": 6,
    "research_keywords": 5,
    "inspect_keyword": 5,
    "inspect_domain": 4,
    "inspect_page": 4,
    "discover_competitors": 2,
    "compare_keyword_coverage": 2,
    "inspect_search_visibility": 2,
    "audit_site": 1.5,
    "describe_capabilities": 1,
    "export_dataset": 0.5,
}
GATED_TOOLS = tuple(tool.name for tool in TOOLS if not tool.enabled)
SEEDED_USER_AGENT = "python-httpx/0.28.1"  # what the demo account's own scripts send
OTHER_ENDPOINTS = ("/v1/me/credits", "/v1/me/api-credentials", "/v1/me/usage")


@dataclass(frozen=True)
class DemoKey:
    name: str
    created_days_ago: float
    weight: float  # share of the API traffic while usable
    revoked_days_ago: float | None = None
    expires_in_days: float | None = None  # negative: already expired


DEMO_KEYS = (
    DemoKey("Production server", 58, 5),
    DemoKey("Staging", 34, 2, expires_in_days=60),
    DemoKey("Data notebook", 21, 3),
    DemoKey("Old laptop", 75, 2, revoked_days_ago=9),
    DemoKey("Contractor (temporary)", 45, 2, expires_in_days=-3),
    DemoKey("reporting [beta]", 12, 1),  # brackets: the TUI must show names as text, not markup
    DemoKey("CI pipeline", 1.5, 0),  # created, never used
)


@dataclass
class _SeededKey:
    spec: DemoKey
    id: str
    prefix: str
    row: list[Any]  # CREDENTIAL_COLUMNS order; last_used_at filled from the events
    created: datetime
    ends: datetime | None  # revoked or expired from then on


def _status_for(code: int) -> str:
    if 200 <= code < 300:
        return "success"
    return "rate_limited" if code == 429 else "error"


def credential_row(
    ids: TokenSource, account_id: str, name: str, created: str, expires: str | None, active: bool
) -> tuple[str, str, str, list[Any]]:
    """A new key of `account_id`: (the raw key, its id, its display prefix, its row in
    CREDENTIAL_COLUMNS order). The key is drawn before the id: seeded files depend on it."""
    raw = ids.api_key()
    cred_id = ids.ident("cred_")
    prefix = keys.display_prefix(raw)
    row = [
        cred_id,
        account_id,
        name,
        prefix,
        keys.key_hash(raw),
        keys.fingerprint(raw),
        int(active),
        created,
        None,
        expires,
    ]
    return raw, cred_id, prefix, row


def _duration(rng: random.Random, tool: str | None, code: int) -> int:
    if code == 429:
        return rng.randint(1, 6)
    if code in (401, 402, 422):
        return rng.randint(4, 60)
    if tool == "audit_site":
        return rng.randint(4000, 12000)
    return rng.randint(120, 2600) if code == 200 else rng.randint(200, 3000)


def _outcome(rng: random.Random) -> int:
    roll = rng.random()
    for threshold, code in ((0.86, 200), (0.90, 422), (0.93, 402), (0.96, 429)):
        if roll < threshold:
            return code
    return 500


def _event(
    ids: TokenSource,
    rng: random.Random,
    account_id: str,
    when: datetime,
    *,
    source: str,
    tool: str | None,
    endpoint: str,
    code: int,
    key: tuple[str, str] | None,
    client: str | None,
    revoked: bool = False,
) -> tuple[Any, ...]:
    credits = TOOLS_BY_NAME[tool].credits if tool in TOOLS_BY_NAME and code == 200 else 0
    cred_id, prefix = key if key else (None, None)
    return (
        ids.ident("use_"),
        account_id,
        format_instant(when),
        source,
        tool,
        endpoint,
        code,
        _status_for(code),
        credits,
        cred_id,
        prefix,
        client,
        _duration(rng, tool, code),
        # The user's own programs (no rng draw: seeded databases stay as they were).
        SEEDED_USER_AGENT if source == "api" else None,
        # OURS: the method (tools are POSTed, the account read), the message of a failure.
        "POST" if endpoint.startswith("/v1/tools/") else "GET",
        seeded_error(code, tool, gated=tool in GATED_TOOLS, revoked=revoked),
    )


def seed_new_database(
    store: Store, ids: TokenSource, now: datetime, data_seed: int, balance: int
) -> str:
    """Create the demo account (plus a second account) with keys and ~30 days of usage."""
    rng = random.Random(f"demo/{data_seed}")  # noqa: S311 (demo data, not secrets)
    demo_id, other_id = ids.ident("acct_"), ids.ident("acct_other_")
    seeded = []
    for spec in DEMO_KEYS:
        created = now - timedelta(days=spec.created_days_ago)
        expires = (
            None if spec.expires_in_days is None else now + timedelta(days=spec.expires_in_days)
        )
        revoked = (
            None if spec.revoked_days_ago is None else now - timedelta(days=spec.revoked_days_ago)
        )
        ends = revoked or (expires if expires and expires <= now else None)
        _, cred_id, prefix, row = credential_row(
            ids,
            demo_id,
            spec.name,
            format_instant(created),
            None if expires is None else format_instant(expires),
            revoked is None,
        )
        seeded.append(_SeededKey(spec, cred_id, prefix, row, created, ends))
    events = _demo_events(ids, rng, demo_id, now, seeded)
    last_used: dict[str, str] = {}
    for event in events:
        if event[9] is not None and event[6] != 401:  # a refused key was not "used"
            last_used[event[9]] = max(last_used.get(event[9], ""), event[2])
    for key in seeded:
        key.row[8] = last_used.get(key.id)
    _, _, _, other_row = credential_row(
        ids, other_id, "Other team key", format_instant(now - timedelta(days=20)), None, True
    )
    secret = ids.secret()
    with store.transaction() as db:
        # Another process may have seeded the same new file meanwhile: keep its account.
        row = db.execute("SELECT value FROM meta WHERE name = ?", (META_DEMO_ACCOUNT,)).fetchone()
        if row is not None:
            return str(row[0])
        store.add_account(
            db, demo_id, "Demo account", balance, format_instant(now - timedelta(days=90))
        )
        store.add_account(db, other_id, "Other team", 500, format_instant(now - timedelta(days=60)))
        store.add_credentials(db, [key.row for key in seeded] + [other_row])
        store.add_events(db, events)
        for name, value in (
            (META_DEMO_ACCOUNT, demo_id),
            (META_OTHER_ACCOUNT, other_id),
            (META_JWT_SECRET, secret),
            (META_BULK_KEYS, "0"),
            (META_BULK_EVENTS, "0"),
        ):
            store.set_meta(db, name, value)
    return demo_id


def _demo_events(
    ids: TokenSource, rng: random.Random, account_id: str, now: datetime, seeded: list[_SeededKey]
) -> list[tuple[Any, ...]]:
    tools, weights = list(TOOL_WEIGHTS), list(TOOL_WEIGHTS.values())
    moments = sorted(
        now - timedelta(days=day, seconds=rng.randint(0, 86399))
        for day in range(DEMO_DAYS)
        for _ in range(rng.randint(6, 18))
    )
    events = []
    for when in moments:
        tool: str | None = rng.choices(tools, weights)[0]
        code = _outcome(rng)
        if rng.random() < 0.02:
            tool, code = rng.choice(GATED_TOOLS), 402
        if rng.random() < 0.4:
            events.append(_mcp_event(ids, rng, account_id, when, tool, code))
            continue
        usable = [k for k in seeded if k.spec.weight and k.created <= when]
        if not usable:
            continue
        # Keys past their end still get the odd call: those show up as 401s.
        key = rng.choices(
            usable, [k.spec.weight if k.ends is None or when < k.ends else 0.15 for k in usable]
        )[0]
        if key.ends is not None and when >= key.ends:
            code = 401
        endpoint = f"/v1/tools/{tool}"
        if rng.random() < 0.12:
            tool, endpoint = None, rng.choice(OTHER_ENDPOINTS)
            code = 200 if code in (402, 422) else code
        events.append(
            _event(
                ids,
                rng,
                account_id,
                when,
                source="api",
                tool=tool,
                endpoint=endpoint,
                code=code,
                key=(key.id, key.prefix),
                client=None,
                revoked=key.spec.revoked_days_ago is not None,
            )
        )
    # One very recent call, so "last used" reads "a few minutes ago".
    production = seeded[0]
    events.append(
        _event(
            ids,
            rng,
            account_id,
            now - timedelta(minutes=4),
            source="api",
            tool="inspect_serp",
            endpoint="/v1/tools/inspect_serp",
            code=200,
            key=(production.id, production.prefix),
            client=None,
        )
    )
    return events


def top_up(
    store: Store,
    ids: TokenSource,
    now: datetime,
    data_seed: int,
    account_id: str,
    keys_wanted: int,
    events_wanted: int,
) -> None:
    """Bring the demo account up to at least `keys_wanted` bulk keys and `events_wanted` bulk
    events, in one transaction with executemany (100,000 events take about a second)."""
    have_keys = int(store.meta(META_BULK_KEYS) or 0)
    have_events = int(store.meta(META_BULK_EVENTS) or 0)
    add_keys, add_events = max(0, keys_wanted - have_keys), max(0, events_wanted - have_events)
    if not add_keys and not add_events:
        return
    rng = random.Random(f"bulk/{data_seed}/{have_keys}/{have_events}")  # noqa: S311 (demo data)
    key_rows = [_bulk_key(ids, rng, account_id, now, have_keys + n + 1) for n in range(add_keys)]
    pool: list[tuple[str, str]] = [
        (c["id"], c["prefix"]) for c in store.credentials(account_id) if c["is_active"]
    ] + [(row[0], row[3]) for row in key_rows if row[6]]
    with store.transaction() as db:
        store.add_credentials(db, key_rows)
        store.add_events(db, _bulk_events(ids, rng, account_id, now, pool, add_events))
        store.set_meta(db, META_BULK_KEYS, str(have_keys + add_keys))
        store.set_meta(db, META_BULK_EVENTS, str(have_events + add_events))


def _bulk_key(
    ids: TokenSource, rng: random.Random, account_id: str, now: datetime, number: int
) -> Sequence[Any]:
    created = now - timedelta(seconds=rng.randint(3600, 365 * 86400))
    _, _, _, row = credential_row(
        ids, account_id, f"Bulk key {number:05d}", format_instant(created), None, rng.random() < 0.9
    )
    if rng.random() < 0.7:
        row[8] = format_instant(now - timedelta(seconds=rng.randint(60, 30 * 86400)))
    return row


def _bulk_events(
    ids: TokenSource,
    rng: random.Random,
    account_id: str,
    now: datetime,
    pool: list[tuple[str, str]],
    count: int,
) -> list[tuple[Any, ...]]:
    tools, weights = list(TOOL_WEIGHTS), list(TOOL_WEIGHTS.values())
    events = []
    for _ in range(count):
        when = now - timedelta(seconds=rng.randint(0, DEMO_DAYS * 86400))
        tool = rng.choices(tools, weights)[0]
        code = _outcome(rng)
        if pool and rng.random() < 0.6:
            events.append(
                _event(
                    ids,
                    rng,
                    account_id,
                    when,
                    source="api",
                    tool=tool,
                    endpoint=f"/v1/tools/{tool}",
                    code=code,
                    key=rng.choice(pool),
                    client=None,
                )
            )
        else:
            events.append(_mcp_event(ids, rng, account_id, when, tool, code))
    return events


def _mcp_event(
    ids: TokenSource, rng: random.Random, account_id: str, when: datetime, tool: str | None,
    code: int,
) -> tuple[Any, ...]:
    """A tool call made by an MCP client (OAuth: no key). Draws the client first, as the
    seeded data has always done, so seeded databases stay the same."""
    client = rng.choice(MCP_CLIENTS)
    return _event(ids, rng, account_id, when, source="mcp", tool=tool,
                  endpoint=f"/v1/tools/{tool}", code=code, key=None, client=client)
