"""The cycle service: one pass of the decision pipeline, executed through the ports.

snapshot → reconcile and book fills → ledger → self-financing checkpoint → risk budget and
degrade → strategy → cancels → screen (mode, unknown orders, failed cancels) → allocation →
quantise → risk policy → commit PLANNED orders → submit (arming gate re-checked before every
write) → commit the cycle.

Cost is flat in history: warm state lives in the :class:`CycleSession`, and a quiet cycle
skips reconciliation (in simulations), allocation and execution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.ledger import VALUATION_ASSET
from btcbot_core.money import ZERO
from btcbot_core.orders import BUY, OrderIntent
from btcbot_core.pipeline.assess import assess_risk, checkpoint_capital
from btcbot_core.pipeline.cycle_stages import CycleStages
from btcbot_core.pipeline.decide import (
    DecideInputs,
    decide,
    decide_all,
    decide_single,
    screen,
    sole_unscreened,
)
from btcbot_core.pipeline.execute import (
    Gate,
    check_execution,
)
from btcbot_core.pipeline.ingest import (
    Booked,
    book_fills,
    poll_and_reconcile,
    seed_ledger,
)
from btcbot_core.pipeline.market_read import price_holdings, read_market
from btcbot_core.pipeline.params import CycleParams
from btcbot_core.pipeline.profile import StageProfile
from btcbot_core.pipeline.record import commit_cycle
from btcbot_core.pipeline.report import CapitalView, CycleReport
from btcbot_core.pipeline.session import CycleSession
from btcbot_core.ports import AccountPort, MarketDataPort, TradingPort, UnitOfWork
from btcbot_core.state import CapitalState, RiskMode
from btcbot_core.strategies import EMPTY_PROPOSAL, StrategyContext

#: A quiet cycle that the profile does not record, with nothing booked and the stored
#: capital and risk state current, skips the ``commit_cycle`` call (which would write
#: nothing). Tests turn it off to hold the two paths to identical stores.
SKIP_IDLE_COMMITS = True

#: A cycle with one intent in normal mode on an unblocked pair decides it with
#: ``decide_single``, without the screen's sets and the general decide path's containers.
#: Tests turn it off to hold the two paths to identical reports and stores.
SINGLE_INTENT_PATH = True

#: The timings of an untimed cycle (shared: read-only).
_NO_TIMINGS: Mapping[str, float] = MappingProxyType({})


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

    If the cycle raises, the session is marked ``stale`` and the next call rebuilds it from
    the stores, which hold only what was committed.

    Raises :class:`~btcbot_core.errors.ValidationError` before anything else when a
    profile with simulated execution is composed with a trading port that is not simulated
    (see :func:`check_execution`).
    """
    check_execution(profile, ports.trading)
    if session is None or session.stale:
        fresh = CycleSession.open(ports.uow, params, profile)
        if session is not None:
            # Refresh the caller's object in place: it keeps passing the same session.
            session.__dict__.update(fresh.__dict__)
        session = fresh if session is None else session
    session.params, session.profile = params, profile
    try:
        return _run(ports, session, now)
    except BaseException:
        session.stale = True
        raise


class _Laps:
    """A timed cycle's stage timings (ms), built only when ``CyclePorts.timer`` is set."""

    __slots__ = ("_t", "timer", "timings")

    def __init__(self, timer: Callable[[], float]) -> None:
        self.timer = timer
        self.timings: dict[str, float] = {}
        self._t = timer()

    def lap(self, name: str) -> None:
        """Record the time since the last lap (or the start) as stage ``name``."""
        t = self.timer()
        self.timings[name] = (t - self._t) * 1000
        self._t = t


class _Balances:
    """The exchange balances of one cycle, fetched at most once (built when first needed)."""

    __slots__ = ("_account", "_free_try", "_totals")

    def __init__(self, account: AccountPort) -> None:
        self._account = account
        self._totals: dict[str, Decimal] | None = None
        self._free_try = ZERO

    def totals(self) -> Mapping[str, Decimal]:
        """Total per asset."""
        if self._totals is None:
            got = self._account.balances()
            self._totals = {asset: b.total for asset, b in got.items()}
            cash = got.get(VALUATION_ASSET)
            self._free_try = ZERO if cash is None else cash.free
        return self._totals

    def free_try(self) -> Decimal:
        """The free TRY balance (from the same read as :meth:`totals`)."""
        self.totals()
        return self._free_try


def _run(ports: CyclePorts, s: CycleSession, now: datetime) -> CycleReport:
    """One cycle at ``now`` on a current session (see :func:`run_cycle`).

    A function, not an object: a quiet cycle's working memory is its locals; the order
    stages get their own (:class:`CycleStages`) only when there is something to cancel or
    submit.
    """
    cycle = s.cycle + 1
    booked = s.scratch
    if booked is None:
        booked = s.scratch = Booked()
    booked.reset()
    laps = None if ports.timer is None else _Laps(ports.timer)
    params, profile, ledger = s.params, s.profile, s.ledger
    balances = _Balances(ports.account) if profile.degrade or profile.foreign_activity else None
    market = read_market(ports.market, s, cycle, now)
    if laps is not None:
        laps.lap("snapshot")
    plan = None
    if s.live_orders or profile.foreign_activity:
        # in a simulation nobody else trades: no order of ours, nothing to poll
        plan = poll_and_reconcile(ports.trading, s, booked, now)
    if ledger.event_count == 0:
        if balances is None:
            balances = _Balances(ports.account)
        seed_ledger(s, booked, balances.totals(), now)
    if plan is not None:
        book_fills(s, booked, plan, ports.uow)
    unpriced = price_holdings(ports.market, s, booked.reasons)
    marks: Mapping[str, Decimal] = s.marks
    if unpriced:
        # Never a silent zero, never a cycle that raises forever: value at cost, say so,
        # and take no new risk until every holding has a market price again.
        marks = {**s.marks, **{a: ledger.position(a).average_cost or ZERO for a in unpriced}}
        valuation = ledger.valuation(marks)
    else:
        valuation = ledger.valuation(marks, True)  # revalue(), without its call
    if laps is not None:
        laps.lap("reconcile")
    capital = s.capital
    if capital is None or capital.checkpoint_event_count != ledger.event_count:
        # (no new ledger event: nothing to checkpoint, whatever the profile says)
        capital, capital_reason = checkpoint_capital(s, valuation, now)
        if capital_reason is not None:
            booked.reasons.append(capital_reason)
    risk = assess_risk(
        s, market, valuation, plan, now, cycle, None if balances is None else balances.totals, marks
    )
    if risk.reasons:
        booked.reasons.extend(risk.reasons)
    if unpriced:
        why = Reason(
            "UNPRICED_POSITION",
            f"no market price for {', '.join(sorted(unpriced))}: valued at cost; "
            "no new orders until priced",
        )
        booked.reasons.append(why)
        risk = attrs.evolve(risk, mode=RiskMode.OBSERVE_ONLY, multiplier=ZERO)
    if laps is not None:
        laps.lap("risk")

    reserved = ZERO
    observe = s.observe
    if observe is not None and not observe(market, params.pairs):
        proposal = EMPTY_PROPOSAL  # nothing to propose whatever the account: no context
    else:
        positions = ledger.positions()
        live = tuple(s.live_orders.values()) if s.live_orders else ()
        for o in live:  # TRY promised to our own resting buys is not free cash
            if o.side is BUY and o.status.is_live:
                reserved += o.remaining_qty * (o.price or s.marks.get(o.pair.base, ZERO))
        free_cash = ledger.cash - reserved
        # Positional, in field order (pinned by a test): keywords cost more, every cycle.
        context = StrategyContext(
            now,
            market,
            params.pairs,
            positions,
            free_cash if free_cash > ZERO else ZERO,  # cash: free TRY
            live,  # open_orders
            s.rules,
        )
        proposal = s.strategy.propose(context)
    for note in proposal.notes:
        booked.reasons.append(Reason(note.reason.code, f"{note.pair}: {note.reason.detail}"))
    if laps is not None:
        laps.lap("strategy")

    stages = None
    cancelled: tuple[str, ...] = ()
    cancel_blocked: tuple[tuple[str, Reason], ...] = ()
    submitted: tuple[str, ...] = ()
    s.last_submits = s.last_rejects = 0
    intents = proposal.intents
    if proposal.cancels or intents:
        stages = CycleStages(ports, s, now, booked)
        if proposal.cancels:
            cancelled, cancel_blocked = stages.cancel(proposal.cancels)
        if intents:
            plan_blocked = plan.blocked_pairs if plan is not None else ()
            # The usual shape: one intent in normal mode, on a pair nothing blocks (screen's
            # own test, asked without building screen's sets and result).
            one = (
                sole_unscreened(
                    intents, risk.mode, booked.blocked, plan_blocked, stages.cancel_pairs
                )
                if SINGLE_INTENT_PATH
                else None
            )
            if one is not None:
                kept: tuple[OrderIntent, ...] = intents
                needs_cash = one.side is BUY
            else:
                # A pair with a cancel this cycle gets no new order until the exchange has
                # confirmed it next cycle: a cancel can lose the race to a fill (or be
                # refused), and a replacement beside a still-working order would double the
                # exposure.
                screened = screen(
                    intents,
                    risk.mode,
                    frozenset(booked.blocked).union(plan_blocked),
                    frozenset(stages.cancel_pairs),
                )
                stages.outcomes.extend(screened.stopped)
                kept, needs_cash = screened.kept, screened.needs_cash
            positions = ledger.positions()  # (cached per ledger event count)
            cash = None
            deployed = ZERO
            if profile.allocation and needs_cash:
                cash = ledger.cash - reserved
                if profile.foreign_activity:
                    # The exchange's free TRY also reflects what others locked or spent.
                    assert balances is not None  # built for every foreign_activity profile
                    cash = min(balances.free_try(), cash)
                # What is held plus what resting buys have promised: read only when there
                # is cash to allocate (decide reads deployed_try only then).
                held = ZERO
                marks_get = s.marks.get
                for asset, position in positions.items():
                    held = held + position.quantity * marks_get(asset, ZERO)
                deployed = reserved + held
            # Positional, in field order (pinned by a test): keywords cost more.
            inputs = DecideInputs(
                now,
                params.run_id,
                cycle,
                s.rules,
                {p: s.marks[p.base] for p in params.pairs if p.base in s.marks},  # marks
                positions,
                tuple(s.live_orders.values()),  # live_orders
                s.last_order_at,
                params.allocation if profile.allocation else None,  # allocation
                params.risk_policy,
                cash,
                None if capital is None else capital.trading_capital,  # trading_capital
                deployed,  # deployed_try
                risk.multiplier,
            )
            request = None if one is None else decide_single(one, inputs)
            if request is not None and one is not None:
                if laps is not None:
                    laps.lap("decide")
                submitted = stages.submit(
                    (request,), {request.client_order_id: one}, capital, risk.state
                )
            else:
                # (one intent that decide_single refused: decide's own shortcut would only
                # refuse it again)
                decision = (decide if one is None else decide_all)(kept, inputs)
                stages.outcomes.extend(decision.dropped)
                if laps is not None:
                    laps.lap("decide")
                submitted = stages.submit(decision.approved, decision.source, capital, risk.state)
    if laps is not None:
        laps.lap("execute")

    outcomes = stages.outcomes if stages is not None else None
    # Positional, in field order (pinned by a test): keywords cost more, every cycle.
    report = CycleReport(
        params.run_id,
        cycle,
        profile.name,  # stage
        now,
        market,
        risk.mode,
        risk.multiplier,
        tuple(booked.reasons) if booked.reasons else (),  # reasons
        tuple(outcomes) if outcomes else (),  # intents
        submitted,
        cancelled,
        cancel_blocked,
        tuple(f"{f.pair.symbol}:{f.fill_id}" for f in booked.fills)  # fills_ingested
        if booked.fills
        else (),
        valuation,
        _capital_view(s, capital),
        tuple((c, o.status.value) for c, o in booked.orders.items())  # order_updates
        if booked.orders
        else (),
        _NO_TIMINGS if laps is None else laps.timings,  # timings_ms
    )
    state = risk.state
    if (
        not SKIP_IDLE_COMMITS
        or profile.record_quiet_cycles
        or outcomes
        or cancelled
        or cancel_blocked
        or booked.fills
        or booked.orders
        or booked.events
        or booked.history
        or booked.unwritten_cursors
        or state is not s.stored_risk
        or (capital is not None and capital is not s.stored_capital)
    ):
        commit_cycle(ports.uow, s, booked, capital, state, report)
    # else: a quiet cycle the profile does not record, with nothing booked and the stored
    # capital and risk state current: commit_cycle would write nothing (its own rule,
    # tested here first without the call: most backtest cycles end here).
    s.cycle = cycle
    s.capital = capital
    s.risk = state
    if laps is not None:
        laps.lap("record")
    return report


def _capital_view(s: CycleSession, capital: CapitalState | None) -> CapitalView | None:
    """The report's view of ``capital``; the same object while capital is unchanged."""
    if capital is None:
        return None
    cached = s.capital_view
    if cached is None or cached[0] is not capital:
        cached = s.capital_view = (capital, CapitalView(capital.trading_capital, capital.treasury))
    return cached[1]
