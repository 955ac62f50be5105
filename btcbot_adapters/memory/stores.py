"""In-memory implementations of the store ports, working on a unit of work's private view.

Each store is a thin view over :class:`~btcbot_adapters.memory.tables.Working`; the unit of
work decides whether its changes are published. Idempotency mirrors the SQL adapter's
unique constraints: event id, client order id, (pair, fill id), (run id, cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

import attrs

from btcbot_adapters.memory.tables import (
    Activation,
    InMemoryDatabase,
    OrderStateEvent,
    Working,
)
from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import LedgerSnapshot
from btcbot_core.ledger_events import LedgerEvent
from btcbot_core.orders import Fill, Order
from btcbot_core.pair import Pair
from btcbot_core.ports import AppendResult
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskState

WorkingSource = Callable[[], Working]


class _Store:
    def __init__(self, db: InMemoryDatabase, working: WorkingSource) -> None:
        self._db = db
        self._working = working

    def _write(self) -> Working:
        work = self._working()
        work.dirty = True
        return work


class InMemoryLedgerStore(_Store):
    """Ledger events with 1-based sequence numbers and snapshots."""

    def append(self, events: Sequence[LedgerEvent]) -> AppendResult:
        work = self._working()
        ids = work.tables.event_ids
        added = 0
        for event in events:
            if event.event_id in ids:
                continue
            work.dirty = True
            work.pending_events.append(event)
            ids[event.event_id] = work.base_events + len(work.pending_events)
            added += 1
        return AppendResult(added=added, already_recorded=len(events) - added)

    def count(self) -> int:
        work = self._working()
        return work.base_events + len(work.pending_events)

    def events_after(self, event_count: int) -> Iterator[LedgerEvent]:
        return self._working().iter_events(self._db, event_count)

    def save_snapshot(self, snapshot: LedgerSnapshot) -> None:
        work = self._write()
        if snapshot.event_count > work.base_events + len(work.pending_events):
            raise PersistenceError(
                f"ledger snapshot at event {snapshot.event_count} is ahead of the "
                f"{work.base_events + len(work.pending_events)} stored events"
            )
        work.tables.snapshots.append(snapshot)

    def latest_snapshot(self) -> LedgerSnapshot | None:
        """The snapshot with the highest event count (the later one on a tie)."""
        best: LedgerSnapshot | None = None
        for snap in self._working().tables.snapshots:
            if best is None or snap.event_count >= best.event_count:
                best = snap
        return best


class InMemoryOrderStore(_Store):
    """Orders keyed by client order id, with a state-event audit trail."""

    def add(self, order: Order) -> bool:
        tables = self._working().tables
        if order.client_order_id in tables.orders:
            return False
        tables = self._write().tables
        tables.orders[order.client_order_id] = order
        tables.order_events.append(
            OrderStateEvent(order.client_order_id, order.status, order.updated_at, order.reason)
        )
        return True

    def update(self, order: Order) -> None:
        tables = self._write().tables
        if order.client_order_id not in tables.orders:
            raise PersistenceError(f"order {order.client_order_id} is not recorded; add it first")
        tables.orders[order.client_order_id] = order
        tables.order_events.append(
            OrderStateEvent(order.client_order_id, order.status, order.updated_at, order.reason)
        )

    def get(self, client_order_id: str) -> Order | None:
        return self._working().tables.orders.get(client_order_id)

    def live(self) -> Sequence[Order]:
        """Non-terminal orders, oldest first (by creation time, then client order id)."""
        orders = self._working().tables.orders.values()
        live = [o for o in orders if not o.status.is_terminal]
        return sorted(live, key=lambda o: (o.created_at, o.client_order_id))

    def history(self, client_order_id: str) -> list[OrderStateEvent]:
        """The audit trail of one order, oldest first (not part of the port)."""
        events = self._working().tables.order_events
        return [e for e in events if e.client_order_id == client_order_id]


class InMemoryFillStore(_Store):
    """Fills keyed by (``BASE_QUOTE``, fill id) and per-pair fill cursors."""

    def add(self, fill: Fill) -> bool:
        key = (f"{fill.pair.base}_{fill.pair.quote}", fill.fill_id)
        if key in self._working().tables.fills:
            return False
        self._write().tables.fills[key] = fill
        return True

    def cursor(self, pair: Pair) -> str | None:
        return self._working().tables.cursors.get(f"{pair.base}_{pair.quote}")

    def set_cursor(self, pair: Pair, cursor: str | None) -> None:
        cursors = self._write().tables.cursors
        if cursor is None:
            cursors.pop(f"{pair.base}_{pair.quote}", None)
        else:
            cursors[f"{pair.base}_{pair.quote}"] = cursor

    def all(self) -> list[Fill]:
        """Every fill in recording order (not part of the port)."""
        return list(self._working().tables.fills.values())


class InMemoryCycleStore(_Store):
    """Finished cycles keyed by (run id, cycle)."""

    def record(self, cycle: CycleRecord) -> bool:
        key = (cycle.run_id, cycle.cycle)
        if key in self._working().tables.cycles:
            return False
        self._write().tables.cycles[key] = cycle
        return True

    def last(self, run_id: str | None = None) -> CycleRecord | None:
        """With ``run_id``: that run's highest cycle; without: the last cycle recorded."""
        tables = self._working().tables
        cycles = tables.cycles
        if run_id is None:
            return tables.last_cycle()
        mine = [c for (run, _), c in cycles.items() if run == run_id]
        return max(mine, key=lambda c: c.cycle, default=None)


class InMemoryCapitalStore(_Store):
    def load(self) -> CapitalState | None:
        return self._working().tables.capital

    def save(self, state: CapitalState) -> None:
        self._write().tables.capital = state


class InMemoryRiskStore(_Store):
    def load(self) -> RiskState | None:
        return self._working().tables.risk

    def save(self, state: RiskState) -> None:
        self._write().tables.risk = state


class InMemoryParameterStore(_Store):
    """Versioned parameter sets; at most one is active."""

    def active(self) -> ParameterSet | None:
        sets = self._working().tables.parameters.values()
        return next((p for p in sets if p.active), None)

    def add(self, params: ParameterSet) -> None:
        """Store a new version; a version already stored is a :class:`PersistenceError`."""
        tables = self._write().tables
        if params.version in tables.parameters:
            raise PersistenceError(f"parameter set version {params.version} already exists")
        if params.active:
            self._deactivate_all()
        tables.parameters[params.version] = params

    def activate(self, version: int, at: datetime, reason: str) -> None:
        tables = self._write().tables
        if version not in tables.parameters:
            raise PersistenceError(f"parameter set version {version} does not exist")
        self._deactivate_all()
        tables.parameters[version] = attrs.evolve(tables.parameters[version], active=True)
        tables.activations.append(Activation(version, at, reason))

    def _deactivate_all(self) -> None:
        params = self._working().tables.parameters
        for version, p in list(params.items()):
            if p.active:
                params[version] = attrs.evolve(p, active=False)
