"""Crash safety: a writer SIGKILLed 50 times at random moments never leaves half a cycle.

After every kill the database reopens and: every cycle is fully present or absent, client
order ids and fill ids are unique, the capital checkpoint matches the ledger, and the latest
ledger snapshot plus the events after it fold to the same state as all events.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from btcbot_adapters.persistence import SqlUnitOfWork, create_engine_from_url, sqlite_url
from btcbot_adapters.persistence.migrate import upgrade
from btcbot_core.ledger import Ledger

KILLS = 50
SEED = 20260121
WRITER = Path(__file__).with_name("crash_writer.py")


def _count(conn: sa.Connection, sql: str) -> int:
    return int(conn.exec_driver_sql(sql).scalar_one())


def _check_invariants(engine: Any) -> int:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        cycles = _count(conn, "SELECT count(*) FROM cycles")
        assert _count(conn, "SELECT coalesce(max(cycle), 0) FROM cycles") == cycles
        assert _count(conn, "SELECT count(*) FROM orders") == 2 * cycles
        assert _count(conn, "SELECT count(*) FROM fills") == 2 * cycles
        assert _count(conn, "SELECT count(DISTINCT pair || ':' || fill_id) FROM fills") == (
            2 * cycles
        )
        assert _count(conn, "SELECT count(*) FROM order_events") == 4 * cycles
        assert _count(conn, "SELECT count(*) FROM ledger_events") == 4 * cycles
        assert _count(conn, "SELECT coalesce(max(seq), 0) FROM ledger_events") == 4 * cycles
        assert _count(conn, "SELECT count(*) FROM orders WHERE status != 'FILLED'") == 0
    with SqlUnitOfWork(engine) as uow:
        everything = Ledger()
        everything.apply_many(uow.ledger.events_after(0))
        snap = uow.ledger.latest_snapshot()
        resumed = Ledger.from_snapshot(snap) if snap else Ledger()
        resumed.apply_many(uow.ledger.events_after(snap.event_count if snap else 0))
        capital = uow.capital.load()
    assert resumed.snapshot() == everything.snapshot()
    if cycles:
        assert capital is not None
        assert capital.checkpoint_event_count == everything.event_count
        assert capital.trading_capital == cycles
    return cycles


def test_sigkill_never_leaves_half_a_cycle(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "crash.db"
    engine = create_engine_from_url(sqlite_url(db))
    upgrade(engine)
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(tmp_path / "writer.log", "w"),  # noqa: SIM115
        text=True,
    )
    assert writer.stdin is not None and writer.stdout is not None
    progress = []
    try:
        for _ in range(KILLS):
            writer.stdin.write("go\n")
            writer.stdin.flush()
            child = int(writer.stdout.readline())
            assert writer.stdout.readline().strip() == "writing"
            time.sleep(rng.uniform(0.0, 0.06))
            os.kill(child, signal.SIGKILL)
            assert writer.stdout.readline().strip() == "reaped"
            progress.append(_check_invariants(engine))
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
        engine.dispose()
    assert progress == sorted(progress)
    assert progress[-1] >= KILLS  # every child committed at least one cycle
