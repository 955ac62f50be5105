"""Matching rules of the simulated exchange and the engine that applies fills.

Semantics (decided here, tested in ``tests/simulated``):

**Quote mode** (``MatchMode.QUOTES``, driven by ``set_quote``):

* On submit a limit BUY with ``ask <= limit`` (SELL: ``bid >= limit``) is marketable and fills
  at once as **taker** at the touch (the ask, which is the better of ask and limit); the rest
  rests. A market order fills at once as taker at ``ask × (1 + slippage)`` (sell:
  ``bid × (1 − slippage)``), rounded to the price step against us; what the touch size cannot
  fill is cancelled (immediate-or-cancel).
* A resting limit BUY fills as **maker at its limit** when a later quote has ``ask <= limit``
  (SELL: ``bid >= limit``): touching the limit counts, because the quote shows someone
  willing to trade at our price.
* Quote sizes cap each fill when positive (``0`` means unknown: no cap). Sizes are not
  depleted across submits or across orders of different calls.

**Bar mode** (``MatchMode.BARS``, driven by ``on_bar``): nothing fills on submit. Every order
meets the *next* bar, in time priority (creation order):

* A **fresh** order (submitted since the previous bar) first meets the open: a limit BUY with
  ``open <= limit`` (SELL ``open >= limit``) fills as taker at the open; a market order fills
  as taker at ``open ± slippage`` unless that is beyond its band price (then it is cancelled
  unfilled), and its unfilled rest is cancelled (immediate-or-cancel).
* Otherwise a resting limit BUY fills as **maker at its limit** only when the market traded
  *through* it: ``low < limit`` (SELL: ``high > limit``). A bar that only touches the limit
  does not fill it (queue position unknown: the conservative choice).
* With a participation cap ``p`` at most ``p × bar.volume`` base units fill per pair per bar,
  shared by all our orders in time priority; partial quantities are rounded down to the qty
  step. Maker fills are stamped with the bar's close time, taker fills with its open time.

In every case a BUY never fills above its limit and a SELL never below it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from btcbot_adapters.simulated.fees import FeeSchedule, exact_add, exact_multiply, exact_subtract
from btcbot_adapters.simulated.pricing import bar_span, slipped_price
from btcbot_adapters.simulated.state import PairBook, SimOrder, Wallet
from btcbot_core.errors import BtcbotError
from btcbot_core.ids import simulated_fill_id
from btcbot_core.market import Bar, Quote
from btcbot_core.money import ZERO, quantize_down
from btcbot_core.orders import (
    BUY,
    CANCELED,
    FILLED,
    MARKET,
    PARTIALLY_FILLED,
    Fill,
    OrderStatus,
)


class SimulatorInvariantError(BtcbotError):
    """An internal invariant of the simulator broke (a bug: nothing was changed)."""


def fill_quantity(remaining: Decimal, available: Decimal | None, step: Decimal) -> Decimal:
    """How much of ``remaining`` fills when ``available`` (None: unlimited) can trade."""
    if available is None or available >= remaining:
        return remaining
    if available <= ZERO:  # a Decimal zero: comparing with int 0 converts it on every call
        return ZERO
    return quantize_down(available, step)


def quote_match(order: SimOrder, quote: Quote, on_submit: bool) -> tuple[Decimal, bool] | None:
    """``(price, is_maker)`` when limit ``order`` trades against ``quote``, else ``None``."""
    limit = order.price
    assert limit is not None
    if order.side is BUY:
        if quote.ask <= limit:
            return (quote.ask, False) if on_submit else (limit, True)
    elif quote.bid >= limit:
        return (quote.bid, False) if on_submit else (limit, True)
    return None


def bar_match(order: SimOrder, bar: Bar) -> tuple[Decimal, bool] | None:
    """``(price, is_maker)`` when limit ``order`` trades in ``bar``, else ``None``."""
    limit = order.price
    assert limit is not None
    if order.side is BUY:
        if order.fresh and bar.open <= limit:
            return bar.open, False
        if bar.low < limit:
            return limit, True
    else:
        if order.fresh and bar.open >= limit:
            return bar.open, False
        if bar.high > limit:
            return limit, True
    return None


class MatchingEngine:
    """Applies fills and closes orders, keeping the wallet, locks and fill log consistent."""

    def __init__(self, wallet: Wallet, fees: FeeSchedule, slippage: Decimal) -> None:
        self.wallet = wallet
        self.fees = fees
        self.slippage = slippage
        self._slip_free = slippage == 0  # then slipped_price(side, open, …) is the open
        # Then every fill's tax is 0E-fee_scale (FeeAccumulator.charge) and fill() skips
        # adding and subtracting it: notional ± fee, > 0 or +0 with an exponent at most
        # -fee_scale (fee's own), is left digit for digit as it is by ± 0E-fee_scale.
        self._untaxed = fees.untaxed

    # --- state changes ----------------------------------------------------------------------

    def fill(
        self,
        book: PairBook,
        order: SimOrder,
        price: Decimal,
        qty: Decimal,
        maker: bool,
        at: datetime,
    ) -> Fill:
        """Execute ``qty`` of ``order`` at ``price``: move balances, record and return the fill."""
        # against ZERO, not int 0: a Decimal compared with an int converts it first
        if qty <= ZERO or qty > order.quantity - order.filled_qty or price <= ZERO:  # .remaining
            raise SimulatorInvariantError(f"bad fill {qty} @ {price} for {order.exchange_order_id}")
        limit = order.price
        if limit is not None and (price > limit if order.side is BUY else price < limit):
            raise SimulatorInvariantError(f"fill at {price} breaks limit {order.price}")
        return self._execute(book, order, price, qty, maker, at)

    def _execute(
        self,
        book: PairBook,
        order: SimOrder,
        price: Decimal,
        qty: Decimal,
        maker: bool,
        at: datetime,
    ) -> Fill:
        """:meth:`fill` after its price and quantity checks: for callers that already know
        ``0 < qty <= remaining``, ``price > 0`` and that ``price`` keeps the limit (a market
        order's fill in :meth:`on_bar`, where the checks cost ~1,400 instructions a fill)."""
        buy = order.side is BUY
        pair = book.pair
        notional = exact_multiply(price, qty)
        fees = order  # its own FeeAccumulator (SimOrder.fees)
        # the totals charge() changes, put back if the fill fails (three names: a tuple of them
        # would be built and freed on every fill)
        raw_fee, fee_paid, tax_paid = fees.raw_fee, fees.fee_paid, fees.tax_paid
        fee, tax = fees.charge(self.fees, notional, maker)
        untaxed = self._untaxed
        if not buy:
            spent = qty
        elif untaxed:
            spent = exact_add(notional, fee)
        else:
            spent = exact_add(exact_add(notional, fee), tax)
        if spent > order.lock_remaining:
            fees.raw_fee, fees.fee_paid, fees.tax_paid = raw_fee, fee_paid, tax_paid
            raise SimulatorInvariantError(
                f"{order.exchange_order_id}: fill needs {spent} {order.lock_asset}, "
                f"lock holds {order.lock_remaining}"
            )
        count = order.fill_count + 1
        try:
            # positional, in Fill's field order (keywords cost more on this path)
            fill = Fill(
                simulated_fill_id(order.exchange_order_id, count),
                order.exchange_order_id,  # order_id
                order.client_order_id,
                pair,
                order.side,
                price,
                qty,  # quantity
                fee,
                pair.quote,  # fee_asset
                at,  # timestamp
                tax,
            )
        except BtcbotError:
            fees.raw_fee, fees.fee_paid, fees.tax_paid = raw_fee, fee_paid, tax_paid
            raise
        order.lock_remaining = exact_subtract(order.lock_remaining, spent)
        # Wallet.spend_locked and Wallet.credit, inlined (two calls fewer on every fill)
        free, locked = self.wallet.free, self.wallet.locked
        lock_asset = order.lock_asset
        locked[lock_asset] = exact_subtract(locked[lock_asset], spent)
        if buy:
            asset, gain = pair.base, qty
        else:
            asset, gain = pair.quote, exact_subtract(notional, fee)
            if not untaxed:
                gain = exact_subtract(gain, tax)
        free[asset] = exact_add(free.get(asset, ZERO), gain)
        locked.setdefault(asset, ZERO)
        order.filled_qty = exact_add(order.filled_qty, qty)
        order.fill_count = count
        order.updated_at = at
        book.fills.append(fill)
        if order.filled_qty == order.quantity:
            self.close(book, order, FILLED, at)
        else:
            order.status = PARTIALLY_FILLED
        return fill

    def close(
        self, book: PairBook, order: SimOrder, status: OrderStatus, at: datetime, reason: str = ""
    ) -> None:
        """Make ``order`` terminal with ``status`` and release whatever it still locks."""
        left = order.lock_remaining
        if left:  # Wallet.release, inlined (every order ends here)
            wallet, asset = self.wallet, order.lock_asset
            wallet.locked[asset] = exact_subtract(wallet.locked[asset], left)
            wallet.free[asset] = exact_add(wallet.free.get(asset, ZERO), left)
            order.lock_remaining = ZERO
        order.status = status
        if at > order.updated_at:  # max(updated_at, at): a tie keeps updated_at
            order.updated_at = at
        if reason:
            order.reason = reason
        live = book.live
        live.remove(order)
        if live:
            book.reindex()
        else:  # what reindex() computes for no live order, without the call
            book.max_buy, book.min_sell, book.urgent = None, None, False

    # --- quote mode -------------------------------------------------------------------------

    def on_submit_quote(self, book: PairBook, order: SimOrder, quote: Quote | None) -> None:
        """Immediate taker execution of a new order in quote mode (see module doc)."""
        at = quote.observed_at if quote is not None else order.created_at
        if order.order_type is MARKET:
            if quote is not None:
                if order.side is BUY:
                    touch, size = quote.ask, quote.ask_size
                else:
                    touch, size = quote.bid, quote.bid_size
                price = slipped_price(order.side, touch, self.slippage, book.rules)
                qty = fill_quantity(order.remaining, size or None, book.rules.qty_step)
                if qty > 0 and price > 0:
                    self.fill(book, order, price, qty, False, at)
            if order.status.is_live:
                self.close(book, order, CANCELED, at, "market order remainder")
            return
        if quote is None:
            return
        hit = quote_match(order, quote, on_submit=True)
        if hit is not None:
            size = quote.ask_size if order.side is BUY else quote.bid_size
            qty = fill_quantity(order.remaining, size or None, book.rules.qty_step)
            if qty > 0:
                self.fill(book, order, hit[0], qty, False, at)

    def on_quote(self, book: PairBook, quote: Quote) -> None:
        """Maker fills of resting limit orders when ``quote`` reaches them."""
        ask_left: Decimal | None = quote.ask_size or None
        bid_left: Decimal | None = quote.bid_size or None
        step = book.rules.qty_step
        for order in tuple(book.live):
            hit = quote_match(order, quote, on_submit=False)
            if hit is None:
                continue
            buy = order.side is BUY
            qty = fill_quantity(order.remaining, ask_left if buy else bid_left, step)
            if qty <= 0:
                continue
            self.fill(book, order, hit[0], qty, True, quote.observed_at)
            if buy and ask_left is not None:
                ask_left -= qty
            elif not buy and bid_left is not None:
                bid_left -= qty

    # --- bar mode ---------------------------------------------------------------------------

    def on_bar(self, book: PairBook, bar: Bar, participation: Decimal | None) -> None:
        """Match every live order of ``book`` against ``bar`` (see module doc)."""
        budget = None if participation is None else bar.volume * participation
        at_open = bar.open_time
        step = book.rules.qty_step
        stale = False  # whether book's quick-reject summary may be out of date
        for order in tuple(book.live):
            if order.order_type is MARKET:  # always closed here, and close reindexes
                if self._slip_free:
                    price = bar.open
                else:
                    price = slipped_price(order.side, bar.open, self.slippage, book.rules)
                cap = order.cap_price
                beyond = cap is not None and (price > cap if order.side is BUY else price < cap)
                if beyond or price <= ZERO:
                    self.close(book, order, CANCELED, at_open, "beyond market band")
                    continue
                remaining = order.quantity - order.filled_qty  # order.remaining
                qty = remaining if budget is None else fill_quantity(remaining, budget, step)
                if qty > ZERO:
                    # fill()'s checks hold: price > 0 (above), 0 < qty <= remaining
                    # (fill_quantity never exceeds it) and a market order has no limit
                    self._execute(book, order, price, qty, False, at_open)
                    budget = None if budget is None else budget - qty
                # A market order meets only its first bar, so it came here OPEN and is now
                # FILLED, PARTIALLY_FILLED or still OPEN: live unless FILLED (is_live, cheaper)
                if order.status is not FILLED:
                    self.close(book, order, CANCELED, at_open, "market order remainder")
                continue
            hit = bar_match(order, bar)
            order.fresh = False
            stale = True
            if hit is None:
                continue
            qty = fill_quantity(order.remaining, budget, step)
            if qty <= ZERO:
                continue
            price, maker = hit
            at = at_open + bar_span(bar.interval_s) if maker else at_open
            self.fill(book, order, price, qty, maker, at)
            budget = None if budget is None else budget - qty
        if stale:  # with only market orders, the last close() has just reindexed
            book.reindex()
