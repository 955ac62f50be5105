"""The sandbox's price process: a seeded random walk of 1-minute bars per pair, optionally
starting with a replay of real 1-minute candles (:func:`load_candles`, Binance CSV format).

Deterministic: the walk of a pair depends only on ``(seed, pair)``; bar ``k`` opens at
``anchor_s + 60 k`` (Unix seconds). Bars exist for every minute that has fully elapsed on
the sandbox clock, plus ``history`` minutes before the start (default 1,500: more than a
day, so every chart interval up to a day has a closed bar at any time of day), so candles
are available at once. Moves are whole basis points drawn from ``random.Random`` (integers:
no float touches a price). The current mid is the last closed bar's close; an order book is
synthesised around it with ``half_spread_bps`` and ``levels`` levels ``level_gap_bps`` apart.

A replayed pair takes its bars from the file in order (bar ``k`` of the file becomes bar
``k`` of the sandbox, history included), prices rounded to the pair's price step; when the
file is exhausted the pair continues as a random walk from the last close.

Prices are in quote per base, sizes in base, times in Unix seconds.
"""

from __future__ import annotations

import csv
import pathlib
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs

from btcbot_core.market import Bar
from btcbot_core.money import quantize_down, quantize_up
from btcbot_core.pair import Pair

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BPS = Decimal(10_000)


@attrs.frozen
class Book:
    """A synthetic order book: ``bids`` descending, ``asks`` ascending, ``(price, size)``."""

    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]


Candle = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]  # open, high, low, close, volume


class _Walk:
    def __init__(
        self,
        pair: Pair,
        start: Decimal,
        step: Decimal,
        seed: int,
        vol_bps: int,
        replay: Sequence[Candle] = (),
    ) -> None:
        self.pair = pair
        self.step = step
        self.rng = random.Random(f"{seed}:{pair.symbol}")
        self.vol = max(1, vol_bps)
        self.bars: list[Bar] = []
        self.replay = list(replay)
        first = self.replay[0][0] if self.replay else start
        self.last_close = quantize_down(first, step) or step

    def _price(self, value: Decimal) -> Decimal:
        return max(quantize_down(value, self.step), self.step)

    def _replayed(self, open_s: int) -> bool:
        index = len(self.bars)
        if index >= len(self.replay):
            return False
        o, h, lo, c, v = self.replay[index]
        o, c = self._price(o), self._price(c)
        high = max(quantize_up(h, self.step), o, c)
        low = min(self._price(lo), o, c)
        self.bars.append(
            Bar(
                self.pair,
                _EPOCH + timedelta(seconds=open_s),
                o,
                high,
                low,
                c,
                max(v, Decimal(0)),
                60,
            )
        )
        self.last_close = c
        return True

    def extend(self, open_s: int) -> None:
        if self._replayed(open_s):
            return
        rng = self.rng
        open_ = self.last_close
        close = self._price(open_ * (1 + Decimal(rng.randint(-self.vol, self.vol)) / _BPS))
        top = max(open_, close)
        bottom = min(open_, close)
        high = quantize_up(top * (1 + Decimal(rng.randint(0, self.vol // 2 + 1)) / _BPS), self.step)
        low = self._price(bottom * (1 - Decimal(rng.randint(0, self.vol // 2 + 1)) / _BPS))
        volume = Decimal(rng.randint(1, 5000)) / 1000
        self.bars.append(
            Bar(
                self.pair,
                _EPOCH + timedelta(seconds=open_s),
                open_,
                high,
                min(low, bottom),
                close,
                volume,
                60,
            )
        )
        self.last_close = close


class PriceProcess:
    """Per-pair random walks on a shared minute grid."""

    def __init__(
        self,
        starts: Mapping[Pair, Decimal],
        steps: Mapping[Pair, Decimal],
        *,
        now_s: int,
        seed: int = 7,
        vol_bps: int = 8,
        history: int = 1500,
        half_spread_bps: int = 5,
        levels: int = 20,
        level_gap_bps: int = 2,
        qty_steps: Mapping[Pair, Decimal] | None = None,
        replay: Mapping[Pair, Sequence[Candle]] | None = None,
    ) -> None:
        self._qty_steps = dict(qty_steps or {})
        candles = replay or {}
        self._walks = {
            p: _Walk(p, starts[p], steps[p], seed, vol_bps, candles.get(p, ())) for p in starts
        }
        self._anchor = (now_s // 60 - history) * 60
        self._next_open = self._anchor
        self._half = Decimal(half_spread_bps) / _BPS
        self._levels = levels
        self._gap = Decimal(level_gap_bps) / _BPS
        self._seed = seed
        self.advance(now_s)

    def advance(self, now_s: int) -> bool:
        """Create every bar that has closed by ``now_s``; ``True`` when any was added."""
        added = False
        while self._next_open + 60 <= now_s:
            for walk in self._walks.values():
                walk.extend(self._next_open)
            self._next_open += 60
            added = True
        return added

    def minute(self) -> int:
        """Index of the current (open) minute since the anchor."""
        return (self._next_open - self._anchor) // 60

    def mid(self, pair: Pair) -> Decimal:
        return self._walks[pair].last_close

    def set_mid(self, pair: Pair, price: Decimal) -> None:
        """Move ``pair``'s price now (tests): the next bars walk on from ``price``."""
        walk = self._walks[pair]
        walk.last_close = walk._price(price)

    def _size(self, rng: random.Random, pair: Pair) -> Decimal:
        """A level size worth roughly 5,000..500,000 quote units, on the quantity step."""
        notional = Decimal(rng.randint(5_000, 500_000))
        step = self._qty_steps.get(pair, Decimal("0.0001"))
        return max(quantize_down(notional / self._walks[pair].last_close, step), step)

    def bars(self, pair: Pair) -> list[Bar]:
        """Every closed 1-minute bar of ``pair``, oldest first (do not mutate)."""
        return self._walks[pair].bars

    def book(self, pair: Pair, depth: int) -> Book:
        """The synthetic book around the current mid (sizes seeded by pair and minute)."""
        walk = self._walks[pair]
        step = walk.step
        mid = walk.last_close
        bid = max(quantize_down(mid * (1 - self._half), step), step)
        ask = max(quantize_up(mid * (1 + self._half), step), bid + step)
        rng = random.Random(f"{self._seed}:{pair.symbol}:book:{self.minute()}")
        count = max(1, min(depth, self._levels))
        bids: list[tuple[Decimal, Decimal]] = []
        asks: list[tuple[Decimal, Decimal]] = []
        for level in range(count):
            shift = 1 - self._gap * level
            bid_price = max(quantize_down(bid * shift, step), step)
            ask_price = quantize_up(ask * (2 - shift), step)
            if bids and bid_price >= bids[-1][0]:
                bid_price = bids[-1][0] - step
            if asks and ask_price <= asks[-1][0]:
                ask_price = asks[-1][0] + step
            if bid_price > 0:
                bids.append((bid_price, self._size(rng, pair)))
            asks.append((ask_price, self._size(rng, pair)))
        return Book(tuple(bids), tuple(asks))


def load_candles(path: pathlib.Path, limit: int | None = None) -> list[Candle]:
    """Candles from a Binance-style kline CSV (header ``open_time,open,high,low,close,volume,…``;
    prices in quote per base, volume in base). Values are read as exact decimal strings."""
    out: list[Candle] = []
    columns = ("open", "high", "low", "close", "volume")
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                o, h, lo, c, v = (Decimal(row[k]) for k in columns)
            except (ArithmeticError, KeyError, TypeError):
                raise ValueError(
                    f"line {line}: need decimal numbers in columns {', '.join(columns)} "
                    "(Binance kline CSV with a header row)"
                ) from None
            if not all(x.is_finite() for x in (o, h, lo, c, v)):
                raise ValueError(f"line {line}: prices and volume must be finite numbers")
            out.append((o, h, lo, c, v))
            if limit is not None and len(out) >= limit:
                break
    return out
