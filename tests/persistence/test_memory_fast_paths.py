"""The in-memory unit of work's fast paths keep its transactional semantics.

The overlay's parts are created on first write, a unit without writes publishes nothing
(no lock, no version bump, no conflict), a commit without use since the last one is a
no-op, and the base version is still taken when the unit is entered (or first used after a
commit), so a conflicting commit is detected exactly as before.
"""

from __future__ import annotations

import attrs
import pytest

from btcbot_adapters.memory import InMemoryDatabase, InMemoryUnitOfWork, OrderStateEvent
from btcbot_adapters.memory.tables import UNSET, Working
from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import CostMethod, Ledger
from btcbot_core.orders import OrderStatus
from btcbot_core.pair import Pair
from btcbot_core.state import CapitalState, ParameterSet, RiskState

from .factories import BTCTRY, at, cycle, deposit, fill, order

_PARTS = (
    "events",
    "orders",
    "fills",
    "cursors",
    "cycles",
    "parameters",
    "activations",
)


def _unwritten(work: Working) -> set[str]:
    return {name for name in _PARTS if getattr(work, name) is None}


def test_a_unit_entered_and_left_without_use_publishes_nothing() -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as uow:
        pass
    with uow:
        uow.commit()
        uow.commit()  # nothing used since the last commit: still nothing to publish
    assert db.version == 0
    assert db.state.events == [] and db.state.orders == {}


def test_a_new_overlay_has_no_parts_and_a_write_creates_only_its_own() -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as uow:
        work = uow._unit.current()
        assert _unwritten(work) == set(_PARTS) and not work.dirty
        assert work.capital is UNSET and work.risk is UNSET and work.snapshot is None
        uow.fills.add(fill("t1"))
        assert _unwritten(work) == set(_PARTS) - {"fills"} and work.dirty
        uow.orders.add(order("o1"))
        assert _unwritten(work) == set(_PARTS) - {"fills", "orders"}
        assert work.order_events == [order("o1")]  # created with ``orders``
        uow.commit()
    with InMemoryUnitOfWork(db) as uow:
        assert uow.fills.has(BTCTRY, "t1") and uow.orders.get("o1") == order("o1")
        assert uow.ledger.count() == 0 and uow.cycles.last() is None
        assert uow.fills.cursor(BTCTRY) is None and uow.capital.load() is None


def test_reads_of_unwritten_parts_see_the_committed_state() -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as uow:
        uow.ledger.append([deposit(1), deposit(2)])
        uow.orders.add(order("o1"))
        uow.fills.add(fill("t1"))
        uow.fills.set_cursor(BTCTRY, "c1")
        uow.cycles.record(cycle("run1", 3))
        uow.commit()
    with InMemoryUnitOfWork(db) as uow:
        assert _unwritten(uow._unit.current()) == set(_PARTS)
        assert [e.event_id for e in uow.ledger.events_after(1)] == ["dep-2"]
        assert uow.ledger.count() == 2
        assert [o.client_order_id for o in uow.orders.live()] == ["o1"]
        assert [f.fill_id for f in uow.fills.all()] == ["t1"]
        assert uow.fills.cursor(BTCTRY) == "c1"
        assert uow.cycles.last("run1") == cycle("run1", 3) == uow.cycles.last()
        assert uow.orders.history("o1") == [
            OrderStateEvent("o1", OrderStatus.PLANNED, order("o1").updated_at, "")
        ]


@pytest.mark.parametrize(
    "write",
    [
        lambda uow: uow.ledger.append([deposit(1)]),
        lambda uow: uow.orders.add(order("o1")),
        lambda uow: uow.fills.add(fill("t1")),
        lambda uow: uow.cycles.record(cycle()),
    ],
    ids=["ledger", "orders", "fills", "cycles"],
)
def test_a_duplicate_write_leaves_the_unit_clean(write: object) -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as uow:
        write(uow)  # type: ignore[operator]
        uow.commit()
    with InMemoryUnitOfWork(db) as uow:
        write(uow)  # type: ignore[operator]
        assert not uow._unit.current().dirty
        assert _unwritten(uow._unit.current()) == set(_PARTS)
        uow.commit()
    assert db.version == 1


def test_the_base_is_taken_on_enter_so_a_commit_in_between_is_a_conflict() -> None:
    db = InMemoryDatabase()
    first, second = InMemoryUnitOfWork(db), InMemoryUnitOfWork(db)
    with first:
        with second:
            second.ledger.append([deposit(2)])
            second.commit()
        first.ledger.append([deposit(1)])  # first write after the other unit's commit
        with pytest.raises(PersistenceError) as err:
            first.commit()
        assert err.value.retryable
        with pytest.raises(PersistenceError):  # the unit keeps its changes: still refused
            first.commit()
        first.rollback()
        first.ledger.append([deposit(1)])  # a fresh view after rollback: now it commits
        first.commit()
    with InMemoryUnitOfWork(db) as uow:
        assert [e.event_id for e in uow.ledger.events_after(0)] == ["dep-2", "dep-1"]


def test_after_a_commit_the_next_view_is_taken_on_first_use() -> None:
    db = InMemoryDatabase()
    first, second = InMemoryUnitOfWork(db), InMemoryUnitOfWork(db)
    with first:
        first.ledger.append([deposit(1)])
        first.commit()
        with second:
            second.ledger.append([deposit(2)])
            second.commit()
        first.ledger.append([deposit(3)])  # begins on the committed version 2: no conflict
        first.commit()
        assert first.ledger.count() == 3
    assert db.version == 3


class _Untouchable:
    def __enter__(self) -> None:
        raise AssertionError("the lock was taken")

    def __exit__(self, *exc: object) -> None:
        raise AssertionError("the lock was taken")

    acquire = release = __enter__


def test_a_read_only_unit_commits_without_taking_the_lock() -> None:
    db = InMemoryDatabase()
    db.lock = _Untouchable()  # type: ignore[assignment]
    with InMemoryUnitOfWork(db) as uow:
        assert uow.ledger.count() == 0
        uow.commit()
        assert uow.orders.get("o1") is None
        uow.rollback()
        uow.commit()
    assert db.version == 0


def test_commit_and_rollback_outside_with_are_refused() -> None:
    uow = InMemoryUnitOfWork()
    for action in (uow.commit, uow.rollback, uow.ledger.count):
        with pytest.raises(PersistenceError):
            action()
    with uow:
        uow.ledger.append([deposit(1)])
    with pytest.raises(PersistenceError):
        uow.commit()
    with uow:
        assert uow.ledger.count() == 0  # leaving the block discarded the write


def test_only_written_scalars_are_published() -> None:
    db = InMemoryDatabase()
    capital = CapitalState(trading_capital="100", treasury="0", checkpoint_event_count=0)
    with InMemoryUnitOfWork(db) as uow:
        uow.capital.save(capital)
        uow.commit()
    with InMemoryUnitOfWork(db) as uow:
        uow.fills.set_cursor(BTCTRY, None)
        uow.commit()
        assert uow.capital.load() == capital and uow.risk.load() is None
    assert db.state.capital == capital and db.state.cursors == {}


def test_fills_and_cursors_are_keyed_by_the_pair_itself() -> None:
    # A pair is its text BASE/QUOTE: another object of the same pair finds the same rows,
    # and pairs whose assets run together ("A/BC", "AB/C") stay apart.
    db = InMemoryDatabase()
    same = Pair.parse("btc_try")
    assert same is not BTCTRY
    with InMemoryUnitOfWork(db) as uow:
        assert uow.fills.add(fill("t1"))
        uow.fills.set_cursor(BTCTRY, "7")
        uow.fills.set_cursor(Pair("A", "BC"), "1")
        uow.fills.set_cursor(Pair("AB", "C"), "2")
        uow.commit()
    with InMemoryUnitOfWork(db) as uow:
        assert uow.fills.has(same, "t1") and not uow.fills.add(fill("t1", pair=same))
        assert uow.fills.cursor(same) == "7"
        assert uow.fills.cursor(Pair("A", "BC")) == "1"
        assert uow.fills.cursor(Pair("AB", "C")) == "2"
    assert set(db.state.fills) == {(BTCTRY, "t1")}


def test_the_audit_trail_keeps_every_state_in_order() -> None:
    db = InMemoryDatabase()
    planned = order("o1")
    sent = planned.transition(OrderStatus.SUBMITTED, at(1))
    done = sent.transition(OrderStatus.CANCELED, at(2), reason="user")
    with InMemoryUnitOfWork(db) as uow:
        uow.orders.add(planned)
        uow.orders.update(sent)
        uow.commit()
        uow.orders.update(done)
        assert [e.status for e in uow.orders.history("o1")] == [
            OrderStatus.PLANNED,
            OrderStatus.SUBMITTED,
            OrderStatus.CANCELED,
        ]
        uow.commit()
        assert uow.orders.live() == []
        assert uow.orders.history("o1")[-1] == OrderStateEvent(
            "o1", OrderStatus.CANCELED, at(2), "user"
        )
    assert db.state.live_ids == {}


def test_append_results_are_exact_for_small_and_large_batches() -> None:
    with InMemoryUnitOfWork() as uow:
        first = uow.ledger.append([deposit(1), deposit(1), deposit(2)])
        assert (first.added, first.already_recorded) == (2, 1)
        big = [deposit(n) for n in range(3, 303)]
        result = uow.ledger.append(big + big[:1])
        assert (result.added, result.already_recorded) == (300, 1)
        again = uow.ledger.append(big)
        assert (again.added, again.already_recorded) == (0, 300)
        assert uow.ledger.count() == 302
        assert [e.event_id for e in uow.ledger.events_after(300)] == ["dep-301", "dep-302"]


@pytest.mark.parametrize("status", list(OrderStatus))
def test_publish_keeps_exactly_the_non_terminal_orders_live(status: OrderStatus) -> None:
    # The fold tests membership of TERMINAL_STATUSES directly, not OrderStatus.is_terminal.
    db = InMemoryDatabase()
    written = attrs.evolve(order("o1"), status=status)
    with InMemoryUnitOfWork(db) as uow:
        uow.orders.add(order("o1"))
        uow.commit()
        uow.orders.update(written)
        uow.commit()
    with InMemoryUnitOfWork(db) as uow:
        assert uow.orders.live() == ([] if status.is_terminal else [written])
    assert ("o1" in db.state.live_ids) is not status.is_terminal


def test_events_after_reads_across_committed_and_pending_events_in_order() -> None:
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as uow:
        uow.ledger.append([deposit(1), deposit(2)])
        uow.commit()
        result = uow.ledger.append([deposit(3), deposit(2), deposit(4), deposit(3)])
        assert (result.added, result.already_recorded) == (2, 2)
        ids = {n: [e.event_id for e in uow.ledger.events_after(n)] for n in range(-1, 6)}
        assert ids[-1] == ids[0] == ["dep-1", "dep-2", "dep-3", "dep-4"]
        assert ids[1] == ["dep-2", "dep-3", "dep-4"]
        assert ids[3] == ["dep-4"] and ids[4] == ids[5] == []
        uow.commit()
    assert [e.event_id for e in db.state.events] == ["dep-1", "dep-2", "dep-3", "dep-4"]
    assert db.state.event_ids == {"dep-1", "dep-2", "dep-3", "dep-4"}


def test_a_reader_started_before_a_commit_sees_the_events_of_its_start() -> None:
    # A commit hands the emptied overlay to the unit's next view: a generator that started
    # reading before it must neither lose its own pending events nor show the next view's.
    db = InMemoryDatabase()
    with InMemoryUnitOfWork(db) as uow:
        uow.ledger.append([deposit(1)])
        uow.commit()
        uow.ledger.append([deposit(2)])
        reader = uow.ledger.events_after(0)
        assert next(reader).event_id == "dep-1"
        uow.commit()
        uow.ledger.append([deposit(3)])
        assert [e.event_id for e in reader] == ["dep-2"]
        uow.commit()


_UNSET_SLOT = object()


def _parts(work: Working) -> dict[str, object]:
    """Every slot but the base version (``_UNSET_SLOT`` for an unset one)."""
    names = set(Working.__slots__) - {"base_version"}
    return {name: getattr(work, name, _UNSET_SLOT) for name in names}


def test_publish_empties_every_part_and_the_next_view_reuses_the_overlay() -> None:
    db = InMemoryDatabase()
    ledger = Ledger(CostMethod.FIFO)
    ledger.apply_many([deposit(1)])
    capital = CapitalState(trading_capital="100", treasury="0", checkpoint_event_count=0)
    params = ParameterSet(version=1, values={}, created_at=at(0))
    with InMemoryUnitOfWork(db) as uow:
        work = uow._unit.current()
        uow.ledger.append([deposit(1)])  # a write to every part of the overlay
        uow.ledger.save_snapshot(ledger.snapshot())
        uow.orders.add(order("o1"))
        uow.fills.add(fill("t1"))
        uow.fills.set_cursor(BTCTRY, "c1")
        uow.cycles.record(cycle("run1", 1))
        uow.capital.save(capital)
        uow.risk.save(RiskState())
        uow.parameters.add(params)
        uow.parameters.activate(1, at(1), "go")
        assert not any(value is None or value is UNSET for value in _parts(work).values())
        uow.commit()
        assert uow._unit.work is None and uow._unit.overlay is work
        assert _parts(work) == _parts(Working(0))  # emptied as if new
        uow.ledger.append([deposit(2)])  # the next view reuses it, on the new version
        assert uow._unit.work is work and uow._unit.overlay is work
        assert work.base_version == db.version == 1 and work.dirty
        assert list(work.events or ()) == ["dep-2"] and work.orders is None
        uow.commit()
    with InMemoryUnitOfWork(db) as uow:
        assert uow.ledger.count() == 2 and uow.orders.get("o1") == order("o1")
        assert uow.fills.cursor(BTCTRY) == "c1" and uow.cycles.last() == cycle("run1", 1)
        assert uow.capital.load() == capital and uow.risk.load() == RiskState()
        assert uow.parameters.active() == attrs.evolve(params, active=True)
        latest = uow.ledger.latest_snapshot()
        assert latest is not None and latest.event_count == 1


def test_an_overlay_is_reused_only_after_a_successful_commit() -> None:
    db = InMemoryDatabase()
    first, second = InMemoryUnitOfWork(db), InMemoryUnitOfWork(db)
    with first:
        first.ledger.append([deposit(1)])
        work = first._unit.work
        with second:
            second.ledger.append([deposit(2)])
            second.commit()
        with pytest.raises(PersistenceError):
            first.commit()  # a conflict: the unit keeps its changes and its overlay
        assert first._unit.work is work and first._unit.overlay is work
        assert work is not None and list(work.events or ()) == ["dep-1"]
        first.rollback()  # discarded, not reused
        assert first._unit.work is None and first._unit.overlay is not work
        assert first.ledger.count() == 1 and first._unit.work is not work
        assert list(work.events or ()) == ["dep-1"]  # the discarded overlay is left as it was


def test_leaving_with_unpublished_writes_replaces_the_overlay_and_a_clean_one_is_kept() -> None:
    db = InMemoryDatabase()
    uow = InMemoryUnitOfWork(db)
    with uow:
        assert uow.ledger.count() == 0  # a read only: the overlay stays clean
        clean = uow._unit.work
    assert uow._unit.work is None and uow._unit.overlay is clean
    with uow:
        uow.ledger.append([deposit(1)])
        uow.orders.add(order("o1"))
    assert uow._unit.overlay is not clean  # the writes left with the old overlay
    assert _parts(uow._unit.overlay) == _parts(Working(0))
    with uow:
        assert uow.ledger.count() == 0 and uow.orders.get("o1") is None
        uow.ledger.append([deposit(2)])
        uow.commit()
    assert [e.event_id for e in db.state.events] == ["dep-2"] and db.state.orders == {}
