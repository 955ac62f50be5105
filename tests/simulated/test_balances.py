"""Balances: locks on submit, payment out of the lock on fills, release on cancel and fill."""

from __future__ import annotations

import pytest

from btcbot_adapters.simulated import FeeSchedule, MatchMode
from btcbot_core.errors import OrderNotFoundError
from btcbot_core.orders import OrderStatus, Side
from tests.simulated.helpers import (
    BTCTRY,
    ETHTRY,
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

FEES = FeeSchedule(maker_bps=10, taker_bps=20, tax_ratio="0.2")


def test_buy_locks_notional_plus_the_most_fee_and_tax() -> None:
    ex = exchange({"TRY": "20000"}, fees=FEES)
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    # 9900 + taker 19.8 + tax 3.96 (the larger rate: the order may fill either way)
    assert locked(ex, "TRY") == D("9923.76")
    assert free(ex, "TRY") == D(20000) - D("9923.76")


def test_cancel_releases_the_whole_lock() -> None:
    ex = exchange({"TRY": "20000", "BTC": "0.5"}, fees=FEES)
    ex.on_bar(flat(0, 1000000))
    buy = ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    sell = ex.submit(limit("s", Side.SELL, 1010000, "0.2"))
    assert locked(ex, "BTC") == D("0.2") and free(ex, "BTC") == D("0.3")
    assert ex.cancel(BTCTRY, buy.exchange_order_id) is True
    assert ex.cancel(BTCTRY, sell.exchange_order_id) is True
    assert (free(ex, "TRY"), locked(ex, "TRY")) == (D(20000), 0)
    assert (free(ex, "BTC"), locked(ex, "BTC")) == (D("0.5"), 0)
    assert ex.cancel(BTCTRY, buy.exchange_order_id) is False  # already terminal
    assert ex.open_orders([BTCTRY]) == []


def test_cancel_of_unknown_or_other_pair_order_raises_not_found() -> None:
    ex = exchange()
    ex.on_bar(flat(0, 1000000))
    ack = ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    with pytest.raises(OrderNotFoundError):
        ex.cancel(BTCTRY, "999")
    with pytest.raises(OrderNotFoundError):
        ex.cancel(ETHTRY, ack.exchange_order_id)


def test_partial_fill_then_cancel_keeps_fills_and_releases_the_rest() -> None:
    ex = exchange({"TRY": "20000"}, fees=FEES, participation="0.5")
    ex.on_bar(flat(0, 1000000))
    ack = ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    ex.on_bar(bar(1, 1000000, 1000000, 980000, 985000, v="0.008"))  # 0.004 fills
    (fill,) = ex.all_fills(BTCTRY)
    assert fill.quantity == D("0.004")
    ex.cancel(BTCTRY, ack.exchange_order_id)
    order = ex.order(ack.exchange_order_id)
    assert order.status is OrderStatus.CANCELED and order.filled_qty == D("0.004")
    assert locked(ex, "TRY") == 0
    assert free(ex, "TRY") == D(20000) - fill.notional - fill.fee - fill.tax
    assert free(ex, "BTC") == D("0.004")


def test_fill_at_a_better_price_releases_the_unused_lock() -> None:
    ex = exchange({"TRY": "20000"}, fees=FEES)
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 1000000, "0.01"))
    ex.on_bar(flat(1, 900000))  # taker at the open 900000
    assert locked(ex, "TRY") == 0
    assert free(ex, "TRY") == D(20000) - D(9000) - D(18) - D("3.6")


def test_market_buy_in_bar_mode_locks_at_the_band_price() -> None:
    ex = exchange({"TRY": "20000"}, market_band_bps=500)
    ex.on_bar(flat(0, 1000000))
    ex.submit(market("m", Side.BUY, "0.01"))
    assert locked(ex, "TRY") == D(10500)
    ex.on_bar(flat(1, 1020000))
    assert locked(ex, "TRY") == 0 and free(ex, "TRY") == D(20000) - D(10200)


def test_quote_mode_market_buy_locks_exactly_its_fill_cost() -> None:
    ex = exchange({"TRY": "10024"}, mode=MatchMode.QUOTES, fees=FEES)
    ex.set_quote(quote(0, 999000, 1000000))
    ex.submit(market("m", Side.BUY, "0.01"))  # 10000 + 20 fee + 4 tax: exactly affordable
    assert (free(ex, "TRY"), locked(ex, "TRY"), free(ex, "BTC")) == (0, 0, D("0.01"))


def test_balances_lists_every_asset_with_plain_zeros() -> None:
    ex = exchange({"TRY": "100"})
    ex.deposit("eth", "2")
    bal = ex.balances()
    assert set(bal) == {"TRY", "ETH"}
    assert bal["ETH"].free == 2 and str(bal["TRY"].locked) == "0"


def test_balances_stay_exact_beyond_the_default_decimal_precision() -> None:
    huge = D("10000000000000000000000000")  # 10**25 TRY: 26 digits before the point
    ex = exchange({"TRY": huge, "BTC": "1"}, fees=FEES)
    ex.on_bar(flat(0, 1000003))
    ex.submit(market("s", Side.SELL, "0.0001"))
    ex.on_bar(flat(1, 1000003))
    (fill,) = ex.all_fills(BTCTRY)
    assert (fill.fee, fill.tax) == (D("0.20000060"), D("0.04000012"))
    assert free(ex, "TRY") == D("10000000000000000000000099.76029928")  # 34 significant digits
