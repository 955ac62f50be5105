"""The TradingPort half of :class:`~btcbot_adapters.simulated.exchange.SimulatedExchange`:
order entry (validate, lock, accept), cancels, order lookups and fill pages.

Kept apart from the market-data side so each module reads as one concept; the exchange class
inherits :class:`TradingDesk` and owns all the state it uses (declared below for type
checkers). Balances and locks are described in the exchange module's docstring.

Hot-path note: the cycle benchmark calls ``submit``, ``open_orders`` and ``fills_since`` on
almost every cycle with no fault armed, so each checks the fault plan inline
(:meth:`~btcbot_adapters.simulated.faults.FaultInjector.idle`) and falls back to the
general code otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from btcbot_adapters.simulated.codes import RejectCode, reject_code
from btcbot_adapters.simulated.faults import FaultInjector, FaultKind, Operation
from btcbot_adapters.simulated.fees import FeeSchedule, exact_add, exact_multiply, exact_subtract
from btcbot_adapters.simulated.matching import MatchingEngine
from btcbot_adapters.simulated.pricing import slipped_price
from btcbot_adapters.simulated.state import PairBook, SimOrder, Wallet
from btcbot_core.errors import (
    OrderNotFoundError,
    OrderRejectedError,
    TransientExchangeError,
    ValidationError,
)
from btcbot_core.money import ZERO
from btcbot_core.orders import BUY, CANCELED, MARKET, SELL, Fill, OrderRequest
from btcbot_core.pair import Pair
from btcbot_core.ports import ExchangeOrder, FillPage, SubmitAck

if TYPE_CHECKING:
    from decimal import Decimal


class MatchMode(enum.StrEnum):
    """What drives matching. QUOTES: ``set_quote``; orders may fill on submit. BARS:
    ``on_bar``; every order first meets the next bar (no fill on submit, no look-ahead)."""

    QUOTES = "QUOTES"
    BARS = "BARS"


class TradingDesk:
    """Order entry, cancels, lookups and fill pages of the simulated exchange (a mixin)."""

    #: TradingPort: writes stay inside this simulated exchange; no real order can result.
    simulated: Final = True

    # State owned and initialised by SimulatedExchange.__init__.
    faults: FaultInjector
    _mode: MatchMode
    _fees: FeeSchedule
    _slippage: Decimal
    _band: Decimal
    _band_up: Decimal
    _band_down: Decimal
    _bars_mode: bool
    _half_spread: Decimal
    _spread_free: bool
    _books: dict[Pair, PairBook]
    _wallet: Wallet
    _engine: MatchingEngine
    _page: int
    _next_id: int
    _by_id: dict[str, SimOrder]
    _by_client: dict[str, SimOrder]

    def now(self) -> datetime:
        raise NotImplementedError  # SimulatedExchange.now

    def _book(self, pair: Pair) -> PairBook:
        """The book of ``pair``; ``ValidationError`` if it is not traded here."""
        book = self._books.get(pair)
        if book is None:
            raise ValidationError(f"{pair} is not traded on this simulated exchange")
        return book

    # --- TradingPort ------------------------------------------------------------------------

    def submit(self, request: OrderRequest) -> SubmitAck:
        """Validate, lock and accept ``request`` (quote mode: match it at once).

        Raises ``OrderRejectedError(code=RejectCode…)`` with nothing changed when the order
        breaks the symbol rules, the free balance is short, or the client order id was used.
        With a TIMEOUT_AFTER_ACCEPT fault the caller gets ``TransientExchangeError`` whatever
        the outcome was (accepted — and in quote mode maybe filled — or rejected).
        """
        if self.faults.idle():
            return self._accept(request)
        fault = self.faults.for_call(Operation.SUBMIT)
        if fault is not None and fault.kind is FaultKind.REJECT:
            raise OrderRejectedError(
                f"injected reject of {request.client_order_id}", code=fault.code
            )
        hide = fault is not None and fault.kind is FaultKind.TIMEOUT_AFTER_ACCEPT
        try:
            ack = self._accept(request)
        except OrderRejectedError as err:
            if hide:
                raise TransientExchangeError(
                    f"injected timeout: the outcome of {request.client_order_id} is unknown"
                ) from err
            raise
        if hide:
            raise TransientExchangeError(
                f"injected timeout after accepting {request.client_order_id} "
                f"(order {ack.exchange_order_id})"
            )
        return ack

    def _accept(self, request: OrderRequest) -> SubmitAck:
        pair = request.pair
        book = self._books.get(pair)
        if book is None:
            raise OrderRejectedError(
                f"{pair} is not traded here", code=RejectCode.FAILED_ORDER_PARAMETER
            )
        client_id = request.client_order_id
        if client_id in self._by_client:
            raise OrderRejectedError(
                f"client order id {client_id} already used",
                code=RejectCode.DUPLICATE_CLIENT_ORDER_ID,
            )
        # two pairs, not one 4-tuple: more than three names build and unpack a tuple
        side, order_type = request.side, request.order_type
        price, quantity = request.price, request.quantity
        buy = side is BUY
        quotes = not self._bars_mode
        if quotes:
            touch = book.quote
            reference = None if touch is None else touch.ask if buy else touch.bid
        elif self._spread_free:  # touch_prices() of the last bar is (close, close)
            last = book.last_bar
            reference = None if last is None else last.close
        else:  # the prices of bar_quote(), without building the Quote
            cached = book.touch  # PairBook.touch_prices' cache, read inline when current
            if cached is not None and cached[0] is book.last_bar:
                reference = cached[2] if buy else cached[1]
            else:
                prices = book.touch_prices(self._half_spread)
                reference = None if prices is None else prices[1] if buy else prices[0]
        violations = book.rules.check(side, price, quantity, reference)
        if violations:
            detail = "; ".join(v.detail for v in violations)
            raise OrderRejectedError(detail, code=reject_code(violations[0], order_type))
        cap = None
        if order_type is MARKET:
            if reference is None:
                raise OrderRejectedError(
                    f"{pair}: no market price for a market order",
                    code=RejectCode.FAILED_MARKET_ORDER,
                )
            if quotes:  # fills at once, at exactly this price
                cap = slipped_price(side, reference, self._slippage, book.rules)
            elif buy:  # band_price(), with its factor 1 ± band computed once (__init__)
                cap = book.rules.round_price(reference * self._band_up, SELL)  # round_up
            else:
                cap = book.rules.round_price(reference * self._band_down, BUY)
        now = self.now()
        if buy:
            lock_asset = pair.quote
            worst = price if price is not None else cap
            assert worst is not None
            notional = exact_multiply(worst, quantity)
            need = exact_add(notional, self._fees.max_fee_and_tax(notional))
        else:
            lock_asset = pair.base
            need = quantity
        wallet = self._wallet
        free = wallet.free.get(lock_asset, ZERO)  # Wallet.available, inlined
        if need > free:
            raise OrderRejectedError(
                f"{client_id} needs {need} {lock_asset}, {free} free",
                code=RejectCode.BALANCE_NOT_ENOUGH,
            )
        order_id = str(self._next_id)
        self._next_id += 1
        order = SimOrder(
            order_id, client_id, pair, side, order_type, price, quantity, now, lock_asset, need, cap
        )
        # Wallet.lock, inlined: need <= free was checked above
        wallet.free[lock_asset] = exact_subtract(free, need)
        wallet.locked[lock_asset] = exact_add(wallet.locked.get(lock_asset, ZERO), need)
        self._by_id[order_id] = order
        self._by_client[client_id] = order
        book.live.append(order)
        if quotes:
            self._engine.on_submit_quote(book, order, book.quote)
            book.reindex()
        else:  # nothing filled or closed: the summary only gains this order
            book.note_new(order)
        return SubmitAck(order_id, client_id, now)

    def cancel(self, pair: Pair, exchange_order_id: str) -> bool:
        """Cancel a live order (True); False when it is already terminal.

        Raises ``OrderNotFoundError`` for an id this exchange never issued for ``pair``.
        """
        fault = self.faults.for_call(Operation.CANCEL)
        order = self._by_id.get(exchange_order_id)
        if order is None or order.pair != pair:
            raise OrderNotFoundError(f"no order {exchange_order_id} on {pair}")
        done = False
        if order.status.is_live:
            self._engine.close(self._books[pair], order, CANCELED, self.now())
            done = True
        if fault is not None and fault.kind is FaultKind.TIMEOUT_AFTER_ACCEPT:
            raise TransientExchangeError(f"injected timeout after cancelling {exchange_order_id}")
        return done

    def open_orders(self, pairs: Sequence[Pair]) -> Sequence[ExchangeOrder]:
        """Live orders of ``pairs``, oldest first."""
        if not self.faults.idle():
            self.faults.for_call(Operation.OPEN_ORDERS)
        out: list[ExchangeOrder] = []
        books = self._books
        for pair in pairs:
            try:  # (a subscript costs less than .get() for the traded pairs)
                book = books[pair]
            except KeyError:
                continue
            if book.live:
                out += [o.view() for o in book.live]  # views are cached per order
        return out

    def order_by_client_id(self, pair: Pair, client_order_id: str) -> ExchangeOrder | None:
        """The order with ``client_order_id`` on ``pair``, terminal or not; None if absent."""
        self.faults.for_call(Operation.ORDER_LOOKUP)
        order = self._by_client.get(client_order_id)
        if order is None or order.pair != pair:
            return None
        return order.view()

    def order(self, exchange_order_id: str) -> ExchangeOrder:
        """Look an order up by exchange id (no faults); ``OrderNotFoundError`` if unknown."""
        found = self._by_id.get(exchange_order_id)
        if found is None:
            raise OrderNotFoundError(f"no order {exchange_order_id}")
        return found.view()

    def all_orders(self, pair: Pair) -> list[ExchangeOrder]:
        """Every order of ``pair`` ever accepted, terminal ones too, oldest first (no faults)."""
        return [o.view() for o in self._by_id.values() if o.pair == pair]

    def fills_since(self, pair: Pair, cursor: str | None) -> FillPage:
        """Fills of ``pair`` after ``cursor`` (the count of fills already read, as text), oldest
        first, at most ``fill_page_size``; the returned cursor continues after the page."""
        fault = None if self.faults.idle() else self.faults.for_call(Operation.FILLS)
        try:  # a subscript, and _book (its error) only for a pair not traded here
            book = self._books[pair]
        except KeyError:
            book = self._book(pair)
        if fault is None:
            return book.page_after(cursor, self._page)
        start, page = book.fill_page(cursor, self._page)
        end = start + len(page)
        if fault.kind is FaultKind.DUPLICATE_FILL:
            if start > 0:  # an overlapping page: the last fill already read comes again
                page = [book.fills[start - 1], *page]
            elif page:
                page = [page[0], *page]
            else:
                self.faults.put_back(fault)
        return FillPage(tuple(page), str(end))

    def all_fills(self, pair: Pair) -> tuple[Fill, ...]:
        """Every fill of ``pair`` so far (no faults, no paging)."""
        return tuple(self._book(pair).fills)
