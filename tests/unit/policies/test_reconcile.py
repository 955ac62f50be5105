"""Reconciliation: matching, state-machine updates, UNKNOWN resolution, fills exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from btcbot_core.errors import ValidationError
from btcbot_core.orders import Fill, Order, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.ports import ExchangeOrder
from btcbot_core.reconcile import LookupRequest, ReconcilePlan, reconcile

S = OrderStatus
BTC = Pair("BTC", "TRY")
ETH = Pair("ETH", "TRY")
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=5)


def order(
    coid: str,
    status: OrderStatus = S.SUBMITTED,
    eid: str | None = None,
    filled: str = "0",
    pair: Pair = BTC,
    qty: str = "1",
) -> Order:
    return Order(
        client_order_id=coid, pair=pair, side=Side.BUY, quantity=Decimal(qty),
        price=Decimal(100), order_type=OrderType.LIMIT, status=status, created_at=T0,
        updated_at=T0, exchange_order_id=eid, filled_qty=Decimal(filled),
        filled_notional=Decimal(filled) * 100,
    )  # fmt: skip


def ex(
    eid: str,
    coid: str | None,
    status: OrderStatus = S.OPEN,
    filled: str = "0",
    pair: Pair = BTC,
    side: Side = Side.BUY,
) -> ExchangeOrder:
    return ExchangeOrder(
        exchange_order_id=eid, client_order_id=coid, pair=pair, side=side,
        order_type=OrderType.LIMIT, price=Decimal(100), quantity=Decimal(1),
        filled_qty=Decimal(filled), status=status, created_at=T0,
        updated_at=T0 + timedelta(minutes=1),
    )  # fmt: skip


def fill(fid: str, coid: str = "", eid: str = "", qty: str = "0.4", pair: Pair = BTC) -> Fill:
    return Fill(
        fill_id=fid, order_id=eid, client_order_id=coid, pair=pair, side=Side.BUY,
        price=Decimal(100), quantity=Decimal(qty), fee=Decimal(0), fee_asset="TRY",
        timestamp=T0 + timedelta(minutes=2),
    )  # fmt: skip


def after(plan: ReconcilePlan, coid: str) -> Order:
    (update,) = [u for u in plan.order_updates if u.before.client_order_id == coid]
    return update.after


def codes(plan: ReconcilePlan) -> list[str]:
    return [r.code for r in plan.reasons]


# --- matching and status --------------------------------------------------------------------


def test_submitted_order_shown_open_becomes_open_and_learns_its_exchange_id() -> None:
    plan = reconcile([order("c1")], [ex("e1", "c1")], now=NOW)
    new = after(plan, "c1")
    assert new.status is S.OPEN and new.exchange_order_id == "e1" and new.updated_at == NOW
    assert "RECON_STATUS" in codes(plan) and "RECON_EXCHANGE_ID" in codes(plan)
    assert plan.order_updates[0].reasons  # every update says why
    assert not plan.blocked_pairs and not plan.foreign_orders and not plan.lookups_needed


def test_match_by_exchange_id_when_the_exchange_omits_the_client_id() -> None:
    plan = reconcile([order("c1", eid="e1")], [ex("e1", None)], now=NOW)
    assert after(plan, "c1").status is S.OPEN
    assert not plan.foreign_orders


def test_internal_ids_are_never_compared_with_exchange_ids() -> None:
    # the old bot's bug: our id "777" happens to equal some exchange order id "777"
    plan = reconcile([order("777")], [ex("777", None)], now=NOW)
    assert [e.exchange_order_id for e in plan.foreign_orders] == ["777"]
    assert after(plan, "777").status is S.UNKNOWN
    assert plan.lookups_needed == (LookupRequest(BTC, "777"),)


def test_open_order_seen_open_needs_no_update() -> None:
    plan = reconcile([order("c1", S.OPEN, "e1")], [ex("e1", "c1")], now=NOW)
    assert plan == ReconcilePlan()


@pytest.mark.parametrize(
    ("local", "exchange", "expected"),
    [
        (S.SUBMITTED, S.CANCELED, S.CANCELED),
        (S.OPEN, S.CANCELED, S.CANCELED),
        (S.SUBMITTED, S.REJECTED, S.REJECTED),
        (S.UNKNOWN, S.OPEN, S.OPEN),
        (S.UNKNOWN, S.CANCELED, S.CANCELED),
        (S.PLANNED, S.OPEN, S.OPEN),
    ],
)
def test_status_follows_the_exchange(
    local: OrderStatus, exchange: OrderStatus, expected: OrderStatus
) -> None:
    plan = reconcile([order("c1", local)], [], lookups={"c1": ex("e1", "c1", exchange)}, now=NOW)
    assert after(plan, "c1").status is expected
    assert not plan.blocked_pairs


def test_an_illegal_transition_is_a_conflict_not_a_crash() -> None:
    plan = reconcile([order("c1", S.OPEN, "e1")], [ex("e1", "c1", S.REJECTED)], now=NOW)
    assert plan.order_updates == ()
    assert "RECON_ILLEGAL_TRANSITION" in codes(plan) and plan.blocked_pairs == {BTC}


def test_terminal_order_still_open_on_the_exchange_blocks_the_pair() -> None:
    plan = reconcile([order("c1", S.CANCELED, "e1")], [ex("e1", "c1")], now=NOW)
    assert plan.order_updates == () and not plan.foreign_orders
    assert "RECON_TERMINAL_ORDER_LIVE" in codes(plan) and plan.blocked_pairs == {BTC}


@pytest.mark.parametrize(
    "exchange",
    [
        ex("e2", "c1"),  # same client id, other exchange id
        ex("e1", "zz"),  # same exchange id, other client id
        ex("e1", "c1", side=Side.SELL),
        ex("e1", "c1", pair=ETH),
    ],
)
def test_disagreeing_matches_are_conflicts(exchange: ExchangeOrder) -> None:
    plan = reconcile([order("c1", S.OPEN, "e1")], [exchange], now=NOW)
    assert "RECON_ID_CONFLICT" in codes(plan)
    assert BTC in plan.blocked_pairs
    assert plan.order_updates == () and plan.lookups_needed == ()


# --- missing orders, lookups and UNKNOWN ----------------------------------------------------


def test_missing_order_becomes_unknown_and_a_lookup_is_requested() -> None:
    plan = reconcile([order("c1", S.OPEN, "e1")], [], now=NOW)
    assert after(plan, "c1").status is S.UNKNOWN
    assert plan.lookups_needed == (LookupRequest(BTC, "c1"),)
    assert plan.blocked_pairs == {BTC}
    assert plan.resendable == ()


def test_lookup_found_resolves_unknown_to_its_true_status() -> None:
    local = order("c1", S.UNKNOWN)
    plan = reconcile(
        [local], [], lookups={"c1": ex("e1", "c1", S.FILLED, "1")},
        fills=[fill("f1", "c1", qty="1")], now=NOW,
    )  # fmt: skip
    new = after(plan, "c1")
    assert new.status is S.FILLED and new.filled_qty == 1 and new.exchange_order_id == "e1"
    assert not plan.blocked_pairs and not plan.fill_gaps


def test_proven_absent_and_never_acknowledged_may_be_resent_with_the_same_client_id() -> None:
    plan = reconcile([order("c1", S.SUBMITTED)], [], lookups={"c1": None}, now=NOW)
    new = after(plan, "c1")
    assert new.status is S.UNKNOWN
    assert [o.client_order_id for o in plan.resendable] == ["c1"]
    (reason,) = [r for r in plan.reasons if r.code == "RECON_SAFE_TO_RESEND"]
    assert "same client order id" in reason.detail
    assert plan.blocked_pairs == {BTC}  # no *new* submits; the re-send is allowed
    # the caller's re-send is a legal transition
    assert new.transition(S.SUBMITTED, NOW).status is S.SUBMITTED


def test_unknown_order_proven_absent_stays_resendable_without_an_update() -> None:
    plan = reconcile([order("c1", S.UNKNOWN)], [], lookups={"c1": None}, now=NOW)
    assert plan.order_updates == ()
    assert [o.client_order_id for o in plan.resendable] == ["c1"]


def test_acknowledged_order_proven_absent_is_never_resent() -> None:
    plan = reconcile([order("c1", S.OPEN, "e1")], [], lookups={"c1": None}, now=NOW)
    assert after(plan, "c1").status is S.UNKNOWN
    assert plan.resendable == ()
    assert "RECON_ACKED_ORDER_MISSING" in codes(plan) and plan.blocked_pairs == {BTC}


def test_planned_order_from_an_interrupted_cycle() -> None:
    missing = reconcile([order("c1", S.PLANNED)], [], now=NOW)
    assert missing.order_updates == () and missing.lookups_needed == (LookupRequest(BTC, "c1"),)
    assert missing.blocked_pairs == {BTC}
    absent = reconcile([order("c1", S.PLANNED)], [], lookups={"c1": None}, now=NOW)
    assert [o.status for o in absent.resendable] == [S.PLANNED]
    assert absent.blocked_pairs == frozenset()


def test_orders_of_pairs_not_queried_are_left_alone() -> None:
    plan = reconcile([order("c1", S.OPEN, "e1", pair=ETH)], [], queried_pairs={BTC}, now=NOW)
    assert plan == ReconcilePlan()


# --- fills ----------------------------------------------------------------------------------


def test_fills_are_ingested_once_and_applied_through_the_order() -> None:
    fills = [fill("f1", "c1"), fill("f1", "c1"), fill("f0", "c1"), fill("f2", "c1")]
    plan = reconcile(
        [order("c1", S.OPEN, "e1")], [ex("e1", "c1", S.PARTIALLY_FILLED, "0.8")],
        fills=fills, already_ingested={(BTC, "f0")}, now=NOW,
    )  # fmt: skip
    assert [f.fill_id for f in plan.fills_to_ingest] == ["f1", "f2"]
    assert sorted(plan.skipped_fills) == [(BTC, "f0"), (BTC, "f1")]
    new = after(plan, "c1")
    assert new.status is S.PARTIALLY_FILLED and new.filled_qty == Decimal("0.8")
    assert not plan.fill_gaps


def test_already_ingested_may_be_a_predicate() -> None:
    plan = reconcile(
        [order("c1", S.OPEN, "e1")], [ex("e1", "c1")], fills=[fill("f1", "c1")],
        already_ingested=lambda pair, fid: (pair, fid) == (BTC, "f1"), now=NOW,
    )  # fmt: skip
    assert plan.fills_to_ingest == () and plan.order_updates == ()


def test_same_fill_id_on_another_pair_is_another_fill() -> None:
    plan = reconcile([], [], fills=[fill("f1"), fill("f1", pair=ETH)], now=NOW)
    assert len(plan.fills_to_ingest) == 2


def test_a_fill_reported_twice_with_different_contents_is_a_conflict() -> None:
    plan = reconcile(
        [order("c1", S.OPEN, "e1")], [ex("e1", "c1")],
        fills=[fill("f1", "c1", qty="0.4"), fill("f1", "c1", qty="0.5")], now=NOW,
    )  # fmt: skip
    assert len(plan.fills_to_ingest) == 1
    assert "RECON_FILL_CONFLICT" in codes(plan) and plan.blocked_pairs == {BTC}


def test_fill_matched_by_exchange_order_id_learned_from_the_exchange() -> None:
    plan = reconcile(
        [order("c1", S.SUBMITTED)], [ex("e1", "c1")], fills=[fill("f1", eid="e1")], now=NOW
    )
    new = after(plan, "c1")
    assert new.exchange_order_id == "e1" and new.filled_qty == Decimal("0.4")
    assert new.status is S.PARTIALLY_FILLED and plan.orphan_fills == ()


def test_canceled_order_keeps_its_fills_and_accepts_late_ones() -> None:
    plan = reconcile(
        [order("c1", S.OPEN, "e1")], [], lookups={"c1": ex("e1", "c1", S.CANCELED, "0.4")},
        fills=[fill("f1", "c1")], now=NOW,
    )  # fmt: skip
    canceled = after(plan, "c1")
    assert canceled.status is S.CANCELED and canceled.filled_qty == Decimal("0.4")
    late = reconcile([canceled], [], fills=[fill("f2", "c1", qty="0.1")], now=NOW)
    final = after(late, "c1")
    assert final.status is S.CANCELED and final.filled_qty == Decimal("0.5")
    assert late.lookups_needed == ()  # a terminal order is not looked for


def test_exchange_fills_missing_from_the_feed_are_a_gap_not_a_status() -> None:
    plan = reconcile(
        [order("c1", S.OPEN, "e1")], [], lookups={"c1": ex("e1", "c1", S.FILLED, "1")}, now=NOW
    )
    pending = after(plan, "c1")
    assert pending.status is S.UNKNOWN and plan.blocked_pairs == {BTC}
    (gap,) = plan.fill_gaps
    assert (gap.client_order_id, gap.exchange_filled_qty, gap.local_filled_qty) == (
        "c1",
        Decimal(1),
        Decimal(0),
    )
    assert plan.oldest_fill_gap_age_s(NOW) == 240.0
    assert "RECON_FILL_GAP" in codes(plan)
    # next cycle: not on the open list, looked up again, still FILLED without fills: no flapping
    again = reconcile([pending], [], lookups={"c1": ex("e1", "c1", S.FILLED, "1")}, now=NOW)
    assert again.order_updates == () and again.blocked_pairs == {BTC}
    unasked = reconcile([pending], [], now=NOW)
    assert unasked.order_updates == () and unasked.lookups_needed == (LookupRequest(BTC, "c1"),)
    # the fills arrive: FILLED through them
    done = reconcile([pending], [], fills=[fill("f1", "c1", qty="1")], now=NOW)
    assert after(done, "c1").status is S.FILLED and not done.blocked_pairs


def test_partially_filled_on_the_open_list_with_fills_behind_stays_live() -> None:
    plan = reconcile(
        [order("c1", S.OPEN, "e1")], [ex("e1", "c1", S.PARTIALLY_FILLED, "0.5")], now=NOW
    )
    assert plan.order_updates == () and not plan.blocked_pairs
    assert [g.exchange_filled_qty for g in plan.fill_gaps] == [Decimal("0.5")]


def test_overfill_is_not_applied_but_the_fill_is_still_ingested() -> None:
    plan = reconcile(
        [order("c1", S.PARTIALLY_FILLED, "e1", filled="0.8")], [ex("e1", "c1", S.PARTIALLY_FILLED, "0.8")],
        fills=[fill("f9", "c1", qty="0.4")], now=NOW,
    )  # fmt: skip
    assert [f.fill_id for f in plan.fills_to_ingest] == ["f9"]
    assert plan.order_updates == ()
    assert "RECON_FILL_NOT_APPLIED" in codes(plan) and plan.blocked_pairs == {BTC}


def test_fills_of_no_order_of_ours_are_ingested_and_reported() -> None:
    plan = reconcile([], [ex("x1", None)], fills=[fill("f1", eid="x1")], now=NOW)
    assert [f.fill_id for f in plan.orphan_fills] == ["f1"]
    assert plan.fills_to_ingest == plan.orphan_fills
    assert "RECON_ORPHAN_FILL" in codes(plan)


# --- foreign orders and inputs --------------------------------------------------------------


def test_foreign_orders_are_reported_and_never_touched() -> None:
    foreign = [ex("x1", None), ex("x2", "manual-7", pair=ETH)]
    plan = reconcile([order("c1", S.OPEN, "e1")], [ex("e1", "c1"), *foreign], now=NOW)
    assert plan.foreign_orders == tuple(foreign)
    assert plan.order_updates == () and not plan.blocked_pairs
    assert codes(plan).count("RECON_FOREIGN_ORDER") == 2


def test_duplicate_local_client_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="repeat"):
        reconcile([order("c1"), order("c1")], [], now=NOW)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        reconcile([], [], now=datetime(2026, 1, 1))


def test_applying_a_plan_then_reconciling_again_changes_nothing() -> None:
    local = [order("c1", S.SUBMITTED), order("c2", S.OPEN, "e2"), order("c3", S.OPEN, "e3")]
    exchange = [ex("e1", "c1"), ex("e2", "c2", S.PARTIALLY_FILLED, "0.4"), ex("x9", None)]
    lookups = {"c3": ex("e3", "c3", S.CANCELED)}
    fills = [fill("f1", "c2"), fill("f1", "c2")]
    first = reconcile(local, exchange, lookups=lookups, fills=fills, now=NOW)
    updated = {u.after.client_order_id: u.after for u in first.order_updates}
    local2 = [updated.get(o.client_order_id, o) for o in local]
    ingested = {(f.pair, f.fill_id) for f in first.fills_to_ingest}
    second = reconcile(
        local2, exchange, lookups=lookups, fills=fills, already_ingested=ingested, now=NOW
    )
    assert second.order_updates == () and second.fills_to_ingest == ()
    assert second.foreign_orders == first.foreign_orders
