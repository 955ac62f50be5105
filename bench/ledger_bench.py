"""Ledger fold benchmark (issue 2).

Folds N mixed fill/fee events over 5 TRY pairs, revaluing at fresh marks every 100 events.
Targets: >= 200,000 events/s overall, and the last 100,000 events no slower than 1.2x the
first 100,000 (cost per event is flat: history is never re-read).

Events are generated before timing starts (the fold is what is measured); generation time is
printed separately.

    .venv/bin/python bench/ledger_bench.py            # 1,000,000 events
    .venv/bin/python bench/ledger_bench.py --events 200000 --method AVERAGE
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from btcbot_core import CostMethod, DepositEvent, FeeEvent, Fill, FillEvent, Ledger, Pair, Side

PAIRS = [Pair(b, "TRY") for b in ("BTC", "ETH", "AVAX", "SOL", "XRP")]
START_PRICE = [Decimal(p) for p in ("600000.00", "40000.00", "900.00", "2500.00", "15.00")]
WINDOW = 100_000


def make_events(n: int, seed: int) -> tuple[list[object], list[dict[str, Decimal]]]:
    rng = random.Random(seed)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    prices = [int(p * 100) for p in START_PRICE]
    held = [0] * len(PAIRS)  # in 1e-8 units
    events: list[object] = [DepositEvent("dep", t0, "TRY", "1000000000")]
    marks: list[dict[str, Decimal]] = []
    for i in range(1, n):
        k = i % len(PAIRS)
        prices[k] = max(100, prices[k] + rng.randint(-prices[k] // 500, prices[k] // 500))
        price = Decimal(prices[k]).scaleb(-2)
        ts = t0 + timedelta(seconds=i)
        if i % 10 == 0:  # a standalone fee in TRY
            events.append(FeeEvent(f"fee{i}", ts, "TRY", "0.05", tax="0.01"))
        elif held[k] > 0 and rng.random() < 0.45:
            qty_units = rng.randint(1, held[k])
            held[k] -= qty_units
            qty = Decimal(qty_units).scaleb(-8)
            fee = (price * qty * Decimal("0.001")).quantize(Decimal("0.01"))
            fill = Fill(f"t{i}", f"o{i}", f"c{i}", PAIRS[k], Side.SELL, price, qty, fee, "TRY", ts)
            events.append(FillEvent(fill))
        else:
            qty_units = rng.randint(10_000, 1_000_000)
            held[k] += qty_units
            qty = Decimal(qty_units).scaleb(-8)
            fee = (price * qty * Decimal("0.001")).quantize(Decimal("0.01"))
            fill = Fill(f"t{i}", f"o{i}", f"c{i}", PAIRS[k], Side.BUY, price, qty, fee, "TRY", ts)
            events.append(FillEvent(fill))
        if i % 100 == 0:
            marks.append({p.base: Decimal(prices[j]).scaleb(-2) for j, p in enumerate(PAIRS)})
    return events, marks


def run(n: int, method: CostMethod, seed: int) -> None:
    t = time.perf_counter()
    events, marks = make_events(n, seed)
    gen_s = time.perf_counter() - t
    # The generated input stands in for events that, in production, stream through and are
    # dropped after folding; keep the cyclic GC from re-scanning a million of them.
    gc.collect()
    gc.freeze()
    ledger = Ledger(method)
    apply = ledger.apply
    windows: list[float] = []
    mark_i = 0
    start = time.perf_counter()
    window_start = start
    for i, event in enumerate(events, start=1):
        apply(event)  # type: ignore[arg-type]
        if i % 100 == 0 and mark_i < len(marks):
            ledger.revalue(marks[mark_i])
            mark_i += 1
        if i % WINDOW == 0:
            now = time.perf_counter()
            windows.append(now - window_start)
            window_start = now
    total = time.perf_counter() - start
    val = ledger.valuation(marks[-1])
    print(f"method={method.value} events={n:,} (generated in {gen_s:.1f}s, not timed)")
    print(f"fold: {total:.2f}s  {n / total:,.0f} events/s  (target >= 200,000)")
    if len(windows) >= 2:
        ratio = windows[-1] / windows[0]
        print(
            f"first {WINDOW:,}: {windows[0]:.3f}s  last {WINDOW:,}: {windows[-1]:.3f}s  "
            f"ratio {ratio:.2f} (target <= 1.20)"
        )
    print(
        f"final equity {val.equity:.2f} TRY, realized {val.realized_pnl:.2f}, "
        f"fees {val.fees:.2f}, turnover {val.turnover:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--method", choices=[m.value for m in CostMethod], default="FIFO")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    run(args.events, CostMethod(args.method), args.seed)


if __name__ == "__main__":
    main()
