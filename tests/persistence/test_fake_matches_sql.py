"""The in-memory fake and the SQLite adapter behave alike under random unit-of-work traffic.

A hypothesis state machine drives both with the same appends (with repeated ids), order and
fill adds, cycle records, commits and rollbacks, and compares every observable result.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from btcbot_adapters.memory import InMemoryDatabase, InMemoryUnitOfWork
from btcbot_adapters.persistence import SqlUnitOfWork

from .conftest import migrated_sqlite
from .factories import cycle, deposit, fill, order

ids = st.integers(min_value=1, max_value=12)


class FakeVsSql(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="btcbot-sm-")
        self.engine = migrated_sqlite(Path(self.tmp.name) / "s.db")
        self.units: list[Any] = [InMemoryUnitOfWork(InMemoryDatabase()), SqlUnitOfWork(self.engine)]
        for unit in self.units:
            unit.__enter__()

    def teardown(self) -> None:
        for unit in self.units:
            unit.__exit__(None, None, None)
        self.engine.dispose()
        self.tmp.cleanup()

    def _both(self, action: Any) -> list[Any]:
        return [action(unit) for unit in self.units]

    def _same(self, action: Any) -> None:
        fake, real = self._both(action)
        assert fake == real

    @rule(numbers=st.lists(ids, max_size=5))
    def append(self, numbers: list[int]) -> None:
        events = [deposit(n) for n in numbers]
        self._same(lambda u: u.ledger.append(events))

    @rule(n=ids)
    def add_order(self, n: int) -> None:
        self._same(lambda u: u.orders.add(order(f"bbb{n}", seconds=n)))

    @rule(n=ids)
    def add_fill(self, n: int) -> None:
        self._same(lambda u: u.fills.add(fill(f"t{n}")))

    @rule(n=ids)
    def record_cycle(self, n: int) -> None:
        self._same(lambda u: u.cycles.record(cycle("run", n)))

    @rule()
    def commit(self) -> None:
        self._both(lambda u: u.commit())

    @rule()
    def rollback(self) -> None:
        self._both(lambda u: u.rollback())

    @invariant()
    def same_view(self) -> None:
        self._same(lambda u: u.ledger.count())
        self._same(lambda u: [e.event_id for e in u.ledger.events_after(0)])
        self._same(lambda u: [o.client_order_id for o in u.orders.live()])
        self._same(lambda u: u.cycles.last("run"))


FakeVsSql.TestCase.settings = settings(
    stateful_step_count=15, deadline=None
)  # profile sets examples
test_fake_matches_sqlite = pytest.mark.property(FakeVsSql.TestCase)
