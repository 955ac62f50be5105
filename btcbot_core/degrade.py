"""The degrade ladder: operational anomalies shrink, then stop, trading; recovery is stepwise.

Anomalies are about the machinery (data, exchange, clock, books), not about the market:

* level 0 — healthy: mode NORMAL, new-exposure size factor 1;
* level 1 — something is off: NORMAL, factor 0.5;
* level 2 — we may not see our orders or fills: REDUCE_RISK_ONLY, factor 0.25 (buys are
  blocked by the mode anyway; the factor matters only if a caller ignores the mode);
* level 3 — we cannot trust what we see: OBSERVE_ONLY, factor 0.

(:data:`DEGRADE_MODE` and :data:`DEGRADE_SHRINK`; the risk budget's
:func:`~btcbot_core.risk_budget.effective_risk` combines both, the stricter wins.)

The detectors (:mod:`btcbot_core.degrade_detect`, re-exported here) turn one cycle's
:class:`HealthObservations` into anomalies (:func:`detect_anomalies`). :func:`update_degrade`
then moves
the ladder: **up immediately** to the worst anomaly's level; **down one level at a time**, only
after ``recovery_cycles`` consecutive stable cycles (cycles whose worst anomaly is below the
current level) *and* ``cooldown_s`` seconds since the level was last justified.

Units: seconds for ages, offsets and cooldowns; milliseconds for latency; TRY for balance
divergence. Thresholds are inclusive: a value exactly at a threshold triggers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.degrade_detect import (
    Anomaly,
    AnomalyInputs,
    AnomalyKind,
    BalanceDivergence,
    DegradeParams,
    HealthObservations,
    balance_divergence,
    detect_anomalies,
    detect_clock_skew,
    detect_fill_cursor_stall,
    detect_latency_spike,
    detect_pnl_divergence,
    detect_reject_spike,
    detect_stale_data,
)
from btcbot_core.errors import ValidationError
from btcbot_core.money import ONE, ZERO
from btcbot_core.state import RiskMode, RiskState

MAX_LEVEL: Final = 3
DEGRADE_MODE: Final[Mapping[int, RiskMode]] = {
    0: RiskMode.NORMAL,
    1: RiskMode.NORMAL,
    2: RiskMode.REDUCE_RISK_ONLY,
    3: RiskMode.OBSERVE_ONLY,
}
DEGRADE_SHRINK: Final[Mapping[int, Decimal]] = {
    0: ONE,
    1: Decimal("0.5"),
    2: Decimal("0.25"),
    3: ZERO,
}


@attrs.frozen
class DegradeDecision:
    """The ladder after one cycle: new ``state`` (only the degrade fields change), ``level``,
    the ``mode`` and ``shrink`` factor it implies, the ``anomalies`` it was decided from, and
    the ``reasons`` (each anomaly's reason, then what the ladder did)."""

    state: RiskState
    level: int
    previous_level: int
    mode: RiskMode
    shrink: Decimal
    anomalies: AnomalyInputs
    reasons: tuple[Reason, ...]


def _check_now(now: datetime) -> None:
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValidationError(f"now {now!r} must be a timezone-aware datetime")


def update_degrade(
    state: RiskState, anomalies: AnomalyInputs, params: DegradeParams, now: datetime
) -> DegradeDecision:
    """Move the degrade ladder one cycle (see the module docstring for the rules).

    Uses and updates ``state.degrade_level``, ``state.degrade_until`` (the earliest time the
    next step down may happen) and ``state.stable_cycles``; other fields are left alone.
    """
    _check_now(now)
    current = state.degrade_level
    if current not in DEGRADE_MODE:
        raise ValidationError(f"state.degrade_level must be 0..{MAX_LEVEL}, got {current!r}")
    target = anomalies.level
    cooldown = timedelta(seconds=params.cooldown_s)
    until = state.degrade_until
    stable = 0
    reasons = [a.reason for a in anomalies.anomalies]
    level = current
    if target > current:
        level, until = target, now + cooldown
        reasons.append(Reason("DEGRADE_ESCALATED", f"level {current} -> {target}"))
    elif target == current and current > 0:
        until = max(until, now + cooldown) if until is not None else now + cooldown
        reasons.append(Reason("DEGRADE_HELD", f"level {current}: anomalies persist"))
    elif target < current:
        stable = state.stable_cycles + 1
        waiting = until is not None and now < until
        if stable >= params.recovery_cycles and not waiting:
            level, stable, until = current - 1, 0, now + cooldown
            reasons.append(Reason("DEGRADE_RECOVERED", f"level {current} -> {level}"))
        else:
            left = "" if until is None or not waiting else f", cooldown until {until.isoformat()}"
            detail = f"level {current}: {stable}/{params.recovery_cycles} stable cycles{left}"
            reasons.append(Reason("DEGRADE_RECOVERING", detail))
    if level == 0 and current == 0:
        until = None
    if (level, until, stable) == (state.degrade_level, state.degrade_until, state.stable_cycles):
        new_state = state  # nothing changed: keep the object (``updated_at`` = last change)
    else:
        new_state = attrs.evolve(
            state, degrade_level=level, degrade_until=until, stable_cycles=stable, updated_at=now
        )
    return DegradeDecision(
        state=new_state,
        level=level,
        previous_level=current,
        mode=DEGRADE_MODE[level],
        shrink=DEGRADE_SHRINK[level],
        anomalies=anomalies,
        reasons=tuple(reasons),
    )


__all__ = [
    "DEGRADE_MODE",
    "DEGRADE_SHRINK",
    "MAX_LEVEL",
    "Anomaly",
    "AnomalyInputs",
    "AnomalyKind",
    "BalanceDivergence",
    "DegradeDecision",
    "DegradeParams",
    "HealthObservations",
    "balance_divergence",
    "detect_anomalies",
    "detect_clock_skew",
    "detect_fill_cursor_stall",
    "detect_latency_spike",
    "detect_pnl_divergence",
    "detect_reject_spike",
    "detect_stale_data",
    "update_degrade",
]
