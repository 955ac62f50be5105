"""The ledger: an incremental fold of append-only events into balances, positions and PnL.

Units: every PnL, fee, equity and turnover figure is in the valuation asset (TRY). Balances
and positions are in their own asset.

Each :meth:`Ledger.apply` costs O(1) amortised (FIFO lots are pushed once and popped once);
history is never re-read. Equity needs marks (TRY per unit of each held asset) and is
computed by :meth:`Ledger.revalue`, which also moves the equity high-water mark.

Accounting model (identical results under FIFO and average cost):

* every non-TRY asset is held as a position with a cost basis in TRY; TRY is cash;
* a fill is two legs: the base asset comes in (or goes out) at ``price × quote_rate`` per
  unit, the quote asset goes out (or comes in) at ``quote_rate`` per unit;
* a fee or tax of ``n`` units of an asset worth ``r`` TRY each is a disposal of those units
  at ``r``: ``fees_try += n × r`` and the units' cost leaves the books;
* ``realized_pnl`` is net: gross trading gains minus fees and taxes;
* deposits add units at their stated rate; withdrawals dispose of units at their stated rate
  (realizing ``rate − cost``, like a sale); adjustments are deposits or withdrawals with a
  reason. ``net_deposits`` sums both at those rates, so it is the same under both methods.

So for any events, ``realized_pnl + unrealized_pnl(marks) == equity(marks) − net_deposits``.

Cost allocated to part of a lot is rounded half-even to 1e-12 TRY (``COST_QUANTUM``); the
cost that remains is the exact rest, so total cost is conserved exactly (see
:mod:`btcbot_core.ledger_lots`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final

from btcbot_core.errors import LedgerError
from btcbot_core.ledger_events import (
    AdjustmentEvent,
    DepositEvent,
    FeeEvent,
    FillEvent,
    LedgerEvent,
    WithdrawalEvent,
)
from btcbot_core.ledger_lots import COST_QUANTUM, AssetBook
from btcbot_core.ledger_values import CostMethod, LedgerSnapshot, Position, Valuation
from btcbot_core.money import ONE, ZERO
from btcbot_core.orders import BUY

VALUATION_ASSET: Final = "TRY"


class Ledger:
    """Incremental ledger state. Not thread-safe; one writer folds events in order."""

    def __init__(self, method: CostMethod = CostMethod.FIFO) -> None:
        self.method = CostMethod(method)
        self._fifo = self.method is CostMethod.FIFO
        self.cash = ZERO
        self._books: dict[str, AssetBook] = {}
        self.realized_gross = ZERO
        self.fees = ZERO
        self.net_deposits = ZERO
        self.turnover = ZERO
        self.high_water_mark = ZERO
        self.event_count = 0
        self.round_trips = 0
        self.loss_streak = 0
        self.last_round_trip_pnl: Decimal | None = None
        self._trip: dict[str, Decimal] = {}
        self._seen: set[str] = set()
        self._positions: (
            tuple[int, dict[str, Position], tuple[tuple[str, Decimal], ...], Decimal] | None
        ) = None
        self._handlers = {
            FillEvent: self._apply_fill,
            FeeEvent: self._apply_fee,
            DepositEvent: self._apply_deposit,
            WithdrawalEvent: self._apply_withdrawal,
            AdjustmentEvent: self._apply_adjustment,
        }

    # --- reading ------------------------------------------------------------------------

    @property
    def realized_pnl(self) -> Decimal:
        """Net realized PnL in TRY: gross trading gains minus fees and taxes."""
        return self.realized_gross - self.fees

    def balance(self, asset: str) -> Decimal:
        """Units of ``asset`` held (TRY: cash)."""
        if asset == VALUATION_ASSET:
            return self.cash
        book = self._books.get(asset)
        return ZERO if book is None else book.qty

    def position(self, asset: str) -> Position:
        book = self._books.get(asset)
        if book is None:
            return Position(asset, ZERO, ZERO)
        return Position(asset, book.qty, book.cost)

    def positions(self) -> Mapping[str, Position]:
        """Every non-flat non-TRY position, keyed by asset (read-only; do not mutate).

        Positions change only when an event is applied, so the view is built once per event
        count: a cycle that reads it several times pays once.
        """
        return self._holdings()[1]

    def _holdings(
        self,
    ) -> tuple[int, dict[str, Position], tuple[tuple[str, Decimal], ...], Decimal]:
        """The per-event-count cache, rebuilt when an event was applied since: (event count,
        positions, (asset, quantity) of each, total cost basis). The valuation of every
        cycle reads the last two."""
        cached = self._positions
        if cached is not None and cached[0] == self.event_count:
            return cached
        # An event usually moves one book: the other positions are the objects the books
        # keep while unchanged (every change of a book drops its Position, so one built
        # again shows the book as it now is, 1.0 and 1.00 alike).
        # (one loop for the three: a comprehension over the view costs a frame of its own,
        # about 2,400 instructions of a rebuild with three holdings)
        view: dict[str, Position] = {}
        held: list[tuple[str, Decimal]] = []
        cost = ZERO
        for a, b in self._books.items():
            p = b.position
            if p is None:
                qty = b.qty
                if qty == ZERO:
                    continue
                p = b.position = Position(a, qty, b.cost)
            view[a] = p
            held.append((a, p.quantity))
            cost += p.cost_basis
        cached = self._positions = (self.event_count, view, tuple(held), cost)
        return cached

    def balances(self) -> dict[str, Decimal]:
        """Every non-zero balance including TRY cash, keyed by asset."""
        out = {a: b.qty for a, b in self._books.items() if b.qty != 0}
        if self.cash != 0:
            out[VALUATION_ASSET] = self.cash
        return out

    def has_applied(self, event_id: str) -> bool:
        return event_id in self._seen

    def valuation(self, marks: Mapping[str, Decimal], raise_high: bool = False) -> Valuation:
        """Value the books at ``marks`` (TRY per unit). The high-water mark moves up to the
        equity seen only with ``raise_high`` (what :meth:`revalue` does).

        A held asset with no mark is a :class:`LedgerError`: never a silent zero.
        """
        _count, _view, held, cost = self._holdings()  # cached per event count
        positions_value = ZERO
        for asset, quantity in held:
            mark = marks.get(asset)
            if mark is None:
                raise LedgerError(f"no mark for {asset}: cannot value a position of {quantity}")
            positions_value += quantity * mark
        equity = self.cash + positions_value
        hwm = self.high_water_mark
        if equity > hwm:  # (max() as a comparison: this runs every cycle)
            hwm = equity
            if raise_high:
                self.high_water_mark = equity
        # Positional, in field order (pinned by a test): keywords cost a third more here,
        # and this runs every cycle.
        return Valuation(
            self.cash,
            positions_value,
            equity,
            self.realized_gross - self.fees,  # realized_pnl (the property, without its call)
            positions_value - cost,  # unrealized_pnl
            self.fees,
            self.net_deposits,
            self.turnover,
            hwm,  # high_water_mark (drawdown and its ratio are derived when read)
        )

    def revalue(self, marks: Mapping[str, Decimal]) -> Valuation:
        """Value the books at ``marks`` and raise the high-water mark to the equity seen."""
        return self.valuation(marks, True)

    # --- writing ------------------------------------------------------------------------

    def apply(self, event: LedgerEvent) -> bool:
        """Fold ``event``; return ``False`` (and change nothing) if its id was applied.

        Raises :class:`LedgerError`, naming the event, if it would make a balance negative or
        lacks a rate it needs; the ledger is then unchanged.
        """
        if event.event_id in self._seen:
            return False
        handler = self._handlers.get(type(event))
        if handler is None:
            raise LedgerError(f"unknown ledger event type {type(event).__name__}")
        handler(event)  # type: ignore[operator]
        self._seen.add(event.event_id)
        self.event_count += 1
        return True

    def apply_many(self, events: Iterable[LedgerEvent]) -> int:
        """Fold events in order; return how many were new."""
        apply = self.apply
        return sum(1 for event in events if apply(event))

    # --- legs ---------------------------------------------------------------------------

    def _book(self, asset: str) -> AssetBook:
        book = self._books.get(asset)
        if book is None:
            book = self._books[asset] = AssetBook(self._fifo)
        return book

    def _acquire(self, asset: str, qty: Decimal, cost: Decimal) -> None:
        if asset == VALUATION_ASSET:
            self.cash += qty
            return
        self._book(asset).add(qty, cost)

    def _dispose(self, asset: str, qty: Decimal) -> Decimal:
        """Remove ``qty`` units; return the TRY cost that left the books."""
        if asset == VALUATION_ASSET:
            self.cash -= qty
            return qty
        return self._books[asset].remove(qty)

    def _check(
        self, event_id: str, needs: Mapping[str, Decimal], gets: Mapping[str, Decimal]
    ) -> None:
        for asset, amount in needs.items():
            have = self.balance(asset) + gets.get(asset, ZERO)
            if amount > have:
                raise LedgerError(
                    f"event {event_id}: needs {amount} {asset} but only {have} is held"
                )

    def _rate(self, event_id: str, asset: str, rate: Decimal | None) -> Decimal:
        if asset == VALUATION_ASSET:
            return ONE
        if rate is None:
            raise LedgerError(f"event {event_id}: no TRY rate for {asset}; a rate is required")
        if rate <= 0:
            raise LedgerError(f"event {event_id}: TRY rate for {asset} must be > 0, got {rate}")
        return rate

    def _charge(self, asset: str, amount: Decimal, rate: Decimal) -> Decimal:
        """Book a fee of ``amount`` units at ``rate``; return the net realized change."""
        value = amount * rate
        cost = self._dispose(asset, amount)
        self.realized_gross += value - cost
        self.fees += value
        return -cost

    # --- handlers -----------------------------------------------------------------------

    def _apply_fill(self, event: FillEvent) -> None:
        fill = event.fill
        pair = fill.pair
        base, quote = pair.base, pair.quote
        if quote == VALUATION_ASSET and fill.fee_asset == VALUATION_ASSET:
            # The common case (TRY-quoted pair, fee in TRY) without the generic leg
            # machinery. Same arithmetic: a TRY fee is a TRY disposal at rate 1, which
            # realizes nothing gross and adds the fee to ``fees``. (Inline, not a method of
            # its own: nearly every fill comes here.)
            qty = fill.quantity
            notional = fill.price * qty
            charge = fill.fee + fill.tax
            book = self._books.get(base)
            if fill.side is BUY:
                need = notional + charge
                if need > self.cash:
                    raise LedgerError(
                        f"event {event.event_id}: needs {need} TRY but only {self.cash} is held"
                    )
                self.cash -= need
                if book is None:
                    book = self._book(base)
                book.add(qty, notional)
                delta = -charge
            else:
                if book is None or qty > book.qty:
                    held = ZERO if book is None else book.qty
                    raise LedgerError(
                        f"event {event.event_id}: needs {qty} {base} but only {held} is held"
                    )
                if charge > self.cash + notional:
                    raise LedgerError(
                        f"event {event.event_id}: fee {charge} TRY exceeds cash and proceeds"
                    )
                self.cash += notional - charge
                gross = notional - book.remove(qty)
                self.realized_gross += gross
                delta = gross - charge
            self.fees += charge
            self.turnover += notional
            self._track_trip(base, delta, book.qty)
            return
        self._apply_cross_fill(event)

    def _apply_cross_fill(self, event: FillEvent) -> None:
        """Any fill, leg by leg (the general path: a pair not quoted in TRY, or a fee in
        another asset)."""
        fill = event.fill
        base, quote = fill.pair.base, fill.pair.quote
        qrate = self._rate(event.event_id, quote, event.quote_rate)
        notional = fill.price * fill.quantity
        charge = fill.fee + fill.tax
        fee_asset = fill.fee_asset
        if fee_asset == base:
            frate = fill.price * qrate
        elif fee_asset == quote:
            frate = qrate
        else:
            frate = self._rate(event.event_id, fee_asset, event.fee_rate)

        buy = fill.side is BUY
        out_asset, out_qty = (quote, notional) if buy else (base, fill.quantity)
        in_asset, in_qty = (base, fill.quantity) if buy else (quote, notional)
        needs = {out_asset: out_qty}
        if charge:
            needs[fee_asset] = needs.get(fee_asset, ZERO) + charge
        self._check(event.event_id, needs, {in_asset: in_qty})

        before = self.realized_gross - self.fees
        value_try = notional * qrate
        # Incoming leg first, so a fee charged in the asset just bought can be paid from it.
        if buy:
            self._acquire(base, fill.quantity, value_try)
            cost_out = self._dispose(quote, notional)
        else:
            self._acquire(quote, notional, value_try)
            cost_out = self._dispose(base, fill.quantity)
        self.realized_gross += value_try - cost_out
        if charge:
            self._charge(fee_asset, charge, frate)
        self.turnover += value_try
        self._track_trip(base, self.realized_gross - self.fees - before, self.balance(base))

    def _track_trip(self, asset: str, realized_delta: Decimal, held: Decimal) -> None:
        """Add a fill's realized change to ``asset``'s open round trip; ``held`` (the
        balance of ``asset`` after the fill) at zero closes the trip."""
        trip = self._trip.get(asset, ZERO) + realized_delta
        if held == ZERO:
            self._trip.pop(asset, None)
            self.round_trips += 1
            self.last_round_trip_pnl = trip
            self.loss_streak = self.loss_streak + 1 if trip < ZERO else 0
        else:
            self._trip[asset] = trip

    def _apply_fee(self, event: FeeEvent) -> None:
        charge = event.amount + event.tax
        rate = self._rate(event.event_id, event.asset, event.rate)
        self._check(event.event_id, {event.asset: charge}, {})
        self._charge(event.asset, charge, rate)

    def _apply_deposit(self, event: DepositEvent | AdjustmentEvent) -> None:
        rate = self._rate(event.event_id, event.asset, event.rate)
        value = event.amount * rate
        self._acquire(event.asset, event.amount, value)
        self.net_deposits += value

    def _apply_withdrawal(self, event: WithdrawalEvent | AdjustmentEvent) -> None:
        amount = abs(event.amount)
        rate = self._rate(event.event_id, event.asset, event.rate)
        self._check(event.event_id, {event.asset: amount}, {})
        value = amount * rate
        self.realized_gross += value - self._dispose(event.asset, amount)
        self.net_deposits -= value

    def _apply_adjustment(self, event: AdjustmentEvent) -> None:
        if event.amount > 0:
            self._apply_deposit(event)
        else:
            self._apply_withdrawal(event)

    # --- snapshots ----------------------------------------------------------------------

    def snapshot(self) -> LedgerSnapshot:
        """An immutable copy of the state, for fast start (see :class:`LedgerSnapshot`)."""
        lots: dict[str, tuple[tuple[Decimal, Decimal], ...]] = {}
        for asset, book in self._books.items():
            if book.qty != 0:
                lots[asset] = book.open_lots()
        return LedgerSnapshot(
            method=self.method,
            event_count=self.event_count,
            cash=self.cash,
            lots=lots,
            realized_gross=self.realized_gross,
            fees=self.fees,
            net_deposits=self.net_deposits,
            turnover=self.turnover,
            high_water_mark=self.high_water_mark,
            round_trips=self.round_trips,
            loss_streak=self.loss_streak,
            last_round_trip_pnl=self.last_round_trip_pnl,
            trip_pnl=dict(self._trip),
        )

    @classmethod
    def from_snapshot(cls, snap: LedgerSnapshot) -> Ledger:
        """A ledger that continues exactly where ``snap`` was taken."""
        ledger = cls(snap.method)
        ledger.cash = snap.cash
        for asset, lots in snap.lots.items():
            book = ledger._book(asset)
            for qty, cost in lots:
                book.add(qty, cost)
        ledger.realized_gross = snap.realized_gross
        ledger.fees = snap.fees
        ledger.net_deposits = snap.net_deposits
        ledger.turnover = snap.turnover
        ledger.high_water_mark = snap.high_water_mark
        ledger.event_count = snap.event_count
        ledger.round_trips = snap.round_trips
        ledger.loss_streak = snap.loss_streak
        ledger.last_round_trip_pnl = snap.last_round_trip_pnl
        ledger._trip = dict(snap.trip_pnl)
        return ledger


__all__ = [
    "COST_QUANTUM",
    "VALUATION_ASSET",
    "CostMethod",
    "Ledger",
    "LedgerSnapshot",
    "Position",
    "Valuation",
]
