"""Every sample payload through its ``parse_*`` function, checked field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from btcbot_adapters.btcturk.envelope import unwrap
from btcbot_adapters.btcturk.parse_private import (
    parse_all_orders,
    parse_balances,
    parse_open_orders,
    parse_single_order,
    parse_submit,
    parse_user_trades,
)
from btcbot_adapters.btcturk.parse_public import (
    parse_exchange_info,
    parse_klines,
    parse_ohlcs,
    parse_orderbook,
    parse_server_time,
    parse_ticker,
    parse_trades,
)
from btcbot_core.errors import MalformedResponse
from btcbot_core.orders import OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from tests.btcturk.samples import envelope, load

BTCTRY = Pair("BTC", "TRY")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_server_time() -> None:
    assert parse_server_time(load("server_time_outlier1_2021-02.json")) == 1613313462021


def test_exchange_info_both_vintages() -> None:
    old = parse_exchange_info(load("exchangeinfo_data_mss1451_2022-01.json"))
    assert old.serverTime == 1641916253216 and len(old.symbols) == 3
    new = parse_exchange_info(load("exchangeinfo_symbols_ccxt.json"))
    assert [s["name"] for s in new.symbols] == ["BTCTRY", "BTCUSDT"]


def test_ticker_bodies() -> None:
    (quote,) = parse_ticker(unwrap("t", 200, load("ticker_body_btctry_zingu.json")))
    assert quote.pair == BTCTRY and quote.bid == 3035109 and quote.ask == 3036622
    assert quote.observed_at == datetime(2026, 3, 23, 8, 2, 5, 783000, tzinfo=UTC)
    for case in load("ticker_bodies_ccxt_static.json"):
        (q,) = parse_ticker(unwrap("t", 200, case["httpResponse"]))
        assert q.bid < q.ask
    (item,) = parse_ticker([load("ticker_item_btcusdt_mss1451_2022-02.json")])
    assert item.pair == Pair("BTC", "USDT") and item.ask == 36466


def test_orderbook_docs_body_and_float_timestamp() -> None:
    quote = parse_orderbook(unwrap("b", 200, load("orderbook_body_docs_example.json")), BTCTRY)
    assert quote is not None
    assert (quote.bid, quote.bid_size) == (Decimal("33245.00"), Decimal("2.10695265"))
    assert (quote.ask, quote.ask_size) == (Decimal("33490.00"), Decimal("0.03681877"))
    usdt = parse_orderbook(load("orderbook_data_btcusdt_mss1451_2022-02.json"), BTCTRY)
    assert usdt is not None and usdt.observed_at.year == 2022 and usdt.bid == 36371


def test_orderbook_best_level_found_by_price_and_empty_side_is_no_quote() -> None:
    data = {"timestamp": 1, "bids": [["9", "1"], ["10", "2"]], "asks": [["12", "1"], ["11", "3"]]}
    quote = parse_orderbook(data, BTCTRY)
    assert quote is not None and (quote.bid, quote.ask, quote.ask_size) == (10, 11, 3)
    assert parse_orderbook({"timestamp": 1, "bids": [], "asks": [["1", "1"]]}, BTCTRY) is None
    with pytest.raises(MalformedResponse, match="crossed"):
        parse_orderbook({"timestamp": 1, "bids": [["12", "1"]], "asks": [["11", "1"]]}, BTCTRY)


def test_public_trades() -> None:
    trades = parse_trades(load("trades_data_btcusdt_mss1451_2022-02.json"))
    assert [t.trade_id for t in trades] == ["101963779399182808", "101963779399182809"]
    assert trades[0].price == 36317 and trades[0].side == "sell"


def test_daily_ohlcs_bare_array_in_seconds() -> None:
    bars = parse_ohlcs(load("graph_ohlcs_btctry_docs_example.json"), BTCTRY)
    assert [b.open_time.date().isoformat() for b in bars] == [
        "2020-02-19",
        "2020-02-20",
        "2020-02-21",
    ]
    assert bars[0].volume == Decimal("549.1858885452384") and bars[0].interval_s == 86_400


def test_klines_unsorted_and_no_data() -> None:
    body = {
        "s": "ok",
        "t": [120, 60],
        "o": [2, 1],
        "h": [3, 2],
        "l": [1, 1],
        "c": [2, 2],
        "v": [Decimal("0.5"), 1],
    }
    bars = parse_klines(body, BTCTRY, 60)
    assert [b.open_time.second + b.open_time.minute * 60 for b in bars] == [60, 120]
    assert parse_klines({"s": "no_data"}, BTCTRY, 60) == []
    with pytest.raises(MalformedResponse):
        parse_klines({"s": "ok", "t": [60], "o": [], "h": [], "l": [], "c": []}, BTCTRY, 60)
    with pytest.raises(MalformedResponse):
        parse_klines({"s": "error"}, BTCTRY, 60)


def test_balances_old_and_new_field_sets() -> None:
    balances = parse_balances(unwrap("b", 200, load("balances_body_docs_example.json")))
    assert balances["TRY"].free == Decimal("102135.3712490135968651")
    assert balances["TRY"].total == Decimal("103158.9412490031968651")
    assert balances["BTC"].locked == Decimal("0.0010000000000000")
    new = parse_balances([load("balance_item_ccxt_comment.json")])
    assert new["TRY"].free == 0


def test_open_orders_sides_time_zero_and_left_amount() -> None:
    orders = parse_open_orders(load("open_orders_data_mss1451.json"))
    assert [o.side for o in orders] == [Side.SELL, Side.SELL, Side.BUY, Side.BUY]
    partial = orders[1]
    assert partial.status is OrderStatus.PARTIALLY_FILLED
    assert partial.filled_qty == Decimal("0.04971904") - Decimal("0.0412345")
    assert partial.created_at == datetime.fromtimestamp(1591286411.913, UTC)  # updateTime
    assert orders[0].status is OrderStatus.OPEN and orders[0].filled_qty == 0
    assert orders[0].client_order_id == "da593000-6eb3-4a1c-ba26-c616122a0210"
    assert orders[0].exchange_order_id == "16060235" and orders[0].price == Decimal("66800.00")


def test_single_order_stop_market_and_all_orders() -> None:
    order = parse_single_order(unwrap("o", 200, load("single_order_body_docs_example.json")))
    assert order.order_type is OrderType.MARKET and order.price == Decimal("20000.00")
    assert order.quantity == Decimal("0.12345678") and order.filled_qty == 0
    assert order.client_order_id == "BtcTurk API"
    data = load("open_orders_data_mss1451.json")
    assert len(parse_all_orders(data["asks"] + data["bids"])) == 4


def test_lowercase_2019_keys_and_capitalised_values_are_accepted() -> None:
    row = load("open_orders_data_mss1451.json")["bids"][0]
    row = {k.lower(): v for k, v in row.items()} | {"type": "Buy", "method": "Limit"}
    (order,) = parse_all_orders([row])
    assert order.side is Side.BUY and order.order_type is OrderType.LIMIT


def test_submit_docs_example_and_live_shape() -> None:
    data = unwrap("s", 200, load("submit_order_body_docs_example.json"))
    ack = parse_submit(data, "test", NOW)
    assert ack.exchange_order_id == "9932534" and ack.client_order_id == "test"
    assert ack.accepted_at == datetime.fromtimestamp(1543996112.263, UTC)
    live = {
        "id": 21770789256,
        "quantity": "76.38",
        "price": "1.994",
        "stopPrice": None,
        "newOrderClientId": "Sat",
        "type": "sell",
        "method": "limit",
        "pairSymbol": "LDOUSDT",
        "pairSymbolNormalized": "LDO_USDT",
    }
    assert parse_submit(live, "Sat", NOW).accepted_at == NOW
    with pytest.raises(MalformedResponse, match="not our id"):
        parse_submit(live, "other", NOW)


def test_user_trades_signs_fee_tax_and_big_ids() -> None:
    fills = parse_user_trades(
        unwrap("f", 200, load("user_trades_body_docs_2021.json")), {"22632299": "cid-1"}
    )
    assert [f.fill_id for f in fills] == ["5754843", "5758564", "5758565"]
    sell = fills[-1]
    assert sell.side is Side.SELL and sell.quantity == Decimal("0.00040000")
    assert sell.fee == Decimal("0.19098258") and sell.tax == Decimal("0.03437687")
    assert sell.fee_asset == "TRY" and sell.order_id == "22632304"
    assert fills[1].client_order_id == "cid-1"
    (xlm,) = parse_user_trades(load("user_trades_data_xlmtry_mss1451_2021-10.json"))
    assert xlm.pair == Pair("XLM", "TRY") and xlm.quantity == Decimal("146.6727")
    big = dict(
        load("user_trades_data_xlmtry_mss1451_2021-10.json")[0],
        id=1181163798924649598,
        preciseAmount=Decimal("146.67270000"),
        orderClientId="mine",
    )
    (b,) = parse_user_trades([big])
    assert b.fill_id == "1181163798924649598" and b.client_order_id == "mine"


def test_positive_fee_is_refused() -> None:
    row = dict(load("user_trades_data_xlmtry_mss1451_2021-10.json")[0], fee="0.1")
    with pytest.raises(MalformedResponse, match="credit"):
        parse_user_trades([row])


def test_enveloped_bodies_unwrap() -> None:
    assert unwrap("x", 200, envelope([1])) == [1]
