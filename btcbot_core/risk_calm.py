"""The risk budget's shortcut for calm cycles.

Most cycles trip no trigger: the full :func:`~btcbot_core.risk_budget.decide_risk_budget`
would only confirm mode NORMAL, perhaps raise the equity high-water mark or note a new loss
streak. :func:`calm_state` says so from a handful of comparisons, computing only the metrics
that have a threshold, and returns exactly the state the full decision would return (the
very same object when nothing changed). When it cannot be sure it returns ``None`` and the
caller runs the full decision. Property tests hold it to the full function.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from btcbot_core.money import ONE, ZERO
from btcbot_core.risk_budget import RiskBudgetParams, _level, _limits, streak_multiplier
from btcbot_core.risk_inputs import ratio
from btcbot_core.state import RiskMode, RiskState
from btcbot_core.trading_day import day_start_utc, resolve_timezone, trading_day


def metric_names(params: RiskBudgetParams) -> frozenset[str]:
    """Names of the metrics that have a threshold under ``params`` (``"drawdown"``,
    ``"quote_age_s"``, ``"exposure_ratio"``, ...): a metric not named here cannot trigger,
    so callers of :func:`calm_state` need not compute it."""
    cached = _NAMES.get(id(params))
    if cached is not None and cached[0] is params:
        return cached[1]
    names = frozenset(name for _t, name, *_ in _limits(params))
    if len(_NAMES) > 64:
        _NAMES.clear()
    _NAMES[id(params)] = (params, names)
    return names


_NAMES: dict[int, tuple[RiskBudgetParams, frozenset[str]]] = {}


def calm_state(
    state: RiskState,
    equity: Decimal,
    realized_pnl: Decimal,
    loss_streak: int,
    positions_value: Decimal,
    largest_position_value: Decimal,
    quote_age_s: float | None,
    spread_bps: Decimal | None,
    params: RiskBudgetParams,
    now: datetime,
) -> RiskState | None:
    """The state :func:`~btcbot_core.risk_budget.decide_risk_budget` would return when its
    decision is a calm NORMAL, else ``None`` (run the full decision).

    Calm means: the state is NORMAL and anchored in today's trading day, no loss-streak
    pause fires, and every metric with a threshold is below its hysteresis *release* level
    (so no trigger is active or held). The decision is then mode NORMAL with multiplier
    :func:`~btcbot_core.risk_budget.streak_multiplier`; the state only follows a new equity
    high, a new loss streak and the stored reasons. Units as
    :class:`~btcbot_core.risk_inputs.RiskInputs`; metrics without a threshold are never
    read, so callers may pass anything for them.
    """
    if state.mode is not RiskMode.NORMAL or state.mode_since is None or state.day_anchor is None:
        return None
    if now.tzinfo is None:
        return None  # the full decision names the error
    n = params.loss_streak_reduce
    if n is not None and loss_streak >= n and loss_streak > state.last_loss_streak:
        return None
    if _anchor(now, params.timezone) != state.day_anchor:
        return None
    hwm = max(state.equity_high_water_mark, equity)
    for _trigger, name, _reduce, _observe, reduce_rel, observe_rel in _limits(params):
        # The same formulas as the full decision's metrics, for thresholds only.
        if name == "drawdown":
            value: Decimal | None = hwm - equity
        elif name == "drawdown_ratio":
            value = ratio(hwm - equity, hwm)
        elif name == "daily_loss":
            value = max(ZERO, state.day_start_realized - realized_pnl)
        elif name == "quote_age_s":
            if quote_age_s is None:  # no datum for some pair: infinitely stale
                return None
            value = max(Decimal(str(quote_age_s)), ZERO)
        elif name == "spread_bps":
            value = spread_bps
        elif name == "exposure_ratio":
            value = ratio(positions_value, equity)
        else:
            value = ratio(largest_position_value, equity)
        if value is not None and _level(value, reduce_rel, observe_rel):
            return None
    multiplier = streak_multiplier(loss_streak, params)
    if multiplier == ONE:
        reasons: tuple[str, ...] = _RISK_OK
    else:
        reasons = (f"RISK_SIZE_REDUCED: loss streak {loss_streak}: x{multiplier}",)
    if (
        hwm == state.equity_high_water_mark
        and loss_streak == state.last_loss_streak
        and reasons == state.reasons
    ):
        return state
    # every field given, positionally: cheaper than attrs.evolve, which gathers them by name
    return state.__class__(
        state.mode,
        state.mode_since,
        state.cooldown_until,
        hwm,
        state.day_anchor,
        state.day_start_realized,
        state.degrade_level,
        state.degrade_until,
        state.stable_cycles,
        reasons,
        now,
        loss_streak,
    )


_RISK_OK = ("RISK_OK: no trigger",)


def all_clear(
    state: RiskState,
    *,
    equity: Decimal,
    realized_pnl: Decimal,
    loss_streak: int,
    positions_value: Decimal,
    largest_position_value: Decimal,
    quote_age_s: float | None,
    spread_bps: Decimal | None,
    params: RiskBudgetParams,
    now: datetime,
) -> bool:
    """:func:`calm_state` would keep ``state`` as it is: the full decision changes nothing."""
    kept = calm_state(
        state,
        equity=equity,
        realized_pnl=realized_pnl,
        loss_streak=loss_streak,
        positions_value=positions_value,
        largest_position_value=largest_position_value,
        quote_age_s=quote_age_s,
        spread_bps=spread_bps,
        params=params,
        now=now,
    )
    return kept is state


_DAY_WINDOWS: dict[str, tuple[datetime, datetime, str]] = {}


def _anchor(now: datetime, timezone: str) -> str:
    """``day_anchor`` of ``now``, reusing the last computed day while ``now`` is in it."""
    window = _DAY_WINDOWS.get(timezone)
    if window is not None and window[0] <= now < window[1]:
        return window[2]
    tz = resolve_timezone(timezone)
    day = trading_day(now, tz)
    start, end = day_start_utc(day, tz), day_start_utc(day + timedelta(days=1), tz)
    _DAY_WINDOWS[timezone] = (start, end, day.isoformat())
    return day.isoformat()


__all__ = ["all_clear", "calm_state", "metric_names"]
