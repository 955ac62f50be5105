"""The committed state of an in-memory database and the working copy a unit of work edits.

Values are the core's immutable types, so a working copy is a shallow copy of the dicts.
Ledger events are append-only and can be many: a unit does not copy them, it keeps the
committed length it saw plus its own pending events (a journal).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import attrs

from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import LedgerSnapshot
from btcbot_core.ledger_events import LedgerEvent
from btcbot_core.orders import Fill, Order, OrderStatus
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskState


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


@attrs.define
class Tables:
    """Everything except the ledger events, copied shallowly per unit of work."""

    event_ids: dict[str, int] = attrs.Factory(dict)
    snapshots: list[LedgerSnapshot] = attrs.Factory(list)
    orders: dict[str, Order] = attrs.Factory(dict)
    order_events: list[OrderStateEvent] = attrs.Factory(list)
    fills: dict[tuple[str, str], Fill] = attrs.Factory(dict)
    cursors: dict[str, str] = attrs.Factory(dict)
    cycles: dict[tuple[str, int], CycleRecord] = attrs.Factory(dict)
    capital: CapitalState | None = None
    risk: RiskState | None = None
    parameters: dict[int, ParameterSet] = attrs.Factory(dict)
    activations: list[Activation] = attrs.Factory(list)

    def copy(self) -> Tables:
        return Tables(
            event_ids=dict(self.event_ids),
            snapshots=list(self.snapshots),
            orders=dict(self.orders),
            order_events=list(self.order_events),
            fills=dict(self.fills),
            cursors=dict(self.cursors),
            cycles=dict(self.cycles),
            capital=self.capital,
            risk=self.risk,
            parameters=dict(self.parameters),
            activations=list(self.activations),
        )


class InMemoryDatabase:
    """Committed state shared by every :class:`InMemoryUnitOfWork` built on it.

    Thread-safe commits; a unit whose base was changed by another unit's commit cannot
    commit its own changes (:class:`PersistenceError`), as a real single-writer database
    would serialise them.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tables = Tables()
        self.events: list[LedgerEvent] = []
        self.version = 0

    def begin(self) -> Working:
        with self.lock:
            return Working(self.version, self.tables.copy(), len(self.events))

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
            self.tables = work.tables
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
