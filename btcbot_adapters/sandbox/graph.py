"""Market-data bodies derived from the price process: ticker rows, public trades, and the
graph API's daily OHLC array and TradingView-style klines.

Ticker and graph values are JSON numbers (``Decimal`` tokens); public trades use strings.
Graph times are Unix **seconds**; REST times Unix ms.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from btcbot_adapters.sandbox.jsonout import text
from btcbot_adapters.sandbox.market import PriceProcess
from btcbot_adapters.sandbox.render import ms
from btcbot_core.market import Bar
from btcbot_core.pair import Pair


def _seconds(bar: Bar) -> int:
    return ms(bar.open_time) // 1000


def ticker_row(pair: Pair, market: PriceProcess, now_ms: int) -> dict[str, Any]:
    """A 24 h ticker row (all decimals as numbers; no ``order`` field, like the 2026 capture)."""
    bars = market.bars(pair)[-1440:]
    book = market.book(pair, 1)
    last = market.mid(pair)
    open_ = bars[0].open if bars else last
    high = max([b.high for b in bars] or [last])
    low = min([b.low for b in bars] or [last])
    daily = last - open_
    return {
        "pair": pair.symbol,
        "pairNormalized": f"{pair.base}_{pair.quote}",
        "timestamp": now_ms,
        "last": last,
        "high": high,
        "low": low,
        "bid": book.bids[0][0],
        "ask": book.asks[0][0],
        "open": open_,
        "volume": sum((b.volume for b in bars), Decimal(0)),
        "average": (high + low) / 2,
        "daily": daily,
        "dailyPercent": (daily / open_ * 100).quantize(Decimal("0.01")),
        "denominatorSymbol": pair.quote,
        "numeratorSymbol": pair.base,
    }


def trades(pair: Pair, market: PriceProcess, last: int) -> list[dict[str, Any]]:
    """One synthetic public trade per recent minute (newest first), ``tid`` as a string."""
    rows = []
    for bar in reversed(market.bars(pair)[-max(1, min(last, 50)) :]):
        at = _seconds(bar)
        rows.append(
            {
                "pair": pair.symbol,
                "pairNormalized": f"{pair.base}_{pair.quote}",
                "numerator": pair.base,
                "denominator": pair.quote,
                "date": at * 1000 + 59_000,
                "tid": str(100_000_000_000 + at),
                "price": text(bar.close),
                "amount": text(bar.volume),
                "side": "buy" if bar.close >= bar.open else "sell",
            }
        )
    return rows


def _aggregate(bars: list[Bar], width_s: int) -> list[tuple[int, list[Bar]]]:
    groups: dict[int, list[Bar]] = {}
    for bar in bars:
        start = _seconds(bar) // width_s * width_s
        groups.setdefault(start, []).append(bar)
    return sorted(groups.items())


def klines(
    pair: Pair, market: PriceProcess, resolution: int, from_s: int, to_s: int
) -> dict[str, Any]:
    """``/v1/klines/history``: parallel arrays; ``{"s": "no_data"}`` for an empty range."""
    if resolution not in (1, 5, 15, 30, 60, 240, 1440):
        return {"s": "error", "errmsg": f"unsupported resolution {resolution}"}
    chosen = [b for b in market.bars(pair) if from_s <= _seconds(b) <= to_s]
    groups = _aggregate(chosen, resolution * 60)
    if not groups:
        return {"s": "no_data"}
    out: dict[str, Any] = {"s": "ok", "t": [], "o": [], "h": [], "l": [], "c": [], "v": []}
    for start, group in groups:
        out["t"].append(start)
        out["o"].append(group[0].open)
        out["h"].append(max(b.high for b in group))
        out["l"].append(min(b.low for b in group))
        out["c"].append(group[-1].close)
        out["v"].append(sum((b.volume for b in group), Decimal(0)))
    return out


def ohlcs(pair: Pair, market: PriceProcess, from_s: int, to_s: int) -> list[dict[str, Any]]:
    """``/v1/ohlcs``: daily rows (bare array), ``time`` = start of the UTC day in seconds."""
    chosen = [b for b in market.bars(pair) if from_s <= _seconds(b) <= to_s]
    rows = []
    for start, group in _aggregate(chosen, 86_400):
        open_, close = group[0].open, group[-1].close
        high = max(b.high for b in group)
        low = min(b.low for b in group)
        volume = sum((b.volume for b in group), Decimal(0))
        rows.append(
            {
                "pair": pair.symbol,
                "time": start,
                "open": open_,
                "high": high,
                "low": low,
                "close": close,
                "volume": volume,
                "total": volume * close,
                "average": (high + low) / 2,
                "dailyChangeAmount": close - open_,
                "dailyChangePercentage": ((close - open_) / open_ * 100).quantize(Decimal("0.01")),
            }
        )
    return rows
