"""Rejected orders: BTCTurk-like codes, nothing adjusted, nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from btcbot_adapters.simulated import FeeSchedule, RejectCode, SimulatedExchange
from btcbot_core.errors import OrderRejectedError
from btcbot_core.orders import OrderRequest, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules
from tests.simulated.helpers import BTCTRY, ETHTRY, T0, D, exchange, flat, limit, market

FEES = FeeSchedule(maker_bps=10, taker_bps=20, tax_ratio="0.2")


def snapshot(ex: SimulatedExchange) -> tuple[object, ...]:
    return (
        dict(ex.balances()),
        tuple(ex.open_orders(ex.pairs)),
        tuple(ex.all_fills(p) for p in ex.pairs),
    )


def rejected(ex: SimulatedExchange, request: OrderRequest) -> str:
    before = snapshot(ex)
    known = ex.order_by_client_id(request.pair, request.client_order_id)
    with pytest.raises(OrderRejectedError) as err:
        ex.submit(request)
    assert snapshot(ex) == before  # a reject changes nothing
    assert ex.order_by_client_id(request.pair, request.client_order_id) == known
    return err.value.code


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (limit("a", Side.BUY, 990000, "0.0001"), RejectCode.FAILED_MIN_TOTAL_AMOUNT),
        (limit("b", Side.BUY, "990000.5", "0.01"), RejectCode.FAILED_INVALID_PRICE_SCALE),
        (limit("c", Side.BUY, 990000, "0.000000001"), RejectCode.FAILED_INVALID_QUANTITY_SCALE),
        (limit("d", Side.SELL, "3000.123", "1", ETHTRY), RejectCode.FAILED_INVALID_PRICE_SCALE),
        (
            limit("e", Side.SELL, "3000", "1.00001", ETHTRY),
            RejectCode.FAILED_INVALID_QUANTITY_SCALE,
        ),
        (limit("f", Side.BUY, 990000, "0.2"), RejectCode.BALANCE_NOT_ENOUGH),
        (limit("g", Side.SELL, 990000, "1.5"), RejectCode.BALANCE_NOT_ENOUGH),
        (market("h", Side.BUY, "0.00001"), RejectCode.FAILED_MIN_TOTAL_AMOUNT),
        (market("i", Side.SELL, "2"), RejectCode.BALANCE_NOT_ENOUGH),
    ],
)
def test_reject_codes(request_: OrderRequest, code: RejectCode) -> None:
    ex = exchange({"TRY": "100000", "BTC": "1", "ETH": "1"}, fees=FEES)
    ex.on_bar(flat(0, 1000000))
    ex.on_bar(flat(0, 3000, pair=ETHTRY))
    assert rejected(ex, request_) == code


def test_balance_must_cover_the_fee_too() -> None:
    need = D(9900) + D("19.8") + D("3.96")
    ok = exchange({"TRY": need}, fees=FEES)
    ok.submit(limit("b", Side.BUY, 990000, "0.01"))
    short = exchange({"TRY": need - D("0.00000001")}, fees=FEES)
    assert rejected(short, limit("b", Side.BUY, 990000, "0.01")) == RejectCode.BALANCE_NOT_ENOUGH


def test_locked_funds_are_not_free_for_a_second_order() -> None:
    ex = exchange({"TRY": "15000"})
    ex.submit(limit("b1", Side.BUY, 990000, "0.01"))
    assert rejected(ex, limit("b2", Side.BUY, 990000, "0.01")) == RejectCode.BALANCE_NOT_ENOUGH


def test_duplicate_client_order_id_is_rejected_even_after_terminal() -> None:
    ex = exchange()
    ack = ex.submit(limit("dup", Side.BUY, 990000, "0.01"))
    assert rejected(ex, limit("dup", Side.BUY, 980000, "0.01")) == "DUPLICATE_CLIENT_ORDER_ID"
    ex.cancel(BTCTRY, ack.exchange_order_id)
    assert rejected(ex, limit("dup", Side.BUY, 980000, "0.01")) == "DUPLICATE_CLIENT_ORDER_ID"


def test_market_order_without_reference_price_is_rejected() -> None:
    ex = exchange()
    assert rejected(ex, market("m", Side.BUY, "0.01")) == RejectCode.FAILED_MARKET_ORDER


def test_unknown_pair_and_not_trading_pair() -> None:
    halted = SymbolRules(Pair("XRP", "TRY"), price_scale=4, qty_scale=0, status="HALT")
    ex = SimulatedExchange([halted], {"TRY": "1000"}, start=T0)
    req = OrderRequest("x", Pair("XRP", "TRY"), Side.BUY, "10", "10", OrderType.LIMIT)
    assert rejected(ex, req) == RejectCode.FAILED_LIMIT_ORDER
    assert rejected(ex, limit("y", Side.BUY, 1, "1")) == RejectCode.FAILED_ORDER_PARAMETER


def test_whole_number_price_rule_maps_to_price_scale() -> None:
    rules = SymbolRules(ETHTRY, price_scale=2, qty_scale=4, has_fraction=False)
    ex = SimulatedExchange([rules], {"TRY": "100000"}, start=T0)
    req = limit("p", Side.BUY, "11158.72", "1", ETHTRY)
    assert rejected(ex, req) == RejectCode.FAILED_INVALID_PRICE_SCALE
    assert Decimal("11158.72") == req.price
