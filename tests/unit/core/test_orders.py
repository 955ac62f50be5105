from __future__ import annotations

from collections.abc import Callable
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


# --- the hot-path copies agree with the attrs.evolve reference they replaced ---------------


def _reference_transition(
    order: Order, status: OrderStatus, now: datetime, eid: str | None, reason: str
) -> Order:
    if status not in TRANSITIONS[order.status]:
        raise OrderStateError(
            f"order {order.client_order_id}: illegal transition {order.status} -> {status}"
        )
    if eid is not None and order.exchange_order_id is not None and eid != order.exchange_order_id:
        raise OrderStateError(
            f"order {order.client_order_id}: exchange id {order.exchange_order_id} "
            f"cannot change to {eid}"
        )
    return attrs.evolve(
        order,
        status=status,
        updated_at=now,
        exchange_order_id=eid or order.exchange_order_id,
        reason=reason or order.reason,
    )


def _transition(
    order: Order, status: OrderStatus, now: datetime, eid: str | None, reason: str
) -> Order:
    return order.transition(status, now, exchange_order_id=eid, reason=reason)


def _reference_apply_fill(order: Order, f: Fill) -> Order:
    if f.client_order_id != order.client_order_id and f.order_id != (order.exchange_order_id or ""):
        raise OrderStateError(f"fill {f.fill_id} does not belong to {order.client_order_id}")
    if f.side is not order.side or f.pair != order.pair:
        raise OrderStateError(f"fill {f.fill_id}: side/pair differ from the order")
    filled = order.filled_qty + f.quantity
    if filled > order.quantity:
        raise OrderStateError(
            f"order {order.client_order_id}: fills {filled} exceed quantity {order.quantity}"
        )
    status = OrderStatus.FILLED if filled == order.quantity else OrderStatus.PARTIALLY_FILLED
    base = order
    if order.status is OrderStatus.CANCELED:
        status = OrderStatus.CANCELED
    else:
        base = _reference_transition(order, status, f.timestamp, None, "")
    return attrs.evolve(
        base,
        status=status,
        filled_qty=filled,
        filled_notional=order.filled_notional + f.notional,
        updated_at=max(order.updated_at, f.timestamp),
    )


def _outcome(step: Callable[..., Order], *args: object) -> Order | tuple[str, str]:
    try:
        return step(*args)
    except OrderStateError as exc:
        return ("raises", str(exc))


_STEPS = st.one_of(
    st.tuples(
        st.just("transition"),
        st.sampled_from(list(OrderStatus)),
        st.integers(-60, 60),
        st.sampled_from([None, "", "ex1", "ex2"]),
        st.sampled_from(["", "why"]),
    ),
    st.tuples(
        st.just("fill"),
        st.sampled_from(["0.25", "0.5", "1", "2"]),
        st.integers(-60, 60),
        st.sampled_from(["bbtest", "other"]),
        st.sampled_from(["ex1", "ex2"]),
    ),
)


@pytest.mark.property
@given(st.lists(_STEPS, max_size=10), st.sampled_from([None, "ex1"]), st.sampled_from(["", "r"]))
def test_transition_and_apply_fill_agree_with_attrs_evolve(
    steps: list[tuple[object, ...]], eid: str | None, reason: str
) -> None:
    order = attrs.evolve(Order.planned(request(), T0), exchange_order_id=eid, reason=reason)
    for i, (kind, a, seconds, b, c) in enumerate(steps):
        now = T0 + timedelta(seconds=seconds)  # type: ignore[arg-type]
        if kind == "transition":
            got = _outcome(_transition, order, a, now, b, c)
            want = _outcome(_reference_transition, order, a, now, b, c)
        else:
            f = Fill(f"f{i}", c, b, BTCTRY, Side.BUY, "100", a, "0.1", "TRY", now)  # type: ignore[arg-type]
            got = _outcome(Order.apply_fill, order, f)
            want = _outcome(_reference_apply_fill, order, f)
        assert got == want
        if isinstance(got, Order):
            assert type(got) is Order
            order = got


def test_order_copy_lists_every_field() -> None:
    # Order._with passes every field positionally: a new field must be added there too
    # (a defaulted one would otherwise silently reset on every transition).
    assert [f.name for f in attrs.fields(Order)] == [
        "client_order_id",
        "pair",
        "side",
        "quantity",
        "price",
        "order_type",
        "status",
        "created_at",
        "updated_at",
        "exchange_order_id",
        "filled_qty",
        "filled_notional",
        "reason",
    ]


@pytest.mark.parametrize("known_id", [None, "ex1"])
@pytest.mark.parametrize("start", [OrderStatus.PLANNED, OrderStatus.SUBMITTED, OrderStatus.UNKNOWN])
def test_accepted_is_submitted_then_open_in_one_step(
    start: OrderStatus, known_id: str | None
) -> None:
    order = attrs.evolve(Order.planned(request(), T0), status=start, exchange_order_id=known_id)
    later = T0 + timedelta(seconds=3)
    via = (
        order if start is OrderStatus.SUBMITTED else order.transition(OrderStatus.SUBMITTED, later)
    )
    expected = via.transition(OrderStatus.OPEN, later, exchange_order_id="ex1")
    assert order.accepted(later, "ex1") == expected
    if known_id is not None:
        with pytest.raises(OrderStateError):
            order.accepted(later, "other")


def test_accepted_refuses_a_terminal_order() -> None:
    done = Order.planned(request(), T0).transition(OrderStatus.REJECTED, T0)
    with pytest.raises(OrderStateError):
        done.accepted(T0, "ex1")
