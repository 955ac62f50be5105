"""The fill path's shortcuts give exactly what their general forms give: ``Booked.reset``
clearing only the parts in use, and ``AssetBook.remove`` of a whole holding without the
cost arithmetic (digits and exponents included)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.ledger_lots import COST_QUANTUM, AssetBook
from btcbot_core.pair import Pair
from btcbot_core.pipeline.ingest import Booked

_QTY = st.decimals(min_value=Decimal("0.00000001"), max_value=10**4, places=8)
_COST = st.decimals(min_value=0, max_value=10**8, places=12)


@given(st.sets(st.integers(0, 9)), st.booleans())
def test_reset_empties_whatever_subset_was_used(used: set[int], written: bool) -> None:
    booked = Booked()
    for _ in range(2):  # a used record, then the same record used again
        for i in used:
            part = booked._parts[i]
            if isinstance(part, list):
                part.append(i)
            elif isinstance(part, dict):
                part[Pair("BTC", "TRY")] = str(i)
            else:
                part.add(Pair("ETH", "TRY"))
        if written and used:
            booked.events_written = booked.fills_written = booked.history_written = 1
        assert booked.reset() is booked
        assert not any(booked._parts)
        assert (booked.events_written, booked.fills_written, booked.history_written) == (0, 0, 0)
        assert not booked.pending


def _general_remove(
    qty: Decimal, cost: Decimal, lots: list[tuple[Decimal, Decimal]], take: Decimal
):  # type: ignore[no-untyped-def]
    """AssetBook.remove's general arithmetic (FIFO), the whole-holding case included."""
    removed, left = Decimal(0), take
    while left > 0:
        lot_qty, lot_cost = lots[0]
        if lot_qty <= left:
            removed += lot_cost
            left -= lot_qty
            lots.pop(0)
        else:
            part = (lot_cost * left / lot_qty).quantize(COST_QUANTUM, ROUND_HALF_EVEN)
            lots[0] = (lot_qty - left, lot_cost - part)
            removed += part
            left = Decimal(0)
    qty -= take
    cost -= removed
    if qty == 0:
        cost = Decimal(0)
    return removed, qty, cost


@given(st.lists(st.tuples(_QTY, _COST), min_size=1, max_size=4), st.booleans())
def test_removing_the_whole_holding_is_the_general_arithmetic(
    lots: list[tuple[Decimal, Decimal]], fifo: bool
) -> None:
    book = AssetBook(fifo)
    for qty, cost in lots:
        book.add(qty, cost)
    held, held_cost = book.qty, book.cost
    removed = book.remove(held)
    if fifo:
        expected = _general_remove(held, held_cost, list(lots), held)
    else:  # average cost: the whole cost leaves
        expected = (held_cost, held - held, Decimal(0))
    for got, want in zip((removed, book.qty, book.cost), expected, strict=True):
        assert got.as_tuple() == want.as_tuple()
    assert book.position is None
    assert book.open_lots() == (() if fifo else ((book.qty, book.cost),))
