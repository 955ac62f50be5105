"""Allocation's one-``quantize`` kuruş rounding agrees with ``money.kurus``: same value, same
exponent, same sign of zero, same error; and the budget is the documented formula."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.allocation import AllocationParams, _kurus, allocate, investable_try
from btcbot_core.money import kurus

pytestmark = pytest.mark.property


def outcome(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return ("ok", str(fn(*args)))
    except Exception as exc:  # the type is what we compare
        return ("error", type(exc).__name__)


@st.composite
def any_decimal(draw: st.DrawFn) -> D:
    digits = draw(st.text("0123456789", min_size=1, max_size=40))
    return D(f"{draw(st.sampled_from(['', '-']))}{digits}E{draw(st.integers(-45, 35))}")


@pytest.mark.parametrize(
    "value",
    [D("0.00" + "9" * 35), D("1." + "0" * 30 + "1"), D("-0.00" + "9" * 35), D("-0"), D("1E+30")],
)
def test_kurus_shortcut_at_the_edges(value: D) -> None:
    assert outcome(_kurus, value) == outcome(kurus, value)


@given(st.one_of(any_decimal(), st.decimals(allow_nan=False, allow_infinity=False)))
def test_kurus_shortcut_equals_kurus(value: D) -> None:
    assert outcome(_kurus, value) == outcome(kurus, value)


money = st.decimals(min_value=D(0), max_value=D("10000000"), places=8)


@given(
    money,
    money,
    st.sampled_from([D(0), D(300), D(1000)]),
    st.decimals(min_value=0, max_value=1000, places=3),
    st.none() | money,
    st.sampled_from([D(1), D("0.5"), D("0.25"), D(0), D("1.00"), D("0.333")]),
)
def test_budget_is_the_documented_formula(
    cash: D, target: D, cap: D, bps: D, capital: D | None, multiplier: D
) -> None:
    params = AllocationParams(try_cash_target=target, try_cash_max=cap if cap >= target else 0)
    params = AllocationParams(params.try_cash_target, params.try_cash_max, bps)
    free = max(D(0), cash - params.try_cash_target)
    if params.try_cash_max > 0:
        free = min(free, params.try_cash_max - params.try_cash_target)
    investable = kurus(free / (1 + params.fee_buffer_bps / 10_000))
    assert str(investable_try(cash, params)) == str(investable)
    budget = investable if capital is None else min(investable, max(D(0), capital))
    got = allocate([], cash, params, trading_capital=capital, size_multiplier=multiplier)
    assert str(got.budget_try) == str(kurus(budget * multiplier))
