"""``SimulatedExchange``: a deterministic exchange behind the market-data, trading and account
ports.

The caller drives it: ``set_quote`` (quote mode) or ``on_bar`` (bar mode) feed the market and
trigger matching; time comes only from those quotes and bars (``start`` until the first one).
Order entry, cancels, lookups and fill pages (the TradingPort) are in
:mod:`btcbot_adapters.simulated.trading`, matching rules in
:mod:`btcbot_adapters.simulated.matching`, fee rounding in :mod:`btcbot_adapters.simulated.fees`,
reject codes in :mod:`btcbot_adapters.simulated.codes` and fault injection in
:mod:`btcbot_adapters.simulated.faults`.

Balances: a limit BUY locks ``limit × qty`` plus the most fee and tax it can be charged
(:meth:`FeeSchedule.max_fee_and_tax`) in the quote asset; a market BUY locks the same at its
worst price (quote mode: the slipped ask it fills at; bar mode: its band price, reference ×
(1 + ``market_band_bps``), like BTCTurk's 5 % band); a SELL locks its quantity of base. Fills
pay out of the order's lock; terminal orders release what is left. Orders are validated with
``SymbolRules.check`` and the free balance and refused with ``OrderRejectedError`` — never
adjusted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice

from btcbot_adapters.simulated.faults import FaultInjector, FaultKind, FaultRates, Operation
from btcbot_adapters.simulated.fees import FeeSchedule
from btcbot_adapters.simulated.matching import MatchingEngine
from btcbot_adapters.simulated.pricing import bar_span
from btcbot_adapters.simulated.state import PairBook, SimOrder, Wallet
from btcbot_adapters.simulated.trading import MatchMode, TradingDesk
from btcbot_core.errors import ValidationError
from btcbot_core.market import Bar, Quote
from btcbot_core.money import ONE, DecimalLike, bps, to_decimal
from btcbot_core.pair import Pair
from btcbot_core.ports import Balance
from btcbot_core.rules import SymbolRules

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

__all__ = ["EPOCH", "MatchMode", "SimulatedExchange"]


class SimulatedExchange(TradingDesk):
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
        # band_price()'s factors, computed once (as it would on every market order; in the
        # decimal context then current, like its other arithmetic)
        self._band_up, self._band_down = ONE + self._band, ONE - self._band
        self._half_spread = bps(bar_spread_bps) / 2
        # touch_prices()' own test: without a spread, bid and ask are the last close itself
        self._spread_free = not self._half_spread
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
        self._bar_clock: Bar | None = None  # kept once bar intervals are mixed (see now())
        self._quote_clock: datetime = start
        self._page = fill_page_size
        self._next_id = first_order_id
        self._by_id: dict[str, SimOrder] = {}
        self._by_client: dict[str, SimOrder] = {}
        self._bars_mode = self._mode is MatchMode.BARS
        self._bar_close: tuple[Bar, datetime] | None = None  # now()'s cache
        # last_bars' snapshot (and now()'s bar clock), kept by on_bars: every pair's last bar
        # (the book's last_bar), in the order of the pairs' first bars; the interval of every
        # bar seen so far when they all share one (None when they do not, or before the first
        # bar); the tuple of pairs last_bars found equal to _latest's keys (None after a new
        # key).
        self._latest: dict[Pair, Bar] = {}
        self._interval: int | None = None
        self._snapshot_pairs: tuple[Pair, ...] | None = None

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
        """Exchange time: the later of the latest quote time and the close time of the bar
        with the latest open time (``start`` before either; with mixed bar intervals that
        bar's close may not be the latest close seen)."""
        # The bar clock is the bar with the latest open time (a tie takes the later bar).
        # While every bar has had one interval, tied bars close together, so it is the
        # newest of the pairs' last bars (each pair's bars move forward) and on_bars does
        # not track it; once the intervals are mixed, on_bars keeps it (None before a bar).
        bar = self._bar_clock if self._interval is None else self._newest_last_bar()
        if bar is None:
            return self._quote_clock
        cached = self._bar_close
        if cached is None or cached[0] is not bar:  # the close time, computed once per bar
            cached = self._bar_close = (bar, bar.open_time + bar_span(bar.interval_s))
        close, quote_clock = cached[1], self._quote_clock
        return close if close > quote_clock else quote_clock  # max(quote_clock, close)

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
        self.on_bars((bar,))

    def on_bars(self, bars: Iterable[Bar]) -> None:
        """:meth:`on_bar` for each of ``bars`` in order (one time step of a feed, in one
        call). A bar that is not after its pair's last one raises ``ValidationError``; the
        bars before it have been observed."""
        books, bars_mode, latest = self._books, self._bars_mode, self._latest
        # The common interval and the bar clock (see now()) are kept in locals and stored
        # once per call: nothing below reads them, and the ``finally`` also stores them when
        # a bar is refused (the bars before it have been observed).
        interval, clock = self._interval, self._bar_clock
        try:
            for bar in bars:
                pair = bar.pair
                try:  # (a subscript costs less than .get() here)
                    book = books[pair]
                except KeyError:
                    book = self._book(pair)
                last = book.last_bar
                open_time = bar.open_time
                if last is None:  # the pair's first bar: a new key in _latest
                    self._snapshot_pairs = None
                elif open_time <= last.open_time:
                    raise ValidationError(f"{pair}: bar at {open_time} is not after the last one")
                if bar.interval_s != interval:  # the first bar seen, or mixed intervals
                    interval, clock = self._clock_after(bar, interval, clock)
                book.last_bar = latest[pair] = bar
                book.history.append(bar)
                if book.live and bars_mode and book.bar_may_trade(bar):
                    self._engine.on_bar(book, bar, self._participation)
        finally:
            self._interval, self._bar_clock = interval, clock

    def _clock_after(
        self, bar: Bar, interval: int | None, clock: Bar | None
    ) -> tuple[int | None, Bar | None]:
        """on_bars' common interval and bar clock after ``bar``, whose interval is not the
        common one: the first bar seen sets the interval; a second interval clears it and
        starts the clock at the newest bar so far; from then on the clock follows every bar."""
        if not self._latest:
            return bar.interval_s, None
        if interval is not None:
            clock = self._newest_last_bar()
        assert clock is not None  # (the intervals are mixed: a bar was seen)
        return None, bar if bar.open_time >= clock.open_time else clock

    def _newest_last_bar(self) -> Bar:
        """The pairs' last bar with the latest open time (the first of a tie; needs a bar)."""
        # A loop, not max(..., key=...): for a few pairs, max's keyword argument and the
        # attrgetter cost twice as much as the whole loop (430 ns against 200 for five).
        bars = iter(self._latest.values())
        newest = next(bars)
        for bar in bars:
            if bar.open_time > newest.open_time:
                newest = bar
        return newest

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
        book = self._books.get(pair)
        if book is None or limit <= 0:
            return []
        if limit == 1:
            last = book.last_bar
            if last is not None and last.interval_s == interval_s:
                return [last]
        out: list[Bar] = []
        for bar in islice(reversed(book.history), book.history_limit):
            if bar.interval_s == interval_s:
                out.append(bar)
                if len(out) == limit:
                    break
        out.reverse()
        return out

    def last_bars(self, pairs: Sequence[Pair], interval_s: int) -> Mapping[Pair, Bar]:
        """The last bar of ``interval_s`` of each pair that has one (``bars(pair, interval_s,
        1)`` for every pair, in one call: the pipeline's per-cycle read)."""
        if pairs is self._snapshot_pairs and interval_s == self._interval:
            # _latest is then exactly the answer: its keys are ``pairs`` in order (checked
            # below, and on_bars forgets the check when a key is added: keys are never
            # removed), each holds its book's last bar, and every bar has ``interval_s``.
            # A copy: on_bars updates _latest in place, and a returned mapping never changes.
            return self._latest.copy()
        out: dict[Pair, Bar] = {}
        for pair in pairs:
            found = self.bars(pair, interval_s, 1)
            if found:
                out[pair] = found[0]
        # a tuple, as a list could be changed in place before the next call
        if type(pairs) is tuple and tuple(self._latest) == pairs:
            self._snapshot_pairs = pairs
        return out

    def _touch(self, book: PairBook, stale: bool = False) -> Quote | None:
        if self._mode is MatchMode.QUOTES:
            return book.prev_quote or book.quote if stale else book.quote
        return book.bar_quote(self._half_spread, stale)

    # --- AccountPort ------------------------------------------------------------------------

    def balances(self) -> Mapping[str, Balance]:
        """Free and locked balance of every asset the account has held."""
        if not self.faults.idle():
            self.faults.for_call(Operation.BALANCES)
        return self._wallet.balances()
