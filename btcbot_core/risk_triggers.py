"""The risk budget's triggers and thresholds: :class:`Trigger`, :class:`RiskBudgetParams`
and the per-trigger limits derived from them.

What each trigger measures, its default thresholds and how modes escalate and step down are
described in :mod:`btcbot_core.risk_budget`, which decides the mode from these limits.
A limit is reached at or above it (``value >= threshold``); a trigger is released only
below ``threshold × (1 − hysteresis_ratio)``.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any, Final

import attrs

from btcbot_core.errors import ValidationError
from btcbot_core.money import ONE, ZERO, opt_dec_field, to_decimal
from btcbot_core.risk_inputs import int_at_least as _int_at_least
from btcbot_core.trading_day import DEFAULT_TIMEZONE, resolve_timezone


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
    bps, ages and durations in seconds. Defaults are in the table of
    :mod:`btcbot_core.risk_budget`.
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


__all__ = ["RiskBudgetParams", "Trigger"]
