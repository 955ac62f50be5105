"""Two runs with the same seed produce byte-identical serialised cycle reports (issue 3)."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal as D

from btcbot_adapters.simulated import FaultRates
from btcbot_core import Bar, Pair
from btcbot_core.pipeline import (
    CycleSession,
)
from tests.pipeline.harness import T0, BarRig, Harness

PAIRS = (Pair("BTC", "TRY"), Pair("ETH", "TRY"))


def run_bars(
    seed: int, cycles: int = 400, restart_at: tuple[int, ...] = ()
) -> list[dict[str, object]]:
    """sma_cross over two pairs in bar mode; ``restart_at`` reopens the session from the
    stores before those cycles, as after a crash."""
    rng = random.Random(seed)
    rig = BarRig(
        PAIRS,
        {"FAST": "5", "SLOW": "12", "ORDER_TRY": "400"},
        run_id="det",
        participation="0.5",
        seed=seed,
    )
    exchange = rig.exchange
    prices = [D("600000"), D("40000")]
    out = []
    for i in range(cycles):
        t = T0 + timedelta(minutes=i)
        for k, pair in enumerate(PAIRS):
            step = D(rng.randint(-300, 300)) / D(10000)
            close = (prices[k] * (1 + step)).quantize(D("0.01"))
            hi = max(prices[k], close) + 1
            lo = min(prices[k], close) - 1
            exchange.on_bar(Bar(pair, t, prices[k], hi, lo, close, "5"))
            prices[k] = close
        if i in restart_at:
            rig.session = CycleSession.open(rig.uow, rig.params, rig.profile)
        report = rig.cycle(t + timedelta(minutes=1))
        out.append(report.to_dict(timings=False))
    return out


def bar_run(seed: int, cycles: int = 400) -> bytes:
    return json.dumps(run_bars(seed, cycles)).encode()


def quote_run(seed: int) -> bytes:
    h = Harness(
        seed=seed,
        strategy_values={"TARGET_TRY": "400", "TTL_SECONDS": "120"},
        fault_rates=FaultRates(submit_timeout_after=0.2, duplicate_fill=0.2, submit_reject=0.1),
    )
    rng = random.Random(seed)
    price = 1_000_000
    for _ in range(150):
        price += rng.randint(-8000, 8000)
        h.cycle(price, price + rng.randint(200, 2000))
    return json.dumps([r.to_dict(timings=False) for r in h.reports]).encode()


def test_bar_mode_runs_are_byte_identical() -> None:
    first, second = bar_run(7), bar_run(7)
    assert first == second
    assert b'"SUBMITTED"' in first  # the run really traded
    assert bar_run(8) != first


def test_quote_mode_runs_with_faults_are_byte_identical() -> None:
    assert quote_run(3) == quote_run(3)
