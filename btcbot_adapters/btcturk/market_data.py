"""The MarketDataPort half of :class:`~btcbot_adapters.btcturk.adapter.BtcturkAdapter`:
exchange rules, order-book quotes, closed bars, tickers, public trades and server time.

Kept apart from order entry and lookups so each module reads as one concept; the adapter
class inherits :class:`BtcturkMarketData` and owns all the state it uses (declared below for
type checkers). Units: prices in quote per base, times UTC-aware.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final

from btcbot_adapters.btcturk import convert
from btcbot_adapters.btcturk.client import BtcturkClient
from btcbot_adapters.btcturk.parse_public import (
    PublicTrade,
    parse_exchange_info,
    parse_klines,
    parse_ohlcs,
    parse_orderbook,
    parse_ticker,
    parse_trades,
)
from btcbot_adapters.btcturk.rules import RulesBook, TickSizeMode, rules_book
from btcbot_core.errors import ValidationError
from btcbot_core.market import Bar, Quote
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules

#: Bar interval (seconds) → graph-API kline resolution (minutes); [2+] confirmed values only.
KLINE_RESOLUTIONS: Final = {60: 1, 300: 5, 900: 15, 1800: 30, 3600: 60, 14400: 240}
DAY_S: Final = 86_400


class BtcturkMarketData:
    """Public market data and exchange rules of BTCTurk (a mixin of ``BtcturkAdapter``)."""

    # State owned and initialised by BtcturkAdapter.__init__.
    client: BtcturkClient
    _safe_min: Decimal
    _tick_mode: TickSizeMode
    _rules_ttl: float
    _book_limit: int
    _now: Callable[[], datetime]
    _monotonic: Callable[[], float]
    _rules: RulesBook | None
    _rules_at: float

    # --- MarketDataPort ----------------------------------------------------------------------

    def rules_book(self, refresh: bool = False) -> RulesBook:
        """Every exchangeinfo symbol judged (refreshed after ``rules_ttl_s``)."""
        stale = self._monotonic() - self._rules_at >= self._rules_ttl
        if self._rules is None or refresh or stale:
            data = self.client.public(
                "/api/v2/server/exchangeinfo", "GET /api/v2/server/exchangeinfo"
            )
            self._rules = rules_book(
                parse_exchange_info(data),
                safe_min_notional_try=self._safe_min,
                tick_size_mode=self._tick_mode,
            )
            self._rules_at = self._monotonic()
        return self._rules

    def symbol_rules(self, pairs: Sequence[Pair]) -> Mapping[Pair, SymbolRules]:
        """Rules of the wanted pairs; unusable ones are left out (see :meth:`rules_book`)."""
        usable = self.rules_book().rules
        return {p: usable[p] for p in pairs if p in usable}

    def quotes(self, pairs: Sequence[Pair]) -> Mapping[Pair, Quote]:
        """Top of book from ``/api/v2/orderbook`` (one call per pair, ``limit`` levels)."""
        out: dict[Pair, Quote] = {}
        for pair in pairs:
            data = self.client.public(
                "/api/v2/orderbook",
                "GET /api/v2/orderbook",
                {"pairSymbol": pair.symbol, "limit": self._book_limit},
            )
            quote = parse_orderbook(data, pair)
            if quote is not None:
                out[pair] = quote
        return out

    def last_bars(self, pairs: Sequence[Pair], interval_s: int) -> Mapping[Pair, Bar]:
        """The last closed bar of each pair that has one: one chart request per pair
        (BTCTurk has no multi-pair chart endpoint)."""
        out: dict[Pair, Bar] = {}
        for pair in pairs:
            got = self.bars(pair, interval_s, 1)
            if got:
                out[pair] = got[-1]
        return out

    def bars(self, pair: Pair, interval_s: int, limit: int) -> Sequence[Bar]:
        """The last ``limit`` *closed* bars, oldest first. Daily bars use ``/v1/ohlcs``; the
        intraday intervals 1, 5, 15, 30, 60 and 240 minutes use ``/v1/klines/history``."""
        if limit <= 0:
            return []
        now_s = convert.dt_to_ms(self._now()) // 1000
        start = now_s - (limit + 2) * interval_s
        if interval_s == DAY_S:
            body = self.client.graph(
                "/v1/ohlcs",
                "GET graph /v1/ohlcs",
                {"pair": pair.symbol, "from": start, "to": now_s},
            )
            bars = parse_ohlcs(body, pair)
        elif interval_s in KLINE_RESOLUTIONS:
            body = self.client.graph(
                "/v1/klines/history",
                "GET graph /v1/klines/history",
                {
                    "symbol": pair.symbol,
                    "resolution": KLINE_RESOLUTIONS[interval_s],
                    "from": start,
                    "to": now_s,
                },
            )
            bars = parse_klines(body, pair, interval_s)
        else:
            allowed = ", ".join(str(s) for s in [*KLINE_RESOLUTIONS, DAY_S])
            raise ValidationError(f"bar interval {interval_s} s is not offered; use {allowed}")
        closed = [b for b in bars if convert.dt_to_ms(b.open_time) // 1000 + interval_s <= now_s]
        return closed[-limit:]

    def tickers(self, pairs: Sequence[Pair] | None = None) -> dict[Pair, Quote]:
        """Best bid/ask from ``/api/v2/ticker`` (one call; sizes unknown, so zero)."""
        data = self.client.public("/api/v2/ticker", "GET /api/v2/ticker")
        wanted = set(pairs) if pairs is not None else None
        return {q.pair: q for q in parse_ticker(data) if wanted is None or q.pair in wanted}

    def recent_trades(self, pair: Pair, last: int = 50) -> list[PublicTrade]:
        """Recent public trades, oldest first (``last`` ≤ 50: the documented maximum)."""
        data = self.client.public(
            "/api/v2/trades",
            "GET /api/v2/trades",
            {"pairSymbol": pair.symbol, "last": max(1, min(last, 50))},
        )
        return parse_trades(data)

    def server_time_ms(self) -> int:
        """Measure the server clock offset now; returns the server time estimate (Unix ms)."""
        self.client.sync_time()
        return self.client.clock.now_ms() + self.client.clock.offset_ms


__all__ = ["DAY_S", "KLINE_RESOLUTIONS", "BtcturkMarketData"]
