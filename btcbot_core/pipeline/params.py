"""Everything one run of the decision pipeline is configured with."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from btcbot_core.allocation import AllocationParams
from btcbot_core.degrade import DegradeParams
from btcbot_core.errors import ValidationError
from btcbot_core.ids import CLIENT_ID_PATTERN
from btcbot_core.ledger import CostMethod
from btcbot_core.pair import Pair
from btcbot_core.risk_budget import RiskBudgetParams
from btcbot_core.risk_policy import RiskPolicyParams
from btcbot_core.self_financing import SelfFinancingParams


def _pairs(value: object) -> tuple[Pair, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValidationError("pairs must be a sequence of Pair")
    pairs = tuple(Pair.parse(p) for p in value)
    if not pairs:
        raise ValidationError("pairs must not be empty")
    if len(set(pairs)) != len(pairs):
        raise ValidationError("pairs must not repeat")
    return pairs


def _run_id(_inst: object, _attr: object, value: str) -> None:
    if not CLIENT_ID_PATTERN.match(value) or len(value) > 16:
        raise ValidationError(f"run_id {value!r} must be 1-16 characters of [A-Za-z0-9_-]")


@attrs.frozen
class CycleParams:
    """Configuration of the pipeline.

    * ``run_id`` — part of every client order id; restarts keep it and continue the cycle
      counter from the last recorded cycle, so ids never repeat.
    * ``strategy`` / ``strategy_values`` — registry name and its ``UPPER_SNAKE`` parameters.
    * ``initial_trading_capital`` — TRY the self-financing policy starts with; ``None``
      means the equity at the first cycle.
    * ``use_bars`` — bar strategies read the last closed bar of ``bar_interval_s`` seconds.
    * ``ledger_snapshot_every`` — events between ledger snapshots (fast restarts).
    * ``abandon_after_s`` — seconds an order the exchange does not show (and never
      acknowledged) keeps being looked up, its pair blocked, before it is abandoned as
      never placed.
    """

    run_id: str = attrs.field(validator=_run_id)
    pairs: tuple[Pair, ...] = attrs.field(converter=_pairs)
    strategy: str = "profit_v1"
    strategy_values: Mapping[str, str] | None = None
    allocation: AllocationParams = attrs.Factory(AllocationParams)
    risk_policy: RiskPolicyParams = attrs.Factory(RiskPolicyParams)
    risk_budget: RiskBudgetParams = attrs.Factory(RiskBudgetParams)
    degrade: DegradeParams = attrs.Factory(DegradeParams)
    self_financing: SelfFinancingParams = attrs.Factory(SelfFinancingParams)
    initial_trading_capital: Decimal | None = None
    cost_method: CostMethod = CostMethod.FIFO
    use_bars: bool = False
    bar_interval_s: int = 60
    ledger_snapshot_every: int = 10_000
    abandon_after_s: float = 120.0
