"""What the ledger holds of one non-TRY asset: quantity, total cost in TRY, and FIFO lots.

Cost allocated to part of a lot (FIFO) or of a holding (average cost) is rounded half-even
to 1e-12 TRY (``COST_QUANTUM``); the cost that remains is the exact rest, so total cost is
conserved exactly. Disposing of the whole holding removes its whole cost.
"""

from __future__ import annotations

from collections import deque
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from btcbot_core.ledger_values import Position
from btcbot_core.money import ZERO

COST_QUANTUM: Final = Decimal("1e-12")


class AssetBook:
    """Holdings of one asset (units of the asset; cost in TRY). With ``fifo`` the cost of a
    disposal comes from the oldest lots first, otherwise from the average cost."""

    __slots__ = ("cost", "lots", "position", "qty")

    def __init__(self, fifo: bool) -> None:
        self.qty = ZERO
        self.cost = ZERO
        #: the ledger's :class:`Position` of this book, kept while the book is unchanged:
        #: every change sets it back to ``None`` (the ledger's positions view reads it)
        self.position: Position | None = None
        # Each lot is (quantity, total cost). Tuples of Decimals are untracked by the cyclic
        # GC, so a long history of open lots does not slow every later collection.
        self.lots: deque[tuple[Decimal, Decimal]] | None = deque() if fifo else None

    def add(self, qty: Decimal, cost: Decimal) -> None:
        """Take in ``qty`` units that cost ``cost`` TRY in all (one new lot)."""
        self.qty += qty
        self.cost += cost
        self.position = None
        if self.lots is not None:
            self.lots.append((qty, cost))

    def remove(self, qty: Decimal) -> Decimal:
        """Give up ``qty`` units (at most :attr:`qty`: the caller checks); return the TRY
        cost that left the books."""
        if qty == self.qty:
            # The whole holding: its whole cost leaves and the book is flat. (The quantity
            # still subtracts, for the zero's exponent; the cost needs no arithmetic.)
            removed = self.cost
            if self.lots is not None:
                self.lots.clear()
            self.qty -= qty
            self.cost = ZERO
            self.position = None
            return removed
        if self.lots is None:
            removed = (self.cost * qty / self.qty).quantize(COST_QUANTUM, ROUND_HALF_EVEN)
        else:
            removed = ZERO
            left = qty
            lots = self.lots
            while left > ZERO:
                lot_qty, lot_cost = lots[0]
                if lot_qty <= left:
                    removed += lot_cost
                    left -= lot_qty
                    lots.popleft()
                else:
                    part = (lot_cost * left / lot_qty).quantize(COST_QUANTUM, ROUND_HALF_EVEN)
                    lots[0] = (lot_qty - left, lot_cost - part)
                    removed += part
                    left = ZERO
        self.qty -= qty
        self.cost -= removed
        self.position = None
        if self.qty == ZERO:
            self.cost = ZERO
        return removed

    def open_lots(self) -> tuple[tuple[Decimal, Decimal], ...]:
        """The open lots as ``(quantity, cost)``, oldest first (average cost: one lot)."""
        if self.lots is not None:
            return tuple(self.lots)
        return ((self.qty, self.cost),)


__all__ = ["COST_QUANTUM", "AssetBook"]
