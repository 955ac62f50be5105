"""The benchmark strategy through the whole pipeline trades exactly as its definition says.

``sma_cross`` is defined so that other engines can reproduce its trades (issue 3). Here the
cycle benchmark's configuration (simulated exchange, in-memory stores, caps that never bind)
runs over its seeded bars, and a plain loop written straight from the definition
(bench/reference_loop.py: no ports, no ledger) runs over the same bars: the fills must be
the same, one for one, and the books must agree.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from btcbot_core import Side
from btcbot_core.pipeline import run_cycle

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import cycle_bench
import reference_loop

CYCLES = 3_000


@pytest.fixture(scope="module")
def both():  # type: ignore[no-untyped-def]
    rows = [row for chunk in cycle_bench.bar_chunks(CYCLES, seed=11) for row in chunk]
    exchange, params, profile, ports, session = cycle_bench.build(CYCLES)
    orders = 0
    for now, bars in rows:
        exchange.on_bars(bars)
        orders += len(run_cycle(ports, profile, params, now, session=session).submitted)
    _count, _seconds, account, broker = reference_loop.run(rows)
    return rows, ports.uow, session, orders, account, broker


def test_the_benchmark_trades(both) -> None:  # type: ignore[no-untyped-def]
    _rows, _uow, _session, orders, _account, broker = both
    assert orders > 200  # enough crosses for the comparison to mean something
    assert orders == broker.orders


def test_same_fills_one_for_one(both) -> None:  # type: ignore[no-untyped-def]
    _rows, uow, _session, _orders, account, _broker = both
    with uow:
        fills = sorted(uow.fills.all(), key=lambda f: f.timestamp)
    ours = [(f.pair, f.quantity if f.side is Side.BUY else -f.quantity, f.price) for f in fills]
    assert len(ours) == len(account.fills)
    for pair in cycle_bench.PAIRS:  # in time order, pair by pair
        assert [f for f in ours if f[0] == pair] == [f for f in account.fills if f[0] == pair]


def test_books_agree(both) -> None:  # type: ignore[no-untyped-def]
    rows, _uow, session, _orders, account, _broker = both
    ledger = session.ledger
    for pair, quantity in account.positions.items():
        assert ledger.position(pair.base).quantity == quantity
    # The simulator charges fees rounded up to 8 places per fill, the definition exactly:
    # the two differ by less than 1E-8 TRY a fill.
    slack = Decimal("1E-8") * len(account.fills)
    assert abs(ledger.fees - account.fees) <= slack
    assert abs(ledger.cash - account.cash) <= slack
    last = {bar.pair: bar.close for bar in rows[-1][1]}
    equity = account.cash + sum(q * last[p] for p, q in account.positions.items())
    assert abs(ledger.valuation(session.marks).equity - equity) <= slack
