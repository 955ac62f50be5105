"""Matching semantics: trade-through, tie rules, taker vs maker, market orders, partial fills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from btcbot_adapters.simulated import FeeSchedule, MatchMode
from btcbot_core.orders import OrderStatus, Side
from tests.simulated.helpers import (
    BTCTRY,
    D,
    bar,
    exchange,
    flat,
    free,
    limit,
    locked,
    market,
    quote,
)

FEES = FeeSchedule(maker_bps=10, taker_bps=20)


def fills(ex, pair=BTCTRY):  # type: ignore[no-untyped-def]
    return ex.all_fills(pair)


# --- bar mode ---------------------------------------------------------------------------------


def test_bar_mode_never_fills_on_submit() -> None:
    ex = exchange()
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 1000000, "0.01"))
    ex.submit(market("m", Side.BUY, "0.01"))
    assert fills(ex) == ()
    assert len(ex.open_orders([BTCTRY])) == 2


def test_resting_buy_touching_its_limit_does_not_fill() -> None:
    ex = exchange(fees=FEES)
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    ex.on_bar(bar(1, 1000000, 1000000, 995000, 995000))  # fresh, open above limit: rests
    ex.on_bar(bar(2, 995000, 996000, 990000, 992000))  # low == limit: no trade-through
    assert fills(ex) == ()
    ex.on_bar(bar(3, 992000, 993000, 989999, 991000))  # traded through
    (fill,) = fills(ex)
    assert fill.price == D(990000)  # maker at the limit, not at the low
    assert fill.fee == D("9.9")  # maker rate 10 bps
    assert fill.timestamp == bar(3, 1, 1, 1, 1).open_time.replace(minute=4)  # bar close


def test_resting_sell_fills_only_when_high_trades_through() -> None:
    ex = exchange(fees=FEES)
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("s", Side.SELL, 1010000, "0.5"))
    ex.on_bar(bar(1, 1000000, 1010000, 1000000, 1005000))
    assert fills(ex) == ()
    ex.on_bar(bar(2, 1005000, 1010001, 1000000, 1005000))
    (fill,) = fills(ex)
    assert (fill.price, fill.quantity, fill.side) == (D(1010000), D("0.5"), Side.SELL)
    assert fill.fee == D(1010000) * D("0.5") * D("0.001")


def test_fresh_marketable_limit_fills_as_taker_at_the_open() -> None:
    ex = exchange(fees=FEES)
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 1000000, "0.01"))
    ex.submit(limit("s", Side.SELL, 900000, "0.01"))
    ex.on_bar(bar(1, 950000, 960000, 940000, 955000))
    buy, sell = sorted(fills(ex), key=lambda f: f.side)
    assert buy.price == D(950000) and sell.price == D(950000)  # better than both limits
    assert buy.fee == D(9500) * D("0.002")  # taker
    assert buy.timestamp == bar(1, 1, 1, 1, 1).open_time


def test_gap_through_a_resting_buy_fills_at_the_limit_as_maker() -> None:
    ex = exchange(fees=FEES)
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    ex.on_bar(flat(1, 1000000))
    ex.on_bar(flat(2, 950000))  # gapped down through the resting bid
    (fill,) = fills(ex)
    assert fill.price == D(990000)
    assert fill.fee == D(9900) * D("0.001")


def test_market_order_fills_at_next_open_with_slippage_rounded_against_taker() -> None:
    ex = exchange(fees=FEES, slippage_bps=15)
    ex.on_bar(flat(0, 1000000))
    ex.submit(market("mb", Side.BUY, "0.01"))
    ex.submit(market("ms", Side.SELL, "0.01"))
    ex.on_bar(bar(1, 1000003, 1000003, 1000003, 1000003))
    by_side = {f.side: f for f in fills(ex)}
    # 1000003 × 1.0015 = 1001503.0045 → up to 1001504; × 0.9985 = 998502.9955 → down to 998502
    assert by_side[Side.BUY].price == D(1001504)
    assert by_side[Side.SELL].price == D(998502)
    assert all(o.status is OrderStatus.FILLED for o in map(ex.order, ["1", "2"]))


def test_market_order_beyond_the_band_is_cancelled_unfilled() -> None:
    ex = exchange({"TRY": "100000"}, market_band_bps=500)
    ex.on_bar(flat(0, 1000000))
    ex.submit(market("mb", Side.BUY, "0.01"))
    ex.on_bar(flat(1, 1060000))  # 6 % above the reference
    assert fills(ex) == ()
    order = ex.order_by_client_id(BTCTRY, "mb")
    assert order is not None and order.status is OrderStatus.CANCELED
    assert locked(ex, "TRY") == 0 and free(ex, "TRY") == D(100000)


def test_participation_cap_splits_fills_over_bars() -> None:
    ex = exchange(fees=FEES, participation="0.1")
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("s", Side.SELL, 1000000, "0.25"))
    ex.on_bar(bar(1, 1000000, 1000000, 1000000, 1000000, v="1"))  # fresh, crosses open
    ex.on_bar(bar(2, 1000000, 1000500, 999000, 1000000, v="1"))  # high > limit
    ex.on_bar(bar(3, 1000000, 1000500, 999000, 1000000, v="0.333333333"))
    qtys = [f.quantity for f in fills(ex)]
    assert qtys == [D("0.1"), D("0.1"), D("0.03333333")]  # rounded down to the qty step
    order = ex.order_by_client_id(BTCTRY, "s")
    assert order is not None and order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_qty == sum(qtys)
    assert [f.fill_id for f in fills(ex)] == ["sf-1-1", "sf-1-2", "sf-1-3"]


def test_participation_budget_is_shared_in_time_priority() -> None:
    ex = exchange({"TRY": "1000000"}, participation="0.5")
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("first", Side.BUY, 990000, "0.4"))
    ex.submit(limit("second", Side.BUY, 995000, "0.4"))
    ex.on_bar(bar(1, 1000000, 1000000, 980000, 985000, v="1"))
    by_cid = {f.client_order_id: f.quantity for f in fills(ex)}
    assert by_cid == {"first": D("0.4"), "second": D("0.1")}


def test_zero_volume_bar_fills_nothing_under_a_cap() -> None:
    ex = exchange(participation="0.1")
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    ex.on_bar(bar(1, 1000000, 1000000, 900000, 950000, v=0))
    assert fills(ex) == ()


@pytest.mark.parametrize(
    ("volume", "status", "filled"),
    [
        ("10", OrderStatus.FILLED, D("0.5")),  # budget 1: the whole order
        ("1", OrderStatus.CANCELED, D("0.1")),  # budget 0.1: the rest is cancelled
        ("0", OrderStatus.CANCELED, D(0)),  # no budget: cancelled unfilled
    ],
)
def test_bar_mode_market_order_is_terminal_after_its_first_bar(
    volume: str, status: OrderStatus, filled: Decimal
) -> None:
    """``on_bar`` cancels a market order's rest unless it FILLED (its shortcut for
    ``is_live``): a full, a partial and an empty fill under a participation cap."""
    ex = exchange(participation="0.1")
    ex.on_bar(flat(0, 1000000))
    ex.submit(market("m", Side.SELL, "0.5"))
    ex.on_bar(bar(1, 1000000, 1000000, 1000000, 1000000, v=volume))
    order = ex.order_by_client_id(BTCTRY, "m")
    assert order is not None and (order.status, order.filled_qty) == (status, filled)
    assert ex.open_orders([BTCTRY]) == [] and locked(ex, "BTC") == 0
    assert free(ex, "BTC") == D(1) - filled


# --- quote mode -------------------------------------------------------------------------------


def test_quote_mode_marketable_limit_fills_at_the_touch_as_taker() -> None:
    ex = exchange(mode=MatchMode.QUOTES, fees=FEES)
    ex.set_quote(quote(0, 999000, 1000000))
    ex.submit(limit("b", Side.BUY, 1005000, "0.01"))
    (fill,) = fills(ex)
    assert fill.price == D(1000000)  # the better of limit and ask
    assert fill.fee == D(10000) * D("0.002")
    assert ex.order_by_client_id(BTCTRY, "b").status is OrderStatus.FILLED  # type: ignore[union-attr]


def test_quote_mode_resting_buy_fills_at_limit_when_ask_reaches_it() -> None:
    ex = exchange(mode=MatchMode.QUOTES, fees=FEES)
    ex.set_quote(quote(0, 999000, 1000000))
    ex.submit(limit("b", Side.BUY, 995000, "0.01"))
    assert fills(ex) == ()
    ex.set_quote(quote(1, 994000, 995001))
    assert fills(ex) == ()
    ex.set_quote(quote(2, 990000, 995000))  # ask == limit: fills (documented tie rule)
    (fill,) = fills(ex)
    assert fill.price == D(995000) and fill.fee == D(9950) * D("0.001")


def test_quote_mode_resting_sell_gets_its_limit_even_when_bid_jumps_above() -> None:
    ex = exchange(mode=MatchMode.QUOTES)
    ex.set_quote(quote(0, 999000, 1000000))
    ex.submit(limit("s", Side.SELL, 1001000, "0.01"))
    ex.set_quote(quote(1, 1010000, 1011000))
    (fill,) = fills(ex)
    assert fill.price == D(1001000)


def test_quote_mode_market_order_uses_size_and_cancels_the_rest() -> None:
    ex = exchange(mode=MatchMode.QUOTES, slippage_bps=10)
    ex.set_quote(quote(0, 999000, 1000000, bid_size="1", ask_size="0.004"))
    ex.submit(market("m", Side.BUY, "0.01"))
    (fill,) = fills(ex)
    assert fill.price == D(1001000) and fill.quantity == D("0.004")
    order = ex.order_by_client_id(BTCTRY, "m")
    assert order is not None and order.status is OrderStatus.CANCELED
    assert locked(ex, "TRY") == 0


def test_quote_mode_market_order_without_a_quote_is_rejected() -> None:
    from btcbot_core.errors import OrderRejectedError

    ex = exchange(mode=MatchMode.QUOTES)
    with pytest.raises(OrderRejectedError) as err:
        ex.submit(market("m", Side.BUY, "0.01"))
    assert err.value.code == "FAILED_MARKET_ORDER"


def test_quote_mode_limit_with_partial_touch_size_rests_the_remainder() -> None:
    ex = exchange(mode=MatchMode.QUOTES)
    ex.set_quote(quote(0, 999000, 1000000, ask_size="0.003"))
    ex.submit(limit("b", Side.BUY, 1000000, "0.01"))
    assert [f.quantity for f in fills(ex)] == [D("0.003")]
    ex.set_quote(quote(1, 999000, 1000000, ask_size="0.005"))
    ex.set_quote(quote(2, 999000, 1000000, ask_size="0.005"))
    assert [f.quantity for f in fills(ex)] == [D("0.003"), D("0.005"), D("0.002")]
    assert sum(f.quantity for f in fills(ex)) == Decimal("0.01")
