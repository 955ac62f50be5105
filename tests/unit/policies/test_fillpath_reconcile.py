"""The fill-cycle shortcut of reconciliation gives exactly the general diff's plan."""

from __future__ import annotations

import importlib
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.orders import Fill, Order, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.reconcile import ReconcilePlan, reconcile
from btcbot_core.reconcile_fills import reconcile_fills_only
from tests.unit.policies.test_reconcile_properties import Scenario, scenarios

S = OrderStatus
PAIRS = (Pair("BTC", "TRY"), Pair("ETH", "TRY"))
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=10)
QTY = Decimal(4)
# the package exports the function under the module's name: fetch the module itself
reconcile_module = importlib.import_module("btcbot_core.reconcile")


@attrs.frozen
class FillCycle:
    local: tuple[Order, ...]
    fills: tuple[Fill, ...]
    already: frozenset[tuple[Pair, str]]
    queried: tuple[Pair, ...] | None


@st.composite
def fill_cycles(draw: st.DrawFn) -> FillCycle:
    """Half the time exactly the shortcut's shape (our orders completed by their fills, by
    client id); otherwise with departures from it: a repeated or known fill, an orphan, a
    wrong side, a PLANNED order, a repeated client id, an order left live."""
    clean = draw(st.booleans())
    local: list[Order] = []
    for i in range(draw(st.integers(0 if not clean else 1, 4))):
        statuses = [S.OPEN, S.OPEN, S.PARTIALLY_FILLED, S.SUBMITTED, S.UNKNOWN, S.CANCELED]
        if not clean:
            statuses += [S.FILLED, S.PLANNED]
        status = draw(st.sampled_from(statuses))
        filled = Decimal(draw(st.integers(1, 3))) if status is S.PARTIALLY_FILLED else Decimal(0)
        if status is S.FILLED:
            filled = QTY
        local.append(
            Order(
                client_order_id=f"c{i}" if clean else draw(st.sampled_from([f"c{i}", "c0", ""])),
                pair=draw(st.sampled_from(PAIRS)),
                side=Side.BUY,
                quantity=QTY,
                price=draw(st.sampled_from([None, Decimal(100)])),
                order_type=OrderType.MARKET,
                status=status,
                created_at=T0,
                updated_at=T0 + timedelta(seconds=draw(st.integers(0, 60))),
                exchange_order_id=None if status is S.PLANNED else f"e{i}",
                filled_qty=filled,
                filled_notional=filled * 100,
            )
        )
    fills: list[Fill] = []

    def fill(coid: str, eid: str, pair: Pair, qty: Decimal, fid: str, side: Side) -> None:
        fills.append(
            Fill(fid, eid, coid, pair, side, draw(st.sampled_from(["100", "101.5"])), qty,
                 "0.1", "TRY", T0 + timedelta(seconds=draw(st.integers(0, 120))))
        )  # fmt: skip

    if clean:
        for order in local:
            if order.status is S.CANCELED and draw(st.booleans()):
                continue  # no late fill: a terminal order without fills is left alone
            left = order.quantity - order.filled_qty
            while left > 0:  # complete it, in one to a few fills
                qty = min(left, Decimal(draw(st.integers(1, 4))))
                left -= qty
                eid = order.exchange_order_id or ""
                fill(order.client_order_id, eid, order.pair, qty, f"f{len(fills)}", Side.BUY)
    else:
        owners = [(o.client_order_id, o.exchange_order_id or "", o.pair) for o in local]
        owners.append(("stranger", "e99", PAIRS[0]))
        for _ in range(draw(st.integers(1, 4))):
            coid, eid, pair = draw(st.sampled_from(owners))
            qty = Decimal(draw(st.integers(1, 4)))
            side = draw(st.sampled_from([Side.BUY, Side.BUY, Side.SELL]))
            fill(coid, eid, pair, qty, f"f{draw(st.integers(0, 9))}", side)
    keys = sorted({(f.pair, f.fill_id) for f in fills})
    known = st.lists(st.sampled_from(keys), max_size=0 if clean else 1) if keys else st.just([])
    already = frozenset(draw(known))
    queried = draw(st.sampled_from([None, PAIRS, PAIRS[:1], PAIRS[1:], ()]))
    return FillCycle(tuple(local), tuple(fills), already, queried)


def _general(
    local: Sequence[Order],
    fills: Sequence[Fill],
    already: frozenset[tuple[Pair, str]],
    queried: Collection[Pair] | None,
) -> ReconcilePlan | type[Exception]:
    with mock.patch.object(reconcile_module, "reconcile_fills_only", lambda *_: None):
        try:
            return reconcile(
                local, [], now=NOW, fills=fills, already_ingested=already, queried_pairs=queried
            )
        except Exception as exc:
            return type(exc)


def _public(
    local: Sequence[Order],
    fills: Sequence[Fill],
    already: frozenset[tuple[Pair, str]],
    queried: Collection[Pair] | None,
) -> ReconcilePlan | type[Exception]:
    try:
        return reconcile(
            local, [], now=NOW, fills=fills, already_ingested=already, queried_pairs=queried
        )
    except Exception as exc:
        return type(exc)


@pytest.mark.property
@given(fc=fill_cycles())
def test_the_shortcut_plan_equals_the_general_plan(fc: FillCycle) -> None:
    general = _general(fc.local, fc.fills, fc.already, fc.queried)
    assert _public(fc.local, fc.fills, fc.already, fc.queried) == general
    quick = reconcile_fills_only(
        fc.local, fc.fills, lambda pair, fid: (pair, fid) in fc.already, fc.queried
    )
    if quick is not None:
        assert quick == general
        # reasons are compared field by field too: the cycle report prints them
        assert isinstance(general, ReconcilePlan)
        assert [(r.code, r.detail) for r in quick.reasons] == [
            (r.code, r.detail) for r in general.reasons
        ]
        for a, b in zip(quick.order_updates, general.order_updates, strict=True):
            assert a.reasons == b.reasons


@pytest.mark.property
@given(sc=scenarios())
def test_any_scenario_reconciles_as_the_general_diff_does(sc: Scenario) -> None:
    def run() -> ReconcilePlan:
        return reconcile(
            sc.local, sc.exchange, lookups=sc.lookups, fills=sc.fills,
            already_ingested=sc.already, now=NOW,
        )  # fmt: skip

    with mock.patch.object(reconcile_module, "reconcile_fills_only", lambda *_: None):
        general = run()
    assert run() == general


def _order(coid: str, status: OrderStatus = S.OPEN) -> Order:
    return Order(coid, PAIRS[0], Side.BUY, QTY, None, OrderType.MARKET, status, T0, T0, "e1")


def _fill(fid: str, coid: str, qty: int) -> Fill:
    return Fill(fid, "e1", coid, PAIRS[0], Side.BUY, "100", str(qty), "0.1", "TRY", T0)


def test_the_shortcut_takes_the_usual_fill_cycle() -> None:
    local, fills = [_order("c1")], [_fill("f1", "c1", 4)]
    quick = reconcile_fills_only(local, fills, lambda *_: False, PAIRS)
    assert quick is not None
    assert quick == _general(local, fills, frozenset(), PAIRS)
    assert quick.order_updates[0].after.status is S.FILLED
    assert [r.code for r in quick.reasons] == ["RECON_FILL_APPLIED"]


@pytest.mark.parametrize(
    ("local", "fills", "known"),
    [
        ([_order("c1")], [_fill("f1", "c1", 2)], False),  # still live: a lookup is due
        ([_order("c1")], [_fill("f1", "c9", 4)], False),  # orphan
        ([_order("c1")], [_fill("f1", "c1", 4)], True),  # already ingested
        ([_order("c1")], [_fill("f1", "c1", 2), _fill("f1", "c1", 2)], False),  # repeated
        ([_order("c1", S.PLANNED)], [_fill("f1", "c1", 4)], False),  # SUBMITTED first
        ([_order("c1", S.FILLED)], [_fill("f1", "c1", 4)], False),  # refused fill
        ([_order("c1"), _order("c1")], [_fill("f1", "c1", 4)], False),  # repeated order
    ],
)
def test_the_shortcut_declines_other_shapes(
    local: list[Order], fills: list[Fill], known: bool
) -> None:
    assert reconcile_fills_only(local, fills, lambda *_: known, PAIRS) is None
