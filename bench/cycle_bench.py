"""Cycle benchmark (issue 3): ``run_cycle`` over the simulated exchange and in-memory stores.

5 TRY pairs, ``sma_cross`` (20/50), 1-minute bars from a seeded geometric random walk, the
``backtest`` profile with caps that never bind. Target: >= 200,000 symbol-bars/s (40,000
cycles/s) with flat cost per cycle (the last window no slower than 1.2x the first).

Bars are generated in chunks outside the timed region (they stand in for a data feed); the
timed region is ``exchange.on_bars`` (the minute's bars of every pair) plus ``run_cycle``.

    .venv/bin/python bench/cycle_bench.py                  # 500,000 cycles
    .venv/bin/python bench/cycle_bench.py --cycles 50000 --profile
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import time
from datetime import UTC, datetime, timedelta

from reference_loop import reference_rate

from btcbot_adapters.memory import InMemoryUnitOfWork
from btcbot_adapters.simulated import FeeSchedule, MatchMode, SimulatedExchange
from btcbot_core import Bar, Pair, SymbolRules
from btcbot_core.allocation import AllocationParams
from btcbot_core.pipeline import (
    PAPER_POLICY,
    CycleParams,
    CyclePorts,
    CycleSession,
    get_profile,
    run_cycle,
)
from btcbot_core.risk_budget import RiskBudgetParams
from btcbot_core.risk_policy import RiskPolicyParams

PAIRS = tuple(Pair(b, "TRY") for b in ("BTC", "ETH", "AVAX", "SOL", "XRP"))
START = (600_000.0, 40_000.0, 900.0, 2_500.0, 15.0)
T0 = datetime(2024, 1, 1, tzinfo=UTC)
CHUNK = 1_000
#: Cycles of bars the reference loop (bench/reference_loop.py) runs over, before and after.
CALIBRATION_CYCLES = 50_000
HUGE = "1000000000000"


def bar_chunks(cycles: int, seed: int, chunk: int = CHUNK):  # type: ignore[no-untyped-def]
    """Yield lists of per-cycle bar tuples, ``chunk`` cycles each; prices rounded to 2 dp,
    closes drift log-normally."""
    rng = random.Random(seed)
    prices = list(START)
    for base in range(0, cycles, chunk):
        rows = []
        for i in range(base, min(cycles, base + chunk)):
            t = T0 + timedelta(minutes=i)
            row = []
            for k, pair in enumerate(PAIRS):
                o = prices[k]
                c = o * math.exp(rng.gauss(0, 0.002))
                prices[k] = c
                hi, lo = max(o, c) * 1.0005, min(o, c) * 0.9995
                row.append(Bar(pair, t, f"{o:.2f}", f"{hi:.2f}", f"{lo:.2f}", f"{c:.2f}", "1000"))
            rows.append((t + timedelta(seconds=60), row))
        yield rows


def build(cycles: int):  # type: ignore[no-untyped-def]
    rules = [SymbolRules(p, price_scale=2, qty_scale=8, min_notional="10") for p in PAIRS]
    exchange = SimulatedExchange(
        rules,
        {"TRY": "100000"},
        mode=MatchMode.BARS,
        fees=FeeSchedule(maker_bps="10", taker_bps="10", tax_ratio="0"),
        history_limit=2,
    )
    params = CycleParams(
        run_id="bench",
        pairs=PAIRS,
        strategy="sma_cross",
        use_bars=True,
        allocation=AllocationParams(try_cash_target="0", fee_buffer_bps="0"),
        risk_policy=RiskPolicyParams(
            max_orders_per_cycle=100,
            max_open_orders_per_symbol=100,
            cooldown_seconds=0,
            notional_cap_try_per_cycle=HUGE,
            max_notional_per_order_try=HUGE,
            max_position_try_per_symbol=HUGE,
        ),
        risk_budget=RiskBudgetParams(
            drawdown_reduce_ratio=None,
            drawdown_observe_ratio=None,
            daily_loss_reduce_try=None,
            daily_loss_observe_try=None,
            loss_streak_reduce=None,
            streak_half_at=10**9,
            streak_quarter_at=10**9,
            max_quote_age_s=None,
            spread_reduce_bps=None,
            spread_observe_bps=None,
            exposure_reduce_ratio=None,
            concentration_reduce_ratio=None,
        ),
    )
    uow = InMemoryUnitOfWork()
    profile = get_profile("backtest")
    ports = CyclePorts(exchange, exchange, exchange, uow, lambda: PAPER_POLICY)
    session = CycleSession.open(uow, params, profile)
    return exchange, params, profile, ports, session


def calibration_rows(seed: int) -> list:  # type: ignore[type-arg]
    """The bars of the first ``CALIBRATION_CYCLES`` cycles, built once (not timed)."""
    return [row for rows in bar_chunks(CALIBRATION_CYCLES, seed) for row in rows]


def run(
    cycles: int,
    seed: int,
    windows: int,
    chunk: int = CHUNK,
    freeze: bool = True,
    calibrate: bool = True,
) -> None:
    reference: list[float] = []
    calibration = calibration_rows(seed) if calibrate else []
    if calibrate:
        reference.append(reference_rate(calibration))
    exchange, params, profile, ports, session = build(cycles)
    on_bars = exchange.on_bars
    window = max(1, cycles // windows)
    times: list[float] = []
    total = 0.0
    done = 0
    submitted = 0
    gc.collect()
    gc.freeze()
    for rows in bar_chunks(cycles, seed, chunk):
        # Between chunks, outside the timed region, everything built so far (the harness's
        # bars and the run's immutable history) is moved out of the collector's sight, as a
        # long backtest runner would do; see bench/README.md for the figure without it.
        if freeze:
            gc.freeze()
        start = time.perf_counter()
        for now, row in rows:
            on_bars(row)  # the feed's bars of this minute, one call
            report = run_cycle(ports, profile, params, now, session=session)
            submitted += len(report.submitted)
            done += 1
            if done % window == 0:
                elapsed = time.perf_counter() - start
                total += elapsed
                times.append(total)
                start = time.perf_counter()
        total += time.perf_counter() - start
    per_window = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    rate = cycles * len(PAIRS) / total
    print(f"cycles={cycles:,} pairs={len(PAIRS)} orders={submitted:,}")
    print(f"total {total:.2f}s  {rate:,.0f} symbol-bars/s  {cycles / total:,.0f} cycles/s")
    if len(per_window) >= 2:
        print(
            f"first window {per_window[0]:.3f}s  last {per_window[-1]:.3f}s  "
            f"ratio {per_window[-1] / per_window[0]:.2f} (target <= 1.20)"
        )
    val = session.ledger.valuation(session.marks)
    print(
        f"final equity {val.equity:.2f} TRY, realized {val.realized_pnl:.2f}, fees {val.fees:.2f}"
    )
    if calibrate:
        # Measured before and after the run: the VM's speed drifts within minutes.
        reference.append(reference_rate(calibration))
        mean = sum(reference) / len(reference)
        print(
            f"reference plain loop {mean:,.0f} symbol-bars/s "
            f"({reference[0]:,.0f} before, {reference[1]:,.0f} after); "
            f"cycle/reference {rate / mean:.3f}"
        )


def positive(text: str) -> int:
    """argparse type: a whole number >= 1 (a clear usage error, exit 2, otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=positive, default=500_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--windows", type=positive, default=10)
    parser.add_argument(
        "--chunk", type=positive, default=CHUNK, help="cycles of bars generated at a time"
    )
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="do not gc.freeze() between chunks (the collector rescans all history)",
    )
    parser.add_argument(
        "--no-calibrate",
        dest="calibrate",
        action="store_false",
        help="skip the plain reference loop run before and after (bench/reference_loop.py)",
    )
    parser.add_argument("--profile", action="store_true", help="run under cProfile")
    args = parser.parse_args()
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx(
            "run(args.cycles, args.seed, args.windows, args.chunk, args.freeze, False)",
            globals(),
            locals(),
            "/tmp/cycle.prof",
        )
        pstats.Stats("/tmp/cycle.prof").sort_stats("tottime").print_stats(25)
    else:
        run(args.cycles, args.seed, args.windows, args.chunk, args.freeze, args.calibrate)


if __name__ == "__main__":
    main()
