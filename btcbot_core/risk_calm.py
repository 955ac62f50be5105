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
from btcbot_core.state import MODE_NORMAL, RiskState
from btcbot_core.trading_day import day_start_utc, resolve_timezone, trading_day


class CalmCheck:
    """:func:`calm_state` for one parameters object, with what depends only on the parameters
    (the thresholds, which metrics have one, the trading day of the last ``now``, the calm
    reasons per loss streak) worked out once. The pipeline keeps one per session for the
    whole run."""

    __slots__ = (
        "_reasons",
        "_window",
        "limits",
        "names",
        "needs_exposure",
        "needs_market",
        "params",
    )

    def __init__(self, params: RiskBudgetParams) -> None:
        self.params = params
        self.limits = _limits(params)
        #: names of the metrics that have a threshold: a metric not named here cannot
        #: trigger, so callers need not compute it
        self.names = frozenset(name for _t, name, *_ in self.limits)
        #: the quote age or spread has a threshold: the caller must compute them
        self.needs_market = "quote_age_s" in self.names or "spread_bps" in self.names
        #: the exposure or concentration has a threshold: the caller must value positions
        self.needs_exposure = "exposure_ratio" in self.names or "concentration_ratio" in self.names
        # (start, end, anchor) of the trading day last computed: [start, end) in UTC
        self._window: tuple[datetime, datetime, str] | None = None
        self._reasons: dict[int, tuple[str, ...]] = {}  # loss streak -> the state's reasons

    def day_anchor(self, now: datetime) -> str:
        """``day_anchor`` of ``now`` in the parameters' timezone, reusing the last computed
        trading day while ``now`` is in it."""
        window = self._window
        if window is not None and window[0] <= now < window[1]:
            return window[2]
        tz = resolve_timezone(self.params.timezone)
        day = trading_day(now, tz)
        start, end = day_start_utc(day, tz), day_start_utc(day + timedelta(days=1), tz)
        anchor = day.isoformat()
        self._window = (start, end, anchor)  # one assignment: a reader sees all or nothing
        return anchor

    def _streak_reasons(self, loss_streak: int) -> tuple[str, ...]:
        """The reasons a calm state carries for ``loss_streak`` (naming the size
        multiplier), remembered per streak (a small set: streaks are short)."""
        multiplier = streak_multiplier(loss_streak, self.params)
        if multiplier == ONE:
            reasons = _RISK_OK
        else:
            reasons = (f"RISK_SIZE_REDUCED: loss streak {loss_streak}: x{multiplier}",)
        if len(self._reasons) > 256:
            self._reasons.clear()
        self._reasons[loss_streak] = reasons
        return reasons

    def state(
        self,
        state: RiskState,
        equity: Decimal,
        realized_pnl: Decimal,
        loss_streak: int,
        positions_value: Decimal,
        largest_position_value: Decimal,
        quote_age_s: float | None,
        spread_bps: Decimal | None,
        now: datetime,
    ) -> RiskState | None:
        """:func:`calm_state` under this check's parameters."""
        if (
            state.mode is not MODE_NORMAL
            or state.mode_since is None
            or state.day_anchor is None
            or now.tzinfo is None  # the full decision names the error
        ):
            return None
        params = self.params
        n = params.loss_streak_reduce
        if n is not None and loss_streak >= n and loss_streak > state.last_loss_streak:
            return None
        window = self._window  # day_anchor()'s test, inlined: this runs every cycle
        anchor = window[2] if window is not None and window[0] <= now < window[1] else None
        if anchor is None:
            anchor = self.day_anchor(now)
        if anchor != state.day_anchor:
            return None
        hwm = state.equity_high_water_mark
        if equity > hwm:  # (max() as a comparison: this runs every cycle)
            hwm = equity
        for _trigger, name, _reduce, _observe, reduce_rel, observe_rel in self.limits:
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
        reasons = self._reasons.get(loss_streak)
        if reasons is None:
            reasons = self._streak_reasons(loss_streak)
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
    return CalmCheck(params).state(
        state,
        equity,
        realized_pnl,
        loss_streak,
        positions_value,
        largest_position_value,
        quote_age_s,
        spread_bps,
        now,
    )


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


__all__ = ["CalmCheck", "all_clear", "calm_state"]
