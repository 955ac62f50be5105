"""rebalance and the strategy registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.errors import ValidationError
from btcbot_core.ledger import Position
from btcbot_core.market import Bar, MarketSnapshot, Quote
from btcbot_core.orders import Order, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules
from btcbot_core.strategies import (
    STRATEGY_NAMES,
    ProfitV1,
    ProfitV1Params,
    Rebalance,
    RebalanceParams,
    SmaCrossParams,
    SmaCrossStrategy,
    Strategy,
    StrategyCode,
    StrategyContext,
    get_strategy,
)

D = Decimal
NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
BTC = Pair("BTC", "TRY")
ETH = Pair("ETH", "TRY")
RULES = {
    BTC: SymbolRules(BTC, price_scale=0, qty_scale=8, min_notional=D(10)),
    ETH: SymbolRules(ETH, price_scale=2, qty_scale=4, min_notional=D(10)),
}
QUOTES = {
    BTC: Quote(BTC, D(1_000_000), D(1_000_000), NOW),
    ETH: Quote(ETH, D(50_000), D(50_000), NOW),
}


def ctx(
    cash: str,
    positions: dict[str, Position] | None = None,
    quotes: dict[Pair, Quote] | None = None,
    orders: tuple[Order, ...] = (),
    bars: dict[Pair, Bar] | None = None,
) -> StrategyContext:
    return StrategyContext(
        now=NOW,
        market=MarketSnapshot(NOW, quotes=QUOTES if quotes is None else quotes, bars=bars or {}),
        pairs=(BTC, ETH),
        positions=positions or {},
        cash=D(cash),
        open_orders=orders,
        rules=RULES,
    )


def test_equal_weights_from_cash_buy_at_the_ask() -> None:
    prop = Rebalance(RebalanceParams(cash_target_try=D(1000))).propose(ctx("10000"))
    assert [(i.pair, i.side, i.notional, i.price) for i in prop.intents] == [
        (BTC, Side.BUY, D(4500), D(1_000_000)),
        (ETH, Side.BUY, D(4500), D(50_000)),
    ]
    assert all(i.order_type is OrderType.LIMIT for i in prop.intents)


def test_overweight_pair_is_sold_first() -> None:
    # equity = 1000 + 0.009 × 1,000,000 = 10,000 → 5,000 each
    pos = {"BTC": Position("BTC", D("0.009"), D(9000))}
    prop = Rebalance().propose(ctx("1000", pos))
    assert [(i.pair, i.side) for i in prop.intents] == [(BTC, Side.SELL), (ETH, Side.BUY)]
    sell, buy = prop.intents
    assert sell.quantity == D("0.004") and sell.price == D(1_000_000)
    assert buy.notional == D(5000)


def test_small_delta_below_exchange_minimum_is_dropped_with_reason() -> None:
    pos = {
        "BTC": Position("BTC", D("0.004995"), D(4995)),
        "ETH": Position("ETH", D("0.1"), D(5000)),
    }
    prop = Rebalance().propose(ctx("5", pos))  # equity 10,000; BTC short by 5 TRY
    assert prop.intents == ()
    codes = {(n.pair, n.reason.code) for n in prop.notes}
    assert (BTC, StrategyCode.BELOW_MIN_NOTIONAL) in codes
    assert (ETH, StrategyCode.AT_TARGET) in codes


def test_min_delta_threshold() -> None:
    prop = Rebalance(RebalanceParams(min_delta_try=D(5000))).propose(ctx("9000"))
    assert prop.intents == ()
    assert {n.reason.code for n in prop.notes} == {StrategyCode.BELOW_MIN_DELTA}


def test_per_symbol_cap() -> None:
    prop = Rebalance(RebalanceParams(max_position_try=D(1000))).propose(ctx("10000"))
    assert [i.notional for i in prop.intents] == [D(1000), D(1000)]


def test_configured_weights_sell_unlisted_pairs_entirely() -> None:
    pos = {"ETH": Position("ETH", D("0.3"), D(15000))}
    params = RebalanceParams(weights={"BTCTRY": D("0.5")})
    prop = Rebalance(params).propose(ctx("5000", pos))
    assert [(i.pair, i.side) for i in prop.intents] == [(ETH, Side.SELL), (BTC, Side.BUY)]
    assert prop.intents[0].quantity == D("0.3")
    assert prop.intents[1].notional == D(10000)  # 0.5 × 20,000


def test_weights_must_sum_to_at_most_one() -> None:
    with pytest.raises(ValidationError, match="WEIGHTS"):
        RebalanceParams(weights={"BTCTRY": D("0.6"), "ETHTRY": D("0.5")})
    with pytest.raises(ValidationError, match="WEIGHTS"):
        RebalanceParams(weights={"BTCTRY": D("-0.1")})


def test_unpriced_holding_blocks_buys() -> None:
    pos = {"ETH": Position("ETH", D(1), D(50000))}
    prop = Rebalance().propose(ctx("10000", pos, quotes={BTC: QUOTES[BTC]}))
    assert prop.intents == ()
    assert {(n.pair, n.reason.code) for n in prop.notes} == {
        (ETH, StrategyCode.NO_MARK),
        (BTC, StrategyCode.NO_MARK),
    }


def test_pending_order_blocks_the_pair() -> None:
    o = Order(
        "bb-x",
        BTC,
        Side.BUY,
        D("0.001"),
        D(999_000),
        OrderType.LIMIT,
        OrderStatus.OPEN,
        NOW - timedelta(seconds=5),
        NOW - timedelta(seconds=5),
    )
    prop = Rebalance().propose(ctx("10000", orders=(o,)))
    assert [i.pair for i in prop.intents] == [ETH]
    assert prop.notes[0].reason.code == StrategyCode.ORDER_PENDING


def test_market_orders_flag_from_a_mapping() -> None:
    strat = get_strategy("rebalance", values={"MARKET_ORDERS": "false"})
    assert isinstance(strat, Rebalance) and strat.params.market_orders is False
    strat = get_strategy("rebalance", values={"MARKET_ORDERS": "TRUE"})
    assert isinstance(strat, Rebalance) and strat.params.market_orders is True
    with pytest.raises(ValidationError, match="MARKET_ORDERS"):
        get_strategy("rebalance", values={"MARKET_ORDERS": "maybe"})
    prop = strat.propose(ctx("10000"))
    assert all(i.order_type is OrderType.MARKET for i in prop.intents)


def test_bars_only_use_market_orders() -> None:
    bars = {
        p: Bar(p, NOW - timedelta(minutes=1), q.bid, q.bid, q.bid, q.bid) for p, q in QUOTES.items()
    }
    prop = Rebalance().propose(ctx("10000", quotes={}, bars=bars))
    assert all(i.order_type is OrderType.MARKET and i.price is None for i in prop.intents)
    assert len(prop.intents) == 2


# --- registry -------------------------------------------------------------------------------


def test_registry_knows_the_shipped_strategies() -> None:
    assert STRATEGY_NAMES == ("profit_v1", "rebalance", "sma_cross")
    assert isinstance(get_strategy("profit_v1"), ProfitV1)
    assert isinstance(get_strategy("rebalance"), Rebalance)
    assert isinstance(get_strategy("sma_cross"), SmaCrossStrategy)
    for name in STRATEGY_NAMES:
        strat = get_strategy(name)
        assert isinstance(strat, Strategy) and strat.name == name


def test_unknown_strategy_lists_known_names() -> None:
    with pytest.raises(ValidationError) as err:
        get_strategy("profit_v2")
    assert "profit_v2" in str(err.value)
    for name in STRATEGY_NAMES:
        assert name in str(err.value)


def test_registry_builds_params_from_a_mapping() -> None:
    strat = get_strategy("profit_v1", values={"TARGET_TRY": "250", "TTL_SECONDS": "60"})
    assert isinstance(strat, ProfitV1)
    assert strat.params == ProfitV1Params(target_try=D(250), ttl_seconds=60)
    with pytest.raises(ValidationError, match="TARGET_TRY"):
        get_strategy("profit_v1", values={"TARGET": "1"})
    with pytest.raises(ValidationError, match="FAST"):
        get_strategy("sma_cross", values={"FAST": "60"})


@pytest.mark.parametrize(
    "values", [{"TARGET_TRY": "abc"}, {"TTL_SECONDS": "3.5"}, {"OFFSET_BPS": "-1"}]
)
def test_bad_mapping_values_name_the_key(values: dict[str, str]) -> None:
    key = next(iter(values))
    with pytest.raises(ValidationError, match=key):
        get_strategy("profit_v1", values=values)


def test_registry_checks_the_params_type() -> None:
    strat = get_strategy("sma_cross", SmaCrossParams(fast=5, slow=10))
    assert isinstance(strat, SmaCrossStrategy) and strat.params.fast == 5
    with pytest.raises(ValidationError, match="SmaCrossParams"):
        get_strategy("sma_cross", ProfitV1Params())
    with pytest.raises(ValidationError):
        get_strategy("sma_cross", SmaCrossParams(), values={"FAST": "5"})


def test_registry_returns_fresh_instances() -> None:
    assert get_strategy("sma_cross") is not get_strategy("sma_cross")


@pytest.mark.property
@given(
    cash=st.integers(0, 50_000),
    btc_units=st.integers(0, 40_000),  # × 1e-6 BTC
    eth_units=st.integers(0, 10_000),  # × 1e-4 ETH
    cash_target=st.integers(0, 5_000),
    cap=st.sampled_from([0, 3_000, 20_000]),
    min_delta=st.sampled_from([0, 50]),
)
def test_executing_the_proposal_lands_every_pair_near_its_target(
    cash: int, btc_units: int, eth_units: int, cash_target: int, cap: int, min_delta: int
) -> None:
    held = {"BTC": D(btc_units) / 10**6, "ETH": D(eth_units) / 10**4}
    positions = {a: Position(a, q, q) for a, q in held.items() if q > 0}
    params = RebalanceParams(
        cash_target_try=D(cash_target), max_position_try=D(cap), min_delta_try=D(min_delta)
    )
    prop = Rebalance(params).propose(ctx(str(cash), positions))
    marks = {p: QUOTES[p].bid for p in (BTC, ETH)}
    equity = D(cash) + sum((held[p.base] * marks[p] for p in (BTC, ETH)), D(0))
    target = max(D(0), equity - cash_target) / 2
    if cap:
        target = min(target, D(cap))
    sides = [i.side for i in prop.intents]
    assert sides == sorted(sides, key=lambda s: s is Side.BUY)
    for intent in prop.intents:
        base = intent.pair.base
        assert intent.price == marks[intent.pair]
        if intent.side is Side.SELL:
            assert intent.quantity is not None and 0 < intent.quantity <= held[base]
            held[base] -= intent.quantity
        else:
            assert intent.notional is not None and intent.notional > 0
            held[base] += intent.notional / marks[intent.pair]
    noted = {n.pair for n in prop.notes}
    for pair in (BTC, ETH):
        gap = abs(held[pair.base] * marks[pair] - target)
        tolerance = max(RULES[pair].min_notional, D(min_delta))
        assert gap < tolerance + D("1e-9") or pair in noted
