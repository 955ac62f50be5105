"""Shortcuts that rest on object identity or on one interval give what the general code gives.

The exchange's clock (the close of the bar with the latest open time, a tie taking the later
bar) is not tracked bar by bar while every bar has one interval, and a ``SimOrder`` is its own
``FeeAccumulator`` (no second object per order).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from btcbot_adapters.simulated.fees import FeeAccumulator, FeeSchedule
from btcbot_core.market import Bar
from btcbot_core.money import ZERO
from btcbot_core.orders import Side
from tests.simulated.helpers import BTCTRY, ETHTRY, T0, exchange, market


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.booleans(), st.booleans(), st.sampled_from([60, 300])),
        min_size=1,
        max_size=8,
    )
)
def test_the_clock_equals_the_rule_one_bar_at_a_time_with_one_or_mixed_intervals(
    steps: list[tuple[int, bool, bool, int]],
) -> None:
    batched, single = exchange(), exchange()
    expected: Bar | None = None  # the rule itself: the latest open time, a tie the later bar
    minute = 0
    for gap, eth_first, shared, eth_interval in steps:
        minute += gap + 1
        at = T0 + timedelta(minutes=minute)
        other = at if shared else T0 + timedelta(minutes=minute)  # equal, maybe not the same
        row = [
            Bar(BTCTRY, at, 1000, 1000, 1000, 1000, 1, 60),
            Bar(ETHTRY, other, 50, 50, 50, 50, 1, eth_interval),
        ]
        if eth_first:
            row.reverse()
        batched.on_bars(row)
        for b in row:
            single.on_bar(b)
            if expected is None or b.open_time >= expected.open_time:
                expected = b
        assert expected is not None
        close = expected.open_time + timedelta(seconds=expected.interval_s)
        assert batched.now() == single.now() == max(close, T0)


def test_a_second_interval_older_than_the_clock_leaves_it() -> None:
    ex = exchange()
    ex.on_bars([Bar(BTCTRY, T0 + timedelta(minutes=5), 1, 1, 1, 1, 1, 60)])
    ex.on_bars([Bar(ETHTRY, T0 + timedelta(minutes=3), 1, 1, 1, 1, 1, 300)])  # closes at 8
    assert ex.now() == T0 + timedelta(minutes=6)  # the latest open time's bar closes at 6
    ex.on_bars([Bar(ETHTRY, T0 + timedelta(minutes=5), 1, 1, 1, 1, 1, 300)])  # a tie: later
    assert ex.now() == T0 + timedelta(minutes=10)


def test_an_order_is_its_own_fee_accumulator() -> None:
    ex = exchange(fees=FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2"))
    ex.on_bar(Bar(BTCTRY, T0, 1000, 1000, 1000, 1000, 100, 60))
    ack = ex.submit(market("m1", Side.BUY, "0.5"))
    order = ex._by_id[ack.exchange_order_id]
    assert isinstance(order, FeeAccumulator) and order.fees is order
    assert (order.raw_fee, order.fee_paid, order.tax_paid) == (ZERO, ZERO, ZERO)
    ex.on_bar(Bar(BTCTRY, T0 + timedelta(minutes=1), 1000, 1000, 1000, 1000, 100, 60))
    fill = ex.all_fills(BTCTRY)[0]
    alone = FeeAccumulator()
    fee, tax = alone.charge(ex.fee_schedule, Decimal(1000) * Decimal("0.5"), False)
    assert (fill.fee, fill.tax) == (fee, tax)
    assert (order.raw_fee, order.fee_paid, order.tax_paid) == (
        alone.raw_fee,
        alone.fee_paid,
        alone.tax_paid,
    )
