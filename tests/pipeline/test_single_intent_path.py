"""The cycle's single-intent path (``decide_single``, switched by
``cycle.SINGLE_INTENT_PATH``) leaves exactly what the general path (``screen``, ``decide``)
leaves: the same reports, stores, commits and session state, over random
runs with exchange faults (rejects, timeouts before and after accepting, rate limits), an
arming gate that opens and closes, paper policies meeting a port that is not simulated,
risk modes, cancels and crashes between the two commits (a re-run cycle meets its own
PLANNED order: DUPLICATE)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btcbot_adapters.simulated import FaultRates
from btcbot_core import Order, OrderRequest, Pair, Side
from btcbot_core.arming import ArmingFacts, ArmingSettings, side_effect_policy
from btcbot_core.errors import ExchangeError
from btcbot_core.ids import client_order_id
from btcbot_core.pipeline import PAPER_POLICY, CyclePorts, CycleSession, cycle, run_cycle
from btcbot_core.ports import SubmitAck
from tests.pipeline.harness import BTCTRY, T0, BarRig, Harness, walk_bars

pytestmark = pytest.mark.property

CLOSED = side_effect_policy(ArmingSettings(), ArmingFacts())


class _Crash(Exception):
    """Not an exchange error: the cycle dies between its two commits."""


class _Port:
    """The simulated exchange behind a forwarding port that may crash on a submit and may
    declare itself not simulated (a paper policy must then block every write)."""

    def __init__(self, inner: Any, simulated: bool, crash_at: set[int]) -> None:
        self._inner = inner
        self.simulated = simulated
        self._crash_at = crash_at
        self.submits = 0

    def submit(self, request: OrderRequest) -> SubmitAck:
        self.submits += 1
        if self.submits in self._crash_at:
            raise _Crash(request.client_order_id)
        ack: SubmitAck = self._inner.submit(request)
        return ack

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _quotes_run(single: bool, seed: int, profile: str, shape: dict[str, Any]) -> tuple[Any, ...]:
    cycle.SINGLE_INTENT_PATH = single
    rng = random.Random(seed)
    rates = FaultRates(
        submit_reject=shape["reject"],
        submit_timeout_before=shape["timeout"],
        submit_timeout_after=shape["timeout"],
        rate_limited=shape["rate_limited"],
    )
    h = Harness(
        profile=profile,
        seed=seed,
        fault_rates=rates,
        strategy_values={"TARGET_TRY": str(shape["target"])},
        cash=str(shape["cash"]),
    )
    port = _Port(h.exchange, shape["simulated"] or profile == "stage7", shape["crashes"])
    gate_open = [True]
    h.gate = lambda: PAPER_POLICY if gate_open[0] else CLOSED
    h.ports = CyclePorts(port, port, port, h.uow, h.ports.gate)  # type: ignore[arg-type]
    bid = 1_000_000
    out: list[object] = []
    for _ in range(shape["cycles"]):
        bid = max(1000, bid + rng.randint(-6000, 5000))
        gate_open[0] = rng.random() >= shape["closed"]
        h.quote(bid, bid + rng.randint(200, 3000))
        if len(out) in shape["dups"]:
            # an order already recorded under the id this cycle will give its intent
            cid = client_order_id(h.params.run_id, h.session.cycle + 1, BTCTRY, Side.BUY, 0)
            with h.uow:
                h.uow.orders.add(
                    Order.planned(OrderRequest(cid, BTCTRY, Side.BUY, D("0.01"), D(1000)), h.now)
                )
                h.uow.commit()
        try:
            report = run_cycle(h.ports, h.profile, h.params, h.now, session=h.session)
        except (_Crash, ExchangeError) as crash:
            out.append((type(crash).__name__, str(crash)))
            continue  # the same minute again: the session rebuilds from the stores
        out.append(report.to_dict(timings=False))
        h.minute += 1
    with h.uow:
        live = [(o.client_order_id, o.status) for o in h.uow.orders.live()]
    return (
        out,
        h.uow.db.state,
        h.uow.db.version,
        live,
        h.session.capital,
        h.session.risk,
        dict(h.session.last_order_at),
        h.session.last_submits,
        h.session.last_rejects,
    )


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    profile=st.sampled_from(["stage7", "stage4", "stage3"]),
    shape=st.fixed_dictionaries(
        {
            "reject": st.sampled_from([0.0, 0.1, 0.4]),
            "timeout": st.sampled_from([0.0, 0.05, 0.2]),
            "rate_limited": st.sampled_from([0.0, 0.1]),
            "target": st.sampled_from([99, 500, 3000, 20000]),
            "cash": st.sampled_from([1000, 10000, 100000]),
            "simulated": st.booleans(),
            "closed": st.sampled_from([0.0, 0.2, 1.0]),
            "crashes": st.sets(st.integers(1, 12), max_size=3),
            "dups": st.sets(st.integers(0, 30), max_size=4),
            "cycles": st.integers(10, 60),
        }
    ),
)
def test_single_intent_path_equals_the_general_path_with_quotes(
    seed: int, profile: str, shape: dict[str, Any]
) -> None:
    try:
        fast = _quotes_run(True, seed, profile, shape)
        general = _quotes_run(False, seed, profile, shape)
    finally:
        cycle.SINGLE_INTENT_PATH = True
    assert fast == general


def _bars_run(single: bool, seed: int, profile: str) -> tuple[Any, ...]:
    cycle.SINGLE_INTENT_PATH = single
    pairs = (Pair("BTC", "TRY"), Pair("ETH", "TRY"))
    rng = random.Random(seed)
    rig = BarRig(
        pairs,
        {"FAST": "3", "SLOW": "7", "ORDER_TRY": str(rng.choice([5, 400, 60000]))},
        run_id="single",
        profile=profile,
        seed=seed,
    )
    prices = [D("600000"), D("40000")]
    out: list[object] = []
    for i in range(150):
        t = T0 + timedelta(minutes=i)
        rig.exchange.on_bars(walk_bars(rng, pairs, prices, t, 0.03))
        if i == 75:
            rig.session = CycleSession.open(rig.uow, rig.params, rig.profile)
        out.append(rig.cycle(t + timedelta(minutes=1)).to_dict(timings=False))
    return out, rig.uow.db.state, rig.uow.db.version, rig.session.capital, rig.session.risk


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000), profile=st.sampled_from(["backtest", "stage7"]))
def test_single_intent_path_equals_the_general_path_with_bars(seed: int, profile: str) -> None:
    try:
        fast = _bars_run(True, seed, profile)
        general = _bars_run(False, seed, profile)
    finally:
        cycle.SINGLE_INTENT_PATH = True
    assert fast == general


def test_the_single_intent_path_is_taken_and_would_be_caught() -> None:
    """The switch changes the path (so the tests above compare two paths), and a wrong
    fast path shows in the reports: a run whose single path drops every request differs."""
    calls: list[object] = []
    real = cycle.decide_single

    def spy(*args: Any) -> Any:
        calls.append(args[0])
        return real(*args)

    def wrong(*args: Any) -> Any:
        request = real(*args)
        if request is None:
            return None
        return OrderRequest(
            request.client_order_id,
            request.pair,
            request.side,
            request.quantity * 2,
            request.price,
            request.order_type,
        )

    shape = {
        "reject": 0.0,
        "timeout": 0.0,
        "rate_limited": 0.0,
        "target": 500,
        "cash": 100000,
        "simulated": True,
        "closed": 0.0,
        "crashes": set(),
        "dups": set(),
        "cycles": 30,
    }
    try:
        cycle.decide_single = spy  # type: ignore[assignment]
        fast = _quotes_run(True, 1, "stage7", shape)
        assert calls
        calls.clear()
        general = _quotes_run(False, 1, "stage7", shape)
        assert not calls
        assert fast == general
        cycle.decide_single = wrong  # type: ignore[assignment]
        assert _quotes_run(True, 1, "stage7", shape) != general
    finally:
        cycle.decide_single = real
        cycle.SINGLE_INTENT_PATH = True
