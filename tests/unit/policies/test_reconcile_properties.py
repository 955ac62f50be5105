"""Reconciliation properties: a fill is never ingested twice, a foreign order never touched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.orders import TRANSITIONS, Fill, Order, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.ports import ExchangeOrder
from btcbot_core.reconcile import ReconcilePlan, reconcile

pytestmark = pytest.mark.property

S = OrderStatus
PAIRS = (Pair("BTC", "TRY"), Pair("ETH", "TRY"))
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=10)
QTY = Decimal(10)


@attrs.frozen
class Scenario:
    local: tuple[Order, ...]
    exchange: tuple[ExchangeOrder, ...]
    lookups: Mapping[str, ExchangeOrder | None]
    fills: tuple[Fill, ...]
    already: frozenset[tuple[Pair, str]]


def _exchange_order(
    draw: st.DrawFn, eid: str, coid: str | None, pair: Pair, statuses: Sequence[OrderStatus]
) -> ExchangeOrder:
    return ExchangeOrder(
        exchange_order_id=eid, client_order_id=coid, pair=pair, side=Side.BUY,
        order_type=OrderType.LIMIT, price=Decimal(100), quantity=QTY,
        filled_qty=Decimal(draw(st.integers(0, 10))), status=draw(st.sampled_from(statuses)),
        created_at=T0,
    )  # fmt: skip


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    local: list[Order] = []
    exchange: list[ExchangeOrder] = []
    lookups: dict[str, ExchangeOrder | None] = {}
    owners: list[tuple[str, str, Pair]] = []  # (client id or "", exchange id, pair)
    for i in range(draw(st.integers(0, 5))):
        status = draw(st.sampled_from([S.PLANNED, S.SUBMITTED, S.OPEN, S.PARTIALLY_FILLED,
                                       S.UNKNOWN, S.CANCELED]))  # fmt: skip
        acked = status in (S.OPEN, S.PARTIALLY_FILLED) or (
            status is not S.PLANNED and draw(st.booleans())
        )
        filled = Decimal(draw(st.integers(1, 9))) if status is S.PARTIALLY_FILLED else Decimal(0)
        pair = draw(st.sampled_from(PAIRS))
        coid, eid = f"c{i}", f"e{i}"
        local.append(
            Order(
                client_order_id=coid,
                pair=pair,
                side=Side.BUY,
                quantity=QTY,
                price=Decimal(100),
                order_type=OrderType.LIMIT,
                status=status,
                created_at=T0,
                updated_at=T0,
                exchange_order_id=eid if acked else None,
                filled_qty=filled,
                filled_notional=filled * 100,
            )
        )
        # an exchange record without our client id is only recognisable by an exchange id we know
        seen_coid = draw(st.sampled_from([coid, None])) if acked else coid
        where = draw(st.sampled_from(["open", "lookup", "absent", "unasked"]))
        if where == "open":
            live = (S.OPEN, S.PARTIALLY_FILLED)
            exchange.append(_exchange_order(draw, eid, seen_coid, pair, live))
        elif where == "lookup":
            statuses = (S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.REJECTED)
            lookups[coid] = _exchange_order(draw, eid, seen_coid, pair, statuses)
        elif where == "absent":
            lookups[coid] = None
        owners.append((draw(st.sampled_from([coid, ""])), eid, pair))
    for j in range(draw(st.integers(0, 3))):
        pair = draw(st.sampled_from(PAIRS))
        manual = draw(st.sampled_from([f"m{j}", None]))
        exchange.append(_exchange_order(draw, f"x{j}", manual, pair, (S.OPEN, S.PARTIALLY_FILLED)))
        owners.append(("", f"x{j}", pair))
    fills: list[Fill] = []
    if owners:
        for _ in range(draw(st.integers(0, 10))):
            coid, eid, pair = draw(st.sampled_from(owners))
            fills.append(
                Fill(
                    fill_id=f"f{draw(st.integers(0, 7))}",
                    order_id=eid,
                    client_order_id=coid,
                    pair=pair,
                    side=Side.BUY,
                    price=Decimal(100),
                    quantity=Decimal(draw(st.integers(1, 4))),
                    fee=Decimal(0),
                    fee_asset="TRY",
                    timestamp=T0 + timedelta(seconds=draw(st.integers(0, 300))),
                )
            )
    keys = sorted({(f.pair, f.fill_id) for f in fills})
    already = frozenset(draw(st.lists(st.sampled_from(keys), unique=True)) if keys else [])
    return Scenario(tuple(local), tuple(exchange), lookups, tuple(fills), already)


def _run(
    sc: Scenario, local: Sequence[Order], already: frozenset[tuple[Pair, str]]
) -> ReconcilePlan:
    return reconcile(
        local, sc.exchange, lookups=sc.lookups, fills=sc.fills, already_ingested=already, now=NOW
    )


@given(sc=scenarios())
def test_a_fill_is_never_ingested_twice(sc: Scenario) -> None:
    plan = _run(sc, sc.local, sc.already)
    keys = [(f.pair, f.fill_id) for f in plan.fills_to_ingest]
    assert len(keys) == len(set(keys))
    assert not set(keys) & sc.already
    assert set(keys) == {(f.pair, f.fill_id) for f in sc.fills} - sc.already
    # apply the plan and reconcile the same report again: nothing new to ingest
    updated = {u.after.client_order_id: u.after for u in plan.order_updates}
    local2 = [updated.get(o.client_order_id, o) for o in sc.local]
    again = _run(sc, local2, sc.already | set(keys))
    assert again.fills_to_ingest == ()
    for update in again.order_updates:  # no fill is applied to an order a second time
        assert update.after.filled_qty == update.before.filled_qty


@given(sc=scenarios())
def test_a_foreign_order_is_never_touched(sc: Scenario) -> None:
    plan = _run(sc, sc.local, sc.already)
    foreign = [e for e in sc.exchange if e.exchange_order_id.startswith("x")]
    assert set(plan.foreign_orders) == set(foreign)
    foreign_ids = {e.exchange_order_id for e in foreign}
    ours = {o.client_order_id for o in sc.local}
    for update in plan.order_updates:
        assert update.before.client_order_id in ours
        assert update.after.exchange_order_id not in foreign_ids
        assert update.after.client_order_id == update.before.client_order_id


@given(sc=scenarios())
def test_updates_follow_the_state_machine_and_fills_account_exactly(sc: Scenario) -> None:
    plan = _run(sc, sc.local, sc.already)
    new = {(f.pair, f.fill_id): f for f in plan.fills_to_ingest}.values()
    for update in plan.order_updates:
        before, after = update.before, update.after
        reachable = TRANSITIONS[before.status] | (
            TRANSITIONS[S.SUBMITTED] if before.status is S.PLANNED else frozenset()
        )
        assert after.status is before.status or after.status in reachable
        assert after.filled_qty <= after.quantity
        mine = [
            f
            for f in new
            if f.client_order_id == before.client_order_id
            or (f.order_id and f.order_id == after.exchange_order_id)
        ]
        delta = after.filled_qty - before.filled_qty
        assert delta <= sum((f.quantity for f in mine), Decimal(0))
        if not any(r.code == "RECON_FILL_NOT_APPLIED" for r in plan.reasons):
            assert delta == sum((f.quantity for f in mine), Decimal(0))
    unknown = {u.after.pair for u in plan.order_updates if u.after.status is S.UNKNOWN}
    assert unknown <= plan.blocked_pairs
    for order in plan.resendable:
        assert order.exchange_order_id is None and order.filled_qty == 0


@given(sc=scenarios())
def test_the_plan_does_not_depend_on_input_order(sc: Scenario) -> None:
    plan = _run(sc, sc.local, sc.already)
    assert _run(sc, sc.local[::-1], sc.already) == plan
    keys = [(f.pair, f.fill_id) for f in sc.fills]
    if len(keys) == len(set(keys)):  # a repeated fill id keeps the first copy reported
        shuffled = attrs.evolve(sc, fills=sc.fills[::-1])
        assert _run(shuffled, sc.local, sc.already) == plan


@pytest.mark.property
@given(st.lists(st.sampled_from(["status", "eid", "fill", "same"]), max_size=8))
def test_changed_agrees_with_equality_for_states_of_one_order(steps: list[str]) -> None:
    from btcbot_core.orders import OrderRequest
    from btcbot_core.reconcile import _changed

    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    pair = Pair("BTC", "TRY")
    request = OrderRequest("bbbx", pair, Side.BUY, "1", "100", OrderType.LIMIT)
    states = [Order.planned(request, t0).transition(OrderStatus.SUBMITTED, t0)]
    for k, step in enumerate(steps):
        now = t0 + timedelta(seconds=k // 2)  # some steps share a timestamp
        current = states[-1]
        if step == "status" and current.status is OrderStatus.SUBMITTED:
            states.append(current.transition(OrderStatus.OPEN, now))
        elif step == "eid" and current.exchange_order_id is None:
            states.append(attrs.evolve(current, exchange_order_id="E1", updated_at=now))
        elif step == "fill" and current.filled_qty < current.quantity:
            fill = Fill(f"f{k}", "E1", "bbbx", pair, Side.BUY, "100", "0.25", "0", "TRY", now)
            states.append(current.apply_fill(fill))
        else:
            states.append(attrs.evolve(current))  # an equal copy
    for a in states:
        for b in states:
            assert _changed(a, b) == (a != b)
