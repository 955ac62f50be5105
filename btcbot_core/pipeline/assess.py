"""Capital and risk for one cycle: the self-financing checkpoint, the risk budget and the
degrade ladder, combined so that the stricter of risk mode and degrade level wins."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.degrade import (
    HealthObservations,
    balance_divergence,
    detect_anomalies,
    update_degrade,
)
from btcbot_core.errors import ValidationError
from btcbot_core.ledger import Valuation
from btcbot_core.market import MarketSnapshot
from btcbot_core.money import ONE, ZERO
from btcbot_core.pipeline.session import CycleSession
from btcbot_core.reconcile import ReconcilePlan
from btcbot_core.risk_budget import (
    build_risk_inputs,
    decide_risk_budget,
    market_facts,
    streak_multiplier,
)
from btcbot_core.risk_calm import CalmCheck
from btcbot_core.self_financing import (
    advance_checkpoint,
    apply_checkpoint,
    initial_capital_state,
)
from btcbot_core.state import MODE_NORMAL, CapitalState, RiskMode, RiskState


@attrs.frozen
class Assessment:
    """This cycle's mode and new-exposure multiplier, the risk state to keep, and why."""

    mode: RiskMode
    multiplier: Decimal
    state: RiskState
    reasons: tuple[Reason, ...] = ()


def checkpoint_capital(
    session: CycleSession, valuation: Valuation, now: datetime
) -> tuple[CapitalState | None, Reason | None]:
    """Apply the self-financing checkpoint if the ledger moved since the last one."""
    if not session.profile.self_financing:
        return session.capital, None
    ledger = session.ledger
    capital = session.capital
    if capital is None:
        start = session.params.initial_trading_capital
        capital = initial_capital_state(
            valuation.equity if start is None else start,
            now,
            event_count=ledger.event_count,
            realized_pnl=ledger.realized_pnl,
        )
    count = ledger.event_count
    last = capital.checkpoint_event_count
    if count == last:
        return capital, None
    if count > last:
        # (the ledger's realized PnL is a finite Decimal: its arithmetic traps NaN and
        # infinities) apply_checkpoint's own path for new events, without its decision object
        capital, reason, _delta, _trading, _treasury, _unabsorbed = advance_checkpoint(
            capital, count, ledger.realized_pnl, now, session.params.self_financing
        )
        return capital, reason
    capital, decision = apply_checkpoint(  # raises: the ledger went backwards
        capital, count, ledger.realized_pnl, now, session.params.self_financing
    )
    return capital, decision.reason


def assess_risk(
    session: CycleSession,
    market: MarketSnapshot,
    valuation: Valuation,
    plan: ReconcilePlan | None,
    now: datetime,
    cycle: int,
    exchange_totals: Callable[[], Mapping[str, Decimal]] | None,
    marks: Mapping[str, Decimal] | None = None,
) -> Assessment:
    """Risk budget then degrade ladder (each leaves the other's fields of the state alone).

    ``marks`` (TRY per unit) default to the session's market marks; the cycle passes
    cost-price stand-ins for holdings it could not price (and then blocks new orders).
    ``exchange_totals`` reads the exchange balances (total per asset) for the degrade
    ladder's divergence check: required when the profile runs the ladder, else unused.

    Reasons are reported only when a mode is, or was, not NORMAL: a calm cycle says nothing.
    """
    params, profile = session.params, session.profile
    state = session.risk
    mode, multiplier = MODE_NORMAL, ONE
    reasons: list[Reason] = []
    if profile.risk_budget:
        marks = session.marks if marks is None else marks
        calm = None if profile.degrade else _calm(session, market, valuation, marks, now)
        if calm is not None:
            last = session.calm_assessment
            if last is not None and last.state is calm:
                # The same calm verdict as last cycle. calm_state returns the very same state
                # only when its reasons, which spell out the multiplier, are unchanged.
                return last
            multiplier = streak_multiplier(session.ledger.loss_streak, params.risk_budget)
            session.calm_assessment = Assessment(mode, multiplier, calm)
            return session.calm_assessment
        position_values = _position_values(session, marks)
        inputs = build_risk_inputs(
            valuation=valuation,
            loss_streak=session.ledger.loss_streak,
            position_values=position_values,
            market=market,
            pairs=params.pairs,
            now=now,
        )
        decision = decide_risk_budget(state, inputs, params.risk_budget, now)
        state, mode, multiplier = decision.state, decision.mode, decision.multiplier
        if mode is not MODE_NORMAL or decision.previous_mode is not MODE_NORMAL:
            reasons.extend(decision.reasons)
    if profile.degrade:
        every = profile.divergence_every
        divergence = None
        if every and cycle % every == 0:
            if exchange_totals is None:
                raise ValidationError(
                    f"profile {profile.name!r} runs the degrade ladder: assess_risk needs "
                    "exchange_totals"
                )
            divergence = balance_divergence(
                session.ledger.balances(), exchange_totals(), marks or session.marks
            )
        age, _spread = market_facts(market, params.pairs, now)
        observed = HealthObservations(
            quote_age_s=age,
            submits=session.last_submits,
            rejects=session.last_rejects,
            fill_gap_age_s=None if plan is None else plan.oldest_fill_gap_age_s(now),
            divergence=divergence,
            equity=valuation.equity,
        )
        degrade = update_degrade(
            state, detect_anomalies(observed, params.degrade), params.degrade, now
        )
        state = degrade.state
        if degrade.level or degrade.previous_level:
            reasons.extend(degrade.reasons)
        combined = mode.stricter(degrade.mode)
        multiplier = min(multiplier, degrade.shrink) if combined is MODE_NORMAL else ZERO
        mode = combined
    return Assessment(mode, multiplier, state, tuple(reasons))


def _position_values(session: CycleSession, marks: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """TRY value of each holding at ``marks``."""
    return {asset: pos.quantity * marks[asset] for asset, pos in session.ledger.positions().items()}


def _calm(
    session: CycleSession,
    market: MarketSnapshot,
    valuation: Valuation,
    marks: Mapping[str, Decimal],
    now: datetime,
) -> RiskState | None:
    """The risk state after a calm NORMAL decision (see
    :func:`~btcbot_core.risk_calm.calm_state`), or ``None`` when the full decision must run.

    Only the metrics that have a threshold are computed: a quiet cycle with few triggers
    configured pays for few."""
    params = session.params
    check = session.calm_check
    if check is None or check.params is not params.risk_budget:
        check = session.calm_check = CalmCheck(params.risk_budget)
    age: float | None = 0.0
    spread: Decimal | None = None
    if check.needs_market:
        age, spread = market_facts(market, params.pairs, now)
    total = largest = ZERO
    if check.needs_exposure:
        values = [abs(v) for v in _position_values(session, marks).values()]
        total, largest = sum(values, ZERO), max(values, default=ZERO)
    return check.state(  # positional (every cycle): state, equity, realized, streak, ...
        session.risk,
        valuation.equity,
        valuation.realized_pnl,
        session.ledger.loss_streak,
        total,  # positions_value
        largest,  # largest_position_value
        age,  # quote_age_s
        spread,  # spread_bps
        now,
    )
