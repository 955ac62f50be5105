"""In-memory implementations of the store ports over a unit of work's overlay.

Each store reads the unit's pending changes first and the committed state second (see
:mod:`btcbot_adapters.memory.tables`); a part of the overlay the unit has not written yet
is ``None``, and a write creates it. Every store of a unit of work shares its
:class:`~btcbot_adapters.memory.tables.UnitView`. Idempotency mirrors the SQL adapter's unique
constraints: event id, client order id, (pair, fill id), (run id, cycle).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import TypeVar

import attrs

from btcbot_adapters.memory.tables import (
    DELETED,
    UNSET,
    Activation,
    OrderStateEvent,
    UnitView,
    Working,
    newer_snapshot,
)
from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import LedgerSnapshot
from btcbot_core.ledger_events import LedgerEvent
from btcbot_core.orders import Fill, Order, OrderStatus, Side
from btcbot_core.pair import Pair
from btcbot_core.ports import AppendResult
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskState

#: Shared :class:`AppendResult` values of the small outcomes, at ``added << 4 |
#: already_recorded`` (both < 16). Results are frozen values, so one shared instance per
#: outcome is indistinguishable from a new one and saves building (and allocating) one on
#: every append, the most frequent write of a backtest.
_RESULTS: tuple[AppendResult, ...] = tuple(
    AppendResult(added=key >> 4, already_recorded=key & 15) for key in range(256)
)

K = TypeVar("K")
V = TypeVar("V")


def _added(
    pending: dict[K, V] | None, committed: Mapping[K, V], key: K, value: V
) -> dict[K, V] | None:
    """A unit's keyed part with ``value`` added at ``key`` (a new part for the unit's first
    write), or ``None`` when ``key`` is already recorded, pending or committed."""
    if key in committed:
        return None
    if pending is None:
        return {key: value}
    if key in pending:
        return None
    pending[key] = value
    return pending


def _store(work: Working, order: Order) -> None:
    """Write ``order``'s new state and its audit event into the unit's overlay."""
    pending = work.orders
    if pending is None:  # the unit's first order write creates both parts
        work.orders = {order.client_order_id: order}
        work.order_events = [order]
    else:
        pending[order.client_order_id] = order
        work.order_events.append(order)
    work.dirty = True


class _Store:
    def __init__(self, unit: UnitView) -> None:
        self._unit = unit
        self._state = unit.state  # the committed state (the same object for the db's life)

    def _working(self) -> Working:
        """The unit's overlay (the hot paths inline ``unit.work or unit.current()``)."""
        unit = self._unit
        return unit.work or unit.current()

    def _write(self) -> Working:
        unit = self._unit
        work = unit.work or unit.current()
        work.dirty = True
        return work


class InMemoryLedgerStore(_Store):
    """Ledger events with 1-based sequence numbers, and snapshots."""

    def append(self, events: Sequence[LedgerEvent]) -> AppendResult:
        unit = self._unit
        work = unit.work or unit.current()
        seen = self._state.event_ids
        pending = work.events
        added = 0
        for event in events:
            event_id = event.event_id
            if event_id in seen or (pending is not None and event_id in pending):
                continue
            if pending is None:  # the unit's first event
                pending = work.events = {}
                work.dirty = True
            pending[event_id] = event
            added += 1
        already = len(events) - added
        if added < 16 and already < 16:
            return _RESULTS[added << 4 | already]
        return AppendResult(added=added, already_recorded=already)

    def count(self) -> int:
        pending = self._working().events
        stored = len(self._state.events)
        return stored if pending is None else stored + len(pending)

    def events_after(self, event_count: int) -> Iterator[LedgerEvent]:
        """Events with sequence number > ``event_count``, committed ones first, in order."""
        # Both parts are taken when reading starts: a commit while the caller is still
        # reading moves the pending events into the state and hands the overlay object to
        # the unit's next view, whose events must not show up here.
        pending = self._working().events
        committed = self._state.events
        end = len(committed)
        for index in range(max(event_count, 0), end):
            yield committed[index]
        if pending is not None:
            yield from islice(pending.values(), max(event_count - end, 0), None)

    def save_snapshot(self, snapshot: LedgerSnapshot) -> None:
        stored = self.count()
        if snapshot.event_count > stored:
            raise PersistenceError(
                f"ledger snapshot at event {snapshot.event_count} is ahead of the "
                f"{stored} stored events"
            )
        work = self._write()
        work.snapshot = newer_snapshot(work.snapshot, snapshot)
        work.rare = True

    def latest_snapshot(self) -> LedgerSnapshot | None:
        """The snapshot with the highest event count (the later one on a tie)."""
        return newer_snapshot(self._state.snapshot, self._working().snapshot)


class InMemoryOrderStore(_Store):
    """Orders keyed by client order id, with a state-event audit trail."""

    def get(self, client_order_id: str) -> Order | None:
        pending = self._working().orders
        if pending is not None:
            order = pending.get(client_order_id)
            if order is not None:
                return order
        return self._state.orders.get(client_order_id)

    def add(self, order: Order) -> bool:
        unit = self._unit
        work = unit.work or unit.current()
        cid = order.client_order_id
        pending = work.orders
        if (pending is not None and cid in pending) or cid in self._state.orders:
            return False
        _store(work, order)
        return True

    def update(self, order: Order) -> None:
        unit = self._unit
        work = unit.work or unit.current()
        cid = order.client_order_id
        pending = work.orders
        if (pending is None or cid not in pending) and cid not in self._state.orders:
            raise PersistenceError(f"order {cid} is not recorded; add it first")
        _store(work, order)

    def live(self) -> Sequence[Order]:
        """Non-terminal orders, oldest first (by creation time, then client order id)."""
        pending = self._working().orders
        committed = self._state
        if pending is None:
            live = [committed.orders[cid] for cid in committed.live_ids]
        else:
            live = [committed.orders[cid] for cid in committed.live_ids if cid not in pending]
            live.extend(o for o in pending.values() if not o.status.is_terminal)
        return sorted(live, key=lambda o: (o.created_at, o.client_order_id))

    def last_activity(self) -> Mapping[tuple[Pair, Side], datetime]:
        """Per (pair, side), the latest ``updated_at`` of an order that is not REJECTED
        (a scan of every order: meant for start-up)."""
        pending = self._working().orders or {}
        committed = self._state.orders
        latest: dict[tuple[Pair, Side], datetime] = {}
        for source in (committed, pending):
            for cid, order in source.items():
                if source is committed and cid in pending:
                    continue  # the unit's newer state of it comes from ``pending``
                if order.status is OrderStatus.REJECTED:
                    continue
                key = (order.pair, order.side)
                seen = latest.get(key)
                if seen is None or order.updated_at > seen:
                    latest[key] = order.updated_at
        return latest

    def history(self, client_order_id: str) -> list[OrderStateEvent]:
        """The audit trail of one order, oldest first (not part of the port)."""
        work = self._working()
        written = self._state.order_events
        if work.orders is not None:
            written = [*written, *work.order_events]
        return [
            OrderStateEvent(o.client_order_id, o.status, o.updated_at, o.reason)
            for o in written
            if o.client_order_id == client_order_id
        ]


class InMemoryFillStore(_Store):
    """Fills keyed by (pair, fill id) and per-pair fill cursors."""

    def add(self, fill: Fill) -> bool:
        unit = self._unit
        work = unit.work or unit.current()
        part = _added(work.fills, self._state.fills, (fill.pair, fill.fill_id), fill)
        if part is None:
            return False
        work.fills = part
        work.dirty = True
        return True

    def has(self, pair: Pair, fill_id: str) -> bool:
        key = (pair, fill_id)
        pending = self._working().fills
        return (pending is not None and key in pending) or key in self._state.fills

    def cursor(self, pair: Pair) -> str | None:
        cursors = self._working().cursors
        pending = UNSET if cursors is None else cursors.get(pair, UNSET)
        if pending is DELETED:
            return None
        if pending is not UNSET:
            return pending  # type: ignore[return-value]  # a str: see set_cursor
        return self._state.cursors.get(pair)

    def set_cursor(self, pair: Pair, cursor: str | None) -> None:
        work = self._write()
        if cursor is None:  # a deletion: publish folds it in with the rare parts
            value: object = DELETED
            work.rare = True
        else:
            value = str(cursor)  # (a str, as the committed state keeps it)
        cursors = work.cursors
        if cursors is None:
            work.cursors = {pair: value}
        else:
            cursors[pair] = value

    def all(self) -> list[Fill]:
        """Every fill in recording order (not part of the port)."""
        pending = self._working().fills
        return [*self._state.fills.values(), *(pending.values() if pending else ())]


class InMemoryCycleStore(_Store):
    """Finished cycles keyed by (run id, cycle)."""

    def record(self, cycle: CycleRecord) -> bool:
        unit = self._unit
        work = unit.work or unit.current()
        part = _added(work.cycles, self._state.cycles, (cycle.run_id, cycle.cycle), cycle)
        if part is None:
            return False
        work.cycles = part
        work.dirty = True
        return True

    def last(self, run_id: str | None = None) -> CycleRecord | None:
        """With ``run_id``: that run's highest cycle; without: the last cycle recorded."""
        pending = self._working().cycles or {}
        committed = self._state
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
        return self._state.capital if pending is UNSET else pending  # type: ignore[return-value]

    def save(self, state: CapitalState) -> None:
        self._write().capital = state


class InMemoryRiskStore(_Store):
    def load(self) -> RiskState | None:
        pending = self._working().risk
        return self._state.risk if pending is UNSET else pending  # type: ignore[return-value]

    def save(self, state: RiskState) -> None:
        self._write().risk = state


class InMemoryParameterStore(_Store):
    """Versioned parameter sets; at most one is active."""

    def _get(self, version: int) -> ParameterSet | None:
        pending = self._working().parameters
        params = None if pending is None else pending.get(version)
        return params if params is not None else self._state.parameters.get(version)

    def active(self) -> ParameterSet | None:
        pending = self._working().active_version
        version = self._state.active_version if pending is UNSET else pending
        params = None if version is None else self._get(version)  # type: ignore[arg-type]
        return None if params is None else attrs.evolve(params, active=True)

    def add(self, params: ParameterSet) -> None:
        """Store a new version; a version already stored is a :class:`PersistenceError`."""
        if self._get(params.version) is not None:
            raise PersistenceError(f"parameter set version {params.version} already exists")
        work = self._write()
        work.rare = True
        if work.parameters is None:
            work.parameters = {}
        work.parameters[params.version] = attrs.evolve(params, active=False)
        if params.active:
            work.active_version = params.version

    def activate(self, version: int, at: datetime, reason: str) -> None:
        if self._get(version) is None:
            raise PersistenceError(f"parameter set version {version} does not exist")
        work = self._write()
        work.rare = True
        if work.activations is None:
            work.activations = []
        work.active_version = version
        work.activations.append(Activation(version, at, reason))
