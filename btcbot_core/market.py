"""Market data values: top of book, OHLCV bars and the per-cycle market snapshot.

Prices are in the pair's quote asset per one unit of base; sizes in the base asset.
Timestamps are timezone-aware UTC ``datetime``s.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from btcbot_core.errors import ValidationError
from btcbot_core.money import BPS_PER_UNIT, ZERO, dec_field
from btcbot_core.pair import Pair


def _aware_field(_inst: object, _attr: object, value: datetime) -> None:
    """attrs validator: a timezone-aware ``datetime``."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(f"timestamp {value!r} must be a timezone-aware datetime")


@attrs.frozen
class Quote:
    """Best bid and ask of one pair at ``observed_at``. ``bid <= ask``, both positive."""

    pair: Pair
    bid: Decimal = attrs.field(converter=dec_field)
    ask: Decimal = attrs.field(converter=dec_field)
    observed_at: datetime = attrs.field(validator=_aware_field)
    bid_size: Decimal = attrs.field(default=ZERO, converter=dec_field)
    ask_size: Decimal = attrs.field(default=ZERO, converter=dec_field)

    def __attrs_post_init__(self) -> None:
        if self.bid <= 0 or self.ask <= 0:
            raise ValidationError(f"{self.pair}: bid {self.bid} and ask {self.ask} must be > 0")
        if self.bid > self.ask:
            raise ValidationError(f"{self.pair}: crossed book, bid {self.bid} > ask {self.ask}")

    @property
    def mid(self) -> Decimal:
        """(bid + ask) / 2, unrounded."""
        return (self.bid + self.ask) / 2

    @property
    def spread_bps(self) -> Decimal:
        """(ask − bid) / mid in basis points, unrounded."""
        return (self.ask - self.bid) / self.mid * BPS_PER_UNIT

    def age_seconds(self, now: datetime) -> float:
        """Seconds since ``observed_at`` (float: a duration, not money)."""
        return (now - self.observed_at).total_seconds()


@attrs.frozen
class Bar:
    """One OHLCV candle of ``pair`` opening at ``open_time`` and lasting ``interval_s``."""

    pair: Pair
    open_time: datetime = attrs.field(validator=_aware_field)
    open: Decimal = attrs.field(converter=dec_field)
    high: Decimal = attrs.field(converter=dec_field)
    low: Decimal = attrs.field(converter=dec_field)
    close: Decimal = attrs.field(converter=dec_field)
    volume: Decimal = attrs.field(default=ZERO, converter=dec_field)
    interval_s: int = 60

    def __attrs_post_init__(self) -> None:
        if not (self.low <= min(self.open, self.close) and max(self.open, self.close) <= self.high):
            raise ValidationError(
                f"{self.pair} bar at {self.open_time.isoformat()}: need low <= open,close <= high, "
                f"got O={self.open} H={self.high} L={self.low} C={self.close}"
            )
        if self.low <= 0 or self.volume < 0:
            raise ValidationError(f"{self.pair} bar: prices must be > 0 and volume >= 0")


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class MarketSnapshot:
    """What the market looked like at ``observed_at``: quotes and, in bar mode, last bars."""

    observed_at: datetime = attrs.field(validator=_aware_field)
    quotes: Mapping[Pair, Quote] = attrs.field(factory=dict)
    bars: Mapping[Pair, Bar] = attrs.field(factory=dict)

    def mark(self, pair: Pair) -> Decimal | None:
        """The mark price of ``pair``: quote mid, else last bar close, else ``None``."""
        quote = self.quotes.get(pair)
        if quote is not None:
            return quote.mid
        bar = self.bars.get(pair)
        return bar.close if bar is not None else None

    def marks(self) -> dict[Pair, Decimal]:
        """Every available mark, keyed by pair."""
        out = {pair: bar.close for pair, bar in self.bars.items()}
        out.update({pair: quote.mid for pair, quote in self.quotes.items()})
        return out
