"""The submit path's fast paths agree with the general code they stand in for.

* ``decide`` of one intent (``_decide_one``) against the general path (forced by patching
  the fast path out), over random rules, marks, positions, live orders, cooldowns, caps and
  allocation settings: the same ``Decision`` or the same error.
* ``keeps_whole`` against ``allocate`` and ``single_request_clears`` against
  ``evaluate_risk`` directly.
* ``screen``'s single-intent shortcut and ``needs_cash`` against the plain loop.
* ``client_order_id`` against the original ``"\\x1f".join`` digest (ids are persisted).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import btcbot_core.pipeline.decide as decide_mod
from btcbot_core.allocation import AllocationParams, allocate, keeps_whole
from btcbot_core.decisions import Reason
from btcbot_core.ids import _digest, client_order_id
from btcbot_core.ledger import Position
from btcbot_core.orders import Order, OrderIntent, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.pipeline.decide import DecideInputs, Screened, decide, screen, sole_unscreened
from btcbot_core.pipeline.report import Fate, IntentOutcome
from btcbot_core.risk_all_clear import single_request_clears
from btcbot_core.risk_policy import RiskContext, RiskPolicyParams, evaluate_risk
from btcbot_core.rules import SymbolRules
from btcbot_core.state import RiskMode

pytestmark = pytest.mark.property

D = Decimal
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
BTC, ETH, XRP = Pair("BTC", "TRY"), Pair("ETH", "TRY"), Pair("XRP", "TRY")
PAIRS = (BTC, ETH, XRP)
RUN, CYCLE = "run", 7

amounts = st.one_of(
    st.integers(1, 200).map(lambda n: D(n) / 10),
    st.decimals(min_value=D("-1"), max_value=D("5000"), places=6),
)
prices = st.one_of(
    st.integers(1, 2000).map(D),
    st.decimals(min_value=D("-1"), max_value=D("200000"), places=3),
)
caps = st.sampled_from([D(10**12)] * 6 + [D(5000), D(500), D(50)])


@st.composite
def symbol_rules(draw: st.DrawFn) -> dict[Pair, SymbolRules]:
    out = {}
    for pair in draw(st.sets(st.sampled_from(PAIRS), min_size=2)) | {BTC, ETH}:
        price_scale = draw(st.integers(0, 3))
        out[pair] = SymbolRules(
            pair,
            price_scale=price_scale,
            qty_scale=draw(st.integers(1, 8)),
            price_step=D(draw(st.sampled_from([1, 1, 1, 5]))).scaleb(-price_scale),
            has_fraction=draw(st.sampled_from([True, True, False])),
            min_notional=D(draw(st.sampled_from([0, 0, 10, 100]))),
            max_qty=draw(st.none() | st.just(D(1000))),
            status=draw(st.sampled_from(["TRADING"] * 8 + ["HALT"])),
        )
    return out


@st.composite
def intents(draw: st.DrawFn) -> OrderIntent:
    limit = draw(st.booleans())
    by_qty = draw(st.booleans())
    return OrderIntent(
        draw(st.sampled_from(PAIRS)),
        draw(st.sampled_from(list(Side))),
        draw(prices) if limit else None,
        quantity=draw(amounts) if by_qty else None,
        notional=None if by_qty else draw(amounts),
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        reason="why",
        strategy="s",
    )


@st.composite
def live_order(draw: st.DrawFn, own_id: str) -> Order:
    limit = draw(st.booleans())
    qty = draw(st.decimals(min_value=D("0.001"), max_value=D("10"), places=3))
    return Order(
        draw(st.sampled_from([own_id, "bb-open-0", "bb-open-1", "bb-open-2"])),
        draw(st.sampled_from(PAIRS)),
        draw(st.sampled_from(list(Side))),
        qty,
        draw(prices) if limit else None,
        OrderType.LIMIT if limit else OrderType.MARKET,
        draw(st.sampled_from(list(OrderStatus))),
        NOW,
        NOW,
        filled_qty=draw(st.sampled_from([D(0), qty / 2])),
    )


@st.composite
def one_intent_cycles(draw: st.DrawFn) -> tuple[OrderIntent, DecideInputs]:
    intent = draw(intents())
    own_id = client_order_id(RUN, CYCLE, intent.pair, intent.side, 0)
    rules = draw(symbol_rules())
    marks = {p: draw(prices) for p in draw(st.sets(st.sampled_from(PAIRS), min_size=1))}
    positions = {
        p.base: Position(p.base, draw(st.just(D(1000)) | amounts), D(0))
        for p in draw(st.sets(st.sampled_from(PAIRS)))
    }
    last_order_at = {
        key: NOW + timedelta(seconds=draw(st.integers(-120, 30)))
        for key in draw(
            st.sets(st.tuples(st.sampled_from(PAIRS), st.sampled_from(list(Side))), max_size=3)
        )
    }
    risk = RiskPolicyParams(
        max_orders_per_cycle=draw(st.sampled_from([100] * 6 + [1, 0])),
        max_open_orders_per_symbol=draw(st.sampled_from([100] * 4 + [2, 1, 0])),
        cooldown_seconds=draw(st.sampled_from([0, 0, 30, 60])),
        notional_cap_try_per_cycle=draw(caps),
        max_notional_per_order_try=draw(caps),
        max_position_try_per_symbol=draw(caps),
    )
    allocation = draw(
        st.none()
        | st.builds(
            AllocationParams,
            try_cash_target=st.sampled_from([D(0), D(300)]),
            try_cash_max=st.sampled_from([D(0), D(0), D(100000)]),
            fee_buffer_bps=st.sampled_from([D(0), D(20), D("12.5")]),
        )
    )
    inputs = DecideInputs(
        now=NOW,
        run_id=RUN,
        cycle=CYCLE,
        rules=rules,
        marks=marks,
        positions=positions,
        live_orders=tuple(draw(st.lists(live_order(own_id), max_size=4))),
        last_order_at=last_order_at,
        allocation=allocation,
        risk_policy=risk,
        cash=draw(st.none() | st.sampled_from([D(0), D(250), D("1000.5"), D(10**9)]) | amounts),
        trading_capital=draw(st.none() | st.sampled_from([D(0), D(400), D(10**9)])),
        deployed_try=draw(st.sampled_from([D(0), D("123.45"), D(500)])),
        multiplier=draw(st.sampled_from([D(1), D("1.00"), D("0.5"), D("0.25"), D(0), D(2)])),
    )
    return intent, inputs


def outcome(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # the type and message are what we compare
        return ("error", type(exc).__name__, str(exc))


def general_decide(intents, inputs):  # type: ignore[no-untyped-def]
    with mock.patch.object(decide_mod, "_decide_one", lambda intent, inputs: None):
        return decide(intents, inputs)


@given(one_intent_cycles())
@settings(max_examples=600)
def test_decide_one_equals_the_general_path(cycle) -> None:  # type: ignore[no-untyped-def]
    intent, inputs = cycle
    fast = outcome(decide, (intent,), inputs)
    general = outcome(general_decide, (intent,), inputs)
    taken = outcome(decide_mod._decide_one, intent, inputs)
    event(f"fast path taken: {taken[0] == 'ok' and taken[1] is not None}")
    assert fast == general
    if fast[0] == "ok":  # same requests, same source links, same dropped reasons
        assert dict(fast[1].source) == dict(general[1].source)
        assert [r.client_order_id for r in fast[1].approved] == list(fast[1].source)


@given(one_intent_cycles())
@settings(max_examples=300)
def test_keeps_whole_means_allocate_keeps_it_unchanged(cycle) -> None:  # type: ignore[no-untyped-def]
    intent, inputs = cycle
    params = inputs.allocation or AllocationParams()
    cash = inputs.cash if inputs.cash is not None else D(1000)
    kwargs = dict(
        trading_capital=inputs.trading_capital,
        deployed_try=inputs.deployed_try,
        size_multiplier=inputs.multiplier,
        marks=inputs.marks,
    )
    whole = outcome(lambda: keeps_whole(intent, cash, params, **kwargs))
    full = outcome(lambda: allocate((intent,), cash, params, rules=inputs.rules, **kwargs))
    event(f"keeps whole: {whole}")
    if whole[0] == "error":
        assert full == whole
        return
    assert full[0] == "ok"
    if whole[1]:
        assert full[1].intents == (intent,) and full[1].intents[0] is intent
        assert full[1].dropped == () and full[1].adjusted == ()
    elif intent.side is Side.BUY:  # False only when allocate scales, drops or cannot price
        assert full[1].intents != (intent,) or full[1].dropped


@given(one_intent_cycles(), st.booleans())
@settings(max_examples=400)
def test_single_request_clears_iff_evaluate_risk_approves(cycle, cancel_some) -> None:  # type: ignore[no-untyped-def]
    intent, inputs = cycle
    if inputs.rules.get(intent.pair) is None or intent.quantity is None:
        return
    rules = inputs.rules[intent.pair]
    mark = inputs.marks.get(intent.pair)
    price, qty, problems = rules.quantize_checked(intent.side, intent.price, intent.quantity, mark)
    if problems:
        return
    from btcbot_core.orders import OrderRequest

    order_id = client_order_id(RUN, CYCLE, intent.pair, intent.side, 0)
    request = OrderRequest(order_id, intent.pair, intent.side, qty, price, intent.order_type)
    cancelling = frozenset(o.client_order_id for o in inputs.live_orders[:1] if cancel_some)
    context = RiskContext(
        now=inputs.now,
        rules=inputs.rules,
        marks=inputs.marks,
        positions=inputs.positions,
        open_orders=inputs.live_orders,
        last_order_at=inputs.last_order_at,
        cancelling=cancelling,
    )
    verdict = evaluate_risk((request,), context, inputs.risk_policy, rules_checked=True)
    clears = single_request_clears(
        order_id,
        intent.pair,
        intent.side,
        qty,
        price,
        intent.order_type,
        now=inputs.now,
        marks=inputs.marks,
        positions=inputs.positions,
        open_orders=inputs.live_orders,
        last_order_at=inputs.last_order_at,
        params=inputs.risk_policy,
        cancelling=cancelling,
    )
    event(f"clears: {clears}")
    assert clears == (verdict.approved == (request,))


def reference_screen(intents, mode, blocked_pairs, cancel_failed=frozenset()):  # type: ignore[no-untyped-def]
    kept, stopped = [], []
    for intent in intents:
        if mode is RiskMode.OBSERVE_ONLY or (
            mode is RiskMode.REDUCE_RISK_ONLY and intent.side is Side.BUY
        ):
            why = Reason(f"MODE_{mode.value}", f"{intent.side} not allowed in {mode}")
            stopped.append(IntentOutcome(intent, Fate.BLOCKED_BY_MODE, (why,)))
        elif intent.pair in blocked_pairs:
            why = Reason("PAIR_HAS_UNKNOWN_ORDER", f"{intent.pair}: resolve it first")
            stopped.append(IntentOutcome(intent, Fate.BLOCKED_BY_RECONCILE, (why,)))
        elif intent.pair in cancel_failed:
            why = Reason("CANCEL_PENDING", f"{intent.pair}: a cancel is not confirmed yet")
            stopped.append(IntentOutcome(intent, Fate.BLOCKED_BY_RECONCILE, (why,)))
        else:
            kept.append(intent)
    return Screened(tuple(kept), tuple(stopped))


@given(
    st.lists(intents(), max_size=3),
    st.sampled_from(list(RiskMode)),
    st.frozensets(st.sampled_from(PAIRS), max_size=2),
    st.frozensets(st.sampled_from(PAIRS), max_size=2),
    st.booleans(),
)
def test_screen_shortcut_equals_the_loop(wanted, mode, blocked, cancel_failed, as_list) -> None:  # type: ignore[no-untyped-def]
    given_intents = list(wanted) if as_list else tuple(wanted)
    got = screen(given_intents, mode, blocked, cancel_failed)
    assert got == reference_screen(wanted, mode, blocked, cancel_failed)
    assert got.needs_cash == any(i.side is Side.BUY for i in got.kept)


@given(
    st.lists(intents(), max_size=3),
    st.sampled_from(list(RiskMode)),
    st.lists(st.frozensets(st.sampled_from(PAIRS), max_size=2), max_size=3),
)
def test_sole_unscreened_is_screen_keeping_its_one_intent(wanted, mode, blocked) -> None:  # type: ignore[no-untyped-def]
    # any containers, taken as they are, stand for screen's one set of blocked pairs
    got = sole_unscreened(wanted, mode, *[set(b) for b in blocked])
    union = frozenset().union(*blocked)
    screened = reference_screen(wanted, mode, union)
    # the shortcut's shape: normal mode, and screen keeps the one intent it is given
    shape = mode is RiskMode.NORMAL and len(wanted) == 1 and screened.kept == tuple(wanted)
    assert got == (wanted[0] if shape else None)
    if got is not None:
        assert got is wanted[0]


@pytest.mark.parametrize("position", [0, 1, 2])
def test_sole_unscreened_reads_every_container(position: int) -> None:
    intent = OrderIntent(
        PAIRS[0], Side.BUY, None, notional=Decimal(100), order_type=OrderType.MARKET
    )
    containers: list[set[Pair]] = [set(), set(), set()]
    assert sole_unscreened((intent,), RiskMode.NORMAL, *containers) is intent
    containers[position].add(PAIRS[0])
    assert sole_unscreened((intent,), RiskMode.NORMAL, *containers) is None


@given(
    st.text(min_size=1, max_size=30),
    st.integers(0, 10**12),
    st.sampled_from(PAIRS),
    st.sampled_from(list(Side)),
    st.integers(0, 10**6),
)
def test_client_order_id_is_the_original_digest(run_id, cycle, pair, side, index) -> None:  # type: ignore[no-untyped-def]
    parts = (run_id, str(cycle), pair.symbol, side.value, str(index))
    original = "bb" + ("b" if side is Side.BUY else "s") + _digest(*parts, length=30)
    assert client_order_id(run_id, cycle, pair, side, index) == original


def test_client_order_id_known_answers() -> None:
    # Persisted ids: these literals were produced by the original implementation.
    assert client_order_id("bench", 12345, ETH, Side.BUY, 0) == KNOWN_BUY
    assert client_order_id("r-1", 0, BTC, Side.SELL, 3) == KNOWN_SELL


KNOWN_BUY = "bbbe2f40c1f0648789f06c2499ba4bde0"
KNOWN_SELL = "bbs2e905cedbe397f52b85e8bd8b94e41"
