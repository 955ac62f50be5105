"""The simulator's caches (order views, the empty fill page, bar touch prices, fee ratios)
never return a stale value."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from btcbot_adapters.simulated import FeeSchedule, RejectCode
from btcbot_core.errors import OrderRejectedError, ValidationError
from btcbot_core.orders import OrderStatus, OrderType, Side
from btcbot_core.ports import ExchangeOrder, FillPage
from tests.simulated.helpers import BTCTRY, T0, D, bar, exchange, flat, limit, market


def test_order_view_is_reused_until_the_order_changes() -> None:
    ex = exchange({"TRY": "1000000"}, participation="0.5")
    ex.on_bar(flat(0, 1000))
    ack = ex.submit(limit("b1", Side.BUY, 1000, "1"))
    first = ex.open_orders([BTCTRY])[0]
    assert ex.open_orders([BTCTRY])[0] is first
    assert ex.order_by_client_id(BTCTRY, "b1") is first
    assert ex.order(ack.exchange_order_id) is first
    ex.on_bar(flat(1, 1000, v="1"))  # fresh: taker at the open, half of the bar's volume
    partial = ex.open_orders([BTCTRY])[0]
    assert partial == ExchangeOrder(
        exchange_order_id=ack.exchange_order_id,
        client_order_id="b1",
        pair=BTCTRY,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        price=D(1000),
        quantity=D(1),
        filled_qty=D("0.5"),
        status=OrderStatus.PARTIALLY_FILLED,
        created_at=ack.accepted_at,
        updated_at=T0 + timedelta(minutes=1),  # taker at the open of bar 1
    )
    assert ex.cancel(BTCTRY, ack.exchange_order_id)
    done = ex.order(ack.exchange_order_id)
    assert done == attrs.evolve(partial, status=OrderStatus.CANCELED, updated_at=done.updated_at)
    assert done.updated_at is not None and done.updated_at >= T0
    assert ex.open_orders([BTCTRY]) == []
    assert ex.all_orders(BTCTRY) == [done]


def test_the_empty_page_at_the_end_is_shared_and_never_hides_a_new_fill() -> None:
    ex = exchange({"TRY": "1000000"})
    assert ex.fills_since(BTCTRY, None) == FillPage((), "0")
    empty = ex.fills_since(BTCTRY, "0")
    assert empty == FillPage((), "0")
    assert ex.fills_since(BTCTRY, "0") is empty
    ex.on_bar(flat(0, 1000))
    ex.submit(limit("b1", Side.BUY, 1000, "1"))
    ex.on_bar(flat(1, 1000))
    page = ex.fills_since(BTCTRY, "0")
    assert [f.client_order_id for f in page.fills] == ["b1"]
    assert page.cursor == "1"
    assert ex.fills_since(BTCTRY, "1") == FillPage((), "1")
    assert ex.fills_since(BTCTRY, "01") == FillPage((), "1")  # same position, other spelling
    assert ex.fills_since(BTCTRY, "0") == page
    ex.faults.duplicate_next_fill_report()  # a fault is never served from the cache
    assert ex.fills_since(BTCTRY, "1") == FillPage(page.fills, "1")
    with pytest.raises(ValidationError, match="out of range"):
        ex.fills_since(BTCTRY, "2")


@pytest.mark.parametrize("spread_bps", [0, 10, 333])
def test_touch_prices_are_those_of_the_synthesised_quote(spread_bps: int) -> None:
    ex = exchange({"TRY": "1000000"}, bar_spread_bps=spread_bps)
    book = ex._books[BTCTRY]  # white box: submit reads the prices without the Quote
    assert book.touch_prices(D(0)) is None  # no bar yet
    for i, close in enumerate(["1000", "1234", "999", "1"]):
        ex.on_bar(bar(i, close, close, close, close))
        q = ex.quotes([BTCTRY])[BTCTRY]
        half = Decimal(spread_bps) / 10000 / 2
        assert book.touch_prices(half) == (q.bid, q.ask)
        assert book.touch_prices(half) == (q.bid, q.ask)  # cached for this bar


def test_market_orders_are_checked_and_locked_at_the_spread_touch() -> None:
    ex = exchange({"TRY": "1000000", "BTC": "1"}, bar_spread_bps=100)
    ex.on_bar(flat(0, 1000))
    q = ex.quotes([BTCTRY])[BTCTRY]
    assert (q.bid, q.ask) == (D(995), D(1005))
    ex.submit(market("m1", Side.BUY, "1"))
    assert ex.balances()["TRY"].locked == D(1056)  # 1005 × 1.05 = 1055.25, up to the step
    with pytest.raises(OrderRejectedError) as err:  # 0.1 × bid 995 < min notional 100
        ex.submit(market("m2", Side.SELL, "0.1"))
    assert err.value.code == RejectCode.FAILED_MIN_TOTAL_AMOUNT
    ex.submit(market("m3", Side.SELL, "0.11"))  # 0.11 × 995 = 109.45
    assert ex.balances()["BTC"].locked == D("0.11")


def test_fee_ratios_are_computed_once_and_follow_evolve() -> None:
    fees = FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2", fee_scale=6)
    assert (fees.maker_rate, fees.taker_rate, fees.max_rate) == (
        D("0.001"),
        D("0.002"),
        D("0.002"),
    )
    assert fees.quantum == D("0.000001")
    assert fees.maker_rate is fees.maker_rate
    other = FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2", fee_scale=6)
    assert fees == other and hash(fees) == hash(other) and repr(fees) == repr(other)
    changed = attrs.evolve(fees, taker_bps="30", fee_scale=2)
    assert (changed.taker_rate, changed.max_rate, changed.quantum) == (
        D("0.003"),
        D("0.003"),
        D("0.01"),
    )
    assert fees.taker_rate == D("0.002")


def test_fee_schedule_derived_values_are_plain_slots() -> None:
    # A cached_property on a slotted attrs class adds a __getattr__ hook, which sends every
    # attribute read of the schedule (several per fill and buy lock) down the slow path.
    assert "__getattr__" not in FeeSchedule.__dict__
    fees = FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0", fee_scale=6)
    assert fees.untaxed is True and fees.zero_tax.as_tuple() == (0, (0,), -6)
    assert FeeSchedule(tax_ratio="0.2").untaxed is False
    assert [f.name for f in attrs.fields(FeeSchedule) if f.init] == [
        "maker_bps",
        "taker_bps",
        "tax_ratio",
        "fee_scale",
    ]
