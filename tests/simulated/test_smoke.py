"""The simulated exchange satisfies the ports and runs one buy/sell round trip."""

from __future__ import annotations

from btcbot_core.orders import OrderStatus, Side
from btcbot_core.ports import AccountPort, MarketDataPort, TradingPort
from tests.simulated.helpers import BTCTRY, D, exchange, flat, free, limit, market


def test_implements_the_ports() -> None:
    ex = exchange()
    assert isinstance(ex, MarketDataPort)
    assert isinstance(ex, TradingPort)
    assert isinstance(ex, AccountPort)


def test_round_trip_moves_balances() -> None:
    ex = exchange({"TRY": "20000"})
    ex.on_bar(flat(0, 1000000))
    ack = ex.submit(limit("b1", Side.BUY, 990000, "0.01"))
    ex.on_bar(flat(1, 980000))
    order = ex.order_by_client_id(BTCTRY, "b1")
    assert order is not None and order.status is OrderStatus.FILLED
    assert order.exchange_order_id == ack.exchange_order_id
    assert free(ex, "BTC") == D("0.01")
    assert free(ex, "TRY") == D(20000) - D(9800)  # fresh order met the open: taker at 980000
    ex.submit(market("s1", Side.SELL, "0.01"))
    ex.on_bar(flat(2, 1000000))
    assert free(ex, "BTC") == 0
    assert free(ex, "TRY") == D(20000) - D(9800) + D(10000)
