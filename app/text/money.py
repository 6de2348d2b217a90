"""Credits and dollars as people read them: the one place money becomes words.

1 credit = $0.01 (`api.models.CREDIT_DOLLARS`). A count agrees with its noun ("1 credit"), a
negative amount puts its sign before the dollar ("-$0.05", a refund or a debt), and dollars
are computed from whole cents, so a balance of 10**15 credits is exact.
"""

from __future__ import annotations


def credits_text(count: int) -> str:
    """``1 credit``, ``2,000 credits``, ``-1 credit``."""
    return f"{count:,} credit{'' if abs(count) == 1 else 's'}"


def dollars(credits: int) -> str:
    """``$0.01``, ``-$0.05``, ``$1,234.56``: `credits` in dollars, from whole cents."""
    whole, cents = divmod(abs(credits), 100)
    return f"{'-' if credits < 0 else ''}${whole:,}.{cents:02d}"


def credits_and_dollars(count: int) -> str:
    """``1 credit ($0.01)``: a balance as `status`, `credits` and Setup show it."""
    return f"{credits_text(count)} ({dollars(count)})"
