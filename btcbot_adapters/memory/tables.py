"""The committed state of an in-memory database and a unit of work's overlay of changes.

Nothing is copied when a unit begins: a unit reads its own pending changes first and the
committed state second, and :meth:`InMemoryDatabase.publish` folds the changes into the
committed state in place. So each operation costs O(1) (``live()`` O(live orders)), no
matter how much history is stored: backtests with millions of events stay fast.

Isolation is read-committed: a unit sees what other units commit while it runs; a unit with
changes whose database changed since it began cannot commit (as a single-writer database
would serialise them) and gets a retryable :class:`PersistenceError`.
"""

from __future__ import annotations

import threading
from datetime import datetime

import attrs

from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import LedgerSnapshot
from btcbot_core.ledger_events import LedgerEvent
from btcbot_core.orders import Fill, Order, OrderStatus
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskState

#: Marks "not changed by this unit" (``None`` is a legitimate value for some slots).
UNSET = object()
#: Marks a deleted fill cursor in an overlay.
DELETED = object()


def pair_key(base: str, quote: str) -> str:
    """The key of a pair in the stores: ``BASE_QUOTE`` (unambiguous, like the SQL adapter)."""
    return f"{base}_{quote}"


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


def newer_snapshot(a: LedgerSnapshot | None, b: LedgerSnapshot | None) -> LedgerSnapshot | None:
    """The snapshot with the higher event count; ``b`` (the later saved) on a tie."""
    if a is None:
        return b
    if b is None:
        return a
    return b if b.event_count >= a.event_count else a


@attrs.define
class Committed:
    """Everything committed. Mutated only by :meth:`InMemoryDatabase.publish`."""

    events: list[LedgerEvent] = attrs.Factory(list)
    event_seq: dict[str, int] = attrs.Factory(dict)
    snapshot: LedgerSnapshot | None = None
    orders: dict[str, Order] = attrs.Factory(dict)
    live_ids: dict[str, None] = attrs.Factory(dict)  # ordered set of non-terminal orders
    order_events: list[OrderStateEvent] = attrs.Factory(list)
    fills: dict[tuple[str, str], Fill] = attrs.Factory(dict)  # (BASE_QUOTE, fill id)
    cursors: dict[str, str] = attrs.Factory(dict)
    cycles: dict[tuple[str, int], CycleRecord] = attrs.Factory(dict)
    last_cycle: CycleRecord | None = None
    run_last: dict[str, CycleRecord] = attrs.Factory(dict)
    capital: CapitalState | None = None
    risk: RiskState | None = None
    parameters: dict[int, ParameterSet] = attrs.Factory(dict)  # stored with active=False
    active_version: int | None = None
    activations: list[Activation] = attrs.Factory(list)


@attrs.define
class Working:
    """A unit of work's pending changes (an overlay over :class:`Committed`)."""

    base_version: int
    events: list[LedgerEvent] = attrs.Factory(list)
    event_seq: dict[str, int] = attrs.Factory(dict)
    snapshot: LedgerSnapshot | None = None
    orders: dict[str, Order] = attrs.Factory(dict)
    order_events: list[OrderStateEvent] = attrs.Factory(list)
    fills: dict[tuple[str, str], Fill] = attrs.Factory(dict)
    cursors: dict[str, object] = attrs.Factory(dict)  # value or DELETED
    cycles: dict[tuple[str, int], CycleRecord] = attrs.Factory(dict)
    capital: object = UNSET
    risk: object = UNSET
    parameters: dict[int, ParameterSet] = attrs.Factory(dict)
    active_version: object = UNSET
    activations: list[Activation] = attrs.Factory(list)
    dirty: bool = False


class InMemoryDatabase:
    """Committed state shared by every :class:`InMemoryUnitOfWork` built on it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state = Committed()
        self.version = 0

    def begin(self) -> Working:
        return Working(base_version=self.version)

    def publish(self, work: Working) -> None:
        """Fold ``work`` into the committed state, all of it or nothing."""
        with self.lock:
            if not work.dirty:
                return
            if work.base_version != self.version:
                raise PersistenceError(
                    "in-memory database changed since this unit of work began; retry the unit",
                    retryable=True,
                )
            _fold(self.state, work)
            self.version += 1


def _fold(state: Committed, work: Working) -> None:
    state.events.extend(work.events)
    state.event_seq.update(work.event_seq)
    state.snapshot = newer_snapshot(state.snapshot, work.snapshot)
    for cid, order in work.orders.items():
        state.orders[cid] = order
        if order.status.is_terminal:
            state.live_ids.pop(cid, None)
        else:
            state.live_ids[cid] = None
    state.order_events.extend(work.order_events)
    state.fills.update(work.fills)
    for pair, cursor in work.cursors.items():
        if cursor is DELETED:
            state.cursors.pop(pair, None)
        else:
            state.cursors[pair] = str(cursor)
    for key, record in work.cycles.items():
        state.cycles[key] = record
        state.last_cycle = record
        best = state.run_last.get(record.run_id)
        if best is None or record.cycle > best.cycle:
            state.run_last[record.run_id] = record
    if work.capital is not UNSET:
        state.capital = work.capital  # type: ignore[assignment]
    if work.risk is not UNSET:
        state.risk = work.risk  # type: ignore[assignment]
    state.parameters.update(work.parameters)
    if work.active_version is not UNSET:
        state.active_version = work.active_version  # type: ignore[assignment]
    state.activations.extend(work.activations)
