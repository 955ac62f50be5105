"""Wire classes: one attrs class per BTCTurk payload shape.

Structured by :func:`~.structure.structure` (re-exported here): extra fields are ignored,
keys match case-insensitively, required fields and types are strict, and every failure is a
:class:`~btcbot_core.errors.MalformedResponse` naming the JSON path. Units are the
exchange's: prices in quote per base, amounts in base, times in ms (graph API: seconds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from btcbot_adapters.btcturk.structure import structure

__all__ = ["structure"]


# --- public endpoints -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ServerTimeW:
    """``GET /api/v2/server/time`` (bare): ``serverTime`` in Unix ms."""

    serverTime: int
    serverTime2: str | None = None


@attrs.frozen(kw_only=True)
class FilterW:
    """One ``filters`` entry of a symbol (``PRICE_FILTER`` in every real payload)."""

    filterType: str | None = None
    minPrice: Decimal | None = None
    maxPrice: Decimal | None = None
    tickSize: Decimal | None = None
    minExchangeValue: Decimal | None = None
    minAmount: Decimal | None = None
    maxAmount: Decimal | None = None


@attrs.frozen(kw_only=True)
class SymbolW:
    """One ``exchangeinfo.symbols`` entry; scales are decimal places."""

    name: str
    status: str
    numerator: str
    denominator: str
    numeratorScale: int
    denominatorScale: int
    hasFraction: bool
    id: int | None = None
    nameNormalized: str | None = None
    filters: list[FilterW] = attrs.field(factory=list)
    orderMethods: list[str] = attrs.field(factory=list)
    minimumLimitOrderPrice: Decimal | None = None
    maximumLimitOrderPrice: Decimal | None = None
    maximumOrderAmount: Decimal | None = None
    commissionFromNumerator: bool | None = None


@attrs.frozen(kw_only=True)
class ExchangeInfoW:
    """``exchangeinfo.data``: symbols are kept raw and structured one by one."""

    symbols: list[dict[str, Any]]
    serverTime: int | None = None
    timeZone: str | None = None


@attrs.frozen(kw_only=True)
class TickerW:
    """One ``/api/v2/ticker`` row; every decimal is a JSON number; ``timestamp`` in ms."""

    pair: str
    timestamp: int
    last: Decimal
    bid: Decimal
    ask: Decimal
    pairNormalized: str | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    open: Decimal | None = None
    volume: Decimal | None = None
    average: Decimal | None = None
    daily: Decimal | None = None
    dailyPercent: Decimal | None = None
    numeratorSymbol: str | None = None
    denominatorSymbol: str | None = None
    order: int | None = None


@attrs.frozen(kw_only=True)
class OrderBookW:
    """``/api/v2/orderbook`` data: levels are ``[price, amount]`` strings; ``timestamp`` ms."""

    timestamp: int
    bids: list[list[Decimal]]
    asks: list[list[Decimal]]


@attrs.frozen(kw_only=True)
class TradeW:
    """One ``/api/v2/trades`` row; ``tid`` is a string id, ``date`` in ms."""

    pair: str
    date: int
    tid: str
    price: Decimal
    amount: Decimal
    side: str | None = None
    pairNormalized: str | None = None


@attrs.frozen(kw_only=True)
class OhlcW:
    """One graph ``/v1/ohlcs`` row (bare array); ``time`` in Unix **seconds**."""

    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal | None = None
    pair: str | None = None


@attrs.frozen(kw_only=True)
class KlinesW:
    """Graph ``/v1/klines/history`` (TradingView UDF); parallel arrays, ``t`` in seconds."""

    s: str
    t: list[int] = attrs.field(factory=list)
    o: list[Decimal] = attrs.field(factory=list)
    h: list[Decimal] = attrs.field(factory=list)
    l: list[Decimal] = attrs.field(factory=list)  # noqa: E741 - the wire name
    c: list[Decimal] = attrs.field(factory=list)
    v: list[Decimal] = attrs.field(factory=list)


# --- private endpoints ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BalanceW:
    """One ``/api/v1/users/balances`` row; amounts are strings in ``asset`` units."""

    asset: str
    balance: Decimal
    locked: Decimal
    free: Decimal
    assetname: str | None = None
    orderFund: Decimal | None = None
    requestFund: Decimal | None = None
    precision: int | None = None


@attrs.frozen(kw_only=True)
class OrderW:
    """The order object of openOrders/allOrders/order/{id}; times in ms (``time`` may be 0)."""

    id: int
    pairSymbol: str
    type: str
    method: str
    status: str
    price: Decimal | None = None
    amount: Decimal | None = None
    quantity: Decimal | None = None
    stopPrice: Decimal | None = None
    pairSymbolNormalized: str | None = None
    orderClientId: str | None = None
    time: int | None = None
    updateTime: int | None = None
    leftAmount: Decimal | None = None


@attrs.frozen(kw_only=True)
class OpenOrdersW:
    """``/api/v1/openOrders`` data: sells in ``asks``, buys in ``bids``."""

    asks: list[OrderW] = attrs.field(factory=list)
    bids: list[OrderW] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class SubmitW:
    """``POST /api/v1/order`` data; ``datetime`` in ms."""

    id: int
    pairSymbol: str
    type: str
    method: str
    quantity: Decimal | None = None
    price: Decimal | None = None
    stopPrice: Decimal | None = None
    datetime: int | None = None
    pairSymbolNormalized: str | None = None
    newOrderClientId: str | None = None


@attrs.frozen(kw_only=True)
class UserTradeW:
    """One ``/api/v1/users/transactions/trade`` row.

    ``amount`` is base units, negative for sells; ``fee``/``tax`` are negative debits in the
    quote (``denominatorSymbol``); ``id`` may exceed 2^53; ``timestamp`` in ms.
    """

    id: int
    price: Decimal
    amount: Decimal
    fee: Decimal
    numeratorSymbol: str
    denominatorSymbol: str
    orderType: str
    timestamp: int
    tax: Decimal | None = None
    orderId: int | None = None
    preciseAmount: Decimal | None = None
    orderClientId: str | None = None
