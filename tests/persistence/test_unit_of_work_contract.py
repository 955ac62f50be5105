"""Contract: a unit of work keeps nothing unless committed; staged changes are visible inside."""

from __future__ import annotations

import pytest

from btcbot_core.errors import PersistenceError
from btcbot_core.state import CapitalState

from .conftest import UowFactory
from .factories import cycle, deposit, fill, order


def _write_everything(uow: object) -> None:
    uow.ledger.append([deposit(1)])  # type: ignore[attr-defined]
    uow.orders.add(order("bbb1"))  # type: ignore[attr-defined]
    uow.fills.add(fill("t1"))  # type: ignore[attr-defined]
    uow.cycles.record(cycle())  # type: ignore[attr-defined]
    uow.capital.save(CapitalState(trading_capital="5"))  # type: ignore[attr-defined]


def _assert_empty(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        assert uow.ledger.count() == 0
        assert uow.orders.get("bbb1") is None
        assert uow.fills.add(fill("t1")) is True
        assert uow.cycles.last() is None
        assert uow.capital.load() is None


def test_changes_visible_inside_the_unit(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        _write_everything(uow)
        assert uow.ledger.count() == 1
        assert uow.orders.get("bbb1") is not None
        assert uow.cycles.last() == cycle()
        assert uow.capital.load() == CapitalState(trading_capital="5")


def test_leaving_without_commit_discards(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        _write_everything(uow)
    _assert_empty(new_uow)


def test_exception_discards(new_uow: UowFactory) -> None:
    with pytest.raises(RuntimeError), new_uow() as uow:
        _write_everything(uow)
        raise RuntimeError("boom")
    _assert_empty(new_uow)


def test_rollback_discards_and_unit_stays_usable(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        _write_everything(uow)
        uow.rollback()
        assert uow.ledger.count() == 0
        uow.ledger.append([deposit(2)])
        uow.commit()
    with new_uow() as uow:
        assert [e.event_id for e in uow.ledger.events_after(0)] == ["dep-2"]


def test_commit_keeps_and_later_changes_need_another_commit(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        uow.ledger.append([deposit(1)])
        uow.commit()
        uow.ledger.append([deposit(2)])
    with new_uow() as uow:
        assert uow.ledger.count() == 1


def test_same_unit_object_can_be_reentered(new_uow: UowFactory) -> None:
    uow = new_uow()
    with uow:
        uow.ledger.append([deposit(1)])
        uow.commit()
    with uow:
        assert uow.ledger.count() == 1


def test_stores_outside_the_unit_raise(new_uow: UowFactory) -> None:
    uow = new_uow()
    with pytest.raises(PersistenceError):
        uow.ledger.count()
