"""Crash-test writer: a zygote that forks children which write cycles until SIGKILLed.

Run as ``python crash_writer.py DB_PATH``. Each line on stdin forks one child and prints its
pid; the child writes cycles forever (one unit of work per cycle: 2 orders, 2 fills, 3 ledger
events, capital state, the cycle record, and a ledger snapshot every ``SNAPSHOT_EVERY``
cycles). After its first commit the child prints ``writing``; when it dies the zygote prints
``reaped``. Importing once and forking keeps
each round fast.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

SNAPSHOT_EVERY = 5
RUN_ID = "crash"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _write_cycle(uow: Any, n: int, ledger: Any) -> None:
    """Everything one cycle writes, in the unit of work ``uow`` (not committed here)."""
    from btcbot_core.ledger_events import DepositEvent, FeeEvent, FillEvent
    from btcbot_core.orders import Fill, Order, OrderRequest, Side
    from btcbot_core.pair import Pair
    from btcbot_core.state import CapitalState, CycleRecord, RiskMode

    pair = Pair("BTC", "TRY")
    now = T0 + timedelta(seconds=n)
    events: list[Any] = [
        DepositEvent(event_id=f"dep-{n}", timestamp=now, asset="TRY", amount="100")
    ]
    for i in range(2):
        cid = f"c{n}-{i}"
        request = OrderRequest(cid, pair, Side.BUY, Decimal("0.00001"), Decimal("2000000"))
        order = Order.planned(request, now)
        uow.orders.add(order)
        fill = Fill(
            fill_id=f"f{n}-{i}",
            order_id=f"x{n}-{i}",
            client_order_id=cid,
            pair=pair,
            side=Side.BUY,
            price=Decimal("2000000"),
            quantity=Decimal("0.00001"),
            fee=Decimal("0.02"),
            fee_asset="TRY",
            timestamp=now,
        )
        uow.fills.add(fill)
        uow.orders.update(order.transition(order.status.SUBMITTED, now).apply_fill(fill))
        events.append(FillEvent(fill=fill))
    events.append(FeeEvent(event_id=f"fee-{n}", timestamp=now, asset="TRY", amount="0.01"))
    uow.ledger.append(events)
    ledger.apply_many(events)
    if n % SNAPSHOT_EVERY == 0:
        uow.ledger.save_snapshot(ledger.snapshot())
    uow.capital.save(
        CapitalState(
            trading_capital=Decimal(n),
            checkpoint_event_count=ledger.event_count,
            checkpoint_realized=ledger.realized_pnl,
            updated_at=now,
        )
    )
    uow.cycles.record(CycleRecord(RUN_ID, n, now, now, RiskMode.NORMAL, {"events": len(events)}))


def _write_forever(engine: Any) -> None:
    from btcbot_adapters.persistence import SqlUnitOfWork
    from btcbot_adapters.persistence.writer_lock import WriterLock
    from btcbot_core.ledger import Ledger

    WriterLock(engine).acquire()
    with SqlUnitOfWork(engine) as uow:
        snap = uow.ledger.latest_snapshot()
        ledger = Ledger.from_snapshot(snap) if snap else Ledger()
        ledger.apply_many(uow.ledger.events_after(snap.event_count if snap else 0))
        last = uow.cycles.last(RUN_ID)
    n = last.cycle if last else 0
    while True:
        n += 1
        with SqlUnitOfWork(engine) as uow:
            _write_cycle(uow, n, ledger)
            uow.commit()
        if n == (last.cycle if last else 0) + 1:
            print("writing", flush=True)  # the test kills at random moments after this


def main() -> None:
    from btcbot_adapters.persistence import SqlUnitOfWork, create_engine_from_url, sqlite_url
    from btcbot_core.ledger import Ledger

    engine = create_engine_from_url(sqlite_url(sys.argv[1]))
    # Warm SQLAlchemy's statement cache with a cycle that is rolled back, so children
    # (which inherit the engine) start writing at once; then drop the parent's connections.
    with SqlUnitOfWork(engine) as uow:
        _write_cycle(uow, 0, Ledger())
    engine.dispose()
    for _line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                _write_forever(engine)
            finally:
                os._exit(1)
        print(pid, flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)


if __name__ == "__main__":
    main()
