"""What the sandbox HTTP layer needs from an exchange, and its implementation over the
simulated exchange (``btcbot_adapters.simulated``).

:class:`SandboxBackend` is the small interface: every method returns JSON-ready values in
BTCTurk's wire shapes or raises :class:`ApiError` (HTTP status, message, code).
:class:`SimulatedBackend` drives a :class:`~btcbot_adapters.simulated.SimulatedExchange` in
quote mode from the seeded :class:`~.market.PriceProcess`, and adds what BTCTurk does and the
simulator does not: asynchronous cancels, market buys sized in the quote asset, the
limit-price band, order-method checks, and silent acceptance of duplicate client order ids.
Not thread-safe: the server calls it under one lock.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Protocol

from btcbot_adapters.btcturk.rules import symbol_report
from btcbot_adapters.sandbox import catalog, jsonout, render
from btcbot_adapters.sandbox.graph import klines, ohlcs, ticker_row, trades
from btcbot_adapters.sandbox.market import Candle, PriceProcess
from btcbot_adapters.simulated import FeeSchedule, MatchMode, SimulatedExchange
from btcbot_core.errors import OrderNotFoundError, OrderRejectedError, ValidationError
from btcbot_core.market import Quote
from btcbot_core.money import quantize_down
from btcbot_core.orders import Fill, OrderRequest, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.ports import Balance

CODES: Final = {
    "FAILED_MARKET_ORDER": 1118,
    "FAILED_LIMIT_ORDER": 1120,
    "FAILED_ORDER_WITH_OPEN_ORDERS": 1122,
    "FAILED_MIN_TOTAL_AMOUNT": 1123,
    "FAILED_INVALID_PRICE_SCALE": 1126,
    "FAILED_INVALID_QUANTITY_SCALE": 1127,
    "ORDER_METHOD_NOT_SUPPORTED": 1134,
    "ORDER_TYPE_NOT_SUPPORTED": 1193,
    "PRICE_MUST_BE_LESS_THAN_MAXPRICE": 1226,
    "PRICE_MUST_BE_LESS_THAN_MINPRICE": 1227,
    "NO_ORDER_MATCHES_YOUR_REQUEST": 1052,
    "Order not found": 1152,
}
DAY_MS: Final = 86_400_000


class ApiError(Exception):
    """A BTCTurk error answer: HTTP ``status``, body ``message`` and ``code``."""

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code if code is not None else CODES.get(message, 1000)


class SandboxBackend(Protocol):
    def server_ms(self) -> int: ...
    def exchange_info(self) -> dict[str, Any]: ...
    def ticker(self, symbol: str | None, quote: str | None) -> list[dict[str, Any]]: ...
    def orderbook(self, symbol: str, limit: int) -> dict[str, Any]: ...
    def trades(self, symbol: str, last: int) -> list[dict[str, Any]]: ...
    def ohlcs(self, symbol: str, from_s: int, to_s: int) -> list[dict[str, Any]]: ...
    def klines(self, symbol: str, resolution: int, from_s: int, to_s: int) -> dict[str, Any]: ...
    def balances(self) -> list[dict[str, Any]]: ...
    def open_orders(self, symbol: str | None) -> dict[str, Any]: ...
    def all_orders(self, symbol: str, order_id: int | None, limit: int) -> list[dict[str, Any]]: ...
    def order(self, order_id: str) -> dict[str, Any]: ...
    def submit(self, body: Any) -> dict[str, Any]: ...
    def cancel(self, order_id: str) -> None: ...
    def user_trades(self, query: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]: ...


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ApiError(400, "FAILED_ORDER_PARAMETER")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ApiError(400, "FAILED_ORDER_PARAMETER") from None
    if not number.is_finite():
        raise ApiError(400, "FAILED_ORDER_PARAMETER")
    del name
    return number


def _ms_param(query: Mapping[str, Sequence[str]], name: str, default: int | None) -> int | None:
    values = query.get(name)
    if not values:
        return default
    if not values[0].isdigit():
        raise ApiError(400, "PARAMETERS_ERROR", 1000)
    return int(values[0])


class SimulatedBackend:
    """The simulated exchange behind BTCTurk's wire shapes (see module doc)."""

    def __init__(
        self,
        pairs: Sequence[Pair],
        balances: Mapping[str, Decimal],
        *,
        wall_ms: Callable[[], int],
        seed: int = 7,
        fees: FeeSchedule | None = None,
        prices: Mapping[Pair, Decimal] | None = None,
        cancel_delay_ms: int = 0,
        open_orders_time_zero: bool = True,
        replay: Mapping[Pair, Sequence[Candle]] | None = None,
    ) -> None:
        self._wall = wall_ms
        self._entries = {p: catalog.entry_for(p) for p in pairs}
        self._pairs = {p.symbol: p for p in pairs}
        reports = {p: symbol_report(self._entries[p]) for p in pairs}
        rules = []
        for pair, report in reports.items():
            if report.rules is None:
                raise ValidationError(f"sandbox catalog entry {pair} is unusable: {report.problem}")
            rules.append(report.rules)
        self._rules = {r.pair: r for r in rules}
        self._methods = {p: r.order_methods for p, r in reports.items()}
        now = self._wall()
        starts = {p: (prices or {}).get(p, catalog.default_price(p)) for p in pairs}
        self.market = PriceProcess(
            starts,
            {p: r.effective_price_step for p, r in self._rules.items()},
            now_s=now // 1000,
            seed=seed,
            qty_steps={p: r.qty_step for p, r in self._rules.items()},
            replay=replay,
        )
        self.sim = SimulatedExchange(
            rules,
            dict(balances),
            mode=MatchMode.QUOTES,
            fees=fees or FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2"),
            seed=seed,
            start=render.from_ms(now),
        )
        self._assets = sorted({a for p in pairs for a in (p.base, p.quote)} | set(balances))
        self._wire_ids: dict[str, str] = {}  # exchange order id -> client id as sent
        self._dups = itertools.count(1)
        self._cancel_delay = cancel_delay_ms
        self._pending_cancels: dict[str, int] = {}  # order id -> due ms
        self._time_zero = open_orders_time_zero
        self._last_quote_ms = -1
        self._sync()

    # --- time and market --------------------------------------------------------------------

    def server_ms(self) -> int:
        return self._wall()

    def _sync(self) -> None:
        now = self._wall()
        moved = self.market.advance(now // 1000)
        if moved or now - self._last_quote_ms >= 1000:
            at = render.from_ms(max(now, self._last_quote_ms))
            for pair in self._rules:
                book = self.market.book(pair, 1)
                self.sim.set_quote(
                    Quote(
                        pair, book.bids[0][0], book.asks[0][0], at, book.bids[0][1], book.asks[0][1]
                    )
                )
            self._last_quote_ms = max(now, self._last_quote_ms)
        for order_id, due in list(self._pending_cancels.items()):
            if due <= now:
                del self._pending_cancels[order_id]
                found = self.sim.order(order_id)
                self.sim.cancel(found.pair, order_id)

    def set_price(self, pair: Pair, price: Decimal) -> None:
        """Move ``pair``'s mid now (tests); resting orders it crosses fill."""
        self.market.set_mid(pair, price)
        self._last_quote_ms -= 1000
        self._sync()

    def _pair(self, symbol: str | None) -> Pair:
        pair = self._pairs.get((symbol or "").replace("_", "").upper())
        if pair is None:
            raise ApiError(400, "FAILED_ORDER_PARAMETER")
        return pair

    # --- public -----------------------------------------------------------------------------

    def exchange_info(self) -> dict[str, Any]:
        self._sync()
        symbols = []
        for pair, entry in self._entries.items():
            mid = self.market.mid(pair)
            step = self._rules[pair].effective_price_step
            symbols.append(
                entry
                | {
                    "maximumLimitOrderPrice": quantize_down(mid * 10, step),
                    "minimumLimitOrderPrice": quantize_down(mid / 10, step),
                }
            )
        return {
            "timeZone": "UTC",
            "serverTime": self._wall(),
            "symbols": symbols,
            "currencies": [],
            "currencyOperationBlocks": [],
        }

    def ticker(self, symbol: str | None, quote: str | None) -> list[dict[str, Any]]:
        self._sync()
        pairs = [self._pair(symbol)] if symbol else list(self._rules)
        if quote:
            pairs = [p for p in pairs if p.quote == quote.upper()]
        return [ticker_row(p, self.market, self._wall()) for p in pairs]

    def orderbook(self, symbol: str, limit: int) -> dict[str, Any]:
        self._sync()
        book = self.market.book(self._pair(symbol), limit)
        return {
            "timestamp": Decimal(self._wall()).quantize(Decimal("0.0")),  # 1643883463379.0 style
            "bids": [[jsonout.text(p), jsonout.text(a)] for p, a in book.bids],
            "asks": [[jsonout.text(p), jsonout.text(a)] for p, a in book.asks],
        }

    def trades(self, symbol: str, last: int) -> list[dict[str, Any]]:
        self._sync()
        return trades(self._pair(symbol), self.market, last)

    def ohlcs(self, symbol: str, from_s: int, to_s: int) -> list[dict[str, Any]]:
        self._sync()
        return ohlcs(self._pair(symbol), self.market, from_s, to_s)

    def klines(self, symbol: str, resolution: int, from_s: int, to_s: int) -> dict[str, Any]:
        self._sync()
        return klines(self._pair(symbol), self.market, resolution, from_s, to_s)

    # --- private ----------------------------------------------------------------------------

    def balances(self) -> list[dict[str, Any]]:
        self._sync()
        held = self.sim.balances()
        out = []
        for asset in sorted(set(self._assets) | set(held)):
            bal = held.get(asset, Balance(asset, 0))
            out.append(render.balance(bal, catalog.ASSET_PRECISION.get(asset, 8)))
        return out

    def _render(self, order_id: str, time_zero: bool = False) -> dict[str, Any]:
        view = self.sim.order(order_id)
        return render.order(
            view, self._wire_ids.get(order_id, view.client_order_id or ""), time_zero=time_zero
        )

    def open_orders(self, symbol: str | None) -> dict[str, Any]:
        self._sync()
        pairs = [self._pair(symbol)] if symbol else list(self._rules)
        live = self.sim.open_orders(pairs)
        rows = [self._render(o.exchange_order_id, self._time_zero) for o in live]
        return {
            "asks": [r for r in rows if r["type"] == "sell"],
            "bids": [r for r in rows if r["type"] == "buy"],
        }

    def all_orders(self, symbol: str, order_id: int | None, limit: int) -> list[dict[str, Any]]:
        self._sync()
        orders = self.sim.all_orders(self._pair(symbol))
        ids = [int(o.exchange_order_id) for o in orders]
        ids = sorted((i for i in ids if order_id is None or i >= order_id), reverse=True)
        return [self._render(str(i)) for i in ids[: max(1, min(limit, 1000))]]

    def order(self, order_id: str) -> dict[str, Any]:
        self._sync()
        try:
            return self._render(order_id)
        except OrderNotFoundError:
            raise ApiError(400, "Order not found") from None

    def cancel(self, order_id: str) -> None:
        self._sync()
        try:
            view = self.sim.order(order_id)
        except OrderNotFoundError:
            raise ApiError(400, "NO_ORDER_MATCHES_YOUR_REQUEST") from None
        if not view.status.is_live:
            raise ApiError(400, "ORDER_COULD_NOT_BE_CANCELED")
        self._pending_cancels.setdefault(order_id, self._wall() + self._cancel_delay)
        if self._cancel_delay <= 0:
            self._pending_cancels[order_id] = self._wall()  # applied on the next request

    def submit(self, body: Any) -> dict[str, Any]:
        self._sync()
        if not isinstance(body, dict):
            raise ApiError(400, "FAILED_ORDER_PARAMETER")
        method = str(body.get("orderMethod", "")).lower()
        order_side = str(body.get("orderType", "")).lower()
        pair = self._pair(body.get("pairSymbol"))
        if order_side not in ("buy", "sell") or method not in ("limit", "market"):
            if method in ("stoplimit", "stopmarket"):
                raise ApiError(400, "ORDER_METHOD_NOT_SUPPORTED")
            raise ApiError(400, "FAILED_ORDER_PARAMETER")
        if method.upper() not in self._methods[pair]:
            raise ApiError(400, "ORDER_METHOD_NOT_SUPPORTED")
        side = Side.BUY if order_side == "buy" else Side.SELL
        quantity = _decimal(body.get("quantity"), "quantity")
        rules = self._rules[pair]
        price = None
        sent_quantity = quantity
        if method == "limit":
            price = _decimal(body.get("price"), "price")
            mid = self.market.mid(pair)
            if price > mid * 10:
                raise ApiError(400, "PRICE_MUST_BE_LESS_THAN_MAXPRICE")
            if price < mid / 10:
                raise ApiError(400, "PRICE_MUST_BE_LESS_THAN_MINPRICE")
        elif side is Side.BUY:  # market buy: quantity is the quote amount to spend
            precision = catalog.ASSET_PRECISION.get(pair.quote, 8)
            if quantity.as_tuple().exponent < -precision:  # type: ignore[operator]
                raise ApiError(400, "FAILED_INVALID_QUANTITY_SCALE")
            if quantity < rules.min_notional:
                raise ApiError(400, "FAILED_MIN_TOTAL_AMOUNT")
            ask = self.market.book(pair, 1).asks[0][0]
            quantity = quantize_down(quantity / ask, rules.qty_step)
        wire_id = body.get("newOrderClientId")
        if not isinstance(wire_id, str) or not wire_id:
            wire_id = f"sbx-{next(self._dups)}"
        internal = wire_id
        if self.sim_has_client_id(pair, wire_id):  # BTCTurk accepts duplicates silently
            internal = f"sbx-dup-{next(self._dups)}"
        try:
            request = OrderRequest(
                internal,
                pair,
                side,
                quantity,
                price,
                OrderType.LIMIT if method == "limit" else OrderType.MARKET,
            )
            ack = self.sim.submit(request)
        except OrderRejectedError as exc:
            raise ApiError(400, str(exc.code)) from None
        except ValidationError:
            raise ApiError(400, "FAILED_ORDER_PARAMETER") from None
        self._wire_ids[ack.exchange_order_id] = wire_id
        return render.submitted(self.sim.order(ack.exchange_order_id), wire_id, sent_quantity)

    def sim_has_client_id(self, pair: Pair, client_order_id: str) -> bool:
        return client_order_id in self._wire_ids.values() or (
            self.sim.order_by_client_id(pair, client_order_id) is not None
        )

    def user_trades(self, query: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
        self._sync()
        now = self._wall()
        order_ids = query.get("orderId")
        start = _ms_param(query, "startDate", now - 30 * DAY_MS)
        end = _ms_param(query, "endDate", None)
        symbol = query.get("pairSymbol")
        pairs = [self._pair(symbol[0])] if symbol else list(self._rules)
        rows = []
        for pair in pairs:
            for fill in self.sim.all_fills(pair):
                if self._wanted(fill, pair, query, order_ids, start or 0, end):
                    wire_id = self._wire_ids.get(fill.order_id, "")
                    rows.append(render.user_trade(fill, wire_id))
        return sorted(rows, key=lambda r: (r["timestamp"], r["id"]), reverse=True)

    @staticmethod
    def _wanted(
        fill: Fill,
        pair: Pair,
        query: Mapping[str, Sequence[str]],
        order_ids: Sequence[str] | None,
        start: int,
        end: int | None,
    ) -> bool:
        if order_ids:  # orderId is sent alone
            return fill.order_id in order_ids
        at = render.ms(fill.timestamp)
        if at < start or (end is not None and at > end):
            return False
        types = {t.lower() for t in query.get("type", [])}
        if types and render.side(fill.side) not in types:
            return False
        symbols = {s.upper() for s in query.get("symbol", [])}
        return not symbols or bool({pair.base, pair.quote} & symbols)

    # --- introspection for tests and the benchmark --------------------------------------------

    def orders_with_client_id(self, wire_client_id: str) -> list[str]:
        """Exchange ids of every order sent with ``wire_client_id`` (duplicates included)."""
        return sorted(
            (oid for oid, cid in self._wire_ids.items() if cid == wire_client_id), key=int
        )
