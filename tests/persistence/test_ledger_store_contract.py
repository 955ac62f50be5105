"""Contract: every LedgerStore appends idempotently, streams in order and keeps snapshots."""

from __future__ import annotations

from decimal import Decimal

from btcbot_core.ledger import CostMethod, Ledger
from btcbot_core.ports import AppendResult

from .conftest import UowFactory
from .factories import deposit, every_event_type


def test_append_counts_and_streams_in_order(new_uow: UowFactory) -> None:
    events = every_event_type()
    with new_uow() as uow:
        assert uow.ledger.count() == 0
        assert uow.ledger.append(events) == AppendResult(added=len(events), already_recorded=0)
        uow.commit()
    with new_uow() as uow:
        assert uow.ledger.count() == len(events)
        assert list(uow.ledger.events_after(0)) == events
        assert list(uow.ledger.events_after(3)) == events[3:]
        assert list(uow.ledger.events_after(len(events))) == []


def test_every_event_type_round_trips_exactly(new_uow: UowFactory) -> None:
    events = every_event_type()
    with new_uow() as uow:
        uow.ledger.append(events)
        uow.commit()
    with new_uow() as uow:
        loaded = list(uow.ledger.events_after(0))
    for stored, original in zip(loaded, events, strict=True):
        assert type(stored) is type(original)
        assert stored == original
        assert repr(stored) == repr(original)  # Decimal exponents and tz kept too


def test_same_event_id_again_is_already_recorded(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        uow.ledger.append([deposit(1), deposit(2)])
        uow.commit()
    with new_uow() as uow:
        result = uow.ledger.append([deposit(2), deposit(3), deposit(3)])
        assert result == AppendResult(added=1, already_recorded=2)
        uow.commit()
    with new_uow() as uow:
        assert uow.ledger.count() == 3
        assert [e.event_id for e in uow.ledger.events_after(0)] == ["dep-1", "dep-2", "dep-3"]


def test_snapshots_latest_wins_and_fold_matches(new_uow: UowFactory) -> None:
    events = every_event_type()
    full = Ledger(CostMethod.FIFO)
    with new_uow() as uow:
        assert uow.ledger.latest_snapshot() is None
        uow.ledger.append(events[:4])
        full.apply_many(events[:4])
        uow.ledger.save_snapshot(full.snapshot())
        uow.ledger.append(events[4:])
        full.apply_many(events[4:])
        uow.commit()
    with new_uow() as uow:
        snap = uow.ledger.latest_snapshot()
        assert snap is not None
        assert snap.event_count == 4
        resumed = Ledger.from_snapshot(snap)
        resumed.apply_many(uow.ledger.events_after(snap.event_count))
    assert resumed.snapshot() == full.snapshot()
    assert resumed.realized_pnl == full.realized_pnl


def test_snapshot_round_trips_every_field(new_uow: UowFactory) -> None:
    ledger = Ledger(CostMethod.AVERAGE)
    ledger.apply_many(every_event_type())
    ledger.revalue({"BTC": Decimal("2600000.5"), "ETH": Decimal("95000")})
    snap = ledger.snapshot()
    with new_uow() as uow:
        uow.ledger.append(every_event_type())
        uow.ledger.save_snapshot(snap)
        uow.commit()
    with new_uow() as uow:
        loaded = uow.ledger.latest_snapshot()
    assert loaded == snap
    assert repr(loaded) == repr(snap)


def test_later_snapshot_replaces_earlier(new_uow: UowFactory) -> None:
    ledger = Ledger()
    with new_uow() as uow:
        for n in range(1, 4):
            event = deposit(n)
            uow.ledger.append([event])
            ledger.apply(event)
            uow.ledger.save_snapshot(ledger.snapshot())
        uow.commit()
    with new_uow() as uow:
        snap = uow.ledger.latest_snapshot()
        assert snap is not None and snap.event_count == 3
        assert snap.cash == Decimal("3000.00")
