"""Cash allocation: the investable budget and fitting buys into it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.allocation import (
    AllocationCode,
    AllocationParams,
    allocate,
    investable_try,
)
from btcbot_core.errors import ValidationError
from btcbot_core.orders import OrderIntent, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules

D = Decimal
BTC = Pair("BTC", "TRY")
ETH = Pair("ETH", "TRY")
RULES = {
    BTC: SymbolRules(BTC, price_scale=0, qty_scale=8, min_notional=D(10)),
    ETH: SymbolRules(ETH, price_scale=2, qty_scale=4, min_notional=D(10)),
}
MARKS = {BTC: D(1_000_000), ETH: D(50_000)}
NO_BUFFER = AllocationParams(try_cash_target=D(0), fee_buffer_bps=D(0))


def buy(pair: Pair, notional: str) -> OrderIntent:
    return OrderIntent(pair, Side.BUY, MARKS[pair], notional=D(notional))


def test_worked_example_deploys_299_40() -> None:
    params = AllocationParams(try_cash_target=D(300), try_cash_max=D(600), fee_buffer_bps=D(20))
    assert investable_try(D(1000), params) == D("299.40")


@pytest.mark.parametrize(
    ("cash", "target", "cash_max", "buffer", "expected"),
    [
        ("1000", "300", "0", "0", "700.00"),  # no cap when TRY_CASH_MAX is 0
        ("1000", "300", "0", "20", "698.60"),  # 700 / 1.002 = 698.6027…
        ("300", "300", "0", "0", "0.00"),  # at the target
        ("100", "300", "600", "20", "0.00"),  # below the target: never negative
        ("1000", "300", "300", "0", "0.00"),  # max == target: nothing to deploy
        ("0.019", "0", "0", "0", "0.01"),  # rounded down to a kuruş
    ],
)
def test_investable(cash: str, target: str, cash_max: str, buffer: str, expected: str) -> None:
    params = AllocationParams(
        try_cash_target=D(target), try_cash_max=D(cash_max), fee_buffer_bps=D(buffer)
    )
    assert investable_try(D(cash), params) == D(expected)


def test_params_validation() -> None:
    with pytest.raises(ValidationError, match="TRY_CASH_MAX"):
        AllocationParams(try_cash_target=D(300), try_cash_max=D(200))
    with pytest.raises(ValidationError, match="TRY_CASH_TARGET"):
        AllocationParams(try_cash_target=D(-1))
    with pytest.raises(ValidationError, match="ALLOCATION_FEE_BUFFER_BPS"):
        AllocationParams(fee_buffer_bps=D(1001))


def test_buys_that_fit_are_kept_unchanged_and_sells_are_untouched() -> None:
    sell = OrderIntent(ETH, Side.SELL, D(50_000), quantity=D(3))
    intents = [buy(BTC, "100"), sell, buy(ETH, "200")]
    d = allocate(intents, D(1000), NO_BUFFER)
    assert d.intents == (sell, intents[0], intents[2])
    assert d.dropped == () and d.adjusted == ()
    assert d.budget_try == D(1000) and d.used_try == D(300)


def test_a_buy_that_does_not_fit_is_scaled_down_then_the_rest_dropped() -> None:
    intents = [buy(BTC, "600"), buy(ETH, "600"), buy(BTC, "50")]
    d = allocate(intents, D(1000), NO_BUFFER)
    assert [i.notional for i in d.intents] == [D(600), D(400)]
    assert d.adjusted[0][1].code == AllocationCode.SCALED_DOWN
    assert [x.reason.code for x in d.dropped] == [AllocationCode.BUDGET_EXHAUSTED]
    assert d.used_try == D(1000)


def test_rest_below_exchange_minimum_is_dropped() -> None:
    d = allocate([buy(BTC, "995"), buy(ETH, "100")], D(1000), NO_BUFFER, rules=RULES)
    assert [x.reason.code for x in d.dropped] == [AllocationCode.BELOW_MIN_NOTIONAL]


def test_cash_at_the_target_drops_every_buy_with_the_cash_reason() -> None:
    params = AllocationParams(try_cash_target=D(300))
    sell = OrderIntent(BTC, Side.SELL, D(1_000_000), quantity=D(1))
    d = allocate([buy(BTC, "100"), sell], D(300), params)
    assert d.intents == (sell,)
    assert d.dropped[0].reason.code == AllocationCode.CASH_TARGET
    assert d.budget_reason is not None and d.budget_reason.code == AllocationCode.CASH_TARGET


@pytest.mark.parametrize(
    ("mult", "budget"), [("1", "1000.00"), ("0.5", "500.00"), ("0.25", "250.00"), ("0", "0.00")]
)
def test_size_multiplier_scales_the_budget(mult: str, budget: str) -> None:
    d = allocate([buy(BTC, "2000")], D(1000), NO_BUFFER, size_multiplier=D(mult))
    assert d.budget_try == D(budget)
    if mult == "0":
        assert d.dropped[0].reason.code == AllocationCode.SIZE_MULTIPLIER_ZERO


def test_size_multiplier_out_of_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="size_multiplier"):
        allocate([], D(1000), NO_BUFFER, size_multiplier=D("1.5"))


def test_trading_capital_bounds_the_budget() -> None:
    d = allocate([buy(BTC, "900")], D(1000), NO_BUFFER, trading_capital=D(700), deployed_try=D(400))
    assert d.budget_try == D(300)
    assert d.intents[0].notional == D(300)
    d = allocate([buy(BTC, "900")], D(1000), NO_BUFFER, trading_capital=D(700), deployed_try=D(800))
    assert d.budget_try == 0 and d.dropped[0].reason.code == AllocationCode.TRADING_CAPITAL


def test_quantity_buys_are_scaled_to_a_whole_step() -> None:
    intent = OrderIntent(ETH, Side.BUY, D(50_000), quantity=D("0.05"))  # 2,500 TRY
    d = allocate([intent], D(1000), NO_BUFFER, rules=RULES)
    assert d.intents[0].quantity == D("0.0200")  # 1000 / 50,000
    intent = OrderIntent(ETH, Side.BUY, D(30_000), quantity=D("0.05"))
    d = allocate([intent], D(1000), NO_BUFFER, rules=RULES)
    assert d.intents[0].quantity == D("0.0333")
    assert d.used_try == D("999.0000")


def test_market_quantity_buy_uses_the_mark_or_is_dropped() -> None:
    intent = OrderIntent(BTC, Side.BUY, None, quantity=D("0.01"), order_type=OrderType.MARKET)
    d = allocate([intent], D(1000), NO_BUFFER, marks=MARKS, rules=RULES)
    assert d.intents[0].quantity == D("0.00100000")
    d = allocate([intent], D(1000), NO_BUFFER)
    assert d.dropped[0].reason.code == AllocationCode.NO_REFERENCE_PRICE


buy_st = st.builds(
    lambda pair, amount, by_qty: (
        OrderIntent(pair, Side.BUY, MARKS[pair], quantity=D(amount) / MARKS[pair])
        if by_qty
        else OrderIntent(pair, Side.BUY, MARKS[pair], notional=D(amount))
    ),
    st.sampled_from([BTC, ETH]),
    st.integers(1, 3000),
    st.booleans(),
)


@pytest.mark.property
@given(
    intents=st.lists(buy_st, max_size=8),
    cash=st.decimals(min_value=D(0), max_value=D(20_000), places=2),
    target=st.decimals(min_value=D(0), max_value=D(5_000), places=2),
    buffer=st.integers(0, 100),
    mult=st.sampled_from(["1", "0.5", "0.25", "0"]),
    use_rules=st.booleans(),
)
def test_buys_never_take_cash_below_the_target(
    intents: list[OrderIntent],
    cash: Decimal,
    target: Decimal,
    buffer: int,
    mult: str,
    use_rules: bool,
) -> None:
    params = AllocationParams(try_cash_target=target, fee_buffer_bps=D(buffer))
    d = allocate(intents, cash, params, size_multiplier=D(mult), rules=RULES if use_rules else None)
    spent = D(0)
    for i in d.intents:
        assert i.side is Side.BUY and i.price is not None
        spent += i.notional if i.notional is not None else i.quantity * i.price  # type: ignore[operator]
    assert spent == d.used_try <= d.budget_try
    # fees at the buffer rate included, cash stays at or above the target
    assert spent * (1 + D(buffer) / 10_000) <= max(D(0), cash - target)
    assert len(d.intents) + len(d.dropped) == len(intents)
    assert all(x.reasons for x in d.dropped)
