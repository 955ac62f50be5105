"""Warm state carried from one cycle to the next, rebuilt from the stores at start.

Keeping the ledger, the strategy's indicators and the live-order cache in memory is what
keeps a cycle's cost flat: nothing is re-read from history. Everything here is derivable
from the stores, so after a crash (or a failed commit) the session is simply reopened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from btcbot_core.ledger import Ledger
from btcbot_core.market import MarketSnapshot
from btcbot_core.orders import Order, Side
from btcbot_core.pair import Pair
from btcbot_core.pipeline.params import CycleParams
from btcbot_core.pipeline.profile import StageProfile
from btcbot_core.ports import UnitOfWork
from btcbot_core.risk_calm import CalmCheck
from btcbot_core.rules import SymbolRules
from btcbot_core.state import CapitalState, RiskState

if TYPE_CHECKING:
    from btcbot_core.pipeline.assess import Assessment
    from btcbot_core.pipeline.ingest import Booked
    from btcbot_core.pipeline.report import CapitalView
from btcbot_core.strategies import Strategy, get_strategy


class CycleSession:
    """The pipeline's memory between cycles (one per running bot or backtest)."""

    def __init__(
        self,
        params: CycleParams,
        profile: StageProfile,
        ledger: Ledger,
        strategy: Strategy,
        *,
        capital: CapitalState | None = None,
        risk: RiskState | None = None,
        cycle: int = 0,
        live_orders: Mapping[str, Order] | None = None,
        cursors: Mapping[Pair, str | None] | None = None,
    ) -> None:
        self.params = params
        self.profile = profile
        self.ledger = ledger
        self.strategy = strategy
        #: the strategy's ``observe`` (see ObservingStrategy), or None: asked before the
        #: context is built, so a strategy with nothing to do costs its market pass only.
        self.observe: Callable[[MarketSnapshot, tuple[Pair, ...]], bool] | None = getattr(
            strategy, "observe", None
        )
        self.capital = capital
        self.risk = risk if risk is not None else RiskState()
        #: the capital and risk state as last written to (or read from) the stores.
        self.stored_capital = capital
        self.stored_risk = self.risk
        self.cycle = cycle
        self.live_orders: dict[str, Order] = dict(live_orders or {})
        self.cursors: dict[Pair, str | None] = dict(cursors or {})
        self.rules: dict[Pair, SymbolRules] = {}
        self.rules_cycle = -1
        #: last known mark per asset (TRY per unit); a missing quote keeps the last one.
        self.marks: dict[str, Decimal] = {}
        self.last_order_at: dict[tuple[Pair, Side], datetime] = {}
        self.events_since_snapshot = 0
        #: submits and rejects of the previous cycle, for the degrade ladder.
        self.last_submits = 0
        self.last_rejects = 0
        #: set when a cycle failed after touching warm state: reopen before the next one.
        self.stale = False
        #: the strategy's derived state has been rebuilt from market history.
        self.warmed = False
        #: the last calm risk verdict, reused while nothing it depends on changes.
        self.calm_assessment: Assessment | None = None
        #: calm_state's per-parameters constants for ``params.risk_budget``.
        self.calm_check: CalmCheck | None = None
        #: the report's view of the last capital state (built again only when it changes).
        self.capital_view: tuple[CapitalState, CapitalView] | None = None
        #: the ledger event count at which every holding last had a mark.
        self.priced_at = -1
        #: the cycle's scratch record of what it booked, reused (and reset) every cycle.
        self.scratch: Booked | None = None
        #: the ledger resumed from a snapshot, so it does not know the ids applied before it.
        self.restored_from_snapshot = False

    @classmethod
    def open(cls, uow: UnitOfWork, params: CycleParams, profile: StageProfile) -> CycleSession:
        """Rebuild the warm state from the stores (ledger snapshot + events after it)."""
        with uow:
            snapshot = uow.ledger.latest_snapshot()
            ledger = Ledger.from_snapshot(snapshot) if snapshot else Ledger(params.cost_method)
            for event in uow.ledger.events_after(ledger.event_count):
                ledger.apply(event)
            capital = uow.capital.load()
            risk = uow.risk.load()
            last = uow.cycles.last(params.run_id)
            live = {o.client_order_id: o for o in uow.orders.live()}
            # The cooldown per (pair, side) must survive a restart: a crash loop must not
            # let orders through faster than COOLDOWN_SECONDS allows.
            recent = uow.orders.last_activity() if params.risk_policy.cooldown_seconds else {}
            cursors = {pair: uow.fills.cursor(pair) for pair in params.pairs}
        if risk is not None:
            # The ledger keeps its equity high-water mark in snapshots, not in events; the
            # risk state persists it every time it moves, so a restart never forgets a peak.
            ledger.high_water_mark = max(ledger.high_water_mark, risk.equity_high_water_mark)
        strategy = get_strategy(params.strategy, values=params.strategy_values)
        session = cls(
            params,
            profile,
            ledger,
            strategy,
            capital=capital,
            risk=risk,
            cycle=last.cycle if last is not None else 0,
            live_orders=live,
            cursors=cursors,
        )
        session.restored_from_snapshot = snapshot is not None
        session.last_order_at.update(recent)
        return session
