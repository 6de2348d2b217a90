"""The audit's rules pinned at their edges (`keys/audit.py`): each threshold is reached at the
exact moment the rule says ("30 days idle" is idle at 30 days, not a second later), the
defaults are the documented 30/7/90 days, and the report answers the CLI and the page the
same way. Found by bench/mutation.py: these are the changes no other test noticed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openrush_tui.api.models import ApiCredential
from openrush_tui.keys.audit import ADVICE, KINDS, AuditRules, audit, findings_of, parse_kinds

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
DEFAULTS = AuditRules()


def key(*, age: timedelta, used: timedelta | None = None, expires_in: timedelta | None = None,
        key_id: str = "cred_1", active: bool = True) -> ApiCredential:
    """A key created `age` ago, last used `used` ago, expiring `expires_in` from now."""
    return ApiCredential(
        id=key_id, name=key_id, prefix="or_abc123", is_active=active, created_at=NOW - age,
        last_used_at=None if used is None else NOW - used,
        expires_at=None if expires_in is None else NOW + expires_in)


def kinds(credential: ApiCredential, rules: AuditRules = DEFAULTS) -> list[str]:
    return [finding.kind for finding in findings_of(credential, NOW, rules)]


def days(count: float) -> timedelta:
    return timedelta(days=count)


# -- each threshold, at the moment it is reached --------------------------------------------


def test_a_key_is_expired_from_the_moment_it_expires() -> None:
    assert kinds(key(age=days(10), used=days(1), expires_in=timedelta(0))) == ["expired"]
    assert kinds(key(age=days(10), used=days(1), expires_in=SECOND)) == ["expiring"]


def test_expiring_within_seven_days_counts_the_seventh_day() -> None:
    assert kinds(key(age=days(10), used=days(1), expires_in=days(7))) == ["expiring"]
    assert kinds(key(age=days(10), used=days(1), expires_in=days(7) + SECOND)) == []


def test_never_used_from_thirty_days_after_its_creation() -> None:
    assert kinds(key(age=days(30))) == ["never-used"]
    assert kinds(key(age=days(30) - SECOND)) == []


def test_idle_from_thirty_days_after_its_last_use() -> None:
    assert kinds(key(age=days(60), used=days(30), expires_in=days(60))) == ["idle"]
    assert kinds(key(age=days(60), used=days(30) - SECOND, expires_in=days(60))) == []


def test_no_expiry_from_ninety_days_after_its_creation() -> None:
    assert kinds(key(age=days(90), used=days(1))) == ["no-expiry"]
    assert kinds(key(age=days(90) - SECOND, used=days(1))) == []
    # A key that does expire, however old, is never "no expiry".
    assert kinds(key(age=days(900), used=days(1), expires_in=days(300))) == []


def test_each_threshold_is_the_one_the_user_set() -> None:
    rules = AuditRules(idle_days=5, expiring_days=2, no_expiry_days=20)
    assert kinds(key(age=days(5)), rules) == ["never-used"]
    assert kinds(key(age=days(5) - SECOND), rules) == []
    assert kinds(key(age=days(9), used=days(5), expires_in=days(9)), rules) == ["idle"]
    assert kinds(key(age=days(9), used=days(1), expires_in=days(2)), rules) == ["expiring"]
    assert kinds(key(age=days(9), used=days(1), expires_in=days(2) + SECOND), rules) == []
    assert kinds(key(age=days(20), used=days(1)), rules) == ["no-expiry"]
    assert kinds(key(age=days(20) - SECOND, used=days(1)), rules) == []


def test_an_expired_key_is_only_expired_and_a_revoked_one_is_nothing() -> None:
    # Old, never used, expired a year ago: revoking it is the only advice that matters.
    assert kinds(key(age=days(900), expires_in=-days(365))) == ["expired"]
    assert kinds(key(age=days(900), expires_in=-days(365), active=False)) == []
    assert kinds(key(age=days(900), active=False)) == []


def test_every_finding_of_one_key_is_listed_in_the_rules_order() -> None:
    never = key(age=days(200))
    assert kinds(never) == ["never-used", "no-expiry"]
    soon_and_idle = key(age=days(200), used=days(40), expires_in=days(3))
    assert kinds(soon_and_idle) == ["expiring", "idle"]


def test_the_reasons_say_when() -> None:
    (finding,) = findings_of(key(age=days(60), used=days(45), expires_in=days(60)), NOW,
                             DEFAULTS)
    assert finding.reason == "last used 2 months ago"
    (finding,) = findings_of(key(age=days(10), used=days(1), expires_in=days(2)), NOW, DEFAULTS)
    assert finding.reason == "expires in 2 days"


# -- the report -------------------------------------------------------------------------------


def test_the_report_of_keys_that_need_no_attention_is_empty() -> None:
    report = audit([key(age=days(1), used=days(1), expires_in=days(60))], NOW)
    assert not report and report.keys == () and report.summary() == "No key needs attention"
    assert report.counts() == dict.fromkeys(KINDS, 0)
    assert not report.fails(KINDS)
    assert report.rules == DEFAULTS


def test_the_report_keeps_the_given_order_and_says_what_each_key_needs() -> None:
    keys = [key(age=days(200), key_id="cred_never"),
            key(age=days(1), used=days(1), expires_in=days(60), key_id="cred_fine"),
            key(age=days(40), used=days(35), expires_in=days(60), key_id="cred_idle")]
    report = audit(keys, NOW, AuditRules(no_expiry_days=365))
    assert report and [item.id for item in report.keys] == ["cred_never", "cred_idle"]
    assert report.rules == AuditRules(no_expiry_days=365)
    assert report.summary() == "2 keys need attention"
    never = report.for_key("cred_never")
    assert never is not None and never.kinds == ("never-used",)
    assert never.reason == "never used, created 7 months ago"
    assert never.has("never-used") and not never.has("idle")
    assert report.for_key("cred_fine") is None
    assert [item.id for item in report.of_kind("never-used")] == ["cred_never"]
    assert report.of_kind("expired") == []
    assert report.fails(["idle"]) and report.fails(["expired", "never-used"])
    assert not report.fails(["expired", "no-expiry"]) and not report.fails([])


def test_the_reason_line_joins_every_finding() -> None:
    report = audit([key(age=days(200), used=days(100))], NOW)
    assert report.keys[0].reason == "last used 3 months ago; no expiry, created 7 months ago"


def test_the_advice_revokes_what_is_unused_and_rotates_what_is_still_needed() -> None:
    for kind in ("expired", "never-used", "idle"):
        assert "revoke it" in ADVICE[kind] and "rotate" not in ADVICE[kind]
    for kind in ("expiring", "no-expiry"):
        assert ADVICE[kind].startswith("rotate it") or "rotate it" in ADVICE[kind]
    assert "expiry" in ADVICE["no-expiry"]
    assert len(set(ADVICE.values())) == len(KINDS)


# -- --fail-on -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "wanted"), [
    ("idle", {"idle"}),
    (" Idle , EXPIRED ", {"idle", "expired"}),
    ("idle,,expired,", {"idle", "expired"}),
    ("never-used,no-expiry,expiring", {"never-used", "no-expiry", "expiring"}),
    ("idle,any", set(KINDS)),
    ("ANY", {"expired", "expiring", "never-used", "idle", "no-expiry"}),
])
def test_fail_on_reads_kinds_in_any_case_and_any_spacing(text: str, wanted: set[str]) -> None:
    assert parse_kinds(text) == wanted


def test_fail_on_names_the_first_unknown_kind_and_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown kind 'stale'") as refused:
        parse_kinds("idle, stale, old")
    assert "expired, expiring, never-used, idle, no-expiry" in str(refused.value)
    with pytest.raises(ValueError) as empty:
        parse_kinds("")
    assert str(empty.value) == ("name at least one kind: expired, expiring, never-used, idle, "
                                "no-expiry (or any)")


def test_a_key_made_to_last_seven_days_is_not_expiring_the_day_it_is_made() -> None:
    # Its owner chose the short life: it is flagged in the second half of it, not at once.
    assert kinds(key(age=days(0), used=None, expires_in=days(7))) == []
    assert kinds(key(age=days(3), used=days(1), expires_in=days(4))) == []
    assert kinds(key(age=days(4), used=days(1), expires_in=days(3))) == ["expiring"]


def test_a_long_lived_key_is_expiring_for_the_whole_window() -> None:
    assert kinds(key(age=days(83), used=days(1), expires_in=days(7))) == ["expiring"]
