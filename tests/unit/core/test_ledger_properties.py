"""Ledger invariants over random valid event sequences (issue 2 property tests)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core import CostMethod, FillEvent, Ledger
from tests.unit.core.ledger_model import OPS, build_events, marks_strategy, naive_balances

pytestmark = pytest.mark.property


def fold(events: list, method: CostMethod = CostMethod.FIFO) -> Ledger:  # type: ignore[type-arg]
    ledger = Ledger(method)
    for event in events:
        assert ledger.apply(event)
    return ledger


@given(OPS, marks_strategy())
def test_fifo_and_average_cost_agree_and_pnl_explains_equity(ops: list, marks: dict) -> None:  # type: ignore[type-arg]
    events = build_events(ops)
    fifo, avg = fold(events, CostMethod.FIFO), fold(events, CostMethod.AVERAGE)
    vf, va = fifo.valuation(marks), avg.valuation(marks)
    assert vf.realized_pnl + vf.unrealized_pnl == va.realized_pnl + va.unrealized_pnl
    assert vf.equity == va.equity
    assert vf.realized_pnl + vf.unrealized_pnl == vf.equity - vf.net_deposits
    assert va.realized_pnl + va.unrealized_pnl == va.equity - va.net_deposits
    assert vf.fees == va.fees and vf.turnover == va.turnover


@given(OPS)
def test_per_asset_conservation(ops: list) -> None:  # type: ignore[type-arg]
    events = build_events(ops)
    for method in CostMethod:
        assert fold(events, method).balances() == naive_balances(events)


@given(OPS, st.data())
def test_reapplying_any_prefix_of_fills_changes_nothing(ops: list, data: st.DataObject) -> None:  # type: ignore[type-arg]
    events = build_events(ops)
    ledger = fold(events)
    before = ledger.snapshot()
    cut = data.draw(st.integers(0, len(events)))
    replay = [e for e in events[:cut] if isinstance(e, FillEvent)]
    assert ledger.apply_many(replay) == 0
    assert ledger.snapshot() == before


@given(OPS, st.data())
def test_snapshot_resume_equals_continuous_fold(ops: list, data: st.DataObject) -> None:  # type: ignore[type-arg]
    events = build_events(ops)
    method = data.draw(st.sampled_from(list(CostMethod)))
    cut = data.draw(st.integers(0, len(events)))
    head = fold(events[:cut], method)
    resumed = Ledger.from_snapshot(head.snapshot())
    for event in events[cut:]:
        resumed.apply(event)
    assert resumed.snapshot() == fold(events, method).snapshot()


@given(OPS)
def test_costs_never_negative_and_lots_sum_to_position(ops: list) -> None:  # type: ignore[type-arg]
    ledger = fold(build_events(ops))
    snap = ledger.snapshot()
    for asset, lots in snap.lots.items():
        assert sum((q for q, _ in lots), D(0)) == ledger.balance(asset)
        assert all(q > 0 and c >= 0 for q, c in lots)


@given(OPS, st.sampled_from(list(CostMethod)))
def test_the_positions_view_read_after_every_event_is_the_view_built_afresh(
    ops: list,  # type: ignore[type-arg]
    method: CostMethod,
) -> None:
    # The view reuses the previous event's Position objects for books that did not move:
    # it must show exactly (digits and exponent) what a view built from scratch shows.
    events = build_events(ops)
    ledger = Ledger(method)
    for i, event in enumerate(events):
        before = dict(ledger.positions())
        ledger.apply(event)
        got = ledger.positions()
        fresh = fold(events[: i + 1], method).positions()
        assert {a: (str(p.quantity), str(p.cost_basis)) for a, p in got.items()} == {
            a: (str(p.quantity), str(p.cost_basis)) for a, p in fresh.items()
        }
        for asset, position in got.items():  # a reused object shows the book as it is
            assert position.quantity is ledger._books[asset].qty
            assert position.cost_basis is ledger._books[asset].cost
        assert before.keys() <= got.keys() | {a for a, b in ledger._books.items() if b.qty == 0}
