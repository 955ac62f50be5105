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
from btcbot_core.orders import TERMINAL_STATUSES, Fill, Order, OrderStatus
from btcbot_core.pair import Pair
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskState

#: Marks "not changed by this unit" (``None`` is a legitimate value for some slots).
UNSET = object()
#: Marks a deleted fill cursor in an overlay.
DELETED = object()


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
    event_ids: set[str] = attrs.Factory(set)
    snapshot: LedgerSnapshot | None = None
    orders: dict[str, Order] = attrs.Factory(dict)
    live_ids: dict[str, None] = attrs.Factory(dict)  # ordered set of non-terminal orders
    # The audit trail: every state an order was written in, in order. Orders are frozen, so
    # the written objects themselves are kept (no entry is built on a write); the trail's
    # :class:`OrderStateEvent` values are built only when it is read.
    order_events: list[Order] = attrs.Factory(list)
    # Fills and cursors are keyed by the pair itself: a Pair is its text BASE/QUOTE (assets
    # are letters and digits), so it names one pair and hashes as that string, in C.
    fills: dict[tuple[Pair, str], Fill] = attrs.Factory(dict)  # (pair, fill id)
    cursors: dict[Pair, str] = attrs.Factory(dict)
    cycles: dict[tuple[str, int], CycleRecord] = attrs.Factory(dict)
    last_cycle: CycleRecord | None = None
    run_last: dict[str, CycleRecord] = attrs.Factory(dict)
    capital: CapitalState | None = None
    risk: RiskState | None = None
    parameters: dict[int, ParameterSet] = attrs.Factory(dict)  # stored with active=False
    active_version: int | None = None
    activations: list[Activation] = attrs.Factory(list)


class Working:
    """A unit of work's pending changes (an overlay over :class:`Committed`).

    Each :class:`UnitView` keeps one for its whole life: a commit empties the parts it
    publishes (:meth:`InMemoryDatabase.publish`) and the unit's next view begins on the same
    object; a unit left with unpublished writes (rollback, leaving ``with``) gets a new one.
    It is a plain slotted object, each part is ``None`` until the unit first writes to it (a
    typical unit writes two or three of the parts). ``order_events`` is created with
    ``orders`` and read only when ``orders`` is not ``None`` (until then the slot is unset:
    one fewer check per publish). ``events`` maps event id to event in append order (the
    order is the sequence). ``dirty`` is set by every write; ``rare`` by a write of the
    parts a cycle never writes (snapshot, parameters, activations, a deleted cursor), which
    publish then skips with one test. ``cursors`` holds texts, or ``DELETED`` (then ``rare``
    is set).
    """

    __slots__ = (
        "activations",
        "active_version",
        "base_version",
        "capital",
        "cursors",
        "cycles",
        "dirty",
        "events",
        "fills",
        "order_events",
        "orders",
        "parameters",
        "rare",
        "risk",
        "snapshot",
    )

    order_events: list[Order]  # only while ``orders`` is not None: see the class docstring

    def __init__(self, base_version: int) -> None:
        self.base_version = base_version
        self.dirty = False
        self.rare = False
        self.events: dict[str, LedgerEvent] | None = None
        self.snapshot: LedgerSnapshot | None = None
        self.orders: dict[str, Order] | None = None
        self.fills: dict[tuple[Pair, str], Fill] | None = None
        self.cursors: dict[Pair, object] | None = None  # text or DELETED
        self.cycles: dict[tuple[str, int], CycleRecord] | None = None
        self.capital: object = UNSET
        self.risk: object = UNSET
        self.parameters: dict[int, ParameterSet] | None = None
        self.active_version: object = UNSET
        self.activations: list[Activation] | None = None


class InMemoryDatabase:
    """Committed state shared by every :class:`InMemoryUnitOfWork` built on it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state = Committed()
        self.version = 0

    def publish(self, work: Working) -> None:
        """Move ``work``'s changes into the committed state, all of them or none.

        A unit without writes publishes nothing and never conflicts; a unit with writes
        whose base version is no longer current gets a retryable :class:`PersistenceError`
        and keeps its changes. On return ``work`` is empty (an overlay without writes has
        no parts), so its unit may begin it again (:meth:`UnitView.begin`). Parts the unit
        never wrote are ``None`` (``UNSET`` for the scalars) and skipped; the usual parts
        are moved here, in one call per commit, the rare ones by :func:`_move_rare`.
        """
        if not work.dirty:  # the overlay is private to its unit: no lock needed to read it
            return
        with self.lock:  # (a with statement: an interrupt cannot leave the lock held)
            if work.base_version != self.version:
                raise PersistenceError(
                    "in-memory database changed since this unit of work began; retry the unit",
                    retryable=True,
                )
            state = self.state
            orders = work.orders
            if orders is not None:
                # Each order is stored by the loop that walks them anyway (for live_ids),
                # not by a dict.update call (a METH_VARARGS call: an argument tuple built
                # and unpacked); with the cycles' store below, about 750 fewer instructions
                # a commit in a replay of the bench's commits. The parts without such a loop
                # keep their update calls: a new loop costs more (about 700 a commit).
                state_orders = state.orders
                live_ids = state.live_ids
                for cid, order in orders.items():
                    state_orders[cid] = order
                    if order.status in TERMINAL_STATUSES:  # OrderStatus.is_terminal, no call
                        live_ids.pop(cid, None)
                    else:
                        live_ids[cid] = None
                state.order_events.extend(work.order_events)
                work.orders = None
                del work.order_events
            cycles = work.cycles
            if cycles is not None:
                state_cycles = state.cycles
                run_last = state.run_last
                for key, record in cycles.items():
                    state_cycles[key] = record  # (as the orders: no dict.update call)
                    best = run_last.get(record.run_id)
                    if best is None or record.cycle > best.cycle:
                        run_last[record.run_id] = record
                state.last_cycle = record
                work.cycles = None
            events = work.events
            if events is not None:
                state.events.extend(events.values())
                state.event_ids.update(events)
                work.events = None
            fills = work.fills
            if fills is not None:
                state.fills.update(fills)
                work.fills = None
            if work.rare:  # (first: it also takes the cursors when one was deleted)
                _move_rare(state, work)
            cursors = work.cursors
            if cursors is not None:  # only texts here (see _move_rare)
                state.cursors.update(cursors)  # type: ignore[arg-type]
                work.cursors = None
            if work.capital is not UNSET:
                state.capital = work.capital  # type: ignore[assignment]
                work.capital = UNSET
            if work.risk is not UNSET:
                state.risk = work.risk  # type: ignore[assignment]
                work.risk = UNSET
            work.dirty = False
            self.version += 1


class UnitView:
    """What an :class:`~btcbot_adapters.memory.InMemoryUnitOfWork` shares with its stores:
    its database and committed state, whether it is inside ``with``, and its overlay:
    ``work`` is ``None`` until first use after entering, a commit or a rollback, and then
    ``overlay``, the one :class:`Working` the unit keeps (see its docstring).

    Stores read the overlay as ``unit.work or unit.current()``: the attribute read settles
    the common case (inside ``with``, already begun) without a call.
    """

    __slots__ = ("active", "db", "overlay", "state", "work")

    def __init__(self, db: InMemoryDatabase) -> None:
        self.db = db
        self.state = db.state  # never replaced: publish folds changes into it in place
        self.active = False
        self.work: Working | None = None
        self.overlay = Working(0)

    def begin(self) -> Working:
        """Start the unit's overlay on the current committed version."""
        work = self.work = self.overlay
        work.base_version = self.db.version
        return work

    def current(self) -> Working:
        """The unit's overlay, begun on the current committed version on first use;
        :class:`PersistenceError` outside ``with uow:``."""
        work = self.work
        if work is not None:
            return work
        if not self.active:
            raise PersistenceError("unit of work used outside 'with uow:'")
        return self.begin()  # first use after a commit or rollback

    def discard(self) -> None:
        """End the unit's view, dropping its unpublished writes (rollback, leaving ``with``):
        an overlay with writes is replaced by a new, empty one."""
        work = self.work
        if work is not None:
            self.work = None
            if work.dirty:
                self.overlay = Working(0)


def _move_rare(state: Committed, work: Working) -> None:
    """The rest of :meth:`InMemoryDatabase.publish`: the parts a cycle never writes, and
    the cursors when one of them was deleted (``DELETED`` among them)."""
    cursors = work.cursors
    if cursors is not None:
        for pair, cursor in cursors.items():
            if cursor is DELETED:
                state.cursors.pop(pair, None)
            else:
                state.cursors[pair] = cursor  # type: ignore[assignment]  # a str
        work.cursors = None
    if work.snapshot is not None:
        state.snapshot = newer_snapshot(state.snapshot, work.snapshot)
        work.snapshot = None
    if work.parameters is not None:
        state.parameters.update(work.parameters)
        work.parameters = None
    if work.active_version is not UNSET:
        state.active_version = work.active_version  # type: ignore[assignment]
        work.active_version = UNSET
    if work.activations is not None:
        state.activations.extend(work.activations)
        work.activations = None
    work.rare = False
