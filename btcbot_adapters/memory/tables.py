"""The committed state of an in-memory database and the working copy a unit of work edits.

Values are the core's immutable types. A unit of work never copies history: its tables are
overlays over the committed ones (see :class:`Tables`), and the ledger events are a journal
of the committed length it saw plus its own pending events.
"""

from __future__ import annotations

import threading
from collections import ChainMap
from collections.abc import Iterator
from datetime import datetime
from typing import Generic, TypeVar

import attrs

from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import LedgerSnapshot
from btcbot_core.ledger_events import LedgerEvent
from btcbot_core.orders import Fill, Order, OrderStatus
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskState

_T = TypeVar("_T")


@attrs.define
class OrderStateEvent:
    """One audit-trail entry: an order reached ``status`` at ``at`` (UTC)."""

    client_order_id: str
    status: OrderStatus
    at: datetime
    reason: str = ""


@attrs.define
class Activation:
    """A parameter set version made active at ``at`` (UTC) for ``reason``."""

    version: int
    at: datetime
    reason: str


class Appended(Generic[_T]):
    """An append-only list seen through a unit of work: the committed items, then the
    unit's own. Appends stay in the unit until it is published."""

    def __init__(self, base: list[_T]) -> None:
        self.base = base
        self.pending: list[_T] = []

    def append(self, item: _T) -> None:
        self.pending.append(item)

    def __iter__(self) -> Iterator[_T]:
        yield from self.base
        yield from self.pending

    def __len__(self) -> int:
        return len(self.base) + len(self.pending)


@attrs.define
class Committed:
    """The committed tables (everything except the ledger events)."""

    event_ids: dict[str, int] = attrs.Factory(dict)
    snapshots: list[LedgerSnapshot] = attrs.Factory(list)
    orders: dict[str, Order] = attrs.Factory(dict)
    order_events: list[OrderStateEvent] = attrs.Factory(list)
    fills: dict[tuple[str, str], Fill] = attrs.Factory(dict)  # (BASE_QUOTE, fill id)
    cursors: dict[str, str] = attrs.Factory(dict)
    cycles: dict[tuple[str, int], CycleRecord] = attrs.Factory(dict)
    capital: CapitalState | None = None
    risk: RiskState | None = None
    parameters: dict[int, ParameterSet] = attrs.Factory(dict)
    activations: list[Activation] = attrs.Factory(list)


class Tables:
    """A unit of work's view of the committed tables.

    Reads fall through to the committed data; writes stay in per-unit overlays (``ChainMap``
    first maps, :class:`Appended` pending lists) until published. Beginning a unit costs
    O(1) in the size of the history, so a long run's cycles stay flat. Small tables
    (cursors, parameter sets) are copied whole.
    """

    def __init__(self, base: Committed) -> None:
        self.event_ids: ChainMap[str, int] = ChainMap({}, base.event_ids)
        self.orders: ChainMap[str, Order] = ChainMap({}, base.orders)
        self.fills: ChainMap[tuple[str, str], Fill] = ChainMap({}, base.fills)
        self._own_cycles: dict[tuple[str, int], CycleRecord] = {}
        self._base_cycles = base.cycles
        self.cycles = ChainMap(self._own_cycles, base.cycles)
        self.snapshots: Appended[LedgerSnapshot] = Appended(base.snapshots)
        self.order_events: Appended[OrderStateEvent] = Appended(base.order_events)
        self.activations: Appended[Activation] = Appended(base.activations)
        self.cursors = dict(base.cursors)
        self.parameters = dict(base.parameters)
        self.capital = base.capital
        self.risk = base.risk

    def last_cycle(self) -> CycleRecord | None:
        """The cycle recorded last (this unit's own first, else the committed ones)."""
        for table in (self._own_cycles, self._base_cycles):
            if table:
                return next(reversed(table.values()))
        return None

    def publish_into(self, base: Committed) -> None:
        """Merge this unit's changes into the committed tables (the caller holds the lock)."""
        base.event_ids.update(self.event_ids.maps[0])
        base.orders.update(self.orders.maps[0])
        base.fills.update(self.fills.maps[0])
        base.cycles.update(self._own_cycles)
        base.snapshots.extend(self.snapshots.pending)
        base.order_events.extend(self.order_events.pending)
        base.activations.extend(self.activations.pending)
        base.cursors = self.cursors
        base.parameters = self.parameters
        base.capital = self.capital
        base.risk = self.risk


class InMemoryDatabase:
    """Committed state shared by every :class:`InMemoryUnitOfWork` built on it.

    Thread-safe commits; a unit whose base was changed by another unit's commit cannot
    commit its own changes (:class:`PersistenceError`), as a real single-writer database
    would serialise them.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tables = Committed()
        self.events: list[LedgerEvent] = []
        self.version = 0

    def begin(self) -> Working:
        with self.lock:
            return Working(self.version, Tables(self.tables), len(self.events))

    def publish(self, work: Working) -> None:
        """Make ``work`` the committed state (all of it or nothing)."""
        with self.lock:
            if not work.dirty:
                return
            if work.base_version != self.version:
                raise PersistenceError(
                    "in-memory database changed since this unit of work began; retry the unit",
                    retryable=True,
                )
            self.events.extend(work.pending_events)
            work.tables.publish_into(self.tables)
            self.version += 1

    def event_count(self) -> int:
        with self.lock:
            return len(self.events)


@attrs.define
class Working:
    """A unit of work's private view: a copy of the tables plus pending ledger events."""

    base_version: int
    tables: Tables
    base_events: int
    pending_events: list[LedgerEvent] = attrs.Factory(list)
    dirty: bool = False

    def iter_events(self, db: InMemoryDatabase, after: int) -> Iterator[LedgerEvent]:
        """Events with 1-based sequence number > ``after`` as seen by this unit."""
        committed = db.events
        for index in range(max(after, 0), self.base_events):
            yield committed[index]
        start = max(after - self.base_events, 0)
        yield from self.pending_events[start:]
