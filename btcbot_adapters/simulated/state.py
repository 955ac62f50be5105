"""Mutable state of the simulated exchange: the wallet, orders and per-pair books.

These are plain ``__slots__`` classes, not attrs: they sit on the per-bar path and are
mutated in place. Core values (``ExchangeOrder``, ``Balance``) are built only when a port
method is called; an order's ``ExchangeOrder`` is then kept until the order changes.

Wallet units: each asset's ``free`` and ``locked`` are exact ``Decimal`` amounts of that
asset (all arithmetic in the ``EXACT`` context: never rounded). ``free`` may be spent;
``locked`` backs open orders (quote for buys, base for sells).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from btcbot_adapters.simulated.fees import FeeAccumulator, exact_add, exact_subtract
from btcbot_adapters.simulated.pricing import synthesise_quote, touch_prices
from btcbot_core.errors import ValidationError
from btcbot_core.market import Bar, Quote
from btcbot_core.money import ZERO, to_decimal
from btcbot_core.orders import BUY, OPEN, Fill, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.ports import Balance, ExchangeOrder, FillPage
from btcbot_core.rules import SymbolRules


class Wallet:
    """Free and locked balances per asset. Every method keeps both >= 0 or raises."""

    __slots__ = ("free", "locked")

    def __init__(self, starting: Mapping[str, Decimal | int | str]) -> None:
        self.free: dict[str, Decimal] = {}
        self.locked: dict[str, Decimal] = {}
        for asset, amount in starting.items():
            value = to_decimal(amount, f"balance {asset}")
            if value < 0:
                raise ValidationError(f"starting balance of {asset} must be >= 0, got {value}")
            self.free[asset.upper()] = value
            self.locked[asset.upper()] = ZERO

    def balances(self) -> dict[str, Balance]:
        """Every asset ever held, sorted; zeros as plain ``0`` (never ``0E-8`` on a wire)."""
        return {
            asset: Balance(asset, self.free[asset] or ZERO, self.locked.get(asset) or ZERO)
            for asset in sorted(self.free)
        }

    def available(self, asset: str) -> Decimal:
        return self.free.get(asset, ZERO)

    def lock(self, asset: str, amount: Decimal) -> None:
        free = self.free.get(asset, ZERO)
        if amount > free:
            raise ValidationError(f"cannot lock {amount} {asset}: only {free} free")
        self.free[asset] = exact_subtract(free, amount)
        self.locked[asset] = exact_add(self.locked.get(asset, ZERO), amount)

    def release(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from locked back to free (cancel, or the unused part of a lock)."""
        self.locked[asset] = exact_subtract(self.locked[asset], amount)
        self.free[asset] = exact_add(self.free.get(asset, ZERO), amount)

    def spend_locked(self, asset: str, amount: Decimal) -> None:
        """Pay ``amount`` out of the locked balance (a fill consuming its order's lock)."""
        self.locked[asset] = exact_subtract(self.locked[asset], amount)

    def credit(self, asset: str, amount: Decimal) -> None:
        self.free[asset] = exact_add(self.free.get(asset, ZERO), amount)
        self.locked.setdefault(asset, ZERO)


class SimOrder(FeeAccumulator):
    """One order on the simulated exchange (mutable; see :meth:`view` for the core value).

    It is its own :class:`FeeAccumulator` (the running fee totals are three more fields of
    the order, set here rather than by a second object built for every order); ``fees``
    is the order itself.

    ``lock_remaining`` is what this order still holds locked, in ``lock_asset`` (quote for a
    buy: worst-case cost plus the most fee and tax it can be charged; base for a sell).
    ``cap_price`` is the worst price a market order may fill at (``None`` for limits).
    ``fresh`` is True until the order has seen its first bar (bar mode).
    """

    __slots__ = (
        "cap_price",
        "client_order_id",
        "created_at",
        "exchange_order_id",
        "fill_count",
        "filled_qty",
        "fresh",
        "lock_asset",
        "lock_remaining",
        "order_type",
        "pair",
        "price",
        "quantity",
        "reason",
        "side",
        "status",
        "updated_at",
        "viewed",
    )

    def __init__(
        self,
        exchange_order_id: str,
        client_order_id: str,
        pair: Pair,
        side: Side,
        order_type: OrderType,
        price: Decimal | None,
        quantity: Decimal,
        created_at: datetime,
        lock_asset: str,
        lock_amount: Decimal,
        cap_price: Decimal | None,
    ) -> None:
        self.exchange_order_id = exchange_order_id
        self.client_order_id = client_order_id
        self.pair = pair
        self.side = side
        self.order_type = order_type
        self.price = price
        self.quantity = quantity
        self.filled_qty = ZERO
        self.status = OPEN
        self.created_at = created_at
        self.updated_at = created_at
        self.lock_asset = lock_asset
        self.lock_remaining = lock_amount
        self.cap_price = cap_price
        self.fresh = True
        self.fill_count = 0
        FeeAccumulator.__init__(self)
        self.reason = ""
        self.viewed: ExchangeOrder | None = None

    @property
    def fees(self) -> FeeAccumulator:
        """The order's running fee totals: the order itself."""
        return self

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_qty

    @property
    def is_buy(self) -> bool:
        return self.side is BUY

    def view(self) -> ExchangeOrder:
        """The port value for this order: the one built last time while the fields it shows
        are the same objects (a fill or close replaces ``filled_qty``/``status``/
        ``updated_at``; the rest never change after acceptance)."""
        seen = self.viewed
        if (
            seen is not None
            and seen.filled_qty is self.filled_qty
            and seen.status is self.status
            and seen.updated_at is self.updated_at
        ):
            return seen
        self.viewed = seen = ExchangeOrder(
            exchange_order_id=self.exchange_order_id,
            client_order_id=self.client_order_id,
            pair=self.pair,
            side=self.side,
            order_type=self.order_type,
            price=self.price,
            quantity=self.quantity,
            filled_qty=self.filled_qty,
            status=self.status,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )
        return seen


class PairBook:
    """Everything the exchange keeps for one pair: rules, market data, live orders, fills.

    ``history`` is bounded (``maxlen``, see ``__init__``); ``live`` holds only non-terminal
    orders in time priority (creation order); ``fills`` grows with real fills only.
    ``synth``, ``touch`` and ``tail`` cache values derived from the last bar or the fill
    count (checked on use).
    """

    __slots__ = (
        "fills",
        "history",
        "history_limit",
        "last_bar",
        "live",
        "max_buy",
        "min_sell",
        "pair",
        "prev_quote",
        "quote",
        "rules",
        "synth",
        "tail",
        "touch",
        "urgent",
    )

    def __init__(self, rules: SymbolRules, history_limit: int) -> None:
        self.pair = rules.pair
        self.rules = rules
        self.quote: Quote | None = None
        self.prev_quote: Quote | None = None
        self.last_bar: Bar | None = None
        # The last bars fed, newest last: ``history_limit`` of them serve ``bars()``, and at
        # least two are kept so that the one before the last (a stale quote's) is always
        # ``history[-2]`` (on_bars stores no separate previous bar on every bar).
        self.history_limit = history_limit
        self.history: deque[Bar] = deque(maxlen=max(history_limit, 2))
        self.live: list[SimOrder] = []
        self.fills: list[Fill] = []
        self.max_buy: Decimal | None = None
        self.min_sell: Decimal | None = None
        self.urgent = False
        self.synth: tuple[Bar, Quote] | None = None
        self.touch: tuple[Bar, Decimal, Decimal] | None = None
        self.tail: tuple[int, FillPage] | None = None

    def bar_quote(self, half_spread: Decimal, stale: bool) -> Quote | None:
        """The quote implied by the last bar (the one before when ``stale``), cached per bar."""
        history = self.history
        bar = history[-2] if stale and len(history) > 1 else self.last_bar
        if bar is None:
            return None
        cached = self.synth
        if cached is not None and cached[0] is bar:
            return cached[1]
        quote = synthesise_quote(self.rules, bar, half_spread)
        self.synth = (bar, quote)
        return quote

    def touch_prices(self, half_spread: Decimal) -> tuple[Decimal, Decimal] | None:
        """``(bid, ask)`` of :meth:`bar_quote` for the last bar (no ``Quote`` built), cached
        per bar like ``bar_quote`` (``half_spread`` is the exchange's constant)."""
        bar = self.last_bar
        if bar is None:
            return None
        cached = self.touch
        if cached is None or cached[0] is not bar:
            bid, ask = touch_prices(self.rules, bar, half_spread)
            self.touch = cached = (bar, bid, ask)
        return cached[1], cached[2]

    def page_after(self, cursor: str | None, size: int) -> FillPage:
        """:meth:`fill_page` as a port value. The empty page at the end (the usual poll) is
        built once per fill count and shared."""
        tail = self.tail
        if tail is not None and tail[0] == len(self.fills) and cursor == tail[1].cursor:
            return tail[1]
        start, fills = self.fill_page(cursor, size)
        page = FillPage(tuple(fills), str(start + len(fills)))
        if not fills:  # then start == len(self.fills)
            self.tail = (start, page)
        return page

    def fill_page(self, cursor: str | None, size: int) -> tuple[int, list[Fill]]:
        """``(start, fills)``: up to ``size`` fills after ``cursor``, the count of fills
        already read as text (``None``: from the first). A foreign cursor is a
        ``ValidationError``."""
        try:
            start = 0 if cursor is None else int(cursor)
        except ValueError:
            raise ValidationError(f"fill cursor {cursor!r} was not issued here") from None
        if not 0 <= start <= len(self.fills):
            raise ValidationError(f"fill cursor {cursor!r} is out of range")
        return start, self.fills[start : start + size]

    def note_new(self, order: SimOrder) -> None:
        """:meth:`reindex` after appending ``order`` (fresh) to ``live`` and nothing else: the
        same summary, as if the loop had run on to this last order, without re-reading the
        rest (the summary is current after every change to ``live``)."""
        self.urgent = True  # the order is fresh
        price = order.price
        if price is None:
            return
        if order.side is BUY:
            if self.max_buy is None or price > self.max_buy:
                self.max_buy = price
        elif self.min_sell is None or price < self.min_sell:
            self.min_sell = price

    def reindex(self) -> None:
        """Recompute the quick-reject summary of ``live`` (call after any change to it):
        the highest resting buy limit, the lowest resting sell limit, and whether an order
        must meet the next bar's open (fresh or market)."""
        max_buy: Decimal | None = None
        min_sell: Decimal | None = None
        urgent = False
        for order in self.live:
            price = order.price
            if order.fresh or price is None:
                urgent = True
            if price is None:
                continue
            if order.side is BUY:
                if max_buy is None or price > max_buy:
                    max_buy = price
            elif min_sell is None or price < min_sell:
                min_sell = price
        self.max_buy, self.min_sell, self.urgent = max_buy, min_sell, urgent

    def bar_may_trade(self, bar: Bar) -> bool:
        """False when ``bar`` provably fills nothing (no fresh order, no limit traded
        through): the cheap test that keeps ``on_bar`` O(1) for quiet resting orders."""
        if self.urgent:
            return True
        max_buy, min_sell = self.max_buy, self.min_sell
        return (max_buy is not None and bar.low < max_buy) or (
            min_sell is not None and bar.high > min_sell
        )

    def quote_may_trade(self, quote: Quote) -> bool:
        """False when ``quote`` provably reaches no resting limit."""
        max_buy, min_sell = self.max_buy, self.min_sell
        return (max_buy is not None and quote.ask <= max_buy) or (
            min_sell is not None and quote.bid >= min_sell
        )
