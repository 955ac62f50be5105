"""The ledger's fill-cycle shortcuts give exactly what the general code gives.

* the positions view keeps each book's Position while the book is unchanged (see also
  ``test_the_positions_view_read_after_every_event_is_the_view_built_afresh``);
* the valuation adds the positions in the books' order (and with the rounding) of a
  ``+=`` loop, and names a missing mark.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from decimal import localcontext

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core import CostMethod, Ledger
from btcbot_core.errors import LedgerError
from btcbot_core.ledger_events import DepositEvent, FillEvent
from btcbot_core.orders import Fill, Side
from btcbot_core.pair import Pair
from tests.unit.core.ledger_model import OPS, build_events, marks_strategy

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.property
@given(OPS, marks_strategy(), st.sampled_from(list(CostMethod)), st.integers(3, 28))
def test_the_valuation_sums_as_the_loop_does(
    ops: list,  # type: ignore[type-arg]
    marks: dict[str, D],
    method: CostMethod,
    prec: int,
) -> None:
    ledger = Ledger(method)
    for event in build_events(ops):
        ledger.apply(event)
    with localcontext() as ctx:
        ctx.prec = prec  # a narrow context: the order and rounding of each addition show
        expected = D(0)
        for asset, position in ledger.positions().items():
            expected += position.quantity * marks[asset]
        got = ledger.valuation(marks).positions_value
    assert (str(got), type(got)) == (str(expected), D)


def test_a_missing_mark_is_named_after_the_marks_before_it() -> None:
    ledger = Ledger()
    ledger.apply(DepositEvent("d1", T0, "BTC", "1", rate="100"))
    ledger.apply(DepositEvent("d2", T0, "ETH", "2", rate="10"))
    with pytest.raises(LedgerError, match="no mark for ETH: cannot value a position of 2"):
        ledger.valuation({"BTC": D(1)})
    with pytest.raises(LedgerError, match="no mark for BTC"):
        ledger.valuation({"ETH": D(1)})


def test_the_valuation_adds_in_the_books_order() -> None:
    ledger = Ledger()
    for asset, qty in (("BTC", "100"), ("ETH", "0.4"), ("USDT", "0.4")):
        ledger.apply(DepositEvent(f"d-{asset}", T0, asset, qty, rate="1"))
    marks = {"BTC": D(1), "ETH": D(1), "USDT": D(1)}
    with localcontext() as ctx:
        ctx.prec = 3  # (100 + 0.4) + 0.4 rounds to 100; (0.4 + 0.4) + 100 to 101
        assert str(ledger.valuation(marks).positions_value) == "100"


class _LegByLeg(Ledger):
    """Every fill through the general leg-by-leg path, TRY-quoted ones too."""

    def _apply_fill(self, event: FillEvent) -> None:
        self._apply_cross_fill(event)


@pytest.mark.property
@given(OPS, st.sampled_from(list(CostMethod)))
def test_the_try_fill_path_books_what_the_leg_by_leg_path_books(
    ops: list,  # type: ignore[type-arg]
    method: CostMethod,
) -> None:
    quick, general = Ledger(method), _LegByLeg(method)
    for event in build_events(ops):
        assert quick.apply(event) == general.apply(event)
        a, b = quick.snapshot(), general.snapshot()
        # equal values (a TRY leg at rate 1 may add a zero of another exponent)
        assert attrs.asdict(a) == attrs.asdict(b)
        assert quick.positions() == general.positions()
        assert (quick.round_trips, quick.loss_streak, quick.last_round_trip_pnl) == (
            general.round_trips,
            general.loss_streak,
            general.last_round_trip_pnl,
        )


def test_a_try_fill_the_cash_cannot_pay_is_refused_as_before() -> None:
    ledger = Ledger()
    ledger.apply(DepositEvent("d", T0, "TRY", "10"))
    fill = Fill("t-9", "e1", "c1", Pair("BTC", "TRY"), Side.BUY, "100", "1", "0.1", "TRY", T0)
    with pytest.raises(LedgerError, match=r"needs 100\.1 TRY but only 10 is held"):
        ledger.apply(FillEvent(fill))
    sell = attrs.evolve(fill, side=Side.SELL)
    with pytest.raises(LedgerError, match="needs 1 BTC but only 0 is held"):
        ledger.apply(FillEvent(sell))
    assert ledger.event_count == 1 and ledger.balances() == {"TRY": 10}


def test_a_round_trip_books_the_same_on_both_paths() -> None:
    btc = Pair("BTC", "TRY")
    fills = [
        Fill("r1", "e1", "c1", btc, Side.BUY, "100", "2", "0.1", "TRY", T0, "0.02"),
        Fill("r2", "e2", "c2", btc, Side.SELL, "110", "1.5", "0.2", "TRY", T0, "0.04"),
        Fill("r3", "e3", "c3", btc, Side.SELL, "90", "0.5", "0.05", "TRY", T0),
    ]
    quick, general = Ledger(), _LegByLeg()
    for ledger in (quick, general):
        ledger.apply(DepositEvent("d", T0, "TRY", "1000"))
        for fill in fills:
            ledger.apply(FillEvent(fill))
    assert attrs.asdict(quick.snapshot()) == attrs.asdict(general.snapshot())
    assert quick.round_trips == general.round_trips == 1
    assert quick.last_round_trip_pnl == general.last_round_trip_pnl
