"""Timing of ``SimulatedExchange.on_bar`` (not a test; run it by hand).

    .venv/bin/python -m tests.simulated.bench_on_bar

Prints the best-of-5 cost per bar for: no live order; one resting limit far from the market;
five pairs round-robin with no orders (the backtest shape).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from btcbot_adapters.simulated import SimulatedExchange
from btcbot_core.market import Bar
from btcbot_core.orders import OrderRequest, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PAIRS = [Pair(b, "TRY") for b in ("BTC", "ETH", "XRP", "AVAX", "SOL")]
N = 100_000


def make_bars(pair: Pair, n: int) -> list[Bar]:
    return [
        Bar(pair, T0 + timedelta(minutes=i), "1000", "1001", "999", "1000.5", "12.5", 60)
        for i in range(n)
    ]


def new_exchange() -> SimulatedExchange:
    rules = [SymbolRules(p, price_scale=2, qty_scale=6, min_notional=Decimal(10)) for p in PAIRS]
    return SimulatedExchange(rules, {"TRY": "1000000"}, start=T0, participation="0.1")


def best_of(runs: int, body: Callable[[], float]) -> float:
    return min(body() for _ in range(runs))


def time_feed(bars: list[Bar], setup: Callable[[SimulatedExchange], None]) -> float:
    ex = new_exchange()
    setup(ex)
    feed = ex.on_bar
    start = time.perf_counter()
    for bar in bars:
        feed(bar)
    return (time.perf_counter() - start) / len(bars)


def main() -> None:
    bars = make_bars(PAIRS[0], N)
    nothing = best_of(5, lambda: time_feed(bars, lambda ex: None))

    def resting(ex: SimulatedExchange) -> None:
        ex.submit(OrderRequest("far", PAIRS[0], Side.BUY, "0.1", "500", OrderType.LIMIT))

    one = best_of(5, lambda: time_feed(bars, resting))
    per_pair = [make_bars(p, N // 5) for p in PAIRS]
    interleaved = [b for group in zip(*per_pair, strict=True) for b in group]
    five = best_of(5, lambda: time_feed(interleaved, lambda ex: None))
    print(f"on_bar, no live order:           {nothing * 1e6:.3f} µs/bar")
    print(f"on_bar, one quiet resting order: {one * 1e6:.3f} µs/bar")
    print(f"on_bar, 5 pairs round-robin:     {five * 1e6:.3f} µs/bar")


if __name__ == "__main__":
    main()
