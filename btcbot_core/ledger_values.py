"""The ledger's value types: the cost method, a position, a valuation and a snapshot.

Amounts are in TRY (the valuation asset) unless a field says otherwise; quantities are in
their own asset. :mod:`btcbot_core.ledger` re-exports every name here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal

import attrs

from btcbot_core.money import ZERO


class CostMethod(enum.StrEnum):
    FIFO = "FIFO"
    AVERAGE = "AVERAGE"


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class Position:
    """Holdings of one asset: ``quantity`` units costing ``cost_basis`` TRY in total."""

    asset: str
    quantity: Decimal
    cost_basis: Decimal

    @property
    def average_cost(self) -> Decimal | None:
        """TRY per unit, unrounded; ``None`` when flat."""
        return None if self.quantity == 0 else self.cost_basis / self.quantity


# Not slotted: built on hot paths and read a few times. A frozen slotted class sets each
# field through object.__setattr__; a dict-backed one is built in about 60 % of the time.
@attrs.frozen(slots=False)
class Valuation:
    """The ledger valued at a set of marks (all TRY).

    ``drawdown`` and ``drawdown_ratio`` are derived from ``high_water_mark`` and ``equity``
    when read: a valuation is built every cycle and its drawdown ratio (a division, about a
    tenth of the valuation's cost) is read only by reports.
    """

    cash: Decimal
    positions_value: Decimal
    equity: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    net_deposits: Decimal
    turnover: Decimal
    high_water_mark: Decimal

    @property
    def drawdown(self) -> Decimal:
        """``high_water_mark − equity`` (TRY, unrounded; zero at a new high)."""
        return self.high_water_mark - self.equity

    @property
    def drawdown_ratio(self) -> Decimal:
        """``drawdown / high_water_mark`` (unrounded, under the caller's decimal context);
        zero while the high-water mark is not positive."""
        hwm = self.high_water_mark
        return self.drawdown / hwm if hwm > ZERO else ZERO


@attrs.frozen
class LedgerSnapshot:
    """Everything needed to resume folding without the events before ``event_count``.

    ``lots`` holds, per asset, ``(quantity, cost)`` pairs oldest first (one pair for the
    average-cost method). Event ids seen before the snapshot are not kept: after a restore,
    the event store's uniqueness constraint is what rejects a re-delivered event.
    """

    method: CostMethod
    event_count: int
    cash: Decimal
    lots: Mapping[str, tuple[tuple[Decimal, Decimal], ...]]
    realized_gross: Decimal
    fees: Decimal
    net_deposits: Decimal
    turnover: Decimal
    high_water_mark: Decimal
    round_trips: int
    loss_streak: int
    last_round_trip_pnl: Decimal | None
    trip_pnl: Mapping[str, Decimal]


__all__ = ["CostMethod", "LedgerSnapshot", "Position", "Valuation"]
