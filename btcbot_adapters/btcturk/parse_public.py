"""``parse_*`` for public endpoints: JSON (already decoded, envelope removed) → core types.

Every function either returns fully built core values or raises
:class:`~btcbot_core.errors.MalformedResponse`; nothing half-parsed escapes. Prices are in
quote per base, sizes in base; REST times are Unix ms, graph-API times Unix seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from btcbot_adapters.btcturk import convert
from btcbot_adapters.btcturk.wire import (
    ExchangeInfoW,
    KlinesW,
    OhlcW,
    OrderBookW,
    ServerTimeW,
    TickerW,
    TradeW,
    structure,
)
from btcbot_core.errors import MalformedResponse
from btcbot_core.market import Bar, Quote
from btcbot_core.money import ZERO
from btcbot_core.pair import Pair

EP_TIME = "GET /api/v2/server/time"
EP_INFO = "GET /api/v2/server/exchangeinfo"
EP_TICKER = "GET /api/v2/ticker"
EP_BOOK = "GET /api/v2/orderbook"
EP_TRADES = "GET /api/v2/trades"
EP_OHLCS = "GET graph /v1/ohlcs"
EP_KLINES = "GET graph /v1/klines/history"


@attrs.frozen
class PublicTrade:
    """One public trade: ``price`` quote/base, ``amount`` base, ``side`` buy/sell or None."""

    trade_id: str
    pair: Pair
    price: Decimal
    amount: Decimal
    side: str | None
    at_ms: int


def parse_server_time(body: Any) -> int:
    """Server time in Unix ms from the bare ``/server/time`` body."""
    wire = structure(EP_TIME, body, ServerTimeW)
    convert.ms_to_dt(EP_TIME, "serverTime", wire.serverTime)
    return wire.serverTime


def parse_exchange_info(data: Any) -> ExchangeInfoW:
    """The ``exchangeinfo`` data; symbols stay raw for :mod:`.rules` to judge one by one."""
    if data is None:
        raise MalformedResponse(EP_INFO, "data", "missing")
    return structure(EP_INFO, data, ExchangeInfoW)


def parse_ticker(data: Any) -> list[Quote]:
    """Ticker rows → quotes (sizes unknown, so zero). Always an array, even for one pair."""
    rows = structure(EP_TICKER, data, list[TickerW])
    out: list[Quote] = []
    for index, row in enumerate(rows):
        field = f"$[{index}]"
        pair = convert.pair(EP_TICKER, f"{field}.pair", row.pair, row.pairNormalized)
        at = convert.ms_to_dt(EP_TICKER, f"{field}.timestamp", row.timestamp)
        with convert.guard(EP_TICKER, field):
            out.append(Quote(pair=pair, bid=row.bid, ask=row.ask, observed_at=at))
    return out


def _levels(name: str, levels: Sequence[Sequence[Decimal]]) -> list[tuple[Decimal, Decimal]]:
    out = []
    for index, level in enumerate(levels):
        field = f"$.{name}[{index}]"
        if len(level) < 2:
            raise MalformedResponse(EP_BOOK, field, "expected [price, amount]")
        price, amount = level[0], level[1]
        if price <= 0 or amount < 0:
            raise MalformedResponse(EP_BOOK, field, f"price {price} / amount {amount} invalid")
        out.append((price, amount))
    return out


def parse_orderbook(data: Any, pair: Pair) -> Quote | None:
    """Best bid/ask (with sizes) of ``pair``; ``None`` when either side is empty.

    The best level is found by price, not by position. A crossed book is malformed.
    """
    wire = structure(EP_BOOK, data, OrderBookW)
    at = convert.ms_to_dt(EP_BOOK, "timestamp", wire.timestamp)
    bids = _levels("bids", wire.bids)
    asks = _levels("asks", wire.asks)
    if not bids or not asks:
        return None
    bid = max(bids, key=lambda lv: lv[0])
    ask = min(asks, key=lambda lv: lv[0])
    if bid[0] > ask[0]:
        raise MalformedResponse(EP_BOOK, "bids", f"crossed book: bid {bid[0]} > ask {ask[0]}")
    with convert.guard(EP_BOOK, "$"):
        return Quote(
            pair=pair, bid=bid[0], ask=ask[0], observed_at=at, bid_size=bid[1], ask_size=ask[1]
        )


def parse_trades(data: Any) -> list[PublicTrade]:
    """Recent public trades, oldest first."""
    rows = structure(EP_TRADES, data, list[TradeW])
    out = []
    for index, row in enumerate(rows):
        field = f"$[{index}]"
        pair = convert.pair(EP_TRADES, f"{field}.pair", row.pair, row.pairNormalized)
        convert.ms_to_dt(EP_TRADES, f"{field}.date", row.date)
        if row.price <= 0 or row.amount <= 0:
            raise MalformedResponse(EP_TRADES, field, "price and amount must be > 0")
        trade_side = row.side.strip().lower() if row.side is not None else None
        if trade_side not in (None, "buy", "sell"):
            raise MalformedResponse(EP_TRADES, f"{field}.side", f"{row.side!r} is not buy/sell")
        out.append(PublicTrade(row.tid, pair, row.price, row.amount, trade_side, row.date))
    return sorted(out, key=lambda t: (t.at_ms, t.trade_id))


def _bar(
    endpoint: str,
    field: str,
    pair: Pair,
    t: int,
    o: Any,
    h: Any,
    lo: Any,
    c: Any,
    v: Any,
    interval_s: int,
) -> Bar:
    at = convert.s_to_dt(endpoint, field, t)
    with convert.guard(endpoint, field):
        return Bar(
            pair=pair,
            open_time=at,
            open=o,
            high=h,
            low=lo,
            close=c,
            volume=ZERO if v is None else v,
            interval_s=interval_s,
        )


def parse_ohlcs(body: Any, pair: Pair) -> list[Bar]:
    """Daily bars from the bare ``/v1/ohlcs`` array, oldest first (``time`` in seconds)."""
    rows = structure(EP_OHLCS, body, list[OhlcW])
    bars = {
        row.time: _bar(
            EP_OHLCS,
            f"$[{i}]",
            pair,
            row.time,
            row.open,
            row.high,
            row.low,
            row.close,
            row.volume,
            86_400,
        )
        for i, row in enumerate(rows)
    }
    return [bars[t] for t in sorted(bars)]


def parse_klines(body: Any, pair: Pair, interval_s: int) -> list[Bar]:
    """Bars from ``/v1/klines/history``; ``s == "no_data"`` is an empty list. Sorted by time."""
    wire = structure(EP_KLINES, body, KlinesW)
    if wire.s == "no_data":
        return []
    if wire.s != "ok":
        raise MalformedResponse(EP_KLINES, "s", f"status {wire.s[:30]!r} is not ok/no_data")
    n = len(wire.t)
    for name in ("o", "h", "l", "c"):
        if len(getattr(wire, name)) != n:
            raise MalformedResponse(EP_KLINES, name, f"length differs from t ({n})")
    if wire.v and len(wire.v) != n:
        raise MalformedResponse(EP_KLINES, "v", f"length differs from t ({n})")
    bars = {}
    for i in range(n):
        bars[wire.t[i]] = _bar(
            EP_KLINES,
            f"$[{i}]",
            pair,
            wire.t[i],
            wire.o[i],
            wire.h[i],
            wire.l[i],
            wire.c[i],
            wire.v[i] if wire.v else None,
            interval_s,
        )
    return [bars[t] for t in sorted(bars)]
