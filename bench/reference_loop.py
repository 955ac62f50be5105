"""A plain layered Python loop doing the benchmark strategy's per-bar work: the yardstick
that tells how fast this machine is running right now.

This VM's speed drifts: with the same code, the ledger fold measured 530,000 events/s on
one day and 300,000 on another. So the cycle benchmark runs this loop over the same bars, in
the same process, before and after its own run, and prints both rates and their ratio: a
figure that can be compared across days. (Issue 3 mentions "a plain layered Python loop
doing similar per-bar work" at about 1,000,000 symbol-bars/s; this is our own such loop,
not that one, and it is leaner than the issue's figure suggests: see bench/README.md.)

Run on the cycle benchmark's bars it trades exactly as the pipeline does (same orders, same
final equity and fees): tests/pipeline/test_benchmark_parity.py holds the two together.

The loop follows the ``sma_cross`` definition (issue 3) with no ports, no ledger and no
records: a feed hands each bar to a broker (fills the pending market order at the bar's
open, fee 0.1 % of notional, exact ``Decimal``), then to an SMA(20)/SMA(50) cross detector
(running ``Decimal`` sums), then to the strategy (cross up while flat: buy
round(1000 TRY / close, 8); cross down while long: sell everything).

    .venv/bin/python bench/reference_loop.py --cycles 100000
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from btcbot_core import Bar, Pair

FEE_RATE = Decimal("0.001")
ENTRY_TRY = Decimal(1000)
QTY_STEP = Decimal("1E-8")
START_CASH = Decimal(100_000)
_NOUGHT = Decimal(0)


class Crossing:
    """SMA(fast) against SMA(slow) of one series; ``update`` returns +1, -1 or 0."""

    __slots__ = ("_buf", "_fast", "_pos", "_prev", "_seen", "_slow", "_sum_fast", "_sum_slow")

    def __init__(self, fast: int = 20, slow: int = 50) -> None:
        self._fast, self._slow = fast, slow
        self._buf = [_NOUGHT] * slow
        self._pos = self._seen = 0
        self._sum_fast = self._sum_slow = _NOUGHT
        self._prev: int | None = None

    def update(self, close: Decimal) -> int:
        buf, pos = self._buf, self._pos
        self._sum_fast += close - buf[pos - self._fast]
        self._sum_slow += close - buf[pos]
        buf[pos] = close
        self._pos = (pos + 1) % self._slow
        self._seen += 1
        if self._seen < self._slow:
            return 0
        gap = self._sum_fast * self._slow - self._sum_slow * self._fast
        sign = (gap > 0) - (gap < 0)
        prev, self._prev = self._prev, sign
        if prev is None:  # bar slow - 1: the slow SMA of the bar before is undefined
            return 0
        if sign > 0 and prev <= 0:
            return 1
        if sign < 0 and prev >= 0:
            return -1
        return 0


class Account:
    """Cash and positions; a fill debits notional plus fee. ``fills`` lists every fill as
    (pair, signed quantity, price)."""

    __slots__ = ("cash", "fees", "fills", "positions")

    def __init__(self) -> None:
        self.cash = START_CASH
        self.fees = _NOUGHT
        self.positions: dict[Pair, Decimal] = {}
        self.fills: list[tuple[Pair, Decimal, Decimal]] = []

    def fill(self, pair: Pair, quantity: Decimal, price: Decimal) -> None:
        notional = quantity * price
        fee = abs(notional) * FEE_RATE
        self.cash -= notional + fee
        self.fees += fee
        self.positions[pair] = self.positions.get(pair, _NOUGHT) + quantity
        self.fills.append((pair, quantity, price))


class Broker:
    """Holds market orders until the next bar of their pair, then fills them at its open."""

    __slots__ = ("_account", "_pending", "orders")

    def __init__(self, account: Account) -> None:
        self._account = account
        self._pending: dict[Pair, Decimal] = {}
        self.orders = 0

    def on_bar(self, bar: Bar) -> None:
        quantity = self._pending.pop(bar.pair, None)
        if quantity is not None:
            self._account.fill(bar.pair, quantity, bar.open)

    def submit(self, pair: Pair, quantity: Decimal) -> None:
        self._pending[pair] = quantity
        self.orders += 1


def decide(signal: int, held: Decimal, close: Decimal) -> Decimal | None:
    """The signed quantity to trade on ``signal``, or ``None``."""
    if signal > 0 and not held:
        return (ENTRY_TRY / close).quantize(QTY_STEP)
    if signal < 0 and held:
        return -held
    return None


def run(rows: Iterable[tuple[datetime, Sequence[Bar]]]) -> tuple[int, float, Account, Broker]:
    """Feed every bar of ``rows``; return (symbol-bars, seconds spent, account, broker)."""
    account = Account()
    broker = Broker(account)
    crossings: dict[Pair, Crossing] = {}
    count = 0
    start = time.perf_counter()
    for _now, bars in rows:
        for bar in bars:
            broker.on_bar(bar)
            crossing = crossings.get(bar.pair)
            if crossing is None:
                crossing = crossings[bar.pair] = Crossing()
            signal = crossing.update(bar.close)
            if signal:
                quantity = decide(signal, account.positions.get(bar.pair, _NOUGHT), bar.close)
                if quantity is not None:
                    broker.submit(bar.pair, quantity)
        count += len(bars)
    return count, time.perf_counter() - start, account, broker


def reference_rate(rows: Sequence[tuple[datetime, Sequence[Bar]]], repeat: int = 3) -> float:
    """Symbol-bars per second of the plain loop over ``rows`` (bars already built): the best
    of ``repeat`` runs, each after ``gc.freeze()`` so the collector does not rescan the bars
    (as the cycle benchmark freezes between its chunks)."""
    best = 0.0
    for _ in range(repeat):
        gc.collect()
        gc.freeze()
        count, seconds, _account, _broker = run(rows)
        best = max(best, count / seconds)
    return best


def main() -> None:
    import cycle_bench  # the same seeded bars as the cycle benchmark

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=cycle_bench.positive, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rows = [row for chunk in cycle_bench.bar_chunks(args.cycles, args.seed) for row in chunk]
    gc.freeze()
    count, seconds, account, broker = run(rows)
    last = {bar.pair: bar.close for bar in rows[-1][1]}
    equity = account.cash + sum(q * last[p] for p, q in account.positions.items())
    print(f"cycles={args.cycles:,} symbol-bars={count:,} orders={broker.orders:,}")
    print(f"total {seconds:.2f}s  {count / seconds:,.0f} symbol-bars/s")
    print(f"final equity {equity:.2f} TRY, fees {account.fees:.2f}")


if __name__ == "__main__":
    main()
