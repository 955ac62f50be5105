"""The risk budget: how much the bot may do this cycle, decided from its own results.

Modes (:class:`~btcbot_core.state.RiskMode`), least to most restrictive:

* ``NORMAL`` — buys and sells;
* ``REDUCE_RISK_ONLY`` — sells and cancels only;
* ``OBSERVE_ONLY`` — no new orders at all; cancels are still allowed.

:func:`decide_risk_budget` maps :class:`RiskInputs` (all TRY unless stated) and the persisted
:class:`~btcbot_core.state.RiskState` to a :class:`RiskDecision`. Triggers (thresholds are
inclusive — a value exactly at a threshold triggers; ``None`` disables a threshold):

======================  ================================================  ================
trigger (reason code)   metric                                            reduce / observe
======================  ================================================  ================
RISK_DRAWDOWN_TRY       equity high-water mark − equity, TRY              off / off
RISK_DRAWDOWN_RATIO     drawdown / high-water mark                        0.05 / 0.10
RISK_DAILY_LOSS         realized loss since the trading day began, TRY    250 / 500
RISK_LOSS_STREAK        consecutive losing round trips (a new one >= N)   4 / —
RISK_STALE_DATA         oldest quote age, s (a missing quote: infinite)   — / 30
RISK_SPREAD_SPIKE       widest spread, bps                                50 / 150
RISK_GROSS_EXPOSURE     positions value / equity                          0.9 / off
RISK_CONCENTRATION      largest single position value / equity            0.6 / off
======================  ================================================  ================

The triggers, their parameters (:class:`RiskBudgetParams`) and the limits derived from them
live in :mod:`btcbot_core.risk_triggers` (importable from here too).

No flapping: **escalation is immediate**. **De-escalation** happens one level per step, only
when every trigger of the current level has been released — its metric is below the threshold
by the hysteresis margin (``value < threshold × (1 − hysteresis_ratio)``) — *and* the cooldown
has elapsed. The cooldown (``cooldown_s``) restarts at every escalation, every step down and
every cycle in which the current level is still held, so it counts quiet time.

The loss streak never clears by itself in a bot that stopped buying, so it is an *event*
trigger: when a new losing round trip brings the streak to ``loss_streak_reduce`` or beyond
(``state.last_loss_streak`` remembers the streak already acted on), the bot goes to
REDUCE_RISK_ONLY for at least ``loss_streak_pause_s``; afterwards it trades again with the
small position-size multiplier below, and each further losing round trip pauses it again.

Position-size multiplier — the factor on the size of **new exposure** (buys); sells are never
shrunk by the risk budget, so exiting is always possible at full size when the mode allows:

================  ===========  ===========  ============
mode              streak < 2   streak = 2   streak >= 3
================  ===========  ===========  ============
NORMAL            1            0.5          0.25
REDUCE_RISK_ONLY  0            0            0
OBSERVE_ONLY      0            0            0
================  ===========  ===========  ============

(2 and 3 are ``streak_half_at`` and ``streak_quarter_at``.) :func:`effective_risk` combines a
risk decision with the degrade ladder (:mod:`btcbot_core.degrade`): the stricter mode wins
and the multiplier is the smaller one (0 unless the combined mode is NORMAL).

Daily loss: the trading day is the calendar day in ``timezone`` (default Europe/Istanbul, so
the day rolls over at 21:00 UTC; see :mod:`btcbot_core.trading_day`). ``state.day_anchor``
and ``state.day_start_realized`` remember the day and the net realized PnL at the first
decision of that day (so a loss realized between midnight and that first cycle counts for
the previous day; cycles are seconds to minutes apart).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.degrade import DegradeDecision
from btcbot_core.errors import ValidationError
from btcbot_core.money import ONE, ZERO
from btcbot_core.orders import Side
from btcbot_core.risk_inputs import (
    INF,
    RiskInputs,
    RiskMetrics,
    build_risk_inputs,
    market_facts,
)
from btcbot_core.risk_inputs import ratio as _ratio
from btcbot_core.risk_triggers import RiskBudgetParams, Trigger
from btcbot_core.risk_triggers import _level as _level  # re-exported: risk_calm uses it
from btcbot_core.risk_triggers import _limits as _limits  # re-exported: risk_calm uses it
from btcbot_core.state import RiskMode, RiskState
from btcbot_core.trading_day import day_anchor, resolve_timezone

_MODES: Final = (RiskMode.NORMAL, RiskMode.REDUCE_RISK_ONLY, RiskMode.OBSERVE_ONLY)
_INF: Final = INF
HALF: Final = Decimal("0.5")
QUARTER: Final = Decimal("0.25")


@attrs.frozen
class RiskDecision:
    """One cycle's risk budget: the new ``state`` to persist, the ``mode``, the
    new-exposure ``multiplier``, every ``reason`` (triggers, then what the mode did), the
    ``metrics`` compared and the ``inputs`` echoed back."""

    state: RiskState
    mode: RiskMode
    previous_mode: RiskMode
    multiplier: Decimal
    reasons: tuple[Reason, ...]
    metrics: RiskMetrics
    inputs: RiskInputs

    def allows(self, side: Side) -> bool:
        return allows_submit(self.mode, side)


def allows_submit(mode: RiskMode, side: Side) -> bool:
    """May a new order on ``side`` be sent in ``mode``? (Cancels are always allowed.)"""
    if mode is RiskMode.NORMAL:
        return True
    return mode is RiskMode.REDUCE_RISK_ONLY and side is Side.SELL


def streak_multiplier(loss_streak: int, params: RiskBudgetParams) -> Decimal:
    """1, 0.5 from ``streak_half_at`` losing round trips, 0.25 from ``streak_quarter_at``."""
    if loss_streak >= params.streak_quarter_at:
        return QUARTER
    return HALF if loss_streak >= params.streak_half_at else ONE


def _metrics(
    state: RiskState, inputs: RiskInputs, params: RiskBudgetParams, now: datetime
) -> tuple[RiskMetrics, list[Reason]]:
    notes: list[Reason] = []
    hwm = max(state.equity_high_water_mark, inputs.equity)
    drawdown = hwm - inputs.equity
    anchor = day_anchor(now, resolve_timezone(params.timezone))
    start = state.day_start_realized
    if state.day_anchor is None or anchor > state.day_anchor:
        if state.day_anchor is not None:
            notes.append(Reason("RISK_DAY_ROLLOVER", f"{state.day_anchor} -> {anchor}"))
        start = inputs.realized_pnl
    elif anchor < state.day_anchor:
        notes.append(Reason("RISK_DAY_BACKWARDS", f"{anchor} < {state.day_anchor}; day kept"))
        anchor = state.day_anchor
    age = _INF if inputs.quote_age_s is None else max(Decimal(str(inputs.quote_age_s)), ZERO)
    metrics = RiskMetrics(
        high_water_mark=hwm,
        drawdown=drawdown,
        drawdown_ratio=_ratio(drawdown, hwm),
        trading_day=anchor,
        day_start_realized=start,
        daily_loss=max(ZERO, start - inputs.realized_pnl),
        exposure_ratio=_ratio(inputs.positions_value, inputs.equity),
        concentration_ratio=_ratio(inputs.largest_position_value, inputs.equity),
        quote_age_s=age,
        spread_bps=inputs.spread_bps,
    )
    return metrics, notes


def decide_risk_budget(
    state: RiskState, inputs: RiskInputs, params: RiskBudgetParams, now: datetime
) -> RiskDecision:
    """Decide this cycle's mode and multiplier (see the module docstring for the rules)."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValidationError(f"now {now!r} must be a timezone-aware datetime")
    metrics, reasons = _metrics(state, inputs, params, now)
    release = ONE - params.hysteresis_ratio
    raw = hold = 0
    for trigger, name, reduce, observe, reduce_rel, observe_rel in _limits(params):
        value = getattr(metrics, name)
        if value is None:
            continue
        active = _level(value, reduce, observe)
        held = _level(value, reduce_rel, observe_rel)
        raw, hold = max(raw, active), max(hold, held)
        if active:
            limit = observe if active == 2 else reduce
            detail = f"{value} >= {limit} -> {_MODES[active]}"
            reasons.append(Reason(trigger.code, detail))
        elif held:
            limit = observe if held == 2 else reduce
            reasons.append(Reason(f"{trigger.code}_NOT_CLEARED", f"{value} >= {limit} x {release}"))

    streak, until = inputs.loss_streak, state.cooldown_until
    n = params.loss_streak_reduce
    if n is not None and streak >= n and streak > state.last_loss_streak:
        raw = max(raw, 1)
        pause_end = now + timedelta(seconds=params.loss_streak_pause_s)
        until = pause_end if until is None else max(until, pause_end)
        detail = f"{streak} losing round trips in a row (>= {n}): pause until {until.isoformat()}"
        reasons.append(Reason(Trigger.LOSS_STREAK.code, detail))

    current = state.mode.rank
    cooldown_end = now + timedelta(seconds=params.cooldown_s)
    since = state.mode_since or now
    if raw > current:
        level, since = raw, now
        until = cooldown_end if until is None else max(until, cooldown_end)
        reasons.append(Reason("RISK_MODE_ESCALATED", f"{state.mode} -> {_MODES[raw]}"))
    elif current > 0 and hold >= current:
        level = current
        until = cooldown_end if until is None else max(until, cooldown_end)
        reasons.append(Reason("RISK_MODE_HELD", f"{state.mode}: a trigger has not cleared"))
    elif current > 0 and until is not None and now < until:
        level = current
        reasons.append(Reason("RISK_COOLDOWN_ACTIVE", f"{state.mode} until {until.isoformat()}"))
    elif current > 0:
        level, since, until = current - 1, now, cooldown_end
        reasons.append(Reason("RISK_MODE_STEPPED_DOWN", f"{state.mode} -> {_MODES[level]}"))
    else:
        level = 0
    mode = _MODES[level]

    multiplier = streak_multiplier(streak, params) if mode is RiskMode.NORMAL else ZERO
    if mode is RiskMode.NORMAL and multiplier < ONE:
        reasons.append(Reason("RISK_SIZE_REDUCED", f"loss streak {streak}: x{multiplier}"))
    if not reasons:
        reasons.append(Reason("RISK_OK", "no trigger"))
    stored = tuple(str(r) for r in reasons)
    if (
        mode is state.mode
        and since == state.mode_since
        and until == state.cooldown_until
        and metrics.high_water_mark == state.equity_high_water_mark
        and metrics.trading_day == state.day_anchor
        and metrics.day_start_realized == state.day_start_realized
        and streak == state.last_loss_streak
        and stored == state.reasons
    ):
        new_state = state  # nothing changed: keep the object (``updated_at`` = last change)
    else:
        new_state = attrs.evolve(
            state,
            mode=mode,
            mode_since=since,
            cooldown_until=until,
            equity_high_water_mark=metrics.high_water_mark,
            day_anchor=metrics.trading_day,
            day_start_realized=metrics.day_start_realized,
            last_loss_streak=streak,
            reasons=stored,
            updated_at=now,
        )
    return RiskDecision(
        state=new_state,
        mode=mode,
        previous_mode=state.mode,
        multiplier=multiplier,
        reasons=tuple(reasons),
        metrics=metrics,
        inputs=inputs,
    )


@attrs.frozen
class EffectiveRisk:
    """The risk budget and the degrade ladder combined: the stricter ``mode`` wins and the
    ``multiplier`` is the smaller factor (0 unless the mode is NORMAL)."""

    mode: RiskMode
    multiplier: Decimal
    risk_mode: RiskMode
    degrade_level: int
    reasons: tuple[Reason, ...]

    def allows(self, side: Side) -> bool:
        return allows_submit(self.mode, side)


def effective_risk(risk: RiskDecision, degrade: DegradeDecision) -> EffectiveRisk:
    """Combine one cycle's risk decision and degrade decision (stricter wins)."""
    mode = risk.mode.stricter(degrade.mode)
    multiplier = min(risk.multiplier, degrade.shrink) if mode is RiskMode.NORMAL else ZERO
    detail = (
        f"risk {risk.mode} x{risk.multiplier}, degrade level {degrade.level} "
        f"({degrade.mode} x{degrade.shrink}) -> {mode} x{multiplier}"
    )
    return EffectiveRisk(
        mode=mode,
        multiplier=multiplier,
        risk_mode=risk.mode,
        degrade_level=degrade.level,
        reasons=(*risk.reasons, *degrade.reasons, Reason("RISK_EFFECTIVE_MODE", detail)),
    )


__all__ = [
    "EffectiveRisk",
    "RiskBudgetParams",
    "RiskDecision",
    "RiskInputs",
    "RiskMetrics",
    "Trigger",
    "allows_submit",
    "build_risk_inputs",
    "decide_risk_budget",
    "effective_risk",
    "market_facts",
    "streak_multiplier",
]
