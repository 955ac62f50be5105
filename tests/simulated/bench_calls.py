"""Cost per call of the ``SimulatedExchange`` methods on the cycle benchmark's path (not a test;
run it by hand).

    .venv/bin/python -m tests.simulated.bench_calls

The shape of ``bench/cycle_bench.py``: five pairs of 1-minute bars, no faults, 10 bps fees
with no tax, market orders that fill on the next bar. Prints the best of 5 runs, in µs per
call, for: ``on_bar`` with no live order, ``bars(pair, 60, 1)``, ``submit`` of a market order,
``on_bar`` that fills it, ``fills_since`` (empty tail page and a one-fill page),
``open_orders`` of five quiet pairs and ``balances``.
"""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from btcbot_adapters.simulated import FeeSchedule, SimulatedExchange
from btcbot_core.market import Bar
from btcbot_core.orders import OrderRequest, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules

T0 = datetime(2024, 1, 1, tzinfo=UTC)
PAIRS = tuple(Pair(b, "TRY") for b in ("BTC", "ETH", "AVAX", "SOL", "XRP"))
ROUNDS = 4_000  # cycles per run; every cycle submits one market order per pair


def make_bars(rounds: int) -> list[list[Bar]]:
    """Per cycle, one bar per pair; closes drift so fills change the balances."""
    out = []
    for i in range(rounds):
        t = T0 + timedelta(minutes=i)
        px = Decimal(1000 + (i * 7) % 50)
        out.append([Bar(p, t, px, px + 1, px - 1, px, "1000") for p in PAIRS])
    return out


def new_exchange() -> SimulatedExchange:
    rules = [SymbolRules(p, price_scale=2, qty_scale=8, min_notional="10") for p in PAIRS]
    return SimulatedExchange(
        rules,
        {"TRY": "1000000000", **{p.base: "1000000" for p in PAIRS}},
        fees=FeeSchedule(maker_bps="10", taker_bps="10", tax_ratio="0"),
        history_limit=2,
    )


NAMES = ("on_bar quiet", "on_bar fill", "bars", "submit", "fills empty", "fills one", "open")


def run(bars: list[list[Bar]]) -> tuple[dict[str, float], dict[str, int]]:
    """One pass; returns seconds spent per method (summed over calls) and the call counts."""
    ex = new_exchange()
    spent = dict.fromkeys(NAMES, 0.0)
    calls = dict.fromkeys(NAMES, 0)
    clock = time.perf_counter
    cursors: dict[Pair, str | None] = dict.fromkeys(PAIRS)
    qty = Decimal("0.01234567")
    for i, row in enumerate(bars):
        trade = i % 2 == 1  # odd cycles: the bars fill last cycle's orders
        key = "on_bar fill" if trade else "on_bar quiet"
        for bar in row:
            t = clock()
            ex.on_bar(bar)
            spent[key] += clock() - t
            calls[key] += 1
        for pair in PAIRS:
            t = clock()
            ex.bars(pair, 60, 1)
            spent["bars"] += clock() - t
            calls["bars"] += 1
        t = clock()
        ex.open_orders(PAIRS)
        spent["open"] += clock() - t
        calls["open"] += 1
        for pair in PAIRS:
            t = clock()
            page = ex.fills_since(pair, cursors[pair])
            key = "fills one" if page.fills else "fills empty"
            spent[key] += clock() - t
            calls[key] += 1
            cursors[pair] = page.cursor
        if not trade:
            side = Side.BUY if i % 4 == 0 else Side.SELL
            for pair in PAIRS:
                request = OrderRequest(f"c{i}-{pair}", pair, side, qty, None, OrderType.MARKET)
                t = clock()
                ex.submit(request)
                spent["submit"] += clock() - t
                calls["submit"] += 1
    return spent, calls


def main() -> None:
    bars = make_bars(ROUNDS)
    best: dict[str, float] = {}
    calls: dict[str, int] = {}
    gc.collect()
    gc.freeze()  # like the cycle benchmark: no collection of the long-lived setup
    for _ in range(5):
        spent, calls = run(bars)
        for name, seconds in spent.items():
            best[name] = min(best.get(name, seconds), seconds)
    clock = time.perf_counter
    overhead = min(-clock() + clock() for _ in range(10_000))  # one timer pair, subtracted
    for name in NAMES:
        per_call = (best[name] / calls[name] - overhead) * 1e6
        print(f"{name:14s} {per_call:7.3f} µs/call  ({calls[name]:,} calls)")
    ex = new_exchange()
    t = clock()
    for _ in range(1000):
        ex.balances()
    print(f"{'balances':14s} {(clock() - t) / 1000 * 1e6:7.3f} µs/call")


if __name__ == "__main__":
    main()
