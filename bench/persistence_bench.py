"""Persistence benchmark: ledger append rate, start-up time vs history size, cycle write time.

Usage::

    .venv/bin/python bench/persistence_bench.py [--big 1000000] [--pg-url URL]

PostgreSQL figures are reported when ``--pg-url`` or ``BTCBOT_TEST_DATABASE_URL`` is set and
reachable (a scratch schema is created and dropped). Prints figures; it is not a test.
Targets: append >= 50,000 rows/s on SQLite; start-up at 1,000,000 events <= 2x start-up at
1,000 events; one cycle (orders, fills, events, state, record) < 5 ms median on SQLite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from btcbot_adapters.persistence import SqlUnitOfWork, create_engine_from_url, sqlite_url
from btcbot_adapters.persistence.migrate import upgrade
from btcbot_core.ledger import Ledger
from btcbot_core.ledger_events import DepositEvent, FeeEvent, FillEvent, LedgerEvent
from btcbot_core.orders import Fill, Order, OrderRequest, OrderStatus, Side
from btcbot_core.pair import Pair
from btcbot_core.state import CapitalState, CycleRecord, RiskMode

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PAIR = Pair("BTC", "TRY")
BATCH = 10_000


def deposits(start: int, count: int) -> list[LedgerEvent]:
    """``count`` TRY deposits with ids ``d{start}..``; each 1.25 TRY."""
    return [
        DepositEvent(
            event_id=f"d{i}", timestamp=T0 + timedelta(seconds=i), asset="TRY", amount="1.25"
        )
        for i in range(start, start + count)
    ]


def append_rate(engine: Any, total: int) -> float:
    """Rows per second appending ``total`` events in batches of ``BATCH`` (one unit each)."""
    batches = [deposits(i, min(BATCH, total - i)) for i in range(0, total, BATCH)]
    began = time.perf_counter()
    for batch in batches:
        with SqlUnitOfWork(engine) as uow:
            uow.ledger.append(batch)
            uow.commit()
    return total / (time.perf_counter() - began)


def fill_history(engine: Any, total: int, tail: int) -> None:
    """``total`` events with a ledger snapshot taken ``tail`` events before the end."""
    ledger = Ledger()

    def append(first: int, count: int) -> None:
        for start in range(first, first + count, BATCH):
            batch = deposits(start, min(BATCH, first + count - start))
            ledger.apply_many(batch)
            with SqlUnitOfWork(engine) as uow:
                uow.ledger.append(batch)
                uow.commit()

    append(0, total - tail)
    with SqlUnitOfWork(engine) as uow:
        uow.ledger.save_snapshot(ledger.snapshot())
        uow.commit()
    append(total - tail, tail)


def startup_time(new_engine: Callable[[], Any], repeats: int = 15) -> float:
    """Median seconds to open the database and rebuild the ledger from snapshot + tail."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        engine = new_engine()
        with SqlUnitOfWork(engine) as uow:
            snap = uow.ledger.latest_snapshot()
            ledger = Ledger.from_snapshot(snap) if snap else Ledger()
            ledger.apply_many(uow.ledger.events_after(snap.event_count if snap else 0))
        times.append(time.perf_counter() - began)
        engine.dispose()
    return statistics.median(times)


def cycle_times(engine: Any, cycles: int) -> list[float]:
    """Seconds per cycle unit of work: 2 orders (+ update), 2 fills, 3 events, state, record."""
    out = []
    for n in range(1, cycles + 1):
        now = T0 + timedelta(seconds=n)
        began = time.perf_counter()
        with SqlUnitOfWork(engine) as uow:
            events: list[LedgerEvent] = []
            for i in range(2):
                cid = f"c{n}-{i}"
                order = Order.planned(
                    OrderRequest(cid, PAIR, Side.BUY, Decimal("0.0001"), Decimal("2000000")), now
                )
                uow.orders.add(order)
                fill = Fill(
                    fill_id=f"f{n}-{i}",
                    order_id=f"x{n}-{i}",
                    client_order_id=cid,
                    pair=PAIR,
                    side=Side.BUY,
                    price=Decimal("2000000"),
                    quantity=Decimal("0.0001"),
                    fee=Decimal("0.2"),
                    fee_asset="TRY",
                    timestamp=now,
                )
                uow.fills.add(fill)
                uow.orders.update(order.transition(OrderStatus.SUBMITTED, now).apply_fill(fill))
                events.append(FillEvent(fill=fill))
            events.append(FeeEvent(event_id=f"fee{n}", timestamp=now, asset="TRY", amount="0.1"))
            uow.ledger.append(events)
            uow.capital.save(CapitalState(trading_capital=Decimal(n), updated_at=now))
            uow.cycles.record(CycleRecord("bench", n, now, now, RiskMode.NORMAL, {"n": n}))
            uow.commit()
        out.append(time.perf_counter() - began)
    return out


@contextmanager
def sqlite_db(directory: Path, name: str) -> Iterator[tuple[Callable[[], Any], Any]]:
    url = sqlite_url(directory / f"{name}.db")
    engine = create_engine_from_url(url)
    upgrade(engine)
    yield (lambda: create_engine_from_url(url)), engine
    engine.dispose()


@contextmanager
def pg_db(base_url: str) -> Iterator[tuple[Callable[[], Any], Any]]:
    schema = f"btcbot_bench_{secrets.token_hex(4)}"
    admin = create_engine_from_url(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine_from_url(base_url, schema=schema)
    try:
        upgrade(engine)
        yield (lambda: create_engine_from_url(base_url, schema=schema)), engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def report(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("  PASS" if ok else "  FAIL")
    print(f"{label:<52} {value:>16}  {target}{verdict}", flush=True)


def bench(name: str, db: Callable[[str], Any], big: int, startup: bool) -> None:
    print(f"\n== {name} ==")
    with db("append") as (_, engine):
        rate = append_rate(engine, 100_000)
    report(
        "ledger append, 100k events in 10k batches",
        f"{rate:,.0f} rows/s",
        ">= 50,000",
        rate >= 50_000 if name == "SQLite" else None,
    )
    with db("cycles") as (_, engine):
        times = cycle_times(engine, 300)
    median_ms = statistics.median(times) * 1000
    p95 = sorted(times)[int(len(times) * 0.95)] * 1000
    report(
        "one cycle unit of work (median / p95)",
        f"{median_ms:.2f} / {p95:.2f} ms",
        "< 5 ms median",
        median_ms < 5 if name == "SQLite" else None,
    )
    if not startup:
        return
    results = {}
    for total in (1_000, big):
        with db(f"start{total}") as (new_engine, engine):
            began = time.perf_counter()
            fill_history(engine, total, tail=100)
            built = time.perf_counter() - began
            engine.dispose()  # as after a restart: the writer's connections are gone
            results[total] = startup_time(new_engine)
        report(
            f"start-up at {total:,} events (built in {built:.0f} s)",
            f"{results[total] * 1000:.1f} ms",
        )
    ratio = results[big] / results[1_000]
    report(f"start-up ratio {big:,} / 1,000", f"{ratio:.2f}x", "<= 2x", ratio <= 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=1_000_000, help="events in the big history")
    parser.add_argument("--pg-url", default=os.environ.get("BTCBOT_TEST_DATABASE_URL"))
    parser.add_argument("--pg-startup", action="store_true", help="start-up test on PG too")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, sqlalchemy {sa.__version__}")
    with tempfile.TemporaryDirectory(prefix="btcbot-bench-") as tmp:
        directory = Path(tmp)
        bench("SQLite", lambda name: sqlite_db(directory, name), args.big, startup=True)
    if args.pg_url:
        try:
            bench("PostgreSQL", lambda _name: pg_db(args.pg_url), args.big, args.pg_startup)
        except Exception as exc:  # a benchmark reports and goes on
            print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
