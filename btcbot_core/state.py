"""Persistent policy state values (what must survive a restart besides the ledger).

These are plain frozen values; the policies that evolve them live in their own modules and
the persistence adapter maps every field to columns.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from btcbot_core.money import ZERO, dec_field


class RiskMode(enum.StrEnum):
    """Risk budget modes, from least to most restrictive."""

    NORMAL = "NORMAL"
    REDUCE_RISK_ONLY = "REDUCE_RISK_ONLY"
    OBSERVE_ONLY = "OBSERVE_ONLY"

    @property
    def rank(self) -> int:
        return _MODE_RANK[self]

    def stricter(self, other: RiskMode) -> RiskMode:
        return self if self.rank >= other.rank else other


#: ``RiskMode.NORMAL``, read every cycle: bound once as a global (see the members bound in
#: :mod:`btcbot_core.orders` for why).
MODE_NORMAL: Final = RiskMode.NORMAL


_MODE_RANK = {RiskMode.NORMAL: 0, RiskMode.REDUCE_RISK_ONLY: 1, RiskMode.OBSERVE_ONLY: 2}


@attrs.frozen
class CapitalState:
    """Self-financing capital split, all TRY.

    ``checkpoint_event_count`` is the ledger event count last checkpointed and
    ``checkpoint_realized`` the ledger's net realized PnL at that moment.
    """

    trading_capital: Decimal = attrs.field(converter=dec_field)
    treasury: Decimal = attrs.field(default=ZERO, converter=dec_field)
    checkpoint_event_count: int = 0
    checkpoint_realized: Decimal = attrs.field(default=ZERO, converter=dec_field)
    updated_at: datetime | None = None


@attrs.frozen
class RiskState:
    """Risk budget and degrade-ladder memory across cycles and restarts."""

    mode: RiskMode = RiskMode.NORMAL
    mode_since: datetime | None = None
    cooldown_until: datetime | None = None
    equity_high_water_mark: Decimal = attrs.field(default=ZERO, converter=dec_field)
    day_anchor: str | None = None  # ISO date of the trading day in the configured timezone
    day_start_realized: Decimal = attrs.field(default=ZERO, converter=dec_field)
    degrade_level: int = 0
    degrade_until: datetime | None = None
    stable_cycles: int = 0
    reasons: tuple[str, ...] = ()
    updated_at: datetime | None = None
    # The ledger loss streak the risk budget last saw: a loss-streak pause fires only when
    # the streak grows past it (so a paused bot that stopped buying is not paused forever).
    last_loss_streak: int = 0


# Not slotted: built on hot paths and read a few times. A frozen slotted class sets each
# field through object.__setattr__; a dict-backed one is built in about 60 % of the time.
@attrs.frozen(slots=False)
class CycleRecord:
    """One finished cycle as stored: key columns plus the serialised cycle report.

    ``report`` is JSON-compatible (Decimals as strings); the core's report type owns its
    encoding. ``cycle`` is monotonic within ``run_id``.
    """

    run_id: str
    cycle: int
    started_at: datetime
    finished_at: datetime
    mode: RiskMode
    report: Mapping[str, object]


@attrs.frozen
class ParameterSet:
    """A versioned set of strategy parameters (values are canonical strings)."""

    version: int
    values: Mapping[str, str]
    created_at: datetime
    reason: str = ""
    active: bool = False


__all__ = [
    "MODE_NORMAL",
    "CapitalState",
    "CycleRecord",
    "ParameterSet",
    "RiskMode",
    "RiskState",
]
