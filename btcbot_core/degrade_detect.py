"""The degrade ladder's inputs: one cycle's health observations, the detectors that turn
them into anomalies, and the thresholds (:class:`DegradeParams`) they use.

Each detector is a small pure function returning an :class:`Anomaly` (with the level it
warrants and a :class:`~btcbot_core.decisions.Reason`) or ``None``; :func:`detect_anomalies`
runs them all over one cycle's :class:`HealthObservations`. The ladder itself (levels,
recovery) is :mod:`btcbot_core.degrade`, which re-exports every name here.

Units: seconds for ages, offsets and cooldowns; milliseconds for latency; TRY for balance
divergence. Thresholds are inclusive: a value exactly at a threshold triggers it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.errors import ValidationError
from btcbot_core.money import ONE, ZERO, to_decimal


class AnomalyKind(enum.StrEnum):
    STALE_DATA = "STALE_DATA"
    REJECT_SPIKE = "REJECT_SPIKE"
    LATENCY_SPIKE = "LATENCY_SPIKE"
    FILL_CURSOR_STALL = "FILL_CURSOR_STALL"
    CLOCK_SKEW = "CLOCK_SKEW"
    PNL_DIVERGENCE = "PNL_DIVERGENCE"


def _positive(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    ok = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise ValidationError(f"{attribute.name} must be a finite number > 0, got {value!r}")


def _non_negative(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    ok = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ValidationError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _count(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(f"{attribute.name} must be an integer >= 1, got {value!r}")


def _ordered(low: str, high: str) -> Callable[[Any, Any, Any], None]:
    def check(inst: Any, _attribute: Any, _value: Any) -> None:
        lo, hi = getattr(inst, low), getattr(inst, high)
        if lo > hi:
            raise ValidationError(f"{low}={lo} must be <= {high}={hi}")

    return check


@attrs.frozen
class DegradeParams:
    """Detector thresholds and ladder timing. Every threshold is inclusive.

    * ``stale_warn_s`` / ``stale_severe_s`` (seconds, 15 / 60): oldest quote age → level 1 / 3;
      a required pair without any quote is level 3.
    * ``reject_warn_count`` / ``reject_severe_count`` (orders, 2 / 5): orders the exchange
      refused in one cycle → level 1 / 2.
    * ``latency_warn_ms`` / ``latency_severe_ms`` (1500 / 5000 ms): worst call latency → 1 / 2.
    * ``fill_stall_warn_s`` / ``fill_stall_severe_s`` (30 / 300 s): age of the oldest fill the
      exchange reports on an order but the fills feed has not delivered → level 1 / 2.
    * ``clock_skew_warn_s`` / ``clock_skew_severe_s`` (1 / 5 s): |exchange − local| → 1 / 3.
    * ``divergence_tolerance_try`` (TRY, 10) and ``divergence_tolerance_ratio`` (of equity,
      0.001): ledger vs exchange balances may differ by the larger of the two; beyond it
      level 2, beyond ``divergence_severe_multiple`` (5) times it level 3.
    * ``recovery_cycles`` (3): stable cycles needed for each step down.
    * ``cooldown_s`` (300 s): minimum time at a level after it was last justified.
    """

    stale_warn_s: float = attrs.field(default=15.0, validator=_positive)
    stale_severe_s: float = attrs.field(
        default=60.0, validator=[_positive, _ordered("stale_warn_s", "stale_severe_s")]
    )
    reject_warn_count: int = attrs.field(default=2, validator=_count)
    reject_severe_count: int = attrs.field(
        default=5, validator=[_count, _ordered("reject_warn_count", "reject_severe_count")]
    )
    latency_warn_ms: float = attrs.field(default=1500.0, validator=_positive)
    latency_severe_ms: float = attrs.field(
        default=5000.0, validator=[_positive, _ordered("latency_warn_ms", "latency_severe_ms")]
    )
    fill_stall_warn_s: float = attrs.field(default=30.0, validator=_positive)
    fill_stall_severe_s: float = attrs.field(
        default=300.0,
        validator=[_positive, _ordered("fill_stall_warn_s", "fill_stall_severe_s")],
    )
    clock_skew_warn_s: float = attrs.field(default=1.0, validator=_positive)
    clock_skew_severe_s: float = attrs.field(
        default=5.0, validator=[_positive, _ordered("clock_skew_warn_s", "clock_skew_severe_s")]
    )
    divergence_tolerance_try: Decimal = attrs.field(
        default=Decimal(10), converter=to_decimal, validator=_non_negative
    )
    divergence_tolerance_ratio: Decimal = attrs.field(
        default=Decimal("0.001"), converter=to_decimal, validator=_non_negative
    )
    divergence_severe_multiple: Decimal = attrs.field(
        default=Decimal(5), converter=to_decimal, validator=_positive
    )
    recovery_cycles: int = attrs.field(default=3, validator=_count)
    cooldown_s: float = attrs.field(default=300.0, validator=_non_negative)


@attrs.frozen
class Anomaly:
    """One detected anomaly: its kind, the ladder level it warrants (1–3) and why."""

    kind: AnomalyKind
    level: int
    reason: Reason

    def __attrs_post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            raise ValidationError(f"anomaly level must be 1..3, got {self.level!r}")


@attrs.frozen
class AnomalyInputs:
    """The anomalies of one cycle (possibly none); ``level`` is the worst one's level."""

    anomalies: tuple[Anomaly, ...] = ()

    @property
    def level(self) -> int:
        return max((a.level for a in self.anomalies), default=0)


@attrs.frozen
class BalanceDivergence:
    """Ledger vs exchange balances: ``per_asset`` differences (ledger − exchange, units),
    ``value_try`` the TRY value of the absolute differences of priced assets, and
    ``unpriced`` the assets that differ but have no mark (so cannot be valued)."""

    per_asset: Mapping[str, Decimal]
    value_try: Decimal
    unpriced: tuple[str, ...]


def balance_divergence(
    ledger_balances: Mapping[str, Decimal],
    exchange_totals: Mapping[str, Decimal],
    marks: Mapping[str, Decimal],
    valuation_asset: str = "TRY",
) -> BalanceDivergence:
    """Compare per-asset totals (exchange totals are free + locked) and value the gaps in TRY.

    ``marks`` are TRY per unit; the valuation asset is worth 1.
    """
    diffs: dict[str, Decimal] = {}
    value = ZERO
    unpriced: list[str] = []
    for asset in sorted(set(ledger_balances) | set(exchange_totals)):
        diff = ledger_balances.get(asset, ZERO) - exchange_totals.get(asset, ZERO)
        if diff == 0:
            continue
        diffs[asset] = diff
        rate = ONE if asset == valuation_asset else marks.get(asset)
        if rate is None:
            unpriced.append(asset)
        else:
            value += abs(diff) * rate
    return BalanceDivergence(diffs, value, tuple(unpriced))


@attrs.frozen
class HealthObservations:
    """What one cycle saw of the machinery. ``None`` means "not measured this cycle".

    * ``quote_age_s``: age in seconds of the oldest quote among the traded pairs;
      ``missing_quotes``: traded pairs (as symbols) with no quote at all.
    * ``submits`` / ``rejects``: orders sent / refused by the exchange this cycle.
    * ``latency_ms``: the slowest exchange call this cycle, milliseconds.
    * ``fill_gap_age_s``: seconds since the oldest exchange-reported fill our fills feed has
      not delivered (see :attr:`~btcbot_core.reconcile.ReconcilePlan.fill_gaps`).
    * ``clock_offset_s``: exchange server time minus local time, seconds.
    * ``divergence`` and ``equity``: ledger vs exchange balances and current equity (TRY).
    """

    quote_age_s: float | None = None
    missing_quotes: tuple[str, ...] = ()
    submits: int = 0
    rejects: int = 0
    latency_ms: float | None = None
    fill_gap_age_s: float | None = None
    clock_offset_s: float | None = None
    divergence: BalanceDivergence | None = None
    equity: Decimal = attrs.field(default=ZERO, converter=to_decimal)


def _tiered(
    kind: AnomalyKind, value: float, warn: float, severe: float, severe_level: int, text: str
) -> Anomaly | None:
    if value >= severe:
        return Anomaly(kind, severe_level, Reason(kind.value, f"{text}, severe at >= {severe}"))
    if value >= warn:
        return Anomaly(kind, 1, Reason(kind.value, f"{text}, warn at >= {warn}"))
    return None


def detect_stale_data(
    quote_age_s: float | None, missing_quotes: tuple[str, ...], params: DegradeParams
) -> Anomaly | None:
    """Level 3 for a missing quote or an age >= ``stale_severe_s``; 1 for >= ``stale_warn_s``."""
    if missing_quotes:
        detail = f"no quote for {', '.join(missing_quotes)}"
        return Anomaly(AnomalyKind.STALE_DATA, 3, Reason(AnomalyKind.STALE_DATA.value, detail))
    if quote_age_s is None:
        return None
    text = f"oldest quote is {quote_age_s:g} s old"
    return _tiered(
        AnomalyKind.STALE_DATA, quote_age_s, params.stale_warn_s, params.stale_severe_s, 3, text
    )


def detect_reject_spike(submits: int, rejects: int, params: DegradeParams) -> Anomaly | None:
    """Level 1 at ``reject_warn_count`` rejects in a cycle, 2 at ``reject_severe_count``."""
    text = f"{rejects} of {max(submits, rejects)} orders rejected this cycle"
    return _tiered(
        AnomalyKind.REJECT_SPIKE,
        rejects,
        params.reject_warn_count,
        params.reject_severe_count,
        2,
        text,
    )


def detect_latency_spike(latency_ms: float | None, params: DegradeParams) -> Anomaly | None:
    """Level 1 at ``latency_warn_ms``, 2 at ``latency_severe_ms``."""
    if latency_ms is None:
        return None
    text = f"slowest exchange call took {latency_ms:g} ms"
    return _tiered(
        AnomalyKind.LATENCY_SPIKE,
        latency_ms,
        params.latency_warn_ms,
        params.latency_severe_ms,
        2,
        text,
    )


def detect_fill_cursor_stall(fill_gap_age_s: float | None, params: DegradeParams) -> Anomaly | None:
    """Level 1 / 2 when fills the exchange reports stay undelivered for the warn / severe age."""
    if fill_gap_age_s is None:
        return None
    text = f"exchange-reported fills missing from the fills feed for {fill_gap_age_s:g} s"
    return _tiered(
        AnomalyKind.FILL_CURSOR_STALL,
        fill_gap_age_s,
        params.fill_stall_warn_s,
        params.fill_stall_severe_s,
        2,
        text,
    )


def detect_clock_skew(clock_offset_s: float | None, params: DegradeParams) -> Anomaly | None:
    """Level 1 at |offset| >= ``clock_skew_warn_s``, 3 at ``clock_skew_severe_s``."""
    if clock_offset_s is None:
        return None
    text = f"exchange clock differs from ours by {clock_offset_s:+g} s"
    return _tiered(
        AnomalyKind.CLOCK_SKEW,
        abs(clock_offset_s),
        params.clock_skew_warn_s,
        params.clock_skew_severe_s,
        3,
        text,
    )


def detect_pnl_divergence(
    divergence: BalanceDivergence | None, equity: Decimal, params: DegradeParams
) -> Anomaly | None:
    """Level 2 beyond the tolerance (max of TRY and ratio × equity), 3 beyond
    ``divergence_severe_multiple`` × tolerance or when a differing asset has no mark."""
    if divergence is None:
        return None
    kind = AnomalyKind.PNL_DIVERGENCE
    if divergence.unpriced:
        detail = f"ledger and exchange differ in unpriced assets {', '.join(divergence.unpriced)}"
        return Anomaly(kind, 3, Reason(kind.value, detail))
    tolerance = max(params.divergence_tolerance_try, params.divergence_tolerance_ratio * equity)
    value = divergence.value_try
    if value <= tolerance:
        return None
    assets = ", ".join(f"{a} {d:+}" for a, d in divergence.per_asset.items())
    detail = f"ledger vs exchange differ by {value} TRY ({assets}); tolerance {tolerance} TRY"
    level = 3 if value > tolerance * params.divergence_severe_multiple else 2
    return Anomaly(kind, level, Reason(kind.value, detail))


def detect_anomalies(observed: HealthObservations, params: DegradeParams) -> AnomalyInputs:
    """Run every detector over one cycle's observations."""
    found = (
        detect_stale_data(observed.quote_age_s, observed.missing_quotes, params),
        detect_reject_spike(observed.submits, observed.rejects, params),
        detect_latency_spike(observed.latency_ms, params),
        detect_fill_cursor_stall(observed.fill_gap_age_s, params),
        detect_clock_skew(observed.clock_offset_s, params),
        detect_pnl_divergence(observed.divergence, observed.equity, params),
    )
    return AnomalyInputs(tuple(a for a in found if a is not None))


__all__ = [
    "Anomaly",
    "AnomalyInputs",
    "AnomalyKind",
    "BalanceDivergence",
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
]
