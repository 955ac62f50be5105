"""Every adapter endpoint over real HTTP against the sandbox server."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from btcbot_adapters.btcturk.adapter import BtcturkAdapter
from btcbot_adapters.btcturk.order_body import order_body, wire_decimal
from btcbot_adapters.sandbox.faults import FaultKind
from btcbot_adapters.sandbox.server import SandboxServer
from btcbot_core.errors import (
    MalformedResponse,
    OrderNotFoundError,
    OrderRejectedError,
    TransientExchangeError,
    ValidationError,
)
from btcbot_core.orders import OrderRequest, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from tests.btcturk.conftest import BTCTRY, PAIRS

XTZBTC = Pair("XTZ", "BTC")


def _limit(cid: str, side: Side, qty: str, price: Decimal, pair: Pair = BTCTRY) -> OrderRequest:
    return OrderRequest(cid, pair, side, Decimal(qty), price, OrderType.LIMIT)


def test_rules_for_all_pairs_including_synthetic(adapter: BtcturkAdapter) -> None:
    rules = adapter.symbol_rules(PAIRS)
    assert set(rules) == set(PAIRS)
    assert rules[BTCTRY].price_step == 1 and rules[BTCTRY].min_notional == 100
    assert rules[XTZBTC].min_notional == Decimal("0.000291")
    assert adapter.rules_book().order_methods(XTZBTC) == {"LIMIT", "STOP_LIMIT"}
    assert adapter.symbol_rules([Pair("DOGE", "TRY")]) == {}


def test_quotes_and_public_reads(adapter: BtcturkAdapter) -> None:
    quotes = adapter.quotes(PAIRS)
    assert set(quotes) == set(PAIRS)
    assert all(q.bid < q.ask and q.bid_size > 0 for q in quotes.values())
    tickers = adapter.tickers()
    assert set(tickers) == set(PAIRS) and tickers[BTCTRY].bid == quotes[BTCTRY].bid
    assert set(adapter.tickers([BTCTRY])) == {BTCTRY}
    trades = adapter.recent_trades(BTCTRY, 5)
    assert len(trades) == 5 and trades[0].at_ms < trades[-1].at_ms
    assert abs(adapter.server_time_ms() - time.time_ns() // 1_000_000) < 5_000


@pytest.mark.parametrize("interval", [60, 300, 3600, 86_400])
def test_closed_bars_oldest_first(adapter: BtcturkAdapter, interval: int) -> None:
    bars = adapter.bars(BTCTRY, interval, 3)
    assert 1 <= len(bars) <= 3
    assert [b.open_time for b in bars] == sorted(b.open_time for b in bars)
    assert all(b.interval_s == interval for b in bars)


def test_last_bars_is_the_newest_closed_bar_of_each_pair(adapter: BtcturkAdapter) -> None:
    last = adapter.last_bars(PAIRS, 60)
    assert set(last) == set(PAIRS)
    for pair, bar in last.items():
        assert bar.pair == pair and bar.interval_s == 60
        assert bar in adapter.bars(pair, 60, 3)  # a minute may roll over in between


def test_unsupported_bar_interval(adapter: BtcturkAdapter) -> None:
    with pytest.raises(ValidationError, match="not offered"):
        adapter.bars(BTCTRY, 7, 3)


def test_balances(adapter: BtcturkAdapter) -> None:
    balances = adapter.balances()
    assert balances["TRY"].free == 1_000_000 and balances["BTC"].free == 1


def test_submit_rest_lookup_cancel_and_fills(
    adapter: BtcturkAdapter, sandbox: SandboxServer
) -> None:
    quote = adapter.quotes([BTCTRY])[BTCTRY]
    resting = adapter.submit(_limit("rest-1", Side.BUY, "0.001", quote.bid - 5000))
    crossing = adapter.submit(_limit("cross-1", Side.BUY, "0.0005", quote.ask + 5000))
    (open_order,) = adapter.open_orders([BTCTRY])
    assert open_order.exchange_order_id == resting.exchange_order_id
    assert open_order.status is OrderStatus.OPEN and open_order.client_order_id == "rest-1"
    found = adapter.order_by_client_id(BTCTRY, "cross-1")
    assert found is not None and found.status is OrderStatus.FILLED
    assert found.filled_qty == Decimal("0.0005")
    assert adapter.order_by_client_id(BTCTRY, "never-sent") is None
    page = adapter.fills_since(BTCTRY, None)
    (fill,) = page.fills
    assert fill.order_id == crossing.exchange_order_id and fill.client_order_id == "cross-1"
    assert fill.fee > 0 and fill.tax > 0 and fill.fee_asset == "TRY"
    assert adapter.fills_since(BTCTRY, page.cursor).fills == ()
    adapter.submit(_limit("cross-2", Side.SELL, "0.0004", quote.bid - 5000))
    later = adapter.fills_since(BTCTRY, page.cursor)
    assert [f.client_order_id for f in later.fills] == ["cross-2"]
    assert adapter.cancel(BTCTRY, resting.exchange_order_id) is True
    assert adapter.open_orders([BTCTRY]) == []  # async cancel applied by the next request
    assert adapter.cancel(BTCTRY, resting.exchange_order_id) is False
    assert adapter.cancel(BTCTRY, "987654321") is False
    assert adapter.order(crossing.exchange_order_id).status is OrderStatus.FILLED
    with pytest.raises(OrderNotFoundError):
        adapter.order("987654321")
    history = adapter.all_orders(BTCTRY)
    assert {o.client_order_id for o in history} == {"rest-1", "cross-1", "cross-2"}
    assert sandbox.connections == 1


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (_limit("small", Side.BUY, "0.00001", Decimal(2_900_000)), "FAILED_MIN_TOTAL_AMOUNT"),
        (_limit("frac", Side.BUY, "0.001", Decimal("2900000.5")), "FAILED_INVALID_PRICE_SCALE"),
        (_limit("rich", Side.BUY, "100", Decimal(2_900_000)), "BALANCE_NOT_ENOUGH"),
        (_limit("band", Side.BUY, "0.001", Decimal(200_000)), "PRICE_MUST_BE_LESS_THAN_MINPRICE"),
    ],
)
def test_rejections_map_to_codes(
    adapter: BtcturkAdapter, request_: OrderRequest, code: str
) -> None:
    with pytest.raises(OrderRejectedError) as info:
        adapter.submit(request_)
    assert info.value.code == code and not info.value.retryable


def test_market_buy_and_unsupported_method_are_refused_before_sending(
    adapter: BtcturkAdapter, sandbox: SandboxServer
) -> None:
    adapter.symbol_rules(PAIRS)
    sent = sandbox.app.requests.get("POST /api/v1/order", 0)
    with pytest.raises(OrderRejectedError, match="quote-currency"):
        adapter.submit(
            OrderRequest("mb", BTCTRY, Side.BUY, Decimal("0.001"), None, OrderType.MARKET)
        )
    with pytest.raises(OrderRejectedError) as info:
        adapter.submit(OrderRequest("ms", XTZBTC, Side.SELL, Decimal("10"), None, OrderType.MARKET))
    assert info.value.code == "ORDER_METHOD_NOT_SUPPORTED"
    assert sandbox.app.requests.get("POST /api/v1/order", 0) == sent


def test_market_sell_fills(adapter: BtcturkAdapter) -> None:
    ack = adapter.submit(
        OrderRequest("msell", BTCTRY, Side.SELL, Decimal("0.001"), None, OrderType.MARKET)
    )
    found = adapter.order_by_client_id(BTCTRY, "msell")
    assert found is not None and found.exchange_order_id == ack.exchange_order_id
    assert found.order_type is OrderType.MARKET and found.status is OrderStatus.FILLED


def test_reads_retry_through_5xx_and_html_pages(
    adapter: BtcturkAdapter, sandbox: SandboxServer
) -> None:
    sandbox.faults.add(FaultKind.HTML_ERROR, count=1, match="GET /api/v1/users/balances")
    sandbox.faults.add(FaultKind.ERROR_5XX, count=2, match="GET /api/v1/users/balances")
    assert adapter.balances()["TRY"].free > 0
    sandbox.faults.add(FaultKind.HTML_ERROR, count=10, match="GET /api/v2/orderbook")
    with pytest.raises(TransientExchangeError, match="502"):
        adapter.quotes([BTCTRY])


def test_truncated_json_on_a_read_is_malformed(
    adapter: BtcturkAdapter, sandbox: SandboxServer
) -> None:
    sandbox.faults.add(FaultKind.MALFORMED_JSON, count=1, match="GET /api/v1/users/balances")
    with pytest.raises(MalformedResponse, match="not JSON"):
        adapter.balances()


def test_clock_skew_resyncs_and_retries_once(
    adapter: BtcturkAdapter, sandbox: SandboxServer
) -> None:
    adapter.balances()  # first private call syncs the clock
    sandbox.faults.clock_offset_ms = 9_000
    assert adapter.balances()["TRY"].free > 0
    assert 8_000 < adapter.client.clock.offset_ms < 10_000


def test_order_body_uses_documented_keys() -> None:
    body = order_body(_limit("b-1", Side.SELL, "0.00100000", Decimal("3.0E+6")))
    assert body == {
        "quantity": "0.001",
        "price": "3000000",
        "newOrderClientId": "b-1",
        "orderMethod": "limit",
        "orderType": "sell",
        "pairSymbol": "BTCTRY",
    }


def test_wire_decimal_never_uses_exponents() -> None:
    assert wire_decimal(Decimal("1E-8")) == "0.00000001"
    assert wire_decimal(Decimal("3.0E+6")) == "3000000"
    assert wire_decimal(Decimal("0.10")) == "0.1"


def test_adapter_implements_the_core_ports(adapter: BtcturkAdapter) -> None:
    from btcbot_core.ports import AccountPort, MarketDataPort, TradingPort

    assert isinstance(adapter, MarketDataPort)
    assert isinstance(adapter, TradingPort)
    assert isinstance(adapter, AccountPort)
