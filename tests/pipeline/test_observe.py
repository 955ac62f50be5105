"""A strategy's ``observe`` only lets the pipeline skip work: reports are identical."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from btcbot_core import Bar, Pair
from btcbot_core.ledger import Position
from btcbot_core.market import MarketSnapshot
from btcbot_core.strategies import ObservingStrategy, SmaCrossStrategy, StrategyContext
from btcbot_core.strategies.sma_cross import SmaCrossParams
from tests.pipeline.harness import T0, BarRig

PAIRS = (Pair("BTC", "TRY"), Pair("ETH", "TRY"))


def _run(seed: int, use_observe: bool) -> str:
    rng = random.Random(seed)
    rig = BarRig(PAIRS, {"FAST": "3", "SLOW": "7", "ORDER_TRY": "400"}, run_id="obs", seed=seed)
    exchange, session = rig.exchange, rig.session
    if not use_observe:
        session.observe = None  # as for a strategy without the capability
    prices = [D("600000"), D("40000")]
    out = []
    for i in range(250):
        t = T0 + timedelta(minutes=i)
        row = []
        for k, pair in enumerate(PAIRS):
            if rng.random() < 0.02:
                continue  # a missing bar now and then: the strategy notes it
            close = (prices[k] * (1 + D(rng.randint(-250, 250)) / 10000)).quantize(D("0.01"))
            row.append(
                Bar(pair, t, prices[k], max(prices[k], close), min(prices[k], close), close, "5")
            )
            prices[k] = close
        exchange.on_bars(row)
        report = rig.cycle(t + timedelta(minutes=1))
        out.append(report.to_dict(timings=False))
    return json.dumps(out)


def test_sma_cross_observes() -> None:
    assert isinstance(SmaCrossStrategy(), ObservingStrategy)


def test_reports_are_identical_with_and_without_observe() -> None:
    for seed in (1, 2, 3):
        with_observe = _run(seed, use_observe=True)
        assert with_observe == _run(seed, use_observe=False)
        assert '"SUBMITTED"' in with_observe  # it traded


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-300, 300), st.booleans(), st.booleans()), min_size=1, max_size=60
    ),
    st.integers(0, 2),
)
def test_observe_then_propose_equals_propose(
    moves: list[tuple[int, bool, bool]], held_mode: int
) -> None:
    # Two strategies fed the same snapshots: one is asked observe() first (and propose()
    # only when it says so), the other only propose(). Their proposals must agree.
    params = SmaCrossParams(fast=2, slow=4)
    observing, plain = SmaCrossStrategy(params), SmaCrossStrategy(params)
    btc = PAIRS[0]
    price = D(100)
    for i, (move, bar_present, held) in enumerate(moves):
        price = max(D(1), price + move)
        t = T0 + timedelta(minutes=i)
        bars = {btc: Bar(btc, t, price, price, price, price, "1")} if bar_present else {}
        market = MarketSnapshot(t + timedelta(minutes=1), {}, bars)
        holding = held if held_mode == 2 else bool(held_mode)
        positions = {"BTC": Position("BTC", D("0.5"), D(50))} if holding else {}
        context = StrategyContext(market.observed_at, market, (btc,), positions, D(1000))
        expected = plain.propose(context)
        got = observing.propose(context) if observing.observe(market, (btc,)) else None
        if got is None:
            assert expected.is_empty
        else:
            assert got == expected
