"""The core ports on BTCTurk: :class:`BtcturkAdapter` is a MarketDataPort, TradingPort and
AccountPort. Its market-data half is in :mod:`btcbot_adapters.btcturk.market_data`.

Units: prices in quote per base, quantities in base, fees/tax in the quote asset, times
UTC-aware. Submits send decimals as strings at their exact scale (never float, never
exponent notation).

**Ambiguous submits.** A submit that times out, loses its connection, gets a 5xx or an
unparseable 2xx is *not* resent blindly: the order is looked up by our client order id
(open orders, then all orders of the pair, from the highest order id known *before* the
send). Found → its ack is returned. Otherwise → :class:`TransientExchangeError`: the core
records the order as UNKNOWN and looks it up again next cycle. Re-sending the same request
(same client order id) after a proven absence is opt-in (``max_resends``, default 0): a
request that timed out may still be processing, so "absent after ``resolve_delay_s``" is
not proof enough to send it twice by default. Any error after an ambiguous first attempt —
a failed lookup, a refused re-send — is reported as transient, never as a rejection,
because the first attempt may have placed the order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from btcbot_adapters.btcturk.client import BtcturkClient
from btcbot_adapters.btcturk.fills import FillCursor
from btcbot_adapters.btcturk.market_data import DAY_S as DAY_S  # re-exported
from btcbot_adapters.btcturk.market_data import KLINE_RESOLUTIONS as KLINE_RESOLUTIONS  # idem
from btcbot_adapters.btcturk.market_data import BtcturkMarketData
from btcbot_adapters.btcturk.order_body import order_body
from btcbot_adapters.btcturk.parse_private import (
    parse_all_orders,
    parse_balances,
    parse_open_orders,
    parse_single_order,
    parse_submit,
    parse_user_trades,
)
from btcbot_adapters.btcturk.rules import DEFAULT_SAFE_MIN_NOTIONAL_TRY, TickSizeMode
from btcbot_core.errors import (
    ExchangeError,
    MalformedResponse,
    OrderNotFoundError,
    OrderRejectedError,
    TransientExchangeError,
    ValidationError,
)
from btcbot_core.orders import OrderRequest, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.ports import Balance, ExchangeOrder, FillPage, SubmitAck


class BtcturkAdapter(BtcturkMarketData):
    """BTCTurk behind the core ports. ``now`` returns aware UTC time (injectable).

    Market data (rules, quotes, bars, tickers, public trades, server time) comes from
    :class:`~btcbot_adapters.btcturk.market_data.BtcturkMarketData`; this class adds the
    account, order lookups, fills and writes.
    """

    #: TradingPort: a real exchange (or a sandbox server speaking its protocol) — never a
    #: simulation, whatever base URL the client points at.
    simulated: Final = False

    def __init__(
        self,
        client: BtcturkClient,
        *,
        safe_min_notional_try: Decimal = DEFAULT_SAFE_MIN_NOTIONAL_TRY,
        tick_size_mode: TickSizeMode = TickSizeMode.IGNORE,
        rules_ttl_s: float = 3600.0,
        orderbook_limit: int = 5,
        max_resends: int = 0,
        resolve_delay_s: float = 2.0,
        complete_below: int = 50,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self._safe_min = safe_min_notional_try
        self._tick_mode = tick_size_mode
        self._rules_ttl = rules_ttl_s
        self._book_limit = orderbook_limit
        self._max_resends = max_resends
        self._resolve_delay = resolve_delay_s
        self._complete_below = complete_below
        self._now = now
        self._monotonic = monotonic
        self._sleep = sleep
        self._rules = None
        self._rules_at = 0.0
        self._client_ids: dict[str, str] = {}  # exchange order id -> our client order id
        self._max_order_id: dict[Pair, int] = {}

    def __repr__(self) -> str:
        return f"BtcturkAdapter({self.client!r})"

    # --- AccountPort -------------------------------------------------------------------------

    def balances(self) -> Mapping[str, Balance]:
        data = self.client.private(
            "GET", "/api/v1/users/balances", "GET /api/v1/users/balances", idempotent=True
        )
        return parse_balances(data)

    # --- TradingPort: reads ------------------------------------------------------------------

    def _remember(self, orders: Sequence[ExchangeOrder]) -> None:
        for order in orders:
            if order.client_order_id:
                self._client_ids[order.exchange_order_id] = order.client_order_id
            if order.exchange_order_id.isdigit():
                known = self._max_order_id.get(order.pair, 0)
                self._max_order_id[order.pair] = max(known, int(order.exchange_order_id))

    def open_orders(self, pairs: Sequence[Pair]) -> Sequence[ExchangeOrder]:
        """Untouched and partial orders of each pair (one call per pair)."""
        out: list[ExchangeOrder] = []
        for pair in pairs:
            data = self.client.private(
                "GET",
                "/api/v1/openOrders",
                "GET /api/v1/openOrders",
                params={"pairSymbol": pair.symbol},
                idempotent=True,
            )
            orders = [o for o in parse_open_orders(data) if o.pair == pair]
            self._remember(orders)
            out += orders
        return out

    def order(self, exchange_order_id: str) -> ExchangeOrder:
        """``GET /api/v1/order/{id}``; :class:`OrderNotFoundError` for an unknown id."""
        if not exchange_order_id.isdigit():
            raise ValidationError(f"exchange order id {exchange_order_id!r} must be digits")
        data = self.client.private(
            "GET",
            f"/api/v1/order/{exchange_order_id}",
            "GET /api/v1/order/{id}",
            idempotent=True,
        )
        found = parse_single_order(data)
        self._remember([found])
        return found

    def all_orders(self, pair: Pair, since_order_id: int | None = None) -> list[ExchangeOrder]:
        """Orders of ``pair`` in any status (``orderId`` ≥ ``since_order_id`` when given)."""
        params: dict[str, Any] = {"pairSymbol": pair.symbol}
        if since_order_id is not None:
            params["orderId"] = since_order_id
        data = self.client.private(
            "GET", "/api/v1/allOrders", "GET /api/v1/allOrders", params=params, idempotent=True
        )
        orders = [o for o in parse_all_orders(data) if o.pair == pair]
        self._remember(orders)
        return orders

    def order_by_client_id(
        self, pair: Pair, client_order_id: str, *, since_order_id: int | None = None
    ) -> ExchangeOrder | None:
        """Open orders first, then all orders; ``None`` only when absence is proven.

        Proof: an all-orders answer with fewer than ``complete_below`` rows (50, the smallest
        documented page size) is the complete history. When the full history is longer, the
        query is repeated from the highest order id we saw earlier (``orderId`` filter; this
        relies on BTCTurk order ids increasing, which every sample shows but no document
        states). Neither complete → :class:`TransientExchangeError` (not proven either way).
        """
        for order in self.open_orders([pair]):
            if order.client_order_id == client_order_id:
                return order
        # ``since_order_id``: the highest id known before our send; reading it after the open
        # orders above could skip our order when a newer one (manual, another process) opened.
        since = since_order_id if since_order_id is not None else self._max_order_id.get(pair)
        rows = self.all_orders(pair)
        complete = len(rows) < self._complete_below
        if not complete and since is not None:
            recent = self.all_orders(pair, since)
            rows += recent
            complete = len(recent) < self._complete_below
        for order in rows:
            if order.client_order_id == client_order_id:
                return order
        if complete:
            return None
        raise TransientExchangeError(
            f"{pair}: order history too long to prove {client_order_id} absent"
        )

    def fills_since(self, pair: Pair, cursor: str | None) -> FillPage:
        """Fills of ``pair`` after ``cursor`` (opaque: last time and the ids seen at it)."""
        position = FillCursor.parse(cursor)
        params: list[tuple[str, Any]] = [
            ("type", "buy"),
            ("type", "sell"),
            ("symbol", pair.base.lower()),
            ("symbol", pair.quote.lower()),
            ("pairSymbol", pair.symbol),
        ]
        if position is not None:
            params.append(("startDate", position.at_ms))
        data = self.client.private(
            "GET",
            "/api/v1/users/transactions/trade",
            "GET /api/v1/users/transactions/trade",
            params=params,
            idempotent=True,
        )
        fills = [f for f in parse_user_trades(data, self._client_ids) if f.pair == pair]
        fresh = [f for f in fills if position is None or position.is_new(f)]
        nxt = FillCursor.after(position, fresh)
        if nxt is None:
            # A first poll with no fills still marks the pair as tracked: later polls ask
            # from a minute before now, so a quiet pair's next fill is a new fill, not history.
            now_ms = self.client.clock.now_ms() + self.client.clock.offset_ms
            nxt = FillCursor(max(0, now_ms - 60_000), frozenset())
        return FillPage(tuple(fresh), nxt.dump())

    # --- TradingPort: writes -----------------------------------------------------------------

    def _precheck(self, request: OrderRequest) -> None:
        if request.order_type is OrderType.MARKET and request.side is Side.BUY:
            raise OrderRejectedError(
                f"{request.client_order_id}: BTCTurk market buys take a quote-currency amount; "
                "the core OrderRequest carries a base quantity, so market buys are refused",
                code="MARKET_BUY_NEEDS_QUOTE_AMOUNT",
            )
        if self._rules is not None:
            methods = self._rules.order_methods(request.pair)
            wanted = request.order_type.value
            if methods and wanted not in methods:
                raise OrderRejectedError(
                    f"{request.pair} does not allow {wanted} orders ({sorted(methods)})",
                    code="ORDER_METHOD_NOT_SUPPORTED",
                )

    def _post(self, request: OrderRequest) -> SubmitAck:
        data = self.client.private(
            "POST",
            "/api/v1/order",
            "POST /api/v1/order",
            body=order_body(request),
            idempotent=False,
        )
        ack = parse_submit(data, request.client_order_id, self._now())
        self._client_ids[ack.exchange_order_id] = request.client_order_id
        if ack.exchange_order_id.isdigit():
            known = self._max_order_id.get(request.pair, 0)
            self._max_order_id[request.pair] = max(known, int(ack.exchange_order_id))
        return ack

    def submit(self, request: OrderRequest) -> SubmitAck:
        """Send ``request``; resolve an ambiguous outcome by client-order-id lookup (see the
        module docstring). Raises :class:`TransientExchangeError` when it stays unknown."""
        self._precheck(request)
        known_before = self._max_order_id.get(request.pair)
        try:
            return self._post(request)
        except (TransientExchangeError, MalformedResponse) as first:
            problem: Exception = first
        for attempt in range(self._max_resends + 1):
            if self._resolve_delay > 0:
                self._sleep(self._resolve_delay)
            try:
                found = self.order_by_client_id(
                    request.pair, request.client_order_id, since_order_id=known_before
                )
            except ExchangeError as exc:
                raise TransientExchangeError(
                    f"{request.client_order_id}: submit outcome unknown ({problem}); lookup "
                    f"failed: {exc}"
                ) from None
            if found is not None:
                return SubmitAck(found.exchange_order_id, request.client_order_id, found.created_at)
            if attempt == self._max_resends:
                break
            try:
                return self._post(request)  # proven absent: same client order id again
            except ExchangeError as exc:
                problem = exc  # a refused re-send says nothing about the first attempt
        raise TransientExchangeError(
            f"{request.client_order_id}: submit outcome unknown ({problem}); not found by "
            f"lookup after {self._max_resends} re-send(s)"
        )

    def cancel(self, pair: Pair, exchange_order_id: str) -> bool:
        """Request cancellation (asynchronous on BTCTurk since 2024-04: poll for the final
        state). ``False`` when the exchange says the order is unknown or already finished."""
        try:
            self.client.private(
                "DELETE",
                "/api/v1/order",
                "DELETE /api/v1/order",
                params={"id": exchange_order_id},
                idempotent=False,
            )
        except OrderNotFoundError:
            return False
        except OrderRejectedError as exc:
            if exc.code == "ORDER_COULD_NOT_BE_CANCELED":
                return False
            raise
        return True
