"""Shortcuts that rest on object identity give what the general code gives.

``on_bars`` settles the clock of a bar whose ``open_time`` is the very object of the clock
bar's without comparing datetimes (a feed's bars of one step share it), and a ``SimOrder``
is its own ``FeeAccumulator`` (no second object per order).
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


@given(st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.booleans()), min_size=1, max_size=8))
def test_the_clock_with_shared_open_times_equals_one_bar_at_a_time(
    steps: list[tuple[int, bool, bool]],
) -> None:
    batched, single = exchange(), exchange()
    expected: Bar | None = None  # the rule itself: the latest open time, a tie the later bar
    minute = 0
    for gap, eth_first, shared in steps:
        minute += gap + 1
        at = T0 + timedelta(minutes=minute)
        other = at if shared else T0 + timedelta(minutes=minute)  # equal, maybe not the same
        row = [
            Bar(BTCTRY, at, 1000, 1000, 1000, 1000, 1, 60),
            Bar(ETHTRY, other, 50, 50, 50, 50, 1, 300 if shared else 60),
        ]
        if eth_first:
            row.reverse()
        batched.on_bars(row)
        for b in row:
            single.on_bar(b)
            if expected is None or b.open_time >= expected.open_time:
                expected = b
        assert batched._bar_clock is expected and single._bar_clock is expected
        assert batched.now() == single.now()


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
