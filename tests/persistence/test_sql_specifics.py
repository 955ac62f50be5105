"""SQL-only behaviour: refused values surface as PersistenceError, immediate units, UTC."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from btcbot_adapters.persistence import SqlUnitOfWork
from btcbot_core.errors import PersistenceError
from btcbot_core.ledger_events import DepositEvent
from btcbot_core.state import CapitalState

from .factories import deposit


def test_naive_timestamps_and_unstorable_money_raise_persistence_error(sql_engine: Any) -> None:
    with SqlUnitOfWork(sql_engine) as uow:
        with pytest.raises(PersistenceError, match="naive"):
            uow.capital.save(CapitalState(trading_capital="1", updated_at=datetime(2026, 1, 1)))
        with pytest.raises(PersistenceError, match="decimal places"):
            uow.capital.save(CapitalState(trading_capital=Decimal("1E-19")))
        naive = DepositEvent(event_id="n", timestamp=datetime(2026, 1, 1), asset="TRY", amount=1)
        with pytest.raises(PersistenceError, match="naive"):
            uow.ledger.append([naive])


def test_immediate_unit_writes_and_commits(sql_engine: Any) -> None:
    with SqlUnitOfWork(sql_engine, immediate=True) as uow:
        uow.ledger.append([deposit(1)])
        uow.commit()
        uow.ledger.append([deposit(2)])  # a second transaction on the same unit
        uow.commit()
    with SqlUnitOfWork(sql_engine) as uow:
        assert uow.ledger.count() == 2


def test_large_append_streams_across_pages(sql_engine: Any) -> None:
    events = [deposit(n, "0.01") for n in range(1, 4_502)]
    with SqlUnitOfWork(sql_engine) as uow:
        assert uow.ledger.append(events).added == len(events)
        assert uow.ledger.append([*events[:10], deposit(9_999)]).added == 1
        uow.commit()
    with SqlUnitOfWork(sql_engine) as uow:
        ids = [e.event_id for e in uow.ledger.events_after(100)]
    assert ids == [e.event_id for e in events[100:]] + ["dep-9999"]
