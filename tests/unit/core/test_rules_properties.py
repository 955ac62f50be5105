"""Quantisation invariants (issue 2): idempotent, never over budget, and a request that
passes ``SymbolRules.check`` is accepted by an exchange enforcing the same rules."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from btcbot_adapters.simulated import MatchMode, SimulatedExchange
from btcbot_core import OrderRequest, OrderType, Pair, Side, SymbolRules, quantize_up

pytestmark = pytest.mark.property

BTCTRY = Pair("BTC", "TRY")


@st.composite
def rules(draw: st.DrawFn) -> SymbolRules:
    price_scale = draw(st.integers(0, 4))
    qty_scale = draw(st.integers(0, 8))
    step_units = draw(st.sampled_from([1, 1, 5, 10, 25]))
    return SymbolRules(
        BTCTRY,
        price_scale=price_scale,
        qty_scale=qty_scale,
        price_step=D(step_units).scaleb(-price_scale),
        min_notional=D(draw(st.integers(0, 500))),
        has_fraction=draw(st.booleans()),
    )


decimals = st.decimals(min_value=D("0.0001"), max_value=D("10000000"), places=8)
sides = st.sampled_from(list(Side))


@given(rules(), decimals, decimals, sides)
def test_quantising_twice_equals_quantising_once(
    r: SymbolRules, price: D, qty: D, side: Side
) -> None:
    once = r.round_price(price, side)
    assert r.round_price(once, side) == once
    assert r.round_qty(r.round_qty(qty)) == r.round_qty(qty)
    # and the direction is the safe one
    assert once <= price if side is Side.BUY else once >= price
    assert r.round_qty(qty) <= qty


@given(rules(), decimals, decimals)
def test_a_rounded_buy_never_costs_more_than_its_budget(
    r: SymbolRules, budget: D, price: D
) -> None:
    limit = r.round_price(price, Side.BUY)
    assume(limit > 0)
    qty = r.qty_for_notional(budget, limit)
    assert qty * limit <= budget
    # and it is the largest such quantity on the grid
    assert (qty + r.qty_step) * limit > budget


@given(rules(), decimals, decimals, sides)
def test_a_request_that_passes_the_check_is_accepted_by_the_rules(
    r: SymbolRules, price: D, qty: D, side: Side
) -> None:
    qprice = r.round_price(price, side)
    assume(qprice > 0)
    floor = quantize_up(r.min_notional / qprice, r.qty_step) if r.min_notional else r.qty_step
    qqty = max(r.round_qty(qty), floor, r.qty_step)
    assert r.check(side, qprice, qqty) == ()
    # everything the exchange enforces holds independently of check()'s own arithmetic
    step = r.effective_price_step
    assert (qprice / step) == (qprice / step).to_integral_value()
    assert (qqty / r.qty_step) == (qqty / r.qty_step).to_integral_value()
    assert qprice * qqty >= r.min_notional
    assert r.quantize(side, qprice, qqty) == (qprice, qqty, ())
    # and an exchange that enforces these rules accepts it
    cash = qprice * qqty * 2 + 1
    exchange = SimulatedExchange([r], {"TRY": cash, "BTC": qqty}, mode=MatchMode.BARS)
    ack = exchange.submit(OrderRequest("c1", BTCTRY, side, qqty, qprice, OrderType.LIMIT))
    assert ack.client_order_id == "c1"
