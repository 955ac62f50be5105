"""Properties over random order/market sequences: conservation, no negative balances, limit
prices respected, determinism, and the no-fault fast path equal to the general one."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from btcbot_adapters.simulated import FeeSchedule, MatchMode, SimulatedExchange
from btcbot_core.errors import OrderRejectedError
from btcbot_core.market import Bar, Quote
from btcbot_core.orders import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules
from tests.simulated.helpers import T0

PAIR = Pair("ETH", "TRY")
RULES = SymbolRules(PAIR, price_scale=2, qty_scale=3, min_notional=Decimal("10"))
START = {"TRY": Decimal("5000"), "ETH": Decimal("3")}

prices = st.integers(90_00, 110_00).map(lambda cents: Decimal(cents) / 100)
qtys = st.integers(1, 2_000).map(lambda units: Decimal(units) / 1000)

bar_action = st.tuples(
    st.just("market"), prices, prices, prices, st.integers(0, 50).map(lambda v: Decimal(v) / 10)
)
limit_action = st.tuples(st.just("limit"), st.sampled_from(Side), prices, qtys)
market_action = st.tuples(st.just("mkt"), st.sampled_from(Side), qtys)
cancel_action = st.tuples(st.just("cancel"), st.integers(0, 30))
actions = st.lists(
    st.one_of(bar_action, bar_action, limit_action, market_action, cancel_action),
    min_size=10,
    max_size=60,
)
configs = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(MatchMode),
        "fees": st.builds(
            FeeSchedule,
            maker_bps=st.integers(0, 50),
            taker_bps=st.integers(0, 50),
            tax_ratio=st.sampled_from(["0", "0.2", "0.18"]),
            fee_scale=st.integers(0, 8),
        ),
        "slippage_bps": st.integers(0, 100),
        "participation": st.sampled_from([None, "0.1", "0.5"]),
    }
)


def run(
    config: dict[str, Any],
    steps: list[tuple[Any, ...]],
    *,
    armed: bool = False,
    general: bool = False,
    log: list[str] | None = None,
) -> SimulatedExchange:
    """Play ``steps``. ``armed``: queue a fault for ``quotes()``, which is never called, so
    the fault plan is not idle and every call takes the general (fault-checking) path.
    ``general``: turn off the exact shortcuts the exchange takes for a configuration (no tax,
    no bar spread), so fees, fills and reference prices take the general code. ``log``
    gets the balances' repr after every step."""
    if general:
        with mock.patch.object(
            FeeSchedule, "untaxed", new_callable=mock.PropertyMock, return_value=False
        ):
            ex = SimulatedExchange([RULES], START, start=T0, seed=3, **config)
        ex._spread_free = False
    else:
        ex = SimulatedExchange([RULES], START, start=T0, seed=3, **config)
    if armed:
        ex.faults.stale_next_quotes()
    quotes_mode = config["mode"] is MatchMode.QUOTES
    acks: list[str] = []
    t = 0
    for step in steps:
        kind = step[0]
        if kind == "market":
            _, a, b, c, volume = step
            low, mid, high = sorted((a, b, c))
            t += 1
            if quotes_mode:
                ex.set_quote(Quote(PAIR, low, high, T0 + timedelta(seconds=t), volume, volume))
            else:
                ex.on_bar(Bar(PAIR, T0 + timedelta(minutes=t), mid, high, low, mid, volume))
        elif kind in ("limit", "mkt"):
            cid = f"c{len(acks)}-{t}"
            if kind == "limit":
                request = OrderRequest(cid, PAIR, step[1], step[3], step[2], OrderType.LIMIT)
            else:
                request = OrderRequest(cid, PAIR, step[1], step[2], None, OrderType.MARKET)
            with contextlib.suppress(OrderRejectedError):
                acks.append(ex.submit(request).exchange_order_id)
        elif acks:
            ex.cancel(PAIR, acks[step[1] % len(acks)])
        for balance in ex.balances().values():
            assert balance.free >= 0 and balance.locked >= 0, balance
        if log is not None:
            log.append(repr(ex.balances()))
    return ex


def flows(fills: tuple[Fill, ...]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for f in fills:
        out[f.fee_asset] -= f.fee + f.tax
        if f.side is Side.BUY:
            out[f.pair.base] += f.quantity
            out[f.pair.quote] -= f.notional
        else:
            out[f.pair.base] -= f.quantity
            out[f.pair.quote] += f.notional
    return out


@pytest.mark.property
@settings(max_examples=max(150, settings().max_examples))
@given(config=configs, steps=actions)
def test_balances_are_conserved_and_never_negative(
    config: dict[str, Any], steps: list[tuple[Any, ...]]
) -> None:
    ex = run(config, steps)
    fills = ex.all_fills(PAIR)
    moved = flows(fills)
    balances = ex.balances()
    for asset in set(START) | set(moved):
        assert balances[asset].total == START.get(asset, 0) + moved.get(asset, 0)
    # per order: filled quantity equals the sum of its fills and never exceeds the quantity
    per_order: dict[str, Decimal] = defaultdict(Decimal)
    for f in fills:
        per_order[f.order_id] += f.quantity
    for order_id, qty in per_order.items():
        order = ex.order(order_id)
        assert order.filled_qty == qty <= order.quantity
        if order.price is not None:  # a limit is never filled at a worse price
            for f in fills:
                if f.order_id == order_id:
                    assert f.price <= order.price if f.side is Side.BUY else f.price >= order.price
    for order in ex.open_orders([PAIR]):
        ex.cancel(PAIR, order.exchange_order_id)
    assert all(b.locked == 0 for b in ex.balances().values())
    assert {a: b.total for a, b in ex.balances().items()} == {
        a: b.total for a, b in balances.items()
    }


@pytest.mark.property
@settings(max_examples=max(30, settings().max_examples // 5))
@given(config=configs, steps=actions)
def test_same_inputs_give_identical_fills(
    config: dict[str, Any], steps: list[tuple[Any, ...]]
) -> None:
    first = run(config, steps)
    second = run(config, steps)
    assert first.all_fills(PAIR) == second.all_fills(PAIR)
    assert first.balances() == second.balances()
    assert first.open_orders([PAIR]) == second.open_orders([PAIR])


@pytest.mark.property
@settings(max_examples=max(50, settings().max_examples // 2))
@given(config=configs, steps=actions)
def test_core_orders_replay_the_exchange_fills(
    config: dict[str, Any], steps: list[tuple[Any, ...]]
) -> None:
    """The core order state machine accepts every simulated order history and agrees."""
    ex = run(config, steps)
    fills = ex.all_fills(PAIR)
    order_ids = {f.order_id for f in fills} | {o.exchange_order_id for o in ex.open_orders([PAIR])}
    for order_id in sorted(order_ids, key=int):
        view = ex.order(order_id)
        assert view.client_order_id is not None
        request = OrderRequest(
            view.client_order_id, PAIR, view.side, view.quantity, view.price, view.order_type
        )
        core = Order.planned(request, T0).transition(OrderStatus.SUBMITTED, T0)
        core = core.transition(OrderStatus.OPEN, T0, exchange_order_id=order_id)
        for fill in fills:
            if fill.order_id == order_id:
                core = core.apply_fill(fill)
        if view.status is OrderStatus.CANCELED:
            core = core.transition(OrderStatus.CANCELED, view.updated_at or T0)
        assert (core.status, core.filled_qty) == (view.status, view.filled_qty)


@pytest.mark.property
@settings(max_examples=max(50, settings().max_examples // 2))
@given(config=configs, steps=actions)
def test_idle_fault_plan_fast_path_equals_the_general_path(
    config: dict[str, Any], steps: list[tuple[Any, ...]]
) -> None:
    """Bit for bit (by repr: Decimal exponents included) the same history whether the calls
    skip the fault plan (idle) or consult it and find nothing for them."""
    fast = run(config, steps)
    slow = run(config, steps, armed=True)
    assert slow.faults.pending and not slow.faults.fired  # armed, never fired
    for attr in ("all_fills", "all_orders"):
        assert repr(getattr(fast, attr)(PAIR)) == repr(getattr(slow, attr)(PAIR))
    assert repr(fast.balances()) == repr(slow.balances())
    assert repr(fast.open_orders([PAIR])) == repr(slow.open_orders([PAIR]))
    for cursor in (None, "0", "1"):
        if int(cursor or 0) <= len(fast.all_fills(PAIR)):
            assert repr(fast.fills_since(PAIR, cursor)) == repr(slow.fills_since(PAIR, cursor))
    assert fast.now() == slow.now()


@pytest.mark.property
@settings(max_examples=max(50, settings().max_examples // 2))
@given(config=configs, spread=st.sampled_from([0, 0, 30]), steps=actions)
@example(  # untaxed taker fills of a buy and a sell, fees at 8 places (trailing zeros)
    config={
        "mode": MatchMode.BARS,
        "fees": FeeSchedule(maker_bps=10, taker_bps=10),
        "slippage_bps": 0,
        "participation": None,
    },
    spread=0,
    steps=[
        ("market", Decimal("100.50"), Decimal("100.50"), Decimal("100.50"), Decimal(5)),
        ("mkt", Side.BUY, Decimal("0.100")),
        ("mkt", Side.SELL, Decimal("0.200")),
        ("market", Decimal("100.40"), Decimal("100.60"), Decimal("100.50"), Decimal(5)),
    ],
)
def test_configuration_shortcuts_equal_the_general_path(
    config: dict[str, Any], spread: int, steps: list[tuple[Any, ...]]
) -> None:
    """Bit for bit (by repr) the same history with the untaxed and spread-free shortcuts as
    with the general code (a taxed schedule's code at tax 0, touch prices at spread 0)."""
    config = {**config, "bar_spread_bps": spread}
    fast_log: list[str] = []
    slow_log: list[str] = []
    fast = run(config, steps, log=fast_log)
    slow = run(config, steps, general=True, log=slow_log)
    assert fast_log == slow_log  # balances step by step: exponents cannot hide in later sums
    assert fast._engine._untaxed == fast.fee_schedule.untaxed
    assert fast._spread_free == (spread == 0)
    assert not slow._engine._untaxed and not slow._spread_free
    for attr in ("all_fills", "all_orders"):
        assert repr(getattr(fast, attr)(PAIR)) == repr(getattr(slow, attr)(PAIR))
    assert repr(fast.balances()) == repr(slow.balances())
