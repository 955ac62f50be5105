"""In-memory implementations of the store ports over a unit of work's overlay.

Each store reads the unit's pending changes first and the committed state second (see
:mod:`btcbot_adapters.memory.tables`). Idempotency mirrors the SQL adapter's unique
constraints: event id, client order id, (pair, fill id), (run id, cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

import attrs

from btcbot_adapters.memory.tables import (
    DELETED,
    UNSET,
    Activation,
    InMemoryDatabase,
    OrderStateEvent,
    Working,
    newer_snapshot,
    pair_key,
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
    """Ledger events with 1-based sequence numbers, and snapshots."""

    def append(self, events: Sequence[LedgerEvent]) -> AppendResult:
        work = self._working()
        committed = self._db.state.event_seq
        added = 0
        for event in events:
            if event.event_id in work.event_seq or event.event_id in committed:
                continue
            work.dirty = True
            work.events.append(event)
            work.event_seq[event.event_id] = len(self._db.state.events) + len(work.events)
            added += 1
        return AppendResult(added=added, already_recorded=len(events) - added)

    def count(self) -> int:
        return len(self._db.state.events) + len(self._working().events)

    def events_after(self, event_count: int) -> Iterator[LedgerEvent]:
        """Events with sequence number > ``event_count``, committed ones first, in order."""
        work = self._working()
        committed = self._db.state.events
        end = len(committed)
        for index in range(max(event_count, 0), end):
            yield committed[index]
        yield from work.events[max(event_count - end, 0) :]

    def save_snapshot(self, snapshot: LedgerSnapshot) -> None:
        stored = self.count()
        if snapshot.event_count > stored:
            raise PersistenceError(
                f"ledger snapshot at event {snapshot.event_count} is ahead of the "
                f"{stored} stored events"
            )
        work = self._write()
        work.snapshot = newer_snapshot(work.snapshot, snapshot)

    def latest_snapshot(self) -> LedgerSnapshot | None:
        """The snapshot with the highest event count (the later one on a tie)."""
        return newer_snapshot(self._db.state.snapshot, self._working().snapshot)


class InMemoryOrderStore(_Store):
    """Orders keyed by client order id, with a state-event audit trail."""

    def get(self, client_order_id: str) -> Order | None:
        order = self._working().orders.get(client_order_id)
        return order if order is not None else self._db.state.orders.get(client_order_id)

    def add(self, order: Order) -> bool:
        if self.get(order.client_order_id) is not None:
            return False
        self._store(order)
        return True

    def update(self, order: Order) -> None:
        if self.get(order.client_order_id) is None:
            raise PersistenceError(f"order {order.client_order_id} is not recorded; add it first")
        self._store(order)

    def _store(self, order: Order) -> None:
        work = self._write()
        work.orders[order.client_order_id] = order
        work.order_events.append(
            OrderStateEvent(order.client_order_id, order.status, order.updated_at, order.reason)
        )

    def live(self) -> Sequence[Order]:
        """Non-terminal orders, oldest first (by creation time, then client order id)."""
        work = self._working()
        committed = self._db.state
        live = [committed.orders[cid] for cid in committed.live_ids if cid not in work.orders]
        live.extend(o for o in work.orders.values() if not o.status.is_terminal)
        return sorted(live, key=lambda o: (o.created_at, o.client_order_id))

    def history(self, client_order_id: str) -> list[OrderStateEvent]:
        """The audit trail of one order, oldest first (not part of the port)."""
        events = [*self._db.state.order_events, *self._working().order_events]
        return [e for e in events if e.client_order_id == client_order_id]


class InMemoryFillStore(_Store):
    """Fills keyed by (``BASE_QUOTE``, fill id) and per-pair fill cursors."""

    def add(self, fill: Fill) -> bool:
        key = (pair_key(fill.pair.base, fill.pair.quote), fill.fill_id)
        if key in self._working().fills or key in self._db.state.fills:
            return False
        self._write().fills[key] = fill
        return True

    def has(self, pair: Pair, fill_id: str) -> bool:
        key = (pair_key(pair.base, pair.quote), fill_id)
        return key in self._working().fills or key in self._db.state.fills

    def cursor(self, pair: Pair) -> str | None:
        key = pair_key(pair.base, pair.quote)
        pending = self._working().cursors.get(key, UNSET)
        if pending is DELETED:
            return None
        if pending is not UNSET:
            return str(pending)
        return self._db.state.cursors.get(key)

    def set_cursor(self, pair: Pair, cursor: str | None) -> None:
        key = pair_key(pair.base, pair.quote)
        self._write().cursors[key] = DELETED if cursor is None else cursor

    def all(self) -> list[Fill]:
        """Every fill in recording order (not part of the port)."""
        return [*self._db.state.fills.values(), *self._working().fills.values()]


class InMemoryCycleStore(_Store):
    """Finished cycles keyed by (run id, cycle)."""

    def record(self, cycle: CycleRecord) -> bool:
        key = (cycle.run_id, cycle.cycle)
        if key in self._working().cycles or key in self._db.state.cycles:
            return False
        self._write().cycles[key] = cycle
        return True

    def last(self, run_id: str | None = None) -> CycleRecord | None:
        """With ``run_id``: that run's highest cycle; without: the last cycle recorded."""
        pending = self._working().cycles
        committed = self._db.state
        if run_id is None:
            return next(reversed(pending.values()), None) or committed.last_cycle
        best = committed.run_last.get(run_id)
        for record in pending.values():
            if record.run_id == run_id and (best is None or record.cycle > best.cycle):
                best = record
        return best


class InMemoryCapitalStore(_Store):
    def load(self) -> CapitalState | None:
        pending = self._working().capital
        return self._db.state.capital if pending is UNSET else pending  # type: ignore[return-value]

    def save(self, state: CapitalState) -> None:
        self._write().capital = state


class InMemoryRiskStore(_Store):
    def load(self) -> RiskState | None:
        pending = self._working().risk
        return self._db.state.risk if pending is UNSET else pending  # type: ignore[return-value]

    def save(self, state: RiskState) -> None:
        self._write().risk = state


class InMemoryParameterStore(_Store):
    """Versioned parameter sets; at most one is active."""

    def _get(self, version: int) -> ParameterSet | None:
        params = self._working().parameters.get(version)
        return params if params is not None else self._db.state.parameters.get(version)

    def active(self) -> ParameterSet | None:
        pending = self._working().active_version
        version = self._db.state.active_version if pending is UNSET else pending
        params = None if version is None else self._get(version)  # type: ignore[arg-type]
        return None if params is None else attrs.evolve(params, active=True)

    def add(self, params: ParameterSet) -> None:
        """Store a new version; a version already stored is a :class:`PersistenceError`."""
        if self._get(params.version) is not None:
            raise PersistenceError(f"parameter set version {params.version} already exists")
        work = self._write()
        work.parameters[params.version] = attrs.evolve(params, active=False)
        if params.active:
            work.active_version = params.version

    def activate(self, version: int, at: datetime, reason: str) -> None:
        if self._get(version) is None:
            raise PersistenceError(f"parameter set version {version} does not exist")
        work = self._write()
        work.active_version = version
        work.activations.append(Activation(version, at, reason))
