"""Credits and dollars in words (`text/money.py`), the one formatting path for money: "1 credit"
(never "1 credits"), "-$0.05" (never "$-0.05"), and every place that shows a balance or a cost
going through it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrush_tui.api.models import LARGEST_COUNT
from openrush_tui.auth.status import balance_text
from openrush_tui.text.money import credits_and_dollars, credits_text, dollars


@pytest.mark.parametrize(("count", "words"), [
    (0, "0 credits"), (1, "1 credit"), (-1, "-1 credit"), (2, "2 credits"),
    (1_000, "1,000 credits"), (-5, "-5 credits"),
])
def test_credits_agree_with_their_number(count: int, words: str) -> None:
    assert credits_text(count) == words


@pytest.mark.parametrize(("count", "money"), [
    (0, "$0.00"), (1, "$0.01"), (-5, "-$0.05"), (-100, "-$1.00"), (123_456, "$1,234.56"),
    (-123_456, "-$1,234.56"),
])
def test_a_negative_amount_puts_its_sign_before_the_dollar(count: int, money: str) -> None:
    assert dollars(count) == money


def test_a_balance_reads_as_both() -> None:
    assert credits_and_dollars(1) == "1 credit ($0.01)"
    assert balance_text(-5) == "-5 credits (-$0.05)"  # `status`, `credits`, Setup


@given(st.integers(min_value=-LARGEST_COUNT, max_value=LARGEST_COUNT))
def test_every_count_the_models_accept_has_words(count: int) -> None:
    money = dollars(count)
    assert money.startswith("-$" if count < 0 else "$") and "$-" not in money
    cents = int(money.lstrip("-$").replace(",", "").replace(".", ""))
    assert cents == abs(count)  # exact: no float rounding of large balances
    assert credits_text(count).endswith("credit" if abs(count) == 1 else "credits")
