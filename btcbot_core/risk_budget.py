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

import enum
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.degrade import DegradeDecision
from btcbot_core.errors import ValidationError
from btcbot_core.money import ONE, ZERO, opt_dec_field, to_decimal
from btcbot_core.orders import Side
from btcbot_core.risk_inputs import (
    INF,
    RiskInputs,
    RiskMetrics,
    build_risk_inputs,
    market_facts,
)
from btcbot_core.risk_inputs import int_at_least as _int_at_least
from btcbot_core.risk_inputs import ratio as _ratio
from btcbot_core.state import RiskMode, RiskState
from btcbot_core.trading_day import (
    DEFAULT_TIMEZONE,
    day_anchor,
    resolve_timezone,
)

_MODES: Final = (RiskMode.NORMAL, RiskMode.REDUCE_RISK_ONLY, RiskMode.OBSERVE_ONLY)
_INF: Final = INF
HALF: Final = Decimal("0.5")
QUARTER: Final = Decimal("0.25")


class Trigger(enum.StrEnum):
    """Risk budget triggers; the reason code is ``RISK_`` + the name."""

    DRAWDOWN_TRY = "DRAWDOWN_TRY"
    DRAWDOWN_RATIO = "DRAWDOWN_RATIO"
    DAILY_LOSS = "DAILY_LOSS"
    LOSS_STREAK = "LOSS_STREAK"
    STALE_DATA = "STALE_DATA"
    SPREAD_SPIKE = "SPREAD_SPIKE"
    GROSS_EXPOSURE = "GROSS_EXPOSURE"
    CONCENTRATION = "CONCENTRATION"

    @property
    def code(self) -> str:
        return f"RISK_{self.value}"


def _opt_positive(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not value > 0:
        raise ValidationError(f"{attribute.name} must be > 0 or None (off), got {value}")


def _seconds(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 0 <= value < 10**9:
        raise ValidationError(f"{attribute.name} must be seconds in 0..1e9, got {value!r}")


_THRESHOLD: Final[dict[str, Any]] = {"converter": opt_dec_field, "validator": _opt_positive}


@attrs.frozen
class RiskBudgetParams:
    """Thresholds (``*_reduce_*`` → REDUCE_RISK_ONLY, ``*_observe_*`` → OBSERVE_ONLY; ``None``
    turns one off) and timing. Money in TRY, ratios as fractions (0.05 = 5 %), spreads in
    bps, ages and durations in seconds. Defaults are in the module docstring's table.
    """

    drawdown_reduce_try: Decimal | None = attrs.field(default=None, **_THRESHOLD)
    drawdown_observe_try: Decimal | None = attrs.field(default=None, **_THRESHOLD)
    drawdown_reduce_ratio: Decimal | None = attrs.field(default=Decimal("0.05"), **_THRESHOLD)
    drawdown_observe_ratio: Decimal | None = attrs.field(default=Decimal("0.10"), **_THRESHOLD)
    daily_loss_reduce_try: Decimal | None = attrs.field(default=Decimal(250), **_THRESHOLD)
    daily_loss_observe_try: Decimal | None = attrs.field(default=Decimal(500), **_THRESHOLD)
    loss_streak_reduce: int | None = attrs.field(default=4, validator=_int_at_least(1, True))
    loss_streak_pause_s: float = attrs.field(default=3600.0, validator=_seconds)
    streak_half_at: int = attrs.field(default=2, validator=_int_at_least(1))
    streak_quarter_at: int = attrs.field(default=3, validator=_int_at_least(1))
    max_quote_age_s: Decimal | None = attrs.field(default=Decimal(30), **_THRESHOLD)
    spread_reduce_bps: Decimal | None = attrs.field(default=Decimal(50), **_THRESHOLD)
    spread_observe_bps: Decimal | None = attrs.field(default=Decimal(150), **_THRESHOLD)
    exposure_reduce_ratio: Decimal | None = attrs.field(default=Decimal("0.9"), **_THRESHOLD)
    exposure_observe_ratio: Decimal | None = attrs.field(default=None, **_THRESHOLD)
    concentration_reduce_ratio: Decimal | None = attrs.field(default=Decimal("0.6"), **_THRESHOLD)
    concentration_observe_ratio: Decimal | None = attrs.field(default=None, **_THRESHOLD)
    hysteresis_ratio: Decimal = attrs.field(default=Decimal("0.2"), converter=to_decimal)
    cooldown_s: float = attrs.field(default=900.0, validator=_seconds)
    timezone: str = DEFAULT_TIMEZONE

    def __attrs_post_init__(self) -> None:
        if not ZERO <= self.hysteresis_ratio < ONE:
            raise ValidationError(
                f"hysteresis_ratio must be in [0, 1), got {self.hysteresis_ratio}"
            )
        for name in ("drawdown_%s_try", "drawdown_%s_ratio", "daily_loss_%s_try",
                     "spread_%s_bps", "exposure_%s_ratio", "concentration_%s_ratio"):  # fmt: skip
            low, high = getattr(self, name % "reduce"), getattr(self, name % "observe")
            if low is not None and high is not None and low > high:
                raise ValidationError(
                    f"{name % 'reduce'}={low} must be <= {name % 'observe'}={high}"
                )
        if self.streak_half_at > self.streak_quarter_at:
            raise ValidationError(
                f"streak_half_at={self.streak_half_at} must be <= "
                f"streak_quarter_at={self.streak_quarter_at}"
            )
        resolve_timezone(self.timezone)  # fail at configuration time, naming the timezone


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


_Limit = tuple[Trigger, str, Decimal | None, Decimal | None, Decimal | None, Decimal | None]
_LIMITS: dict[int, tuple[RiskBudgetParams, tuple[_Limit, ...]]] = {}


def _limits(p: RiskBudgetParams) -> tuple[_Limit, ...]:
    """Per trigger: (trigger, metric name, reduce, observe, reduce × release, observe ×
    release). Derived once per params object (a pure cache: params are immutable)."""
    cached = _LIMITS.get(id(p))
    if cached is not None and cached[0] is p:
        return cached[1]
    release = ONE - p.hysteresis_ratio

    def rel(limit: Decimal | None) -> Decimal | None:
        return None if limit is None else limit * release

    rows = (
        (Trigger.DRAWDOWN_TRY, "drawdown", p.drawdown_reduce_try, p.drawdown_observe_try),
        (Trigger.DRAWDOWN_RATIO, "drawdown_ratio", p.drawdown_reduce_ratio,
         p.drawdown_observe_ratio),
        (Trigger.DAILY_LOSS, "daily_loss", p.daily_loss_reduce_try, p.daily_loss_observe_try),
        (Trigger.STALE_DATA, "quote_age_s", None, p.max_quote_age_s),
        (Trigger.SPREAD_SPIKE, "spread_bps", p.spread_reduce_bps, p.spread_observe_bps),
        (Trigger.GROSS_EXPOSURE, "exposure_ratio", p.exposure_reduce_ratio,
         p.exposure_observe_ratio),
        (Trigger.CONCENTRATION, "concentration_ratio", p.concentration_reduce_ratio,
         p.concentration_observe_ratio),
    )  # fmt: skip
    limits = tuple(
        (trig, name, red, obs, rel(red), rel(obs))
        for trig, name, red, obs in rows
        if red is not None or obs is not None
    )
    if len(_LIMITS) > 64:
        _LIMITS.clear()
    _LIMITS[id(p)] = (p, limits)
    return limits


def _level(value: Decimal, reduce: Decimal | None, observe: Decimal | None) -> int:
    """2 / 1 / 0 when ``value`` reaches the observe / reduce limit / neither."""
    if observe is not None and value >= observe:
        return 2
    return 1 if reduce is not None and value >= reduce else 0


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
