"""In-memory specifics: a unit whose base changed cannot commit; databases are independent."""

from __future__ import annotations

import pytest

from btcbot_adapters.memory import InMemoryDatabase, InMemoryUnitOfWork
from btcbot_core.errors import PersistenceError

from .factories import deposit


def test_a_unit_whose_base_changed_cannot_commit_its_writes() -> None:
    db = InMemoryDatabase()
    first, second = InMemoryUnitOfWork(db), InMemoryUnitOfWork(db)
    with first, second:
        first.ledger.append([deposit(1)])
        second.ledger.append([deposit(2)])
        first.commit()
        assert not db.lock.locked()
        with pytest.raises(PersistenceError) as err:
            second.commit()
        assert err.value.retryable
        assert not db.lock.locked()  # released on a conflict too (acquire/release, not with)
    with InMemoryUnitOfWork(db) as uow:
        assert [e.event_id for e in uow.ledger.events_after(0)] == ["dep-1"]


def test_read_only_unit_commits_even_if_base_changed() -> None:
    db = InMemoryDatabase()
    reader, writer = InMemoryUnitOfWork(db), InMemoryUnitOfWork(db)
    with reader, writer:
        assert reader.ledger.count() == 0
        writer.ledger.append([deposit(1)])
        writer.commit()
        reader.commit()  # nothing to publish: fine
        assert reader.ledger.count() == 1  # a new unit of work sees the commit


def test_default_database_is_private() -> None:
    with InMemoryUnitOfWork() as a:
        a.ledger.append([deposit(1)])
        a.commit()
    with InMemoryUnitOfWork() as b:
        assert b.ledger.count() == 0


def test_nesting_is_refused() -> None:
    uow = InMemoryUnitOfWork()
    with uow, pytest.raises(PersistenceError), uow:
        pass
