"""Fees: maker/taker rates, tax on the fee, rounding up at the fee scale, cumulative rounding."""

from __future__ import annotations

from decimal import Decimal, Inexact

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_adapters.simulated import FeeSchedule, MatchMode
from btcbot_adapters.simulated.fees import (
    EXACT,
    FeeAccumulator,
    exact_add,
    exact_multiply,
    exact_subtract,
)
from btcbot_core.errors import ValidationError
from btcbot_core.orders import Side
from tests.simulated.helpers import BTCTRY, D, exchange, flat, free, limit, market, quote

BTCTURK = FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2")


def test_bound_exact_operations_are_the_exact_contexts() -> None:
    # exact_add & co. are EXACT's own methods, bound once: same context, same traps
    for op, name in (
        (exact_add, "add"),
        (exact_subtract, "subtract"),
        (exact_multiply, "multiply"),
    ):
        assert op.__self__ is EXACT and op.__name__ == name
    assert exact_add(D("1.5"), D("2.25")) == D("3.75")
    with pytest.raises(Inexact):
        exact_multiply(D("1." + "3" * 40), D("1." + "7" * 40))


def test_taker_fill_fee_and_tax_exact() -> None:
    ex = exchange({"TRY": "100000"}, mode=MatchMode.QUOTES, fees=BTCTURK)
    ex.set_quote(quote(0, 999000, 1000000))
    ex.submit(limit("b", Side.BUY, 1000000, "0.01"))
    (fill,) = ex.all_fills(BTCTRY)
    assert (fill.fee, fill.tax, fill.fee_asset) == (D("20"), D("4"), "TRY")
    assert free(ex, "TRY") == D(100000) - D(10000) - D(20) - D(4)
    assert free(ex, "BTC") == D("0.01")  # fee never taken from the base asset


def test_maker_fill_fee_and_tax_exact() -> None:
    ex = exchange({"BTC": "1"}, mode=MatchMode.QUOTES, fees=BTCTURK)
    ex.set_quote(quote(0, 999000, 1000000))
    ex.submit(limit("s", Side.SELL, 1000001, "0.00123457"))
    ex.set_quote(quote(1, 1000001, 1000002))
    (fill,) = ex.all_fills(BTCTRY)
    notional = D(1000001) * D("0.00123457")  # 1234.57123457
    assert fill.fee == D("1.23457124")  # 1.23457123457 rounded up to 8 places
    assert fill.tax == D("0.24691425")  # 0.246914248 rounded up
    assert free(ex, "TRY") == notional - fill.fee - fill.tax


def test_fee_schedule_rounds_up_at_fee_scale() -> None:
    fees = FeeSchedule(maker_bps=10, taker_bps=20, tax_ratio="0.2", fee_scale=2)
    acc = FeeAccumulator()
    assert acc.charge(fees, D("1.001"), maker=False) == (D("0.01"), D("0.01"))


def test_cumulative_rounding_charges_the_same_total_however_split() -> None:
    fees = FeeSchedule(maker_bps=10, taker_bps=20, tax_ratio="0.2", fee_scale=2)
    whole = FeeAccumulator()
    split = FeeAccumulator()
    fee_w, tax_w = whole.charge(fees, D("30"), maker=True)
    charged = [split.charge(fees, D("3"), maker=True) for _ in range(10)]
    assert (sum(f for f, _ in charged), sum(t for _, t in charged)) == (fee_w, tax_w)
    assert (fee_w, tax_w) == (D("0.03"), D("0.01"))


@pytest.mark.property
@given(
    notionals=st.lists(
        st.decimals(min_value="0.00000001", max_value="100000", places=8), min_size=1, max_size=8
    ),
    makers=st.lists(st.booleans(), min_size=8, max_size=8),
    scale=st.integers(0, 8),
)
def test_fees_never_exceed_fill_and_stay_within_the_lock(
    notionals: list[Decimal], makers: list[bool], scale: int
) -> None:
    fees = FeeSchedule(maker_bps=10, taker_bps=25, tax_ratio="0.18", fee_scale=scale)
    acc = FeeAccumulator()
    total_fee = total_tax = Decimal(0)
    for notional, maker in zip(notionals, makers, strict=False):
        fee, tax = acc.charge(fees, notional, maker)
        assert fee >= 0 and tax >= 0
        assert fee + tax <= notional
        assert fee == fee.quantize(fees.quantum) and tax == tax.quantize(fees.quantum)
        total_fee += fee
        total_tax += tax
    assert total_fee + total_tax <= fees.max_fee_and_tax(sum(notionals, Decimal(0)))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"maker_bps": -1},
        {"taker_bps": 10_000},
        {"tax_ratio": "1.5"},
        {"fee_scale": 19},
        {"maker_bps": 9000, "tax_ratio": "0.2"},
    ],
)
def test_fee_schedule_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        FeeSchedule(**kwargs)  # type: ignore[arg-type]


def test_market_buy_in_bar_mode_pays_taker() -> None:
    ex = exchange({"TRY": "20000"}, fees=BTCTURK)
    ex.on_bar(flat(0, 1000000))
    ex.submit(market("m", Side.BUY, "0.01"))
    ex.on_bar(flat(1, 1000000))
    (fill,) = ex.all_fills(BTCTRY)
    assert (fill.fee, fill.tax) == (D("20"), D("4"))
    assert free(ex, "TRY") == D(20000) - D(10024)
