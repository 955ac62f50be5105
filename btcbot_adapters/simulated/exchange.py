"""``SimulatedExchange``: a deterministic exchange behind the market-data, trading and account
ports.

The caller drives it: ``set_quote`` (quote mode) or ``on_bar`` (bar mode) feed the market and
trigger matching; time comes only from those quotes and bars (``start`` until the first one).
Matching rules are in :mod:`btcbot_adapters.simulated.matching`, fee rounding in
:mod:`btcbot_adapters.simulated.fees`, reject codes in :mod:`btcbot_adapters.simulated.codes`
and fault injection in :mod:`btcbot_adapters.simulated.faults`.

Balances: a limit BUY locks ``limit × qty`` plus the most fee and tax it can be charged
(:meth:`FeeSchedule.max_fee_and_tax`) in the quote asset; a market BUY locks the same at its
worst price (quote mode: the slipped ask it fills at; bar mode: its band price, reference ×
(1 + ``market_band_bps``), like BTCTurk's 5 % band); a SELL locks its quantity of base. Fills
pay out of the order's lock; terminal orders release what is left. Orders are validated with
``SymbolRules.check`` and the free balance and refused with ``OrderRejectedError`` — never
adjusted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from btcbot_adapters.simulated.codes import RejectCode, reject_code
from btcbot_adapters.simulated.faults import (
    FaultInjector,
    FaultKind,
    FaultRates,
    Operation,
)
from btcbot_adapters.simulated.fees import EXACT, FeeSchedule
from btcbot_adapters.simulated.matching import MatchingEngine
from btcbot_adapters.simulated.pricing import band_price, slipped_price
from btcbot_adapters.simulated.state import PairBook, SimOrder, Wallet
from btcbot_core.errors import (
    OrderNotFoundError,
    OrderRejectedError,
    TransientExchangeError,
    ValidationError,
)
from btcbot_core.market import Bar, Quote
from btcbot_core.money import DecimalLike, bps, to_decimal
from btcbot_core.orders import Fill, OrderRequest, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.ports import Balance, ExchangeOrder, FillPage, SubmitAck
from btcbot_core.rules import SymbolRules

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MatchMode(enum.StrEnum):
    """What drives matching. QUOTES: ``set_quote``; orders may fill on submit. BARS:
    ``on_bar``; every order first meets the next bar (no fill on submit, no look-ahead)."""

    QUOTES = "QUOTES"
    BARS = "BARS"


class SimulatedExchange:
    """A deterministic simulated spot exchange (MarketDataPort + TradingPort + AccountPort).

    Args:
        rules: the tradable pairs, one ``SymbolRules`` each.
        balances: starting free balance per asset (``Decimal``/``int``/``str``).
        mode: :class:`MatchMode` (default BARS).
        fees: :class:`FeeSchedule` (maker/taker bps, tax ratio, fee scale).
        slippage_bps: how much worse than the touch (quote mode) or the open (bar mode) a
            market order fills, in bps; the price is rounded to the step against the taker.
        participation: at most this ratio of each bar's volume fills per pair per bar
            (``None``: no cap). Bar mode only.
        market_band_bps: a market order never fills further than this from the reference
            price it was accepted at (bar mode; default 500 = BTCTurk's 5 %).
        bar_spread_bps: in bar mode ``quotes()`` is synthesised from the last close as
            ``close ∓ half this spread`` (default 0: bid = ask = close).
        seed / fault_rates: seeded random faults; explicit faults via :attr:`faults`.
        start: the exchange time before the first quote or bar (UTC-aware).
        history_limit: bars kept per pair for ``bars()``.
        fill_page_size: most fills one ``fills_since`` page returns.
        first_order_id: the first exchange order id (ids are consecutive integers as text).

    Not thread-safe: serialise calls (a server in front of it should hold one lock per call).
    """

    def __init__(
        self,
        rules: Iterable[SymbolRules],
        balances: Mapping[str, DecimalLike],
        *,
        mode: MatchMode = MatchMode.BARS,
        fees: FeeSchedule | None = None,
        slippage_bps: DecimalLike = 0,
        participation: DecimalLike | None = None,
        market_band_bps: DecimalLike = 500,
        bar_spread_bps: DecimalLike = 0,
        seed: int = 0,
        fault_rates: FaultRates | None = None,
        start: datetime = EPOCH,
        history_limit: int = 1000,
        fill_page_size: int = 1000,
        first_order_id: int = 1,
    ) -> None:
        if start.tzinfo is None:
            raise ValidationError("start must be a timezone-aware datetime")
        self._mode = MatchMode(mode)
        self._fees = fees or FeeSchedule()
        self._slippage = bps(slippage_bps)
        self._band = bps(market_band_bps)
        self._half_spread = bps(bar_spread_bps) / 2
        if not (0 <= self._slippage < 1 and 0 <= self._band < 1 and 0 <= self._half_spread < 1):
            raise ValidationError("slippage, band and spread must be in [0, 10000) bps")
        self._participation = None if participation is None else to_decimal(participation)
        if self._participation is not None and not 0 < self._participation <= 1:
            raise ValidationError(f"participation must be in (0, 1], got {participation}")
        if history_limit < 1 or fill_page_size < 1:
            raise ValidationError("history_limit and fill_page_size must be >= 1")
        self._books: dict[Pair, PairBook] = {}
        for rule in rules:
            if rule.pair in self._books:
                raise ValidationError(f"duplicate rules for {rule.pair}")
            self._books[rule.pair] = PairBook(rule, history_limit)
        self._wallet = Wallet(balances)
        self._engine = MatchingEngine(self._wallet, self._fees, self._slippage)
        self.faults = FaultInjector(seed, fault_rates)
        self._start = start
        self._bar_clock: Bar | None = None
        self._quote_clock: datetime = start
        self._page = fill_page_size
        self._next_id = first_order_id
        self._by_id: dict[str, SimOrder] = {}
        self._by_client: dict[str, SimOrder] = {}
        self._by_pair_object: dict[int, tuple[Pair, PairBook]] = {}

    # --- configuration and time -------------------------------------------------------------

    @property
    def mode(self) -> MatchMode:
        return self._mode

    @property
    def pairs(self) -> tuple[Pair, ...]:
        return tuple(self._books)

    @property
    def fee_schedule(self) -> FeeSchedule:
        return self._fees

    def now(self) -> datetime:
        """Exchange time: the latest quote time or bar close time seen (``start`` before)."""
        bar = self._bar_clock
        if bar is None:
            return self._quote_clock
        return max(self._quote_clock, bar.open_time + timedelta(seconds=bar.interval_s))

    def _remember(self, pair: Pair) -> PairBook:
        """The book of ``pair``, remembered by object identity: hashing an attrs ``Pair``
        costs more than the rest of a quiet ``on_bar``. Bounded; holds the pair object so
        its id cannot be reused while remembered."""
        book = self._book(pair)
        if len(self._by_pair_object) >= 256:
            self._by_pair_object.clear()
        self._by_pair_object[id(pair)] = (pair, book)
        return book

    def _book(self, pair: Pair) -> PairBook:
        book = self._books.get(pair)
        if book is None:
            raise ValidationError(f"{pair} is not traded on this simulated exchange")
        return book

    # --- driving the market -----------------------------------------------------------------

    def set_quote(self, quote: Quote) -> None:
        """Observe a new top of book and match resting orders against it (quote mode only:
        in bar mode quotes are synthesised from bars, so this raises ``ValidationError``)."""
        if self._mode is not MatchMode.QUOTES:
            raise ValidationError("set_quote needs MatchMode.QUOTES; feed bars with on_bar")
        book = self._book(quote.pair)
        last = book.quote
        if last is not None and quote.observed_at < last.observed_at:
            raise ValidationError(f"{quote.pair}: quote at {quote.observed_at} goes back in time")
        book.prev_quote = last
        book.quote = quote
        if quote.observed_at > self._quote_clock:
            self._quote_clock = quote.observed_at
        if book.live and book.quote_may_trade(quote):
            self._engine.on_quote(book, quote)

    def on_bar(self, bar: Bar) -> None:
        """Observe a closed bar (kept for ``bars()``); in bar mode, match live orders against
        it. O(1) unless the bar can fill something: a dict lookup, a time check, a bounded
        append and two price comparisons (:meth:`PairBook.bar_may_trade`)."""
        pair = bar.pair
        hit = self._by_pair_object.get(id(pair))
        book = hit[1] if hit is not None and hit[0] is pair else self._remember(pair)
        last = book.last_bar
        if last is not None and bar.open_time <= last.open_time:
            raise ValidationError(f"{bar.pair}: bar at {bar.open_time} is not after the last one")
        book.prev_bar = last
        book.last_bar = bar
        book.history.append(bar)
        clock = self._bar_clock
        if clock is None or bar.open_time >= clock.open_time:
            self._bar_clock = bar
        if book.live and self._mode is MatchMode.BARS and book.bar_may_trade(bar):
            self._engine.on_bar(book, bar, self._participation)

    def deposit(self, asset: str, amount: DecimalLike) -> None:
        """Credit ``amount`` (> 0) of ``asset`` to the free balance (tests, sandbox)."""
        value = to_decimal(amount, "amount")
        if value <= 0:
            raise ValidationError(f"deposit must be > 0, got {value}")
        self._wallet.credit(asset.upper(), value)

    # --- MarketDataPort ---------------------------------------------------------------------

    def symbol_rules(self, pairs: Sequence[Pair]) -> Mapping[Pair, SymbolRules]:
        return {p: self._books[p].rules for p in pairs if p in self._books}

    def quotes(self, pairs: Sequence[Pair]) -> Mapping[Pair, Quote]:
        """Top of book per pair (bar mode: synthesised from the last close)."""
        fault = self.faults.for_call(Operation.QUOTES)
        stale = fault is not None and fault.kind is FaultKind.STALE_QUOTE
        out: dict[Pair, Quote] = {}
        for pair in pairs:
            book = self._books.get(pair)
            if book is None:
                continue
            quote = self._touch(book, stale)
            if quote is not None:
                out[pair] = quote
        return out

    def bars(self, pair: Pair, interval_s: int, limit: int) -> Sequence[Bar]:
        """The last ``limit`` bars of ``interval_s`` seen by ``on_bar``, oldest first (at most
        ``history_limit``). Cheap for ``limit=1``, the per-cycle call of the pipeline."""
        hit = self._by_pair_object.get(id(pair))
        if hit is not None and hit[0] is pair:
            book: PairBook | None = hit[1]
            if limit == 1:
                last = hit[1].last_bar
                if last is not None and last.interval_s == interval_s:
                    return [last]
        else:
            book = self._books.get(pair)
            if book is not None:
                self._remember(pair)
        if book is None or limit <= 0:
            return []
        last = book.last_bar
        if limit == 1 and last is not None and last.interval_s == interval_s:
            return [last]
        out: list[Bar] = []
        for bar in reversed(book.history):
            if bar.interval_s == interval_s:
                out.append(bar)
                if len(out) == limit:
                    break
        out.reverse()
        return out

    def _touch(self, book: PairBook, stale: bool = False) -> Quote | None:
        if self._mode is MatchMode.QUOTES:
            return book.prev_quote or book.quote if stale else book.quote
        return book.bar_quote(self._half_spread, stale)

    # --- TradingPort ------------------------------------------------------------------------

    def submit(self, request: OrderRequest) -> SubmitAck:
        """Validate, lock and accept ``request`` (quote mode: match it at once).

        Raises ``OrderRejectedError(code=RejectCode…)`` with nothing changed when the order
        breaks the symbol rules, the free balance is short, or the client order id was used.
        With a TIMEOUT_AFTER_ACCEPT fault the caller gets ``TransientExchangeError`` whatever
        the outcome was (accepted — and in quote mode maybe filled — or rejected).
        """
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
        book = self._books.get(request.pair)
        if book is None:
            raise OrderRejectedError(
                f"{request.pair} is not traded here", code=RejectCode.FAILED_ORDER_PARAMETER
            )
        if request.client_order_id in self._by_client:
            raise OrderRejectedError(
                f"client order id {request.client_order_id} already used",
                code=RejectCode.DUPLICATE_CLIENT_ORDER_ID,
            )
        market = request.order_type is OrderType.MARKET
        buy = request.side is Side.BUY
        if self._mode is MatchMode.QUOTES:
            touch = book.quote
            reference = None if touch is None else touch.ask if buy else touch.bid
        else:  # the prices of bar_quote(), without building the Quote
            prices = book.touch_prices(self._half_spread)
            reference = None if prices is None else prices[1] if buy else prices[0]
        violations = book.rules.check(request.side, request.price, request.quantity, reference)
        if violations:
            detail = "; ".join(v.detail for v in violations)
            raise OrderRejectedError(detail, code=reject_code(violations[0], request.order_type))
        cap = None
        if market:
            if reference is None:
                raise OrderRejectedError(
                    f"{request.pair}: no market price for a market order",
                    code=RejectCode.FAILED_MARKET_ORDER,
                )
            if self._mode is MatchMode.QUOTES:  # fills at once, at exactly this price
                cap = slipped_price(request.side, reference, self._slippage, book.rules)
            else:
                cap = band_price(request.side, reference, self._band, book.rules)
        now = self.now()
        if buy:
            lock_asset = request.pair.quote
            worst = request.price if request.price is not None else cap
            assert worst is not None
            notional = EXACT.multiply(worst, request.quantity)
            need = EXACT.add(notional, self._fees.max_fee_and_tax(notional))
        else:
            lock_asset = request.pair.base
            need = request.quantity
        free = self._wallet.available(lock_asset)
        if need > free:
            raise OrderRejectedError(
                f"{request.client_order_id} needs {need} {lock_asset}, {free} free",
                code=RejectCode.BALANCE_NOT_ENOUGH,
            )
        order_id = str(self._next_id)
        self._next_id += 1
        order = SimOrder(
            exchange_order_id=order_id,
            client_order_id=request.client_order_id,
            pair=request.pair,
            side=request.side,
            order_type=request.order_type,
            price=request.price,
            quantity=request.quantity,
            created_at=now,
            lock_asset=lock_asset,
            lock_amount=need,
            cap_price=cap,
        )
        self._wallet.lock(lock_asset, need)
        self._by_id[order_id] = order
        self._by_client[request.client_order_id] = order
        book.live.append(order)
        if self._mode is MatchMode.QUOTES:
            self._engine.on_submit_quote(book, order, book.quote)
        book.reindex()
        return SubmitAck(order_id, request.client_order_id, now)

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
            self._engine.close(self._books[pair], order, OrderStatus.CANCELED, self.now())
            done = True
        if fault is not None and fault.kind is FaultKind.TIMEOUT_AFTER_ACCEPT:
            raise TransientExchangeError(f"injected timeout after cancelling {exchange_order_id}")
        return done

    def open_orders(self, pairs: Sequence[Pair]) -> Sequence[ExchangeOrder]:
        """Live orders of ``pairs``, oldest first."""
        self.faults.for_call(Operation.OPEN_ORDERS)
        out: list[ExchangeOrder] = []
        for pair in pairs:
            book = self._books.get(pair)
            if book is not None and book.live:
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
        fault = self.faults.for_call(Operation.FILLS)
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

    # --- AccountPort ------------------------------------------------------------------------

    def balances(self) -> Mapping[str, Balance]:
        """Free and locked balance of every asset the account has held."""
        self.faults.for_call(Operation.BALANCES)
        return self._wallet.balances()
