"""The risk policy's fast paths agree with the code they replaced.

``_reference_*`` below are ``quantize_intents`` and ``evaluate_risk`` as they were before
their fast paths (rules checked twice, books kept for the last request, every dictionary
consulted); random cycles must give equal results, and ``rules_checked=True`` (what
``decide`` passes) must not change the verdict on requests ``quantize_intents`` made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from btcbot_core.decisions import Reason
from btcbot_core.ids import client_order_id
from btcbot_core.ledger import Position
from btcbot_core.money import ZERO
from btcbot_core.orders import Order, OrderIntent, OrderRequest, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.risk_policy import (
    QuantizeResult,
    RejectedIntent,
    RejectedRequest,
    RiskCode,
    RiskContext,
    RiskPolicyDecision,
    RiskPolicyParams,
    _violations,
    evaluate_risk,
    quantize_intents,
)
from btcbot_core.rules import SymbolRules, ViolationCode

pytestmark = pytest.mark.property

D = Decimal
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
BTC, ETH, XRP = Pair("BTC", "TRY"), Pair("ETH", "TRY"), Pair("XRP", "TRY")
PAIRS = (BTC, ETH, XRP)


def _reference_quantize_intents(
    intents: Sequence[OrderIntent],
    rules: Mapping[Pair, SymbolRules],
    marks: Mapping[Pair, Decimal],
    run_id: str,
    cycle: int,
    first_index: int = 0,
) -> QuantizeResult:
    """Quantise intents into requests; intent ``k`` gets id index ``first_index + k``."""
    requests: list[OrderRequest] = []
    sources: list[OrderIntent] = []
    rejected: list[RejectedIntent] = []
    for k, intent in enumerate(intents):
        pair_rules = rules.get(intent.pair)
        if pair_rules is None:
            reason = Reason(RiskCode.NO_RULES, f"no symbol rules for {intent.pair}")
            rejected.append(RejectedIntent(intent, (reason,)))
            continue
        mark = marks.get(intent.pair)
        price = None
        if intent.price is not None:
            price = pair_rules.round_price(intent.price, intent.side)
        sizing_price = mark if intent.price is None else price
        if intent.quantity is not None:
            raw_qty = intent.quantity
        elif price is not None and price <= 0:
            reason = Reason(
                ViolationCode.ROUNDS_TO_ZERO.value,
                f"price {intent.price} rounds to 0 at step {pair_rules.effective_price_step}",
            )
            rejected.append(RejectedIntent(intent, (reason,)))
            continue
        elif sizing_price is None or sizing_price <= 0:
            reason = Reason(
                RiskCode.NO_REFERENCE_PRICE,
                f"cannot size a {intent.notional} TRY {intent.side} of {intent.pair}: no price",
            )
            rejected.append(RejectedIntent(intent, (reason,)))
            continue
        else:
            assert intent.notional is not None
            raw_qty = intent.notional / sizing_price
        qprice, qty, problems = pair_rules.quantize(intent.side, intent.price, raw_qty)
        reasons = _violations(problems)
        if not reasons:
            reasons = _violations(pair_rules.check(intent.side, qprice, qty, mark))
        if reasons:
            rejected.append(RejectedIntent(intent, tuple(reasons)))
            continue
        requests.append(
            OrderRequest(
                client_order_id(run_id, cycle, intent.pair, intent.side, first_index + k),
                intent.pair,
                intent.side,
                qty,
                qprice,
                intent.order_type,
            )
        )
        sources.append(intent)
    return QuantizeResult(tuple(requests), tuple(rejected), tuple(sources))


def _reference_evaluate_risk(
    requests: Sequence[OrderRequest], context: RiskContext, params: RiskPolicyParams
) -> RiskPolicyDecision:
    """Approve or reject each request (see the module docstring for the rules)."""
    ordered = [r for r in requests if r.side is Side.SELL] + [
        r for r in requests if r.side is Side.BUY
    ]
    live = [
        o
        for o in context.open_orders
        if o.status.is_live and o.client_order_id not in context.cancelling
    ]
    open_count: dict[Pair, int] = {}
    open_buy_try: dict[Pair, Decimal] = {}
    open_sell_qty: dict[Pair, Decimal] = {}
    for order in live:
        open_count[order.pair] = open_count.get(order.pair, 0) + 1
        if order.side is Side.BUY:
            px = order.price if order.price is not None else context.marks.get(order.pair, ZERO)
            open_buy_try[order.pair] = open_buy_try.get(order.pair, ZERO) + (
                order.remaining_qty * px
            )
        else:
            open_sell_qty[order.pair] = open_sell_qty.get(order.pair, ZERO) + order.remaining_qty
    seen_ids = {o.client_order_id for o in live}
    cooldown = timedelta(seconds=params.cooldown_seconds)
    approved: list[OrderRequest] = []
    rejected: list[RejectedRequest] = []
    cycle_buy = ZERO
    for request in ordered:
        pair, side = request.pair, request.side
        reasons: list[Reason] = []
        rules = context.rules.get(pair)
        mark = context.marks.get(pair)
        if rules is None:
            reasons.append(Reason(RiskCode.NO_RULES, f"no symbol rules for {pair}"))
        else:
            reasons.extend(_violations(rules.check(side, request.price, request.quantity, mark)))
        if request.client_order_id in seen_ids:
            reasons.append(
                Reason(RiskCode.DUPLICATE_CLIENT_ID, f"{request.client_order_id} already used")
            )
        price = request.price if request.order_type is OrderType.LIMIT else mark
        notional = None if price is None else price * request.quantity
        if notional is None and side is Side.BUY:
            reasons.append(
                Reason(RiskCode.NO_REFERENCE_PRICE, f"market {side} of {pair} without a mark")
            )
        if len(approved) >= params.max_orders_per_cycle:
            reasons.append(
                Reason(
                    RiskCode.MAX_ORDERS_PER_CYCLE,
                    f"{len(approved)} approved; MAX_ORDERS_PER_CYCLE={params.max_orders_per_cycle}",
                )
            )
        n_open = open_count.get(pair, 0)
        if n_open >= params.max_open_orders_per_symbol:
            reasons.append(
                Reason(
                    RiskCode.MAX_OPEN_ORDERS_PER_SYMBOL,
                    f"{n_open} open on {pair}; MAX_OPEN_ORDERS_PER_SYMBOL="
                    f"{params.max_open_orders_per_symbol}",
                )
            )
        last = context.last_order_at.get((pair, side))
        if last is not None and context.now - last < cooldown:
            wait = (last + cooldown - context.now).total_seconds()
            reasons.append(
                Reason(
                    RiskCode.COOLDOWN,
                    f"{pair} {side}: last order at {last.isoformat()}, {wait:.0f}s of "
                    f"COOLDOWN_SECONDS={params.cooldown_seconds} left",
                )
            )
        if side is Side.SELL:
            pos = context.positions.get(pair.base)
            free = (ZERO if pos is None else pos.quantity) - open_sell_qty.get(pair, ZERO)
            if request.quantity > free:
                reasons.append(
                    Reason(
                        RiskCode.INSUFFICIENT_POSITION,
                        f"sell {request.quantity} {pair.base} > free {free} "
                        "(held minus open sells)",
                    )
                )
        elif notional is not None:
            reasons.extend(
                _reference_buy_caps(
                    pair, notional, mark or price, cycle_buy, open_buy_try, context, params
                )
            )
        if reasons:
            rejected.append(RejectedRequest(request, tuple(reasons)))
            continue
        approved.append(request)
        seen_ids.add(request.client_order_id)
        open_count[pair] = n_open + 1
        if side is Side.BUY:
            assert notional is not None
            cycle_buy += notional
            open_buy_try[pair] = open_buy_try.get(pair, ZERO) + notional
        else:
            open_sell_qty[pair] = open_sell_qty.get(pair, ZERO) + request.quantity
    return RiskPolicyDecision(tuple(approved), tuple(rejected), cycle_buy)


def _reference_buy_caps(
    pair: Pair,
    notional: Decimal,
    mark: Decimal | None,
    cycle_buy: Decimal,
    open_buy_try: Mapping[Pair, Decimal],
    context: RiskContext,
    params: RiskPolicyParams,
) -> list[Reason]:
    out: list[Reason] = []
    if notional > params.max_notional_per_order_try:
        out.append(
            Reason(
                RiskCode.MAX_NOTIONAL_PER_ORDER,
                f"{notional} TRY > MAX_NOTIONAL_PER_ORDER_TRY={params.max_notional_per_order_try}",
            )
        )
    if cycle_buy + notional > params.notional_cap_try_per_cycle:
        out.append(
            Reason(
                RiskCode.NOTIONAL_CAP_PER_CYCLE,
                f"{cycle_buy} + {notional} TRY > NOTIONAL_CAP_TRY_PER_CYCLE="
                f"{params.notional_cap_try_per_cycle}",
            )
        )
    pos = context.positions.get(pair.base)
    held = ZERO if pos is None else pos.quantity
    held_try = held * mark if mark is not None else ZERO
    exposure = held_try + open_buy_try.get(pair, ZERO) + notional
    if exposure > params.max_position_try_per_symbol:
        out.append(
            Reason(
                RiskCode.MAX_POSITION_PER_SYMBOL,
                f"{pair} exposure {exposure} TRY > MAX_POSITION_TRY_PER_SYMBOL="
                f"{params.max_position_try_per_symbol}",
            )
        )
    return out


# Mostly sensible values (so that requests pass and caps bind), sometimes odd ones.
amounts = st.one_of(
    st.integers(1, 200).map(lambda n: D(n) / 10),
    st.decimals(min_value=D("-1"), max_value=D("5000"), places=6),
)
prices = st.one_of(
    st.integers(1, 2000).map(D),
    st.decimals(min_value=D("-1"), max_value=D("200000"), places=3),
)


@st.composite
def symbol_rules(draw: st.DrawFn) -> dict[Pair, SymbolRules]:
    out = {}
    for pair in draw(st.sets(st.sampled_from(PAIRS), min_size=2)) | {BTC, ETH}:
        price_scale = draw(st.integers(0, 3))
        out[pair] = SymbolRules(
            pair,
            price_scale=price_scale,
            qty_scale=draw(st.integers(1, 6)),
            price_step=D(draw(st.sampled_from([1, 1, 1, 5]))).scaleb(-price_scale),
            has_fraction=draw(st.sampled_from([True, True, False])),
            min_notional=D(draw(st.sampled_from([0, 0, 10, 100]))),
            max_qty=draw(st.none() | st.just(D(1000))),
            status=draw(st.sampled_from(["TRADING"] * 5 + ["HALT"])),
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
    )


@st.composite
def open_orders(draw: st.DrawFn) -> Order:
    limit = draw(st.booleans())
    qty = draw(st.decimals(min_value=D("0.001"), max_value=D("10"), places=3))
    return Order(
        f"bb-open-{draw(st.integers(0, 3))}",
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
def cycles(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    rules = draw(symbol_rules())
    marks = {p: draw(prices) for p in draw(st.sets(st.sampled_from(PAIRS), min_size=2))}
    orders = draw(st.lists(open_orders(), max_size=4))
    ids = [o.client_order_id for o in orders]
    context = RiskContext(
        now=NOW,
        rules=rules,
        marks=marks,
        positions={
            p.base: Position(p.base, draw(st.just(D(1000)) | amounts), D(0))
            for p in draw(st.sets(st.sampled_from(PAIRS), min_size=2))
        },
        open_orders=orders,
        last_order_at={
            key: NOW + timedelta(seconds=draw(st.integers(-120, 30)))
            for key in draw(
                st.sets(st.tuples(st.sampled_from(PAIRS), st.sampled_from(list(Side))), max_size=2)
            )
        },
        cancelling=frozenset(draw(st.sets(st.sampled_from(ids)))) if ids else frozenset(),
    )
    params = RiskPolicyParams(
        max_orders_per_cycle=draw(st.sampled_from([100] * 4 + [3, 2, 1, 0])),
        max_open_orders_per_symbol=draw(st.sampled_from([100] * 4 + [2, 1, 0])),
        cooldown_seconds=draw(st.sampled_from([0, 0, 30, 60])),
        notional_cap_try_per_cycle=draw(st.sampled_from([D(10**9)] * 3 + [D(5000), D(100)])),
        max_notional_per_order_try=draw(st.sampled_from([D(10**9)] * 3 + [D(2000), D(50)])),
        max_position_try_per_symbol=draw(st.sampled_from([D(10**9)] * 3 + [D(10**6), D(500)])),
    )
    return draw(st.lists(intents(), max_size=6)), context, params


@given(cycles(), st.integers(0, 3))
@settings(max_examples=300)
def test_quantise_and_evaluate_agree_with_the_reference(cycle, first_index: int) -> None:  # type: ignore[no-untyped-def]
    wanted, context, params = cycle
    args = (wanted, context.rules, context.marks, "run", 7, first_index)
    quantized = quantize_intents(*args)
    assert quantized == _reference_quantize_intents(*args)
    expected = _reference_evaluate_risk(quantized.requests, context, params)
    event(f"requests {len(quantized.requests)}, approved {len(expected.approved)}")
    assert evaluate_risk(quantized.requests, context, params) == expected
    assert evaluate_risk(quantized.requests, context, params, rules_checked=True) == expected


@st.composite
def requests(draw: st.DrawFn) -> OrderRequest:
    limit = draw(st.booleans())
    return OrderRequest(
        draw(st.sampled_from(["bb-open-0", *(f"bb-req-{n}" for n in range(8))])),
        draw(st.sampled_from(PAIRS)),
        draw(st.sampled_from(list(Side))),
        D(draw(st.integers(1, 200))) / 10,
        D(draw(st.integers(-1, 5000))) if limit else None,
        OrderType.LIMIT if limit else OrderType.MARKET,
    )


@given(cycles(), st.lists(requests(), max_size=6))
@settings(max_examples=300)
def test_evaluate_agrees_with_the_reference_on_any_requests(cycle, reqs) -> None:  # type: ignore[no-untyped-def]
    _, context, params = cycle
    expected = _reference_evaluate_risk(reqs, context, params)
    event(f"approved {len(expected.approved)}")
    assert evaluate_risk(reqs, context, params) == expected
