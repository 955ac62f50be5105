"""The second pass of hot-path shortcuts gives exactly what the general code gives.

Under test: ``last_bars`` served from the snapshot ``on_bars`` keeps (``_latest``), ``on_bars``
storing the bar clock once per call (also when a bar is refused), the market band factors
hoisted to ``__init__``, the touch prices read inline in ``_accept``, the cached bar span
(``bar_span``) and the ``min`` of ``FeeAccumulator.charge`` written as a comparison.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_adapters.simulated import FeeSchedule, SimulatedExchange
from btcbot_adapters.simulated.fees import EXACT, FeeAccumulator
from btcbot_adapters.simulated.pricing import band_price, bar_span
from btcbot_core.errors import ValidationError
from btcbot_core.market import Bar
from btcbot_core.orders import Side
from btcbot_core.pair import Pair
from tests.simulated.helpers import BTCTRY, ETHTRY, T0, bar, exchange, flat, market


def exact(value: Decimal) -> tuple[object, ...]:
    return tuple(value.as_tuple())


def general_last_bars(ex: SimulatedExchange, pairs: list[Pair], interval: int) -> dict[Pair, Bar]:
    """What ``last_bars`` promises: ``bars(pair, interval, 1)`` for every pair that has one."""
    out = {}
    for pair in pairs:
        got = ex.bars(pair, interval, 1)
        if got:
            out[pair] = got[-1]
    return out


def test_last_bars_memo_equals_bars_per_pair_as_the_market_moves() -> None:
    ex = exchange()
    xrp = Pair("XRP", "TRY")  # not traded here: left out
    pairs = (BTCTRY, xrp, ETHTRY)
    assert ex.last_bars(pairs, 60) == {}
    for i in range(4):
        ex.on_bars([flat(i, 1000 + i), flat(i, 50 + i, pair=ETHTRY)])
        got = ex.last_bars(pairs, 60)
        assert got == general_last_bars(ex, list(pairs), 60)
        assert list(got) == [BTCTRY, ETHTRY]  # in the caller's order
        assert all(got[p] is ex.bars(p, 60, 1)[0] for p in got)
    # a bar of another interval on top: the 60 s one is searched in the history
    ex.on_bar(Bar(BTCTRY, T0 + timedelta(minutes=10), 1, 1, 1, 1, 1, 300))
    assert ex.last_bars(pairs, 60) == general_last_bars(ex, list(pairs), 60)
    assert ex.last_bars(pairs, 300) == general_last_bars(ex, list(pairs), 300)


def test_last_bars_is_not_fooled_by_a_list_changed_in_place_or_a_new_tuple() -> None:
    ex = exchange()
    ex.on_bars([flat(0, 1000), flat(0, 50, pair=ETHTRY)])
    pairs = [BTCTRY]
    assert list(ex.last_bars(pairs, 60)) == [BTCTRY]
    pairs[0] = ETHTRY  # same list object, other content
    assert list(ex.last_bars(pairs, 60)) == [ETHTRY]
    assert list(ex.last_bars((BTCTRY,), 60)) == [BTCTRY]
    assert list(ex.last_bars((ETHTRY, BTCTRY), 60)) == [ETHTRY, BTCTRY]


def test_last_bars_snapshot_forgets_its_check_when_a_pair_gets_its_first_bar() -> None:
    ex = exchange()
    only_btc = (BTCTRY,)
    ex.on_bars([flat(0, 1000)])
    assert list(ex.last_bars(only_btc, 60)) == [BTCTRY]  # checked: _latest's keys are these
    assert list(ex.last_bars(only_btc, 60)) == [BTCTRY]  # served from the snapshot
    ex.on_bars([flat(1, 1001), flat(1, 50, pair=ETHTRY)])  # a new key in _latest
    assert list(ex.last_bars(only_btc, 60)) == [BTCTRY]
    both = (BTCTRY, ETHTRY)
    for _ in range(2):
        assert ex.last_bars(both, 60) == general_last_bars(ex, list(both), 60)


intervals = st.sampled_from([60, 60, 60, 300])
steps = st.lists(
    st.lists(st.tuples(st.sampled_from([BTCTRY, ETHTRY]), intervals), max_size=3), max_size=8
)


@given(steps=steps, order=st.sampled_from([(BTCTRY, ETHTRY), (ETHTRY, BTCTRY), (BTCTRY,)]))
def test_last_bars_from_the_snapshot_is_bars_per_pair_and_never_changes_later(
    steps: list[list[tuple[Pair, int]]], order: tuple[Pair, ...]
) -> None:
    """Any feed (pairs first seen in any order, a second interval, a pair's bars within a
    step) against the same tuple of pairs every call, as the pipeline passes it."""
    ex = exchange()
    returned = []
    for i, step in enumerate(steps):
        row = []
        for k, (pair, interval) in enumerate(step):
            minute = i * 10 + k  # each bar after its pair's last one
            row.append(Bar(pair, T0 + timedelta(minutes=minute), 1, 1, 1, 1, 1, interval))
        ex.on_bars(row)
        for interval in (60, 300):
            got = ex.last_bars(order, interval)
            want = general_last_bars(ex, list(order), interval)
            assert got == want and list(got) == list(want)
            assert all(got[p] is want[p] for p in got)
            returned.append((got, dict(got)))
    for got, then in returned:  # a later on_bars never changed a mapping already returned
        assert got == then and list(got) == list(then)


def test_on_bars_clock_equals_one_bar_at_a_time_and_survives_a_refused_bar() -> None:
    rows = [
        [flat(1, 10), flat(0, 5, pair=ETHTRY)],  # the later bar first: it stays the clock
        [flat(2, 10, pair=ETHTRY), flat(2, 10)],  # a tie: the later bar of the call wins
        [flat(3, 10)],
    ]
    batched, single = exchange(), exchange()
    assert batched.now() == single.now() == T0
    for row in rows:
        batched.on_bars(row)
        for b in row:
            single.on_bar(b)
        assert batched.now() == single.now()
    ex = exchange()
    with pytest.raises(ValidationError):
        ex.on_bars([flat(5, 10), flat(4, 10, pair=ETHTRY), flat(5, 10)])  # the third repeats
    assert ex.now() == T0 + timedelta(minutes=6)  # the bars before the refused one count
    assert ex.bars(ETHTRY, 60, 1) == [flat(4, 10, pair=ETHTRY)]


@given(
    band_bps=st.sampled_from(["0", "1", "250", "500", "999.5"]),
    close=st.integers(1, 10**7).map(lambda cents: Decimal(cents) / 100),
    side=st.sampled_from(Side),
    spread_bps=st.sampled_from([0, 7]),
)
def test_market_cap_with_hoisted_band_factors_is_band_price(
    band_bps: str, close: Decimal, side: Side, spread_bps: int
) -> None:
    ex = exchange(
        {"TRY": "1E+20", "BTC": "1E+10"}, market_band_bps=band_bps, bar_spread_bps=spread_bps
    )
    ex.on_bar(bar(0, close, close, close, close))
    touch = ex.quotes([BTCTRY])[BTCTRY]
    reference = touch.ask if side is Side.BUY else touch.bid
    qty = "1" if close >= 1000 else "1000000"  # (at 100 - 999 a bid below close is < 100 TRY)
    ack = ex.submit(market("m", side, qty))
    order = ex._by_id[ack.exchange_order_id]  # white box: the cap is not on the port value
    want = band_price(side, reference, ex._band, ex._books[BTCTRY].rules)
    assert order.cap_price is not None and exact(order.cap_price) == exact(want)


@pytest.mark.parametrize("interval", [1, 60, 300, 86_400, 0])
def test_bar_span_is_the_timedelta(interval: int) -> None:
    assert bar_span(interval) == timedelta(seconds=interval)
    assert bar_span(interval) is bar_span(interval)  # cached


def test_bar_span_cache_is_bounded() -> None:
    for seconds in range(1_000, 1_200):
        assert bar_span(seconds) == timedelta(seconds=seconds)
    from btcbot_adapters.simulated import pricing

    assert len(pricing._SPANS) <= 64


amounts = st.decimals(min_value="0.00000001", max_value="100000000", places=10)


@given(
    fees=st.builds(
        FeeSchedule,
        maker_bps=st.sampled_from(["0", "-0", "10", "25.5", "49"]),
        taker_bps=st.sampled_from(["0", "10", "20"]),
        tax_ratio=st.sampled_from(["0", "0.2"]),
        fee_scale=st.integers(0, 8),
    ),
    fills=st.lists(st.tuples(amounts, st.booleans()), min_size=1, max_size=6),
)
def test_charge_fee_is_min_of_owed_and_cap(
    fees: FeeSchedule, fills: list[tuple[Decimal, bool]]
) -> None:
    """The comparison in ``charge`` is ``min(owed, cap)`` (a tie keeps ``owed``)."""
    acc = FeeAccumulator()
    raw, paid = Decimal(0), Decimal(0)
    for notional, maker in fills:
        rate = fees.maker_rate if maker else fees.taker_rate
        raw = EXACT.add(raw, EXACT.multiply(notional, rate))
        owed = EXACT.subtract(raw.quantize(fees.quantum, rounding=ROUND_CEILING), paid)
        want = min(owed, notional.quantize(fees.quantum, rounding=ROUND_FLOOR))
        paid = EXACT.add(paid, want)
        fee, _tax = acc.charge(fees, notional, maker)
        assert exact(fee) == exact(want)
        # the first charge skips fee - 0 and 0 + fee: digit for digit the same running total
        assert exact(acc.fee_paid) == exact(paid)
