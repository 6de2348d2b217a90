"""The audit rules (`keys/audit.py`): each kind, the report the screen and CLI share, and
properties over arbitrary keys (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.api.models import ApiCredential
from openrush_tui.keys.audit import KINDS, AuditRules, audit, findings_of, parse_kinds

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
RULES = AuditRules()


def key(name: str = "k", *, created: float = 10, used: float | None = None,
        expires: float | None = None, active: bool = True, key_id: str = "cred_1",
        ) -> ApiCredential:
    """A key created `created` days ago, last used `used` days ago, expiring in `expires`."""
    return ApiCredential(
        id=key_id, name=name, prefix="or_abc123", is_active=active,
        created_at=NOW - timedelta(days=created),
        last_used_at=None if used is None else NOW - timedelta(days=used),
        expires_at=None if expires is None else NOW + timedelta(days=expires))


@pytest.mark.parametrize(("credential", "kinds", "reason"), [
    (key(expires=-3, used=1), ("expired",), "expired 3 days ago"),
    (key(expires=2, used=1), ("expiring",), "expires in 2 days"),
    (key(created=45), ("never-used",), "never used, created 2 months ago"),
    (key(created=60, used=40), ("idle",), "last used 1 month ago"),
    (key(created=120, used=1), ("no-expiry",), "no expiry, created 4 months ago"),
    (key(created=200, used=45), ("idle", "no-expiry"),
     "last used 2 months ago; no expiry, created 7 months ago"),
    (key(created=5, used=1, expires=30), (), ""),
    (key(created=29), (), ""),  # new and not used yet: not "never used" before 30 days
])
def test_each_kind_with_its_reason(credential: ApiCredential, kinds: tuple[str, ...],
                                   reason: str) -> None:
    findings = findings_of(credential, NOW, RULES)
    assert tuple(f.kind for f in findings) == kinds
    assert "; ".join(f.reason for f in findings) == reason


def test_a_revoked_key_needs_no_attention() -> None:
    assert findings_of(key(created=400, active=False, expires=-50), NOW, RULES) == ()


def test_the_thresholds_come_from_the_rules() -> None:
    idle = key(created=20, used=10)
    assert findings_of(idle, NOW, RULES) == ()
    assert [f.kind for f in findings_of(idle, NOW, AuditRules(idle_days=7))] == ["idle"]
    soon = key(expires=10, used=1)
    assert [f.kind for f in findings_of(soon, NOW, AuditRules(expiring_days=14))] == [
        "expiring"]


def test_the_report_gives_the_summary_marker_filter_and_gate() -> None:
    keys = [key("fine", key_id="cred_fine", used=1),
            key("idle", key_id="cred_idle", created=60, used=40),
            key("gone", key_id="cred_gone", expires=-1),
            key("idle too", key_id="cred_idle2", created=200, used=100)]
    report = audit(keys, NOW)
    assert report.summary() == "3 keys need attention"
    assert [item.id for item in report.of_kind("idle")] == ["cred_idle", "cred_idle2"]
    assert report.for_key("cred_fine") is None
    assert report.for_key("cred_idle2").kinds == ("idle", "no-expiry")  # type: ignore[union-attr]
    assert report.counts() == {"expired": 1, "expiring": 0, "never-used": 0, "idle": 2,
                               "no-expiry": 1}
    assert report.fails({"expired"}) and not report.fails({"expiring", "never-used"})
    assert audit([keys[0]], NOW).summary() == "No key needs attention"
    assert audit(keys[1:2], NOW).summary() == "1 key needs attention"


def test_fail_on_kinds_parse() -> None:
    assert parse_kinds("idle, expired") == {"idle", "expired"}
    assert parse_kinds("any") == set(KINDS)
    with pytest.raises(ValueError, match="unknown kind 'stale'"):
        parse_kinds("idle,stale")
    with pytest.raises(ValueError, match="at least one"):
        parse_kinds(" , ")


days = st.one_of(st.none(), st.floats(min_value=-800, max_value=800, allow_nan=False))


@given(created=st.floats(min_value=0, max_value=3000, allow_nan=False), used=days,
       expires=days, active=st.booleans(), idle_days=st.integers(0, 400),
       expiring_days=st.integers(0, 400))
def test_every_finding_holds_for_its_key(created: float, used: float | None,
                                         expires: float | None, active: bool, idle_days: int,
                                         expiring_days: int) -> None:
    if used is not None:
        used = abs(used)
    credential = key(created=created, used=used, expires=expires, active=active)
    rules = AuditRules(idle_days=idle_days, expiring_days=expiring_days)
    kinds = [f.kind for f in findings_of(credential, NOW, rules)]
    assert len(kinds) == len(set(kinds)) and all(kind in KINDS for kind in kinds)
    if not active:
        assert kinds == []
        return
    expired = credential.expires_at is not None and credential.expires_at <= NOW
    assert ("expired" in kinds) == expired
    if expired:
        assert kinds == ["expired"]
        return
    age = NOW - credential.created_at
    idle_for = timedelta(days=idle_days)
    assert ("never-used" in kinds) == (credential.last_used_at is None and age >= idle_for)
    assert ("idle" in kinds) == (credential.last_used_at is not None
                                 and NOW - credential.last_used_at >= idle_for)
    assert ("no-expiry" in kinds) == (credential.expires_at is None
                                      and age >= timedelta(days=90))
    window = None if credential.expires_at is None else min(
        timedelta(days=expiring_days),
        max(credential.expires_at - credential.created_at, timedelta(0)) / 2)
    assert ("expiring" in kinds) == (window is not None and credential.expires_at is not None
                                     and credential.expires_at - NOW <= window)


@given(st.lists(st.tuples(st.floats(0, 500), st.one_of(st.none(), st.floats(0, 500)),
                          st.one_of(st.none(), st.floats(-100, 100))), max_size=20),
       st.integers(1, 100), st.integers(1, 100))
def test_a_longer_idle_threshold_never_finds_more_idle_keys(
        specs: list[tuple[float, float | None, float | None]], shorter: int,
        longer: int) -> None:
    shorter, longer = sorted((shorter, longer))
    keys = [key(created=c, used=u, expires=e, key_id=f"cred_{i}")
            for i, (c, u, e) in enumerate(specs)]
    few = {item.id for item in audit(keys, NOW, AuditRules(idle_days=longer)).of_kind("idle")}
    many = {item.id for item in audit(keys, NOW, AuditRules(idle_days=shorter)).of_kind("idle")}
    assert few <= many
