"""The cycle service: one pass of the decision pipeline, executed through the ports.

snapshot → reconcile and ingest fills → ledger → self-financing checkpoint → risk budget and
degrade → strategy → mode filter → allocation → quantise → risk policy → plan → execute
(gate re-checked before every write) → record.

Cost is flat: warm state lives in the :class:`CycleSession`; a cycle with nothing to do
skips reconciliation, allocation and execution, and (per profile) is not recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from btcbot_core.allocation import allocate
from btcbot_core.decisions import Reason
from btcbot_core.degrade import (
    HealthObservations,
    balance_divergence,
    detect_anomalies,
    update_degrade,
)
from btcbot_core.ids import client_order_id
from btcbot_core.ledger import VALUATION_ASSET, Position, Valuation
from btcbot_core.ledger_events import DepositEvent, FillEvent, LedgerEvent
from btcbot_core.market import Bar, MarketSnapshot
from btcbot_core.money import ONE, ZERO
from btcbot_core.orders import Fill, Order, OrderIntent, OrderRequest, OrderStatus, Side
from btcbot_core.pair import Pair
from btcbot_core.pipeline.execute import Gate, cancel_one, send_one
from btcbot_core.pipeline.params import CycleParams
from btcbot_core.pipeline.profile import StageProfile
from btcbot_core.pipeline.report import CapitalView, CycleReport, Fate, IntentOutcome
from btcbot_core.pipeline.session import CycleSession
from btcbot_core.ports import AccountPort, ExchangeOrder, MarketDataPort, TradingPort, UnitOfWork
from btcbot_core.reconcile import ReconcilePlan, reconcile
from btcbot_core.risk_budget import build_risk_inputs, decide_risk_budget, market_facts
from btcbot_core.risk_policy import RiskContext, evaluate_risk, quantize_intents
from btcbot_core.self_financing import apply_checkpoint, initial_capital_state
from btcbot_core.state import CapitalState, CycleRecord, RiskMode, RiskState
from btcbot_core.strategies import CancelIntent, StrategyContext


@attrs.frozen
class CyclePorts:
    """The adapters one cycle talks to. ``gate`` is evaluated right before every write;
    ``timer`` (seconds, monotonic) is optional and only feeds the report's timings."""

    market: MarketDataPort
    trading: TradingPort
    account: AccountPort
    uow: UnitOfWork
    gate: Gate
    timer: Callable[[], float] | None = None


def run_cycle(
    ports: CyclePorts,
    profile: StageProfile,
    params: CycleParams,
    now: datetime,
    *,
    session: CycleSession | None = None,
) -> CycleReport:
    """Run one cycle at ``now`` (UTC). Pass the same ``session`` to every cycle of a run;
    without one, the warm state is rebuilt from the stores first (slower, same result).

    If the cycle raises, nothing of it was committed after the failing step and the
    session is marked ``stale``: reopen it (:meth:`CycleSession.open`) before the next one.
    """
    if session is None or session.stale:
        session = CycleSession.open(ports.uow, params, profile)
    if session.params is not params or session.profile is not profile:
        session.params, session.profile = params, profile
    try:
        return _Cycle(ports, session, now).run()
    except BaseException:
        session.stale = True
        raise


class _Cycle:
    """One cycle's working memory. Lives for a single :meth:`run`."""

    def __init__(self, ports: CyclePorts, session: CycleSession, now: datetime) -> None:
        self.ports = ports
        self.s = session
        self.now = now
        self.cycle = session.cycle + 1
        self._pending: dict[str, OrderIntent] = {}
        self._committed_common = False
        self.reasons: list[Reason] = []
        self.outcomes: list[IntentOutcome] = []
        self.new_fills: list[Fill] = []
        self.events: list[LedgerEvent] = []
        self.order_writes: dict[str, Order] = {}
        self.cursor_writes: dict[str, str | None] = {}
        self.timings: dict[str, float] = {}
        self._balances: dict[str, Decimal] | None = None
        self._free_try: Decimal | None = None
        self._t = ports.timer() if ports.timer else 0.0

    def _lap(self, name: str) -> None:
        timer = self.ports.timer
        if timer is not None:
            now = timer()
            self.timings[name] = (now - self._t) * 1000
            self._t = now

    # --- the pass -----------------------------------------------------------------------

    def run(self) -> CycleReport:
        s, now = self.s, self.now
        params, profile = s.params, s.profile
        market = self._snapshot()
        self._lap("snapshot")
        plan = self._reconcile()
        self._lap("reconcile")
        if s.ledger.event_count == 0:
            self._seed()
        self._ingest(plan)
        valuation = s.ledger.revalue(s.marks)
        self._lap("ledger")
        capital = self._self_financing(valuation)
        mode, multiplier, risk_state = self._risk(market, valuation, plan)
        self._lap("risk")

        positions = s.ledger.positions()
        reserved = sum(
            (
                o.remaining_qty
                * (o.price if o.price is not None else s.marks.get(o.pair.base, ZERO))
                for o in s.live_orders.values()
                if o.side is Side.BUY and o.status.is_live
            ),
            ZERO,
        )
        context = StrategyContext(
            now=now,
            market=market,
            pairs=params.pairs,
            positions=positions,
            cash=max(ZERO, s.ledger.cash - reserved),
            open_orders=tuple(s.live_orders.values()),
            rules=s.rules,
        )
        proposal = s.strategy.propose(context)
        for note in proposal.notes:
            self.reasons.append(Reason(note.reason.code, f"{note.pair}: {note.reason.detail}"))
        self._lap("strategy")

        requests = self._decide(proposal.intents, mode, multiplier, plan, capital, positions)
        self._lap("decide")
        cancelled, cancel_blocked = self._cancel(proposal.cancels)
        submitted = self._submit(requests, capital, risk_state)
        self._lap("execute")

        report = CycleReport(
            run_id=params.run_id,
            cycle=self.cycle,
            stage=profile.name,
            now=now,
            market=market,
            mode=mode,
            multiplier=multiplier,
            reasons=tuple(self.reasons),
            intents=tuple(self.outcomes),
            submitted=submitted,
            cancelled=cancelled,
            cancel_blocked=cancel_blocked,
            fills_ingested=tuple(f"{f.pair.symbol}:{f.fill_id}" for f in self.new_fills),
            valuation=valuation,
            capital=None
            if capital is None
            else CapitalView(capital.trading_capital, capital.treasury),
            order_updates=tuple((c, o.status.value) for c, o in self.order_writes.items()),
            timings_ms=self.timings,
        )
        self._record(report, capital, risk_state)
        s.cycle = self.cycle
        s.capital = capital
        s.risk = risk_state
        self._lap("record")
        return report

    # --- stages -------------------------------------------------------------------------

    def _snapshot(self) -> MarketSnapshot:
        s, market_port, now = self.s, self.ports.market, self.now
        params, profile = s.params, s.profile
        every = profile.rules_refresh_every
        if s.rules_cycle < 0 or (every and self.cycle - s.rules_cycle >= every):
            s.rules = dict(market_port.symbol_rules(params.pairs))
            s.rules_cycle = self.cycle
        marks = s.marks
        if params.use_bars:
            bars: dict[Pair, Bar] = {}
            for pair in params.pairs:
                got = market_port.bars(pair, params.bar_interval_s, 1)
                if got:
                    bar = got[-1]
                    bars[pair] = bar
                    if pair.quote == VALUATION_ASSET:
                        marks[pair.base] = bar.close
            return MarketSnapshot(now, {}, bars)
        quotes = market_port.quotes(params.pairs)
        for pair, quote in quotes.items():
            if pair.quote == VALUATION_ASSET:
                marks[pair.base] = quote.mid
        return MarketSnapshot(now, quotes, {})

    def _reconcile(self) -> ReconcilePlan | None:
        s, trading = self.s, self.ports.trading
        pairs = s.params.pairs
        if not s.live_orders and not s.profile.foreign_activity:
            return None
        exchange_open = trading.open_orders(pairs) if s.profile.reconciliation else ()
        fills: list[Fill] = []
        for pair in pairs:
            old = s.cursors.get(pair)
            page = trading.fills_since(pair, old)
            if page.fills:
                fills.extend(page.fills)
            if page.cursor != old:
                s.cursors[pair] = page.cursor
                self.cursor_writes[pair.symbol] = page.cursor
        if not (s.live_orders or exchange_open or fills):
            return None
        ledger = s.ledger

        def ingested(pair: Pair, fill_id: str) -> bool:
            return ledger.has_applied(f"fill:{pair}:{fill_id}")

        local = list(s.live_orders.values())
        plan = reconcile(
            local,
            exchange_open,
            now=self.now,
            fills=fills,
            already_ingested=ingested,
            queried_pairs=pairs,
        )
        if plan.lookups_needed:
            lookups: dict[str, ExchangeOrder | None] = {}
            for need in plan.lookups_needed:
                try:
                    lookups[need.client_order_id] = trading.order_by_client_id(
                        need.pair, need.client_order_id
                    )
                except Exception as exc:
                    self.reasons.append(
                        Reason("RECON_LOOKUP_FAILED", f"{need.client_order_id}: {exc}")
                    )
            plan = reconcile(
                local,
                exchange_open,
                now=self.now,
                lookups=lookups,
                fills=fills,
                already_ingested=ingested,
                queried_pairs=pairs,
            )
        self.reasons.extend(plan.reasons)
        for update in plan.order_updates:
            self._order_changed(update.after)
        for order in plan.resendable:
            # Proven absent and never acknowledged: abandon it; the strategy re-plans from
            # fresh prices instead of re-sending a stale intent.
            current = s.live_orders.get(order.client_order_id, order)
            self._order_changed(
                current.transition(OrderStatus.REJECTED, self.now, reason="never placed")
            )
        for foreign in plan.foreign_orders:
            self.reasons.append(
                Reason("FOREIGN_ORDER", f"{foreign.pair} #{foreign.exchange_order_id} left alone")
            )
        return plan

    def _order_changed(self, order: Order) -> None:
        self.order_writes[order.client_order_id] = order
        if order.status.is_terminal:
            self.s.live_orders.pop(order.client_order_id, None)
        else:
            self.s.live_orders[order.client_order_id] = order

    def _balances_now(self) -> dict[str, Decimal]:
        if self._balances is None:
            got = self.ports.account.balances()
            self._balances = {a: b.total for a, b in got.items()}
            try_balance = got.get(VALUATION_ASSET)
            self._free_try = ZERO if try_balance is None else try_balance.free
        return self._balances

    def _seed(self) -> None:
        """First cycle on an empty ledger: book the exchange balances as deposits."""
        s = self.s
        for asset, amount in sorted(self._balances_now().items()):
            if amount <= 0:
                continue
            rate = ONE if asset == VALUATION_ASSET else s.marks.get(asset)
            if rate is None:
                self.reasons.append(
                    Reason("SEED_UNPRICED", f"{amount} {asset} has no TRY mark; not booked")
                )
                continue
            event = DepositEvent(
                f"seed:{s.params.run_id}:{asset}",
                self.now,
                asset,
                amount,
                rate=None if asset == VALUATION_ASSET else rate,
            )
            s.ledger.apply(event)
            self.events.append(event)
            self.reasons.append(Reason("LEDGER_SEEDED", f"{amount} {asset} at {rate} TRY"))

    def _ingest(self, plan: ReconcilePlan | None) -> None:
        if plan is None:
            return
        s = self.s
        fills = [*plan.fills_to_ingest, *plan.orphan_fills]
        for fill in plan.orphan_fills:
            self.reasons.append(
                Reason("ORPHAN_FILL", f"{fill.pair}:{fill.fill_id} of an order we do not know")
            )
        for fill in fills:
            quote_rate = None
            if fill.pair.quote != VALUATION_ASSET:
                quote_rate = s.marks.get(fill.pair.quote)
            event = FillEvent(fill, quote_rate=quote_rate)
            if s.ledger.apply(event):
                self.events.append(event)
                self.new_fills.append(fill)
                s.last_order_at[(fill.pair, fill.side)] = max(
                    fill.timestamp, s.last_order_at.get((fill.pair, fill.side), fill.timestamp)
                )

    def _self_financing(self, valuation: Valuation) -> CapitalState | None:
        s = self.s
        if not s.profile.self_financing:
            return s.capital
        ledger = s.ledger
        capital = s.capital
        if capital is None:
            start = s.params.initial_trading_capital
            capital = initial_capital_state(
                valuation.equity if start is None else start,
                self.now,
                event_count=ledger.event_count,
                realized_pnl=ledger.realized_pnl,
            )
        if capital.checkpoint_event_count == ledger.event_count:
            return capital
        capital, decision = apply_checkpoint(
            capital, ledger.event_count, ledger.realized_pnl, self.now, s.params.self_financing
        )
        self.reasons.append(decision.reason)
        return capital

    def _risk(
        self, market: MarketSnapshot, valuation: Valuation, plan: ReconcilePlan | None
    ) -> tuple[RiskMode, Decimal, RiskState]:
        s, now = self.s, self.now
        params, profile = s.params, s.profile
        state = s.risk
        mode, multiplier = RiskMode.NORMAL, ONE
        if profile.risk_budget:
            position_values = {
                asset: pos.quantity * s.marks[asset] for asset, pos in s.ledger.positions().items()
            }
            inputs = build_risk_inputs(
                valuation=valuation,
                loss_streak=s.ledger.loss_streak,
                position_values=position_values,
                market=market,
                pairs=params.pairs,
                now=now,
            )
            decision = decide_risk_budget(state, inputs, params.risk_budget, now)
            state, mode, multiplier = decision.state, decision.mode, decision.multiplier
            if mode is not RiskMode.NORMAL or decision.previous_mode is not RiskMode.NORMAL:
                self.reasons.extend(decision.reasons)
        if profile.degrade:
            divergence = None
            every = profile.divergence_every
            if every and self.cycle % every == 0:
                divergence = balance_divergence(s.ledger.balances(), self._balances_now(), s.marks)
            age, _spread = market_facts(market, params.pairs, now)
            observed = HealthObservations(
                quote_age_s=age,
                submits=s.last_submits,
                rejects=s.last_rejects,
                fill_gap_age_s=None if plan is None else plan.oldest_fill_gap_age_s(now),
                divergence=divergence,
                equity=valuation.equity,
            )
            degrade = update_degrade(
                state, detect_anomalies(observed, params.degrade), params.degrade, now
            )
            state = degrade.state
            if degrade.level or degrade.previous_level:
                self.reasons.extend(degrade.reasons)
            combined = mode.stricter(degrade.mode)
            multiplier = min(multiplier, degrade.shrink) if combined is RiskMode.NORMAL else ZERO
            mode = combined
        return mode, multiplier, state

    def _decide(
        self,
        intents: Sequence[OrderIntent],
        mode: RiskMode,
        multiplier: Decimal,
        plan: ReconcilePlan | None,
        capital: CapitalState | None,
        positions: Mapping[str, Position],
    ) -> tuple[OrderRequest, ...]:
        """Filter, allocate, quantise and risk-check intents; return approved requests."""
        if not intents:
            return ()
        s = self.s
        kept: list[OrderIntent] = []
        blocked = plan.blocked_pairs if plan is not None else frozenset()
        for intent in intents:
            if mode is RiskMode.OBSERVE_ONLY or (
                mode is RiskMode.REDUCE_RISK_ONLY and intent.side is Side.BUY
            ):
                self._fate(
                    intent,
                    Fate.BLOCKED_BY_MODE,
                    Reason(f"MODE_{mode.value}", "new orders not allowed"),
                )
            elif intent.pair in blocked:
                self._fate(
                    intent,
                    Fate.BLOCKED_BY_RECONCILE,
                    Reason("PAIR_HAS_UNKNOWN_ORDER", str(intent.pair)),
                )
            else:
                kept.append(intent)
        pair_marks = {p: s.marks[p.base] for p in s.params.pairs if p.base in s.marks}
        if s.profile.allocation and any(i.side is Side.BUY for i in kept):
            self._balances_now()
            cash = min(self._free_try or ZERO, s.ledger.cash)
            deployed = sum((p.quantity * s.marks.get(a, ZERO) for a, p in positions.items()), ZERO)
            decision = allocate(
                kept,
                cash,
                s.params.allocation,
                trading_capital=None if capital is None else capital.trading_capital,
                deployed_try=deployed,
                size_multiplier=multiplier,
                marks=pair_marks,
                rules=s.rules,
            )
            for rejected in decision.dropped:
                self._fate(rejected.intent, Fate.DROPPED_BY_ALLOCATION, *rejected.reasons)
            kept = list(decision.intents)
        quantized = quantize_intents(kept, s.rules, pair_marks, s.params.run_id, self.cycle)
        for rejected in quantized.rejected:
            self._fate(rejected.intent, Fate.REJECTED_BY_RULES, *rejected.reasons)
        by_id = self._intents_by_id(kept, quantized.requests)
        context = RiskContext(
            now=self.now,
            rules=s.rules,
            marks=pair_marks,
            positions=positions,
            open_orders=tuple(s.live_orders.values()),
            last_order_at=s.last_order_at,
        )
        verdict = evaluate_risk(quantized.requests, context, s.params.risk_policy)
        for refused in verdict.rejected:
            intent = by_id[refused.request.client_order_id]
            self._fate(intent, Fate.REJECTED_BY_RISK, *refused.reasons)
        self._pending = {r.client_order_id: by_id[r.client_order_id] for r in verdict.approved}
        return verdict.approved

    def _intents_by_id(
        self, kept: Sequence[OrderIntent], requests: Sequence[OrderRequest]
    ) -> dict[str, OrderIntent]:
        """Map each request back to its intent (``quantize_intents`` gives intent k index k)."""
        ids = {r.client_order_id for r in requests}
        out: dict[str, OrderIntent] = {}
        for k, intent in enumerate(kept):
            coid = client_order_id(self.s.params.run_id, self.cycle, intent.pair, intent.side, k)
            if coid in ids:
                out[coid] = intent
        return out

    def _fate(
        self,
        intent: OrderIntent,
        fate: Fate,
        *reasons: Reason,
        client_order_id: str | None = None,
        price: Decimal | None = None,
        quantity: Decimal | None = None,
    ) -> None:
        self.outcomes.append(
            IntentOutcome(intent, fate, tuple(reasons), client_order_id, price, quantity)
        )

    def _cancel(
        self, cancels: Sequence[CancelIntent]
    ) -> tuple[tuple[str, ...], tuple[tuple[str, Reason], ...]]:
        done: list[str] = []
        blocked: list[tuple[str, Reason]] = []
        for cancel in cancels:
            order = self.s.live_orders.get(cancel.client_order_id)
            if order is None:
                continue
            updated, why = cancel_one(self.ports.trading, self.ports.gate, order, self.now)
            if updated is None:
                blocked.append((cancel.client_order_id, why or Reason("BLOCKED")))
                continue
            self._order_changed(updated)
            done.append(cancel.client_order_id)
            self.reasons.append(
                Reason(
                    cancel.reason.code, f"cancel {cancel.client_order_id}: {cancel.reason.detail}"
                )
            )
        return tuple(done), tuple(blocked)

    def _submit(
        self,
        requests: Sequence[OrderRequest],
        capital: CapitalState | None,
        risk_state: RiskState,
    ) -> tuple[str, ...]:
        s = self.s
        s.last_submits = s.last_rejects = 0
        if not requests:
            return ()
        uow = self.ports.uow
        planned: list[Order] = []
        # Phase 1: record fills, ledger events and the PLANNED orders before anything is sent.
        with uow:
            self._write_common(uow, capital, risk_state)
            for request in requests:
                order = Order.planned(request, self.now)
                if uow.orders.add(order):
                    planned.append(order)
                else:
                    self._fate(
                        self._pending[request.client_order_id],
                        Fate.DUPLICATE,
                        Reason("DUPLICATE_CLIENT_ORDER_ID", request.client_order_id),
                    )
            uow.commit()
        self._committed_common = True
        sent: list[str] = []
        for order in planned:
            result = send_one(self.ports.trading, self.ports.gate, order, self.now)
            self._order_changed(result.order)
            intent = self._pending[order.client_order_id]
            self._fate(
                intent,
                result.fate,
                *result.reasons,
                client_order_id=order.client_order_id,
                price=order.price,
                quantity=order.quantity,
            )
            if result.fate in (Fate.SUBMITTED, Fate.UNKNOWN):
                sent.append(order.client_order_id)
                s.last_submits += 1
                s.last_order_at[(order.pair, order.side)] = self.now
            elif result.fate is Fate.REJECTED_BY_EXCHANGE:
                s.last_submits += 1
                s.last_rejects += 1
        return tuple(sent)

    def _write_common(
        self, uow: UnitOfWork, capital: CapitalState | None, risk_state: RiskState
    ) -> None:
        s = self.s
        for fill in self.new_fills:
            uow.fills.add(fill)
        if self.events:
            uow.ledger.append(self.events)
            s.events_since_snapshot += len(self.events)
            if s.events_since_snapshot >= s.params.ledger_snapshot_every:
                uow.ledger.save_snapshot(s.ledger.snapshot())
                s.events_since_snapshot = 0
        for pair in s.params.pairs:
            if pair.symbol in self.cursor_writes:
                uow.fills.set_cursor(pair, self.cursor_writes[pair.symbol])
        if capital is not None and capital != s.capital:
            uow.capital.save(capital)
        if risk_state is not s.risk:
            uow.risk.save(risk_state)

    def _record(
        self, report: CycleReport, capital: CapitalState | None, risk_state: RiskState
    ) -> None:
        s = self.s
        quiet = report.quiet and not self.events and not self.cursor_writes
        if (
            quiet
            and not s.profile.record_quiet_cycles
            and not self._committed_common
            and capital == s.capital
            and _same_risk(risk_state, s.risk)
        ):
            return
        uow = self.ports.uow
        with uow:
            if not self._committed_common:
                self._write_common(uow, capital, risk_state)
            for order in self.order_writes.values():
                uow.orders.update(order)
            if s.profile.record_quiet_cycles or not report.quiet:
                uow.cycles.record(
                    CycleRecord(
                        s.params.run_id,
                        self.cycle,
                        self.now,
                        self.now,
                        report.mode,
                        report.to_dict(timings=False),
                    )
                )
            uow.commit()


def _same_risk(a: RiskState, b: RiskState) -> bool:
    return a is b or attrs.evolve(a, updated_at=None) == attrs.evolve(b, updated_at=None)
