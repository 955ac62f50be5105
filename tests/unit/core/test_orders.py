from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core import (
    Fill,
    Order,
    OrderIntent,
    OrderRequest,
    OrderStateError,
    OrderStatus,
    OrderType,
    Pair,
    Side,
    ValidationError,
)
from btcbot_core.orders import TERMINAL_STATUSES, TRANSITIONS

T0 = datetime(2024, 1, 1, tzinfo=UTC)
BTCTRY = Pair("BTC", "TRY")


def request(qty: str = "2") -> OrderRequest:
    return OrderRequest("bbtest", BTCTRY, Side.BUY, qty, "100")


def fill(fid: str, qty: str, price: str = "100") -> Fill:
    return Fill(fid, "ex1", "bbtest", BTCTRY, Side.BUY, price, qty, "0.1", "TRY", T0)


def test_happy_path_planned_to_filled() -> None:
    order = Order.planned(request(), T0)
    assert order.status is OrderStatus.PLANNED
    order = order.transition(OrderStatus.SUBMITTED, T0)
    order = order.transition(OrderStatus.OPEN, T0, exchange_order_id="ex1")
    order = order.apply_fill(fill("f1", "0.5"))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    order = order.apply_fill(fill("f2", "0.5", "99"))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.remaining_qty == D("1")
    order = order.apply_fill(fill("f3", "1"))
    assert order.status is OrderStatus.FILLED
    assert order.average_fill_price == D("99.75")


def test_cancel_after_partial_fill_keeps_fills() -> None:
    order = Order.planned(request(), T0).transition(OrderStatus.SUBMITTED, T0)
    order = order.transition(OrderStatus.OPEN, T0, exchange_order_id="ex1")
    order = order.apply_fill(fill("f1", "0.5"))
    order = order.transition(OrderStatus.CANCELED, T0 + timedelta(seconds=1))
    assert order.status is OrderStatus.CANCELED
    assert order.filled_qty == D("0.5")
    # a late fill report for a cancelled order is accounted without reviving it
    order = order.apply_fill(fill("f2", "0.25"))
    assert order.status is OrderStatus.CANCELED and order.filled_qty == D("0.75")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (OrderStatus.PLANNED, OrderStatus.OPEN),
        (OrderStatus.PLANNED, OrderStatus.FILLED),
        (OrderStatus.FILLED, OrderStatus.OPEN),
        (OrderStatus.CANCELED, OrderStatus.OPEN),
        (OrderStatus.REJECTED, OrderStatus.SUBMITTED),
        (OrderStatus.OPEN, OrderStatus.SUBMITTED),
        (OrderStatus.OPEN, OrderStatus.OPEN),
    ],
)
def test_illegal_transitions_raise(start: OrderStatus, target: OrderStatus) -> None:
    order = attrs.evolve(Order.planned(request(), T0), status=start)
    with pytest.raises(OrderStateError):
        order.transition(target, T0)


def test_unknown_resolves_either_way() -> None:
    order = Order.planned(request(), T0).transition(OrderStatus.SUBMITTED, T0)
    unknown = order.transition(OrderStatus.UNKNOWN, T0)
    assert unknown.transition(OrderStatus.OPEN, T0).status is OrderStatus.OPEN
    assert unknown.transition(OrderStatus.SUBMITTED, T0).status is OrderStatus.SUBMITTED


def test_exchange_id_cannot_change_and_overfill_raises() -> None:
    order = Order.planned(request("1"), T0).transition(OrderStatus.SUBMITTED, T0)
    order = order.transition(OrderStatus.OPEN, T0, exchange_order_id="ex1")
    with pytest.raises(OrderStateError):
        order.transition(OrderStatus.CANCELED, T0, exchange_order_id="ex2")
    with pytest.raises(OrderStateError):
        order.apply_fill(fill("f1", "1.5"))


def test_terminal_statuses_have_no_exits() -> None:
    for status in TERMINAL_STATUSES:
        assert TRANSITIONS[status] == frozenset()
        assert status.is_terminal
    assert OrderStatus.UNKNOWN.is_live and not OrderStatus.PLANNED.is_live


@given(st.lists(st.sampled_from(list(OrderStatus)), max_size=12))
def test_random_walks_only_follow_the_table(path: list[OrderStatus]) -> None:
    order = Order.planned(request(), T0)
    for target in path:
        allowed = target in TRANSITIONS[order.status]
        try:
            order = order.transition(target, T0)
        except OrderStateError:
            assert not allowed
        else:
            assert allowed


def test_intent_and_request_validation() -> None:
    with pytest.raises(ValidationError):
        OrderIntent(BTCTRY, Side.BUY, "100")  # neither quantity nor notional
    with pytest.raises(ValidationError):
        OrderIntent(BTCTRY, Side.BUY, None, quantity="1")  # limit without price
    OrderIntent(BTCTRY, Side.BUY, None, notional="100", order_type=OrderType.MARKET)
    with pytest.raises(ValidationError):
        OrderRequest("x", BTCTRY, Side.BUY, "0", "100")
    with pytest.raises(TypeError):
        OrderRequest("x", BTCTRY, Side.BUY, 1.0, "100")  # type: ignore[arg-type]
    assert request().notional == D("200")


def test_fill_validation() -> None:
    with pytest.raises(ValidationError):
        Fill("f", "o", "c", BTCTRY, Side.BUY, "100", "0", "0", "TRY", T0)
    with pytest.raises(ValidationError):
        Fill("f", "o", "c", BTCTRY, Side.BUY, "100", "1", "-1", "TRY", T0)
    with pytest.raises(ValidationError):
        Fill("f", "o", "c", BTCTRY, Side.BUY, "100", "1", "0", "TRY", datetime(2024, 1, 1))
