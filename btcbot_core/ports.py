"""Ports: what the core needs from the world, as ``typing.Protocol``s.

Adapters implement them (BTCTurk REST, the simulated exchange, SQL stores); every port has
an in-memory fake. Units follow the core types: prices in quote per base, quantities in base,
timestamps UTC-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import attrs

from btcbot_core.ledger import LedgerSnapshot
from btcbot_core.ledger_events import LedgerEvent
from btcbot_core.market import Bar, Quote
from btcbot_core.money import ZERO, dec_field
from btcbot_core.orders import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskState

# --- values crossing the ports ------------------------------------------------------------


@attrs.frozen
class Balance:
    """Units of one asset: ``free`` may be spent, ``locked`` backs open orders."""

    asset: str
    free: Decimal = attrs.field(converter=dec_field)
    locked: Decimal = attrs.field(default=ZERO, converter=dec_field)

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


# Not slotted: built on hot paths and read a few times. A frozen slotted class sets each
# field through object.__setattr__; a dict-backed one is built in about 60 % of the time.
@attrs.frozen(slots=False)
class ExchangeOrder:
    """The exchange's view of one order (from open orders or a single-order lookup)."""

    exchange_order_id: str
    client_order_id: str | None
    pair: Pair
    side: Side
    order_type: OrderType
    price: Decimal | None
    quantity: Decimal
    filled_qty: Decimal
    status: OrderStatus
    created_at: datetime
    updated_at: datetime | None = None


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class SubmitAck:
    """What the exchange said when it accepted an order."""

    exchange_order_id: str
    client_order_id: str
    accepted_at: datetime


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class FillPage:
    """Fills after a cursor; pass ``cursor`` back to get the next page (opaque string)."""

    fills: tuple[Fill, ...]
    cursor: str | None


@attrs.frozen
class AppendResult:
    """Outcome of an idempotent append: how many rows were new and how many already there."""

    added: int
    already_recorded: int


# --- world ports --------------------------------------------------------------------------


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


@runtime_checkable
class IdSource(Protocol):
    def new_run_id(self) -> str:
        """A fresh run id (``[A-Za-z0-9_-]``, at most 16 characters)."""
        ...


@runtime_checkable
class MarketDataPort(Protocol):
    def symbol_rules(self, pairs: Sequence[Pair]) -> Mapping[Pair, SymbolRules]:
        """Rules for each tradable pair; pairs with unusable metadata are left out."""
        ...

    def quotes(self, pairs: Sequence[Pair]) -> Mapping[Pair, Quote]:
        """Best bid/ask for each pair that has a book."""
        ...

    def bars(self, pair: Pair, interval_s: int, limit: int) -> Sequence[Bar]:
        """The last ``limit`` closed bars of ``interval_s`` seconds, oldest first."""
        ...

    def last_bars(self, pairs: Sequence[Pair], interval_s: int) -> Mapping[Pair, Bar]:
        """The last closed bar of ``interval_s`` seconds of each pair that has one (what
        ``bars(pair, interval_s, 1)`` gives, for every pair at once: one call per cycle)."""
        ...


@runtime_checkable
class TradingPort(Protocol):
    """Order entry, cancels, lookups and fills of one exchange account.

    Every implementation declares :attr:`simulated`; the pipeline relies on it to keep a
    simulated-execution policy or profile away from a real exchange.
    """

    @property
    def simulated(self) -> bool:
        """``True`` only when every write stays inside a simulated exchange (no real order
        can result); ``False`` for anything that may reach a real exchange, a sandbox
        server spoken to over the wire included. A wrapper forwards the value of the port
        it wraps. The pipeline sends under ``PAPER_POLICY``, and runs a profile with
        ``simulated_execution``, only against a port that says ``True``."""
        ...

    def submit(self, request: OrderRequest) -> SubmitAck:
        """Send an order. An ambiguous outcome raises ``TransientExchangeError``."""
        ...

    def cancel(self, pair: Pair, exchange_order_id: str) -> bool:
        """Cancel; ``False`` when the exchange says it is already gone (filled/cancelled)."""
        ...

    def open_orders(self, pairs: Sequence[Pair]) -> Sequence[ExchangeOrder]: ...

    def order_by_client_id(self, pair: Pair, client_order_id: str) -> ExchangeOrder | None:
        """Look one of our orders up by client order id; ``None`` when proven absent."""
        ...

    def fills_since(self, pair: Pair, cursor: str | None) -> FillPage: ...


@runtime_checkable
class AccountPort(Protocol):
    def balances(self) -> Mapping[str, Balance]: ...


# --- stores and the unit of work ------------------------------------------------------------


# Money columns hold at most 18 decimal places and |value| < 1e20 (the SQL adapter refuses,
# never rounds, anything else); core values stay well inside that range.


@runtime_checkable
class LedgerStore(Protocol):
    def append(self, events: Sequence[LedgerEvent]) -> AppendResult:
        """Append events in order; an event id already stored is skipped, not an error."""
        ...

    def count(self) -> int: ...

    def events_after(self, event_count: int) -> Iterable[LedgerEvent]:
        """Events with sequence number > ``event_count`` (1-based), in order.

        May stream lazily: consume it inside the unit of work that produced it.
        """
        ...

    def save_snapshot(self, snapshot: LedgerSnapshot) -> None: ...

    def latest_snapshot(self) -> LedgerSnapshot | None: ...


@runtime_checkable
class OrderStore(Protocol):
    def add(self, order: Order) -> bool:
        """Record a new order; ``False`` if its client order id is already recorded."""
        ...

    def update(self, order: Order) -> None:
        """Store a new state of a recorded order (with a state event for the audit trail).

        Updating an order that was never added is a ``PersistenceError``.
        """
        ...

    def get(self, client_order_id: str) -> Order | None: ...

    def live(self) -> Sequence[Order]:
        """Orders whose status is not terminal."""
        ...

    def last_activity(self) -> Mapping[tuple[Pair, Side], datetime]:
        """Per (pair, side), the latest ``updated_at`` (UTC) of our orders that reached, or
        may have reached, the exchange: every status but REJECTED (a PLANNED order may have
        been sent just before a crash). What the risk policy's cooldown restarts from."""
        ...


@runtime_checkable
class FillStore(Protocol):
    def add(self, fill: Fill) -> bool:
        """Record a fill; ``False`` if (pair, fill id) is already recorded."""
        ...

    def has(self, pair: Pair, fill_id: str) -> bool:
        """Whether (pair, fill id) is recorded."""
        ...

    def cursor(self, pair: Pair) -> str | None: ...

    def set_cursor(self, pair: Pair, cursor: str | None) -> None: ...


@runtime_checkable
class CycleStore(Protocol):
    def record(self, cycle: CycleRecord) -> bool:
        """Record a finished cycle; ``False`` if (run id, cycle) is already recorded."""
        ...

    def last(self, run_id: str | None = None) -> CycleRecord | None:
        """The highest cycle of ``run_id``; without one, the cycle recorded last."""
        ...


@runtime_checkable
class CapitalStore(Protocol):
    def load(self) -> CapitalState | None: ...

    def save(self, state: CapitalState) -> None: ...


@runtime_checkable
class RiskStore(Protocol):
    def load(self) -> RiskState | None: ...

    def save(self, state: RiskState) -> None: ...


@runtime_checkable
class ParameterStore(Protocol):
    def active(self) -> ParameterSet | None: ...

    def add(self, params: ParameterSet) -> None:
        """Store a new version; an existing version is a ``PersistenceError``."""
        ...

    def activate(self, version: int, at: datetime, reason: str) -> None:
        """Make ``version`` the only active set; unknown is a ``PersistenceError``."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every store. Nothing is kept unless :meth:`commit` is called.

    Use as ``with uow: ...; uow.commit()``; leaving the block without commit rolls back.
    """

    ledger: LedgerStore
    orders: OrderStore
    fills: FillStore
    cycles: CycleStore
    capital: CapitalStore
    risk: RiskStore
    parameters: ParameterStore

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
