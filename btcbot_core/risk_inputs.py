"""What the risk budget looks at: its inputs and the metrics it compares.

:class:`RiskInputs` are assembled from a ledger valuation and the market snapshot by
:func:`build_risk_inputs`; :class:`RiskMetrics` are the numbers the triggers of
:mod:`btcbot_core.risk_budget` compare against their thresholds. Money in TRY, ratios as
fractions, spreads in bps, ages in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from btcbot_core.errors import ValidationError
from btcbot_core.ledger import Valuation
from btcbot_core.market import MarketSnapshot
from btcbot_core.money import ZERO, opt_dec_field, to_decimal
from btcbot_core.pair import Pair

INF: Final = Decimal("Infinity")


def int_at_least(low: int, optional: bool = False) -> Any:
    """attrs validator: an ``int`` (not ``bool``) >= ``low``; ``None`` too if ``optional``."""

    def check(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValidationError(f"{attribute.name} must be an integer >= {low}, got {value!r}")

    return check


def _non_negative_dec(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value < 0:
        raise ValidationError(f"{attribute.name} must be >= 0, got {value}")


def _age(_inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        raise ValidationError(f"{attribute.name} must be seconds (a number) or None, got {value!r}")


@attrs.frozen
class RiskInputs:
    """What the risk budget looks at this cycle (TRY unless stated).

    * ``equity``: cash + Σ quantity × mark; ``realized_pnl``: the ledger's cumulative net
      realized PnL; ``loss_streak``: the ledger's consecutive losing round trips.
    * ``positions_value``: Σ position values; ``largest_position_value``: the largest one.
    * ``quote_age_s``: seconds since the oldest quote among the traded pairs was observed;
      ``None`` when a traded pair has no quote at all (treated as infinitely stale). A
      negative age (clock skew) counts as fresh; the degrade ladder watches the clock.
    * ``spread_bps``: the widest spread among the traded pairs; ``None`` when unknown.
    """

    equity: Decimal = attrs.field(converter=to_decimal)
    realized_pnl: Decimal = attrs.field(converter=to_decimal)
    loss_streak: int = attrs.field(default=0, validator=int_at_least(0))
    positions_value: Decimal = attrs.field(
        default=ZERO, converter=to_decimal, validator=_non_negative_dec
    )
    largest_position_value: Decimal = attrs.field(
        default=ZERO, converter=to_decimal, validator=_non_negative_dec
    )
    quote_age_s: float | None = attrs.field(default=0.0, validator=_age)
    spread_bps: Decimal | None = attrs.field(
        default=None, converter=opt_dec_field, validator=_non_negative_dec
    )

    def __attrs_post_init__(self) -> None:
        if self.largest_position_value > self.positions_value:
            raise ValidationError(
                f"largest_position_value {self.largest_position_value} exceeds "
                f"positions_value {self.positions_value}"
            )


def market_facts(
    market: MarketSnapshot, pairs: Iterable[Pair], now: datetime
) -> tuple[float | None, Decimal | None]:
    """(age in seconds of the oldest market datum, widest spread in bps) over ``pairs``.

    A pair's datum is its quote, else (bar mode) its last bar, aged from the bar's close.
    The age is ``None`` when some pair has neither; the spread ``None`` when no pair has a
    quote.
    """
    quotes, bars = market.quotes, market.bars
    oldest: float | None = None
    widest: Decimal | None = None
    missing = False
    for pair in pairs:
        quote = quotes.get(pair)
        if quote is not None:
            age = (now - quote.observed_at).total_seconds()
            spread = quote.spread_bps
            if widest is None or spread > widest:
                widest = spread
        else:
            bar = bars.get(pair)
            if bar is None:
                missing = True
                continue
            age = (now - bar.open_time).total_seconds() - bar.interval_s
        if oldest is None or age > oldest:
            oldest = age
    return (None if missing else (0.0 if oldest is None else oldest)), widest


def build_risk_inputs(
    *,
    valuation: Valuation,
    loss_streak: int,
    position_values: Mapping[str, Decimal],
    market: MarketSnapshot,
    pairs: Iterable[Pair],
    now: datetime,
) -> RiskInputs:
    """Assemble :class:`RiskInputs` from a ledger valuation, the per-asset position values
    (TRY, e.g. quantity × mark of each ``Ledger.positions()`` entry) and the market snapshot."""
    age, spread = market_facts(market, pairs, now)
    values = [abs(v) for v in position_values.values()]
    return RiskInputs(
        equity=valuation.equity,
        realized_pnl=valuation.realized_pnl,
        loss_streak=loss_streak,
        positions_value=sum(values, ZERO),
        largest_position_value=max(values, default=ZERO),
        quote_age_s=age,
        spread_bps=spread,
    )


@attrs.frozen
class RiskMetrics:
    """The numbers the triggers compared (TRY, ratios, bps, seconds; ``Infinity`` = no data
    or no equity). ``trading_day`` is the ISO date in the configured timezone."""

    high_water_mark: Decimal
    drawdown: Decimal
    drawdown_ratio: Decimal
    trading_day: str
    day_start_realized: Decimal
    daily_loss: Decimal
    exposure_ratio: Decimal
    concentration_ratio: Decimal
    quote_age_s: Decimal
    spread_bps: Decimal | None


def ratio(part: Decimal, whole: Decimal) -> Decimal:
    if whole > 0:
        return part / whole
    return INF if part > 0 else ZERO


__all__ = [
    "INF",
    "RiskInputs",
    "RiskMetrics",
    "build_risk_inputs",
    "int_at_least",
    "market_facts",
    "ratio",
]
