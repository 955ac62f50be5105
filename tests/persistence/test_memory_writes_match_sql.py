"""The in-memory unit of work's write paths agree with the SQLite adapter's.

A hypothesis state machine drives both with the writes a cycle makes (order add and update,
fill adds, fill cursors set and deleted, capital and risk saves, cycle records), commits,
rollbacks and leaving and re-entering ``with``, and compares every observable read. It holds
the overlay's shortcuts (one overlay per unit, emptied by a commit and replaced when writes
are dropped; cursors published without a loop unless one was deleted) to a real database.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from btcbot_core.orders import OrderStatus
from btcbot_core.state import CapitalState, RiskState

from .factories import BTCTRY, ETHBTC, at, fill, order
from .test_fake_matches_sql import FakeVsSql

ids = st.integers(min_value=1, max_value=6)
pairs = st.sampled_from([BTCTRY, ETHBTC])
statuses = st.sampled_from([OrderStatus.OPEN, OrderStatus.FILLED, OrderStatus.CANCELED])


class MemoryWritesVsSql(FakeVsSql):
    """FakeVsSql's units and rules (events, cycles, commits, rollbacks), plus the writes
    below."""

    @rule(n=ids)
    def add_order(self, n: int) -> None:
        self._same(lambda u: u.orders.add(order(f"bbb{n}", seconds=n)))

    @rule(n=ids, status=statuses, seconds=st.integers(min_value=1, max_value=50))
    def update_order(self, n: int, status: OrderStatus, seconds: int) -> None:
        def update(u: Any) -> str | None:
            current = u.orders.get(f"bbb{n}")
            if current is None:
                return None
            u.orders.update(attrs.evolve(current, status=status, updated_at=at(seconds)))
            return "updated"

        self._same(update)

    @rule(n=ids, pair=pairs)
    def add_fill(self, n: int, pair: Any) -> None:
        self._same(lambda u: u.fills.add(fill(f"t{n}", pair=pair)))

    @rule(pair=pairs, cursor=st.none() | st.sampled_from(["1", "2", "17"]))
    def set_cursor(self, pair: Any, cursor: str | None) -> None:
        self._both(lambda u: u.fills.set_cursor(pair, cursor))

    @rule(amount=st.integers(min_value=0, max_value=3))
    def save_capital(self, amount: int) -> None:
        state = CapitalState(
            trading_capital=str(100 + amount), treasury="0", checkpoint_event_count=amount
        )
        self._both(lambda u: u.capital.save(state))

    @rule(streak=st.integers(min_value=0, max_value=3))
    def save_risk(self, streak: int) -> None:
        self._both(lambda u: u.risk.save(RiskState(stable_cycles=streak, last_loss_streak=streak)))

    @rule()
    def leave_and_enter(self) -> None:
        for unit in self.units:
            unit.__exit__(None, None, None)
            unit.__enter__()

    @invariant()
    def same_view(self) -> None:
        self._same(lambda u: [(o.client_order_id, o.status) for o in u.orders.live()])
        self._same(lambda u: [u.orders.get(f"bbb{n}") is None for n in range(1, 7)])
        self._same(lambda u: [u.fills.has(p, f"t{n}") for p in (BTCTRY, ETHBTC) for n in (1, 6)])
        self._same(lambda u: [u.fills.cursor(p) for p in (BTCTRY, ETHBTC)])
        self._same(lambda u: u.capital.load())
        self._same(lambda u: u.risk.load())
        self._same(lambda u: u.cycles.last("run"))


MemoryWritesVsSql.TestCase.settings = settings(stateful_step_count=25, deadline=None)
test_memory_writes_match_sqlite = pytest.mark.property(MemoryWritesVsSql.TestCase)
