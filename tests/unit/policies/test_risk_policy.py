"""Risk policy: quantisation of intents and every per-cycle cap, with reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.errors import ValidationError
from btcbot_core.ids import client_order_id
from btcbot_core.ledger import Position
from btcbot_core.orders import Order, OrderIntent, OrderRequest, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.risk_policy import (
    RiskCode,
    RiskContext,
    RiskPolicyParams,
    evaluate_risk,
    quantize_intents,
)
from btcbot_core.rules import SymbolRules, ViolationCode

D = Decimal
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
BTC = Pair("BTC", "TRY")
ETH = Pair("ETH", "TRY")
RULES = {
    BTC: SymbolRules(BTC, price_scale=0, qty_scale=8, min_notional=D(10)),
    ETH: SymbolRules(ETH, price_scale=2, qty_scale=4, min_notional=D(10)),
}
MARKS = {BTC: D(1_000_000), ETH: D(50_000)}
LOOSE = RiskPolicyParams(
    max_orders_per_cycle=100,
    max_open_orders_per_symbol=100,
    cooldown_seconds=0,
    notional_cap_try_per_cycle=D(10**9),
    max_notional_per_order_try=D(10**9),
    max_position_try_per_symbol=D(10**9),
)

_n = iter(range(10**6))


def req(pair: Pair, side: Side, qty: str, price: str | None = None) -> OrderRequest:
    otype = OrderType.LIMIT if price is not None else OrderType.MARKET
    return OrderRequest(
        f"bb-{next(_n)}", pair, side, D(qty), None if price is None else D(price), otype
    )


def rctx(**kw: object) -> RiskContext:
    base: dict[str, object] = dict(now=NOW, rules=RULES, marks=MARKS)
    base.update(kw)
    return RiskContext(**base)  # type: ignore[arg-type]


def codes(decision, i: int = 0) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.code for r in decision.rejected[i].reasons}


def live_order(pair: Pair, side: Side, qty: str, price: str, cid: str = "bb-open") -> Order:
    return Order(
        cid,
        pair,
        side,
        D(qty),
        D(price),
        OrderType.LIMIT,
        OrderStatus.OPEN,
        NOW - timedelta(minutes=5),
        NOW - timedelta(minutes=5),
    )


# --- quantise ------------------------------------------------------------------------------


def test_notional_buy_is_sized_at_the_rounded_price_and_rounded_down() -> None:
    intent = OrderIntent(BTC, Side.BUY, D("999999.7"), notional=D(100))
    res = quantize_intents([intent], RULES, MARKS, "run-1", 7)
    (r,) = res.requests
    assert r.price == D(999_999)  # buy price rounds down
    assert r.quantity == D("0.00010000")  # 100 / 999,999 = 0.0001000001 → down
    assert r.price * r.quantity <= 100
    assert r.client_order_id == client_order_id("run-1", 7, BTC, Side.BUY, 0)


def test_sell_price_rounds_up_and_ids_follow_the_intent_index() -> None:
    intents = [
        OrderIntent(ETH, Side.SELL, D("50000.001"), quantity=D("0.12345")),
        OrderIntent(BTC, Side.BUY, D(1_000_000), quantity=D("0.001")),
    ]
    res = quantize_intents(intents, RULES, MARKS, "run-1", 7, first_index=3)
    sell, buy = res.requests
    assert sell.price == D("50000.01") and sell.quantity == D("0.1234")
    assert sell.client_order_id == client_order_id("run-1", 7, ETH, Side.SELL, 3)
    assert buy.client_order_id == client_order_id("run-1", 7, BTC, Side.BUY, 4)


def test_quantize_is_deterministic() -> None:
    intents = [OrderIntent(BTC, Side.BUY, D(1_000_000), notional=D(50))]
    assert quantize_intents(intents, RULES, MARKS, "r", 1) == quantize_intents(
        intents, RULES, MARKS, "r", 1
    )


@pytest.mark.parametrize(
    ("intent", "code"),
    [
        (
            OrderIntent(BTC, Side.BUY, D(1_000_000), quantity=D("1e-9")),
            ViolationCode.ROUNDS_TO_ZERO,
        ),
        (OrderIntent(BTC, Side.BUY, D(1_000_000), notional=D(5)), ViolationCode.BELOW_MIN_NOTIONAL),
        (OrderIntent(BTC, Side.BUY, D("0.5"), notional=D(50)), ViolationCode.ROUNDS_TO_ZERO),
        (OrderIntent(Pair("SOL", "TRY"), Side.BUY, D(1), notional=D(50)), RiskCode.NO_RULES),
        (
            OrderIntent(
                Pair("XRP", "TRY"), Side.BUY, None, notional=D(50), order_type=OrderType.MARKET
            ),
            RiskCode.NO_RULES,
        ),
    ],
)
def test_quantize_rejections_carry_reason_codes(intent: OrderIntent, code: str) -> None:
    res = quantize_intents([intent], RULES, MARKS, "r", 1)
    assert res.requests == ()
    assert res.rejected[0].reason.code == code


def test_market_notional_without_mark_is_rejected() -> None:
    intent = OrderIntent(BTC, Side.BUY, None, notional=D(50), order_type=OrderType.MARKET)
    res = quantize_intents([intent], RULES, {}, "r", 1)
    assert res.rejected[0].reason.code == RiskCode.NO_REFERENCE_PRICE


def test_market_notional_is_sized_at_the_mark() -> None:
    intent = OrderIntent(BTC, Side.BUY, None, notional=D(50), order_type=OrderType.MARKET)
    (r,) = quantize_intents([intent], RULES, MARKS, "r", 1).requests
    assert r.quantity == D("0.00005") and r.price is None


# --- evaluate -------------------------------------------------------------------------------


def test_all_clear_approves_in_sells_first_order() -> None:
    pos = {"ETH": Position("ETH", D(1), D(50_000))}
    b = req(BTC, Side.BUY, "0.0001", "1000000")
    s = req(ETH, Side.SELL, "0.5", "50000")
    d = evaluate_risk([b, s], rctx(positions=pos), LOOSE)
    assert d.approved == (s, b) and d.rejected == ()
    assert d.buy_notional_try == D(100)


def test_unquantised_request_is_rejected_with_the_rule_code() -> None:
    r = req(BTC, Side.BUY, "0.000100001", "1000000.5")
    d = evaluate_risk([r], rctx(), LOOSE)
    assert codes(d) == {ViolationCode.BAD_QTY_SCALE, ViolationCode.BAD_PRICE_SCALE}


def test_not_trading_symbol() -> None:
    rules = {BTC: SymbolRules(BTC, price_scale=0, qty_scale=8, status="HALT")}
    d = evaluate_risk([req(BTC, Side.BUY, "0.001", "1000000")], rctx(rules=rules), LOOSE)
    assert codes(d) == {ViolationCode.NOT_TRADING}


def test_max_orders_per_cycle_gives_sells_the_slots() -> None:
    pos = {"ETH": Position("ETH", D(1), D(50_000))}
    b = req(BTC, Side.BUY, "0.0001", "1000000")
    s = req(ETH, Side.SELL, "0.5", "50000")
    params = RiskPolicyParams(
        max_orders_per_cycle=1, max_open_orders_per_symbol=5, cooldown_seconds=0
    )
    d = evaluate_risk([b, s], rctx(positions=pos), params)
    assert d.approved == (s,)
    assert d.rejected[0].request == b and codes(d) == {RiskCode.MAX_ORDERS_PER_CYCLE}


def test_max_open_orders_per_symbol_counts_open_and_approved_but_not_cancelling() -> None:
    params = RiskPolicyParams(max_open_orders_per_symbol=1, cooldown_seconds=0)
    o = live_order(BTC, Side.BUY, "0.0001", "990000")
    r1 = req(BTC, Side.BUY, "0.0001", "1000000")
    d = evaluate_risk([r1], rctx(open_orders=(o,)), params)
    assert codes(d) == {RiskCode.MAX_OPEN_ORDERS_PER_SYMBOL}
    d = evaluate_risk([r1], rctx(open_orders=(o,), cancelling=frozenset({"bb-open"})), params)
    assert d.approved == (r1,)
    r2 = req(BTC, Side.BUY, "0.0001", "1000000")
    d = evaluate_risk([r1, r2], rctx(), params)
    assert d.approved == (r1,) and codes(d) == {RiskCode.MAX_OPEN_ORDERS_PER_SYMBOL}


def test_terminal_orders_do_not_count_as_open() -> None:
    o = live_order(BTC, Side.BUY, "0.0001", "990000")
    done = o.transition(OrderStatus.CANCELED, NOW)
    d = evaluate_risk(
        [req(BTC, Side.BUY, "0.0001", "1000000")],
        rctx(open_orders=(done,)),
        RiskPolicyParams(cooldown_seconds=0),
    )
    assert d.rejected == ()


def test_cooldown_per_symbol_and_side_with_exact_boundary() -> None:
    params = RiskPolicyParams(cooldown_seconds=30)
    r = req(BTC, Side.BUY, "0.0001", "1000000")
    recent = {(BTC, Side.BUY): NOW - timedelta(seconds=29)}
    d = evaluate_risk([r], rctx(last_order_at=recent), params)
    assert codes(d) == {RiskCode.COOLDOWN}
    elapsed = {(BTC, Side.BUY): NOW - timedelta(seconds=30)}
    assert evaluate_risk([r], rctx(last_order_at=elapsed), params).approved == (r,)
    other_side = {(BTC, Side.SELL): NOW}
    assert evaluate_risk([r], rctx(last_order_at=other_side), params).approved == (r,)


def test_max_notional_per_order() -> None:
    params = RiskPolicyParams(max_notional_per_order_try=D(100), cooldown_seconds=0)
    ok = req(BTC, Side.BUY, "0.0001", "1000000")  # exactly 100
    big = req(ETH, Side.BUY, "0.0021", "50000")  # 105
    d = evaluate_risk([ok, big], rctx(), params)
    assert d.approved == (ok,) and codes(d) == {RiskCode.MAX_NOTIONAL_PER_ORDER}


def test_notional_cap_per_cycle_counts_approved_buys() -> None:
    params = RiskPolicyParams(
        notional_cap_try_per_cycle=D(150), max_open_orders_per_symbol=5, cooldown_seconds=0
    )
    a = req(BTC, Side.BUY, "0.0001", "1000000")
    b = req(ETH, Side.BUY, "0.001", "50000")  # 50 → 150 total: allowed
    c = req(ETH, Side.BUY, "0.0002", "50000")  # 10 more → 160: refused
    d = evaluate_risk([a, b, c], rctx(), params)
    assert d.approved == (a, b) and codes(d) == {RiskCode.NOTIONAL_CAP_PER_CYCLE}


def test_position_cap_includes_holdings_and_open_buys() -> None:
    params = RiskPolicyParams(
        max_position_try_per_symbol=D(1000), max_open_orders_per_symbol=5, cooldown_seconds=0
    )
    pos = {"BTC": Position("BTC", D("0.0008"), D(800))}  # 800 at mark
    o = live_order(BTC, Side.BUY, "0.0001", "1000000")  # +100
    r = req(BTC, Side.BUY, "0.0002", "1000000")  # +200 → 1100
    d = evaluate_risk([r], rctx(positions=pos, open_orders=(o,)), params)
    assert codes(d) == {RiskCode.MAX_POSITION_PER_SYMBOL}
    r_ok = req(BTC, Side.BUY, "0.0001", "1000000")  # → 1000 exactly
    assert evaluate_risk([r_ok], rctx(positions=pos, open_orders=(o,)), params).approved


def test_sells_are_not_blocked_by_notional_or_position_caps() -> None:
    params = RiskPolicyParams(
        max_position_try_per_symbol=D(10),
        max_notional_per_order_try=D(10),
        notional_cap_try_per_cycle=D(10),
        cooldown_seconds=0,
    )
    pos = {"BTC": Position("BTC", D(1), D(1_000_000))}
    s = req(BTC, Side.SELL, "1", "1000000")
    assert evaluate_risk([s], rctx(positions=pos), params).approved == (s,)


def test_sell_more_than_held_minus_open_sells_is_refused() -> None:
    pos = {"ETH": Position("ETH", D(1), D(50_000))}
    o = live_order(ETH, Side.SELL, "0.6", "51000")
    s = req(ETH, Side.SELL, "0.5", "50000")
    d = evaluate_risk([s], rctx(positions=pos, open_orders=(o,)), LOOSE)
    assert codes(d) == {RiskCode.INSUFFICIENT_POSITION}


def test_market_buy_without_a_mark_is_refused() -> None:
    r = req(BTC, Side.BUY, "0.001")
    d = evaluate_risk([r], rctx(marks={}), LOOSE)
    assert RiskCode.NO_REFERENCE_PRICE in codes(d)


def test_market_buy_is_valued_at_the_mark() -> None:
    params = RiskPolicyParams(max_notional_per_order_try=D(999), cooldown_seconds=0)
    r = req(BTC, Side.BUY, "0.001")  # 1000 TRY at the mark
    assert codes(evaluate_risk([r], rctx(), params)) == {RiskCode.MAX_NOTIONAL_PER_ORDER}


def test_duplicate_client_order_id_is_refused() -> None:
    o = live_order(BTC, Side.BUY, "0.0001", "1000000", cid="bb-dup")
    r = OrderRequest("bb-dup", BTC, Side.BUY, D("0.0001"), D(1_000_000))
    assert RiskCode.DUPLICATE_CLIENT_ID in codes(evaluate_risk([r], rctx(open_orders=(o,)), LOOSE))


def test_every_reason_is_reported_not_just_the_first() -> None:
    params = RiskPolicyParams(
        max_notional_per_order_try=D(10), notional_cap_try_per_cycle=D(10), cooldown_seconds=60
    )
    r = req(BTC, Side.BUY, "0.001", "1000000")
    d = evaluate_risk([r], rctx(last_order_at={(BTC, Side.BUY): NOW}), params)
    assert codes(d) == {
        RiskCode.COOLDOWN,
        RiskCode.MAX_NOTIONAL_PER_ORDER,
        RiskCode.NOTIONAL_CAP_PER_CYCLE,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_orders_per_cycle", -1),
        ("max_open_orders_per_symbol", 101),
        ("cooldown_seconds", -5),
        ("notional_cap_try_per_cycle", "0"),
        ("max_notional_per_order_try", "-1"),
        ("max_position_try_per_symbol", "0"),
    ],
)
def test_params_validation_names_the_setting(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field.upper()):
        RiskPolicyParams(**{field: value})


request_st = st.builds(
    lambda pair, side, units, price: req(pair, side, str(D(units) / 10_000), str(price)),
    st.sampled_from([BTC, ETH]),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 50),
    st.sampled_from([50_000, 1_000_000]),
)


@pytest.mark.property
@given(
    requests=st.lists(request_st, max_size=12),
    max_orders=st.integers(0, 6),
    cycle_cap=st.integers(1, 5000),
    position_cap=st.integers(1, 5000),
)
def test_every_request_is_approved_or_rejected_once_and_caps_hold(
    requests: list[OrderRequest], max_orders: int, cycle_cap: int, position_cap: int
) -> None:
    params = RiskPolicyParams(
        max_orders_per_cycle=max_orders,
        max_open_orders_per_symbol=3,
        cooldown_seconds=0,
        notional_cap_try_per_cycle=D(cycle_cap),
        max_notional_per_order_try=D(10**6),
        max_position_try_per_symbol=D(position_cap),
    )
    pos = {"BTC": Position("BTC", D("0.001"), D(1000)), "ETH": Position("ETH", D("0.01"), D(500))}
    d = evaluate_risk(requests, rctx(positions=pos), params)
    seen = [r.client_order_id for r in d.approved] + [x.request.client_order_id for x in d.rejected]
    assert sorted(seen) == sorted(r.client_order_id for r in requests)
    assert all(x.reasons for x in d.rejected)
    assert len(d.approved) <= max_orders
    buys = [r for r in d.approved if r.side is Side.BUY]
    assert sum((r.notional or D(0) for r in buys), D(0)) <= cycle_cap
    sides = [r.side for r in d.approved]
    assert sides == sorted(sides, key=lambda s: s is Side.BUY)  # sells first
    for pair in (BTC, ETH):
        qty = sum((r.quantity for r in d.approved if r.pair == pair and r.side is Side.SELL), D(0))
        assert qty <= pos[pair.base].quantity
        bought = sum((r.notional or D(0) for r in buys if r.pair == pair), D(0))
        if bought:
            assert pos[pair.base].quantity * MARKS[pair] + bought <= position_cap


@pytest.mark.property
@given(
    side=st.sampled_from([Side.BUY, Side.SELL]),
    price=st.decimals(min_value=D("0.001"), max_value=D(10**7), places=3),
    amount=st.decimals(min_value=D("0.0001"), max_value=D(10**5), places=4),
    by_notional=st.booleans(),
    price_scale=st.integers(0, 4),
    qty_scale=st.integers(0, 8),
    min_notional=st.sampled_from([D(0), D(10)]),
)
def test_quantised_requests_always_pass_the_rules_and_respect_rounding(
    side: Side,
    price: Decimal,
    amount: Decimal,
    by_notional: bool,
    price_scale: int,
    qty_scale: int,
    min_notional: Decimal,
) -> None:
    rules = SymbolRules(
        BTC, price_scale=price_scale, qty_scale=qty_scale, min_notional=min_notional
    )
    intent = (
        OrderIntent(BTC, side, price, notional=amount)
        if by_notional
        else OrderIntent(BTC, side, price, quantity=amount)
    )
    res = quantize_intents([intent], {BTC: rules}, {}, "r", 1)
    assert len(res.requests) + len(res.rejected) == 1
    if res.rejected:
        assert res.rejected[0].reasons
        return
    (r,) = res.requests
    assert r.price is not None
    assert rules.check(r.side, r.price, r.quantity) == ()
    assert r.price <= price if side is Side.BUY else r.price >= price
    if by_notional:
        assert r.price * r.quantity <= amount
    else:
        assert r.quantity <= amount
    again = quantize_intents(
        [OrderIntent(BTC, side, r.price, quantity=r.quantity)], {BTC: rules}, {}, "r", 1
    )
    assert again.requests == (r,)  # quantisation is idempotent
