"""Builders shared by the simulated-exchange tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from btcbot_adapters.simulated import FeeSchedule, MatchMode, SimulatedExchange
from btcbot_core.market import Bar, Quote
from btcbot_core.orders import OrderRequest, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules

BTCTRY = Pair("BTC", "TRY")
ETHTRY = Pair("ETH", "TRY")
T0 = datetime(2026, 1, 1, tzinfo=UTC)

RULES = SymbolRules(BTCTRY, price_scale=0, qty_scale=8, min_notional=Decimal("100"))
ETH_RULES = SymbolRules(ETHTRY, price_scale=2, qty_scale=4, min_notional=Decimal("10"))


def D(value: str | int) -> Decimal:
    return Decimal(value)


def bar(
    i: int,
    o: str | int,
    h: str | int,
    low: str | int,
    c: str | int,
    v: str | int = 100,
    pair: Pair = BTCTRY,
) -> Bar:
    return Bar(pair, T0 + timedelta(minutes=i), o, h, low, c, v, 60)


def flat(i: int, price: str | int, v: str | int = 100, pair: Pair = BTCTRY) -> Bar:
    return bar(i, price, price, price, price, v, pair)


def quote(
    i: int,
    bid: str | int,
    ask: str | int,
    bid_size: str | int = 0,
    ask_size: str | int = 0,
    pair: Pair = BTCTRY,
) -> Quote:
    return Quote(pair, bid, ask, T0 + timedelta(seconds=i), bid_size, ask_size)


def limit(cid: str, side: Side, price: str | int, qty: str, pair: Pair = BTCTRY) -> OrderRequest:
    return OrderRequest(cid, pair, side, qty, price, OrderType.LIMIT)


def market(cid: str, side: Side, qty: str, pair: Pair = BTCTRY) -> OrderRequest:
    return OrderRequest(cid, pair, side, qty, None, OrderType.MARKET)


def exchange(
    balances: dict[str, Any] | None = None,
    *,
    mode: MatchMode = MatchMode.BARS,
    fees: FeeSchedule | None = None,
    **kwargs: Any,
) -> SimulatedExchange:
    return SimulatedExchange(
        [RULES, ETH_RULES],
        balances if balances is not None else {"TRY": "100000", "BTC": "1"},
        mode=mode,
        fees=fees,
        start=T0,
        **kwargs,
    )


def free(ex: SimulatedExchange, asset: str) -> Decimal:
    b = ex.balances().get(asset)
    return b.free if b is not None else Decimal(0)


def locked(ex: SimulatedExchange, asset: str) -> Decimal:
    b = ex.balances().get(asset)
    return b.locked if b is not None else Decimal(0)
