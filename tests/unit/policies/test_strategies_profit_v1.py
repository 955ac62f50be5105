"""profit_v1: entries, take-profit exits that net a profit after fees, TTL cancels, reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.errors import ValidationError
from btcbot_core.ledger import Ledger, Position
from btcbot_core.ledger_events import DepositEvent, FillEvent
from btcbot_core.market import MarketSnapshot, Quote
from btcbot_core.money import bps
from btcbot_core.orders import Fill, Order, OrderIntent, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.risk_policy import quantize_intents
from btcbot_core.rules import SymbolRules
from btcbot_core.strategies import (
    ProfitV1,
    ProfitV1Params,
    StrategyCode,
    StrategyContext,
    take_profit_floor,
)

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
BTC = Pair("BTC", "TRY")
ETH = Pair("ETH", "TRY")
RULES = {
    BTC: SymbolRules(BTC, price_scale=0, qty_scale=8, min_notional=Decimal(10)),
    ETH: SymbolRules(ETH, price_scale=2, qty_scale=4, min_notional=Decimal(10)),
}
D = Decimal


def quote(pair: Pair, bid: str, ask: str) -> Quote:
    return Quote(pair, D(bid), D(ask), NOW)


def ctx(
    quotes: dict[Pair, Quote] | None = None,
    positions: dict[str, Position] | None = None,
    orders: tuple[Order, ...] = (),
    pairs: tuple[Pair, ...] = (BTC,),
    now: datetime = NOW,
) -> StrategyContext:
    return StrategyContext(
        now=now,
        market=MarketSnapshot(now, quotes=quotes or {}),
        pairs=pairs,
        positions=positions or {},
        cash=D(10_000),
        open_orders=orders,
        rules=RULES,
    )


def order(side: Side, created: datetime, status: OrderStatus = OrderStatus.OPEN) -> Order:
    return Order(
        client_order_id=f"bb-{side}-{created.minute}",
        pair=BTC,
        side=side,
        quantity=D("0.001"),
        price=D(2_000_000),
        order_type=OrderType.LIMIT,
        status=status,
        created_at=created,
        updated_at=created,
    )


def test_flat_with_tight_spread_buys_target_notional_below_the_bid() -> None:
    p = ProfitV1Params(target_try=D(250), offset_bps=D(10))
    prop = ProfitV1(p).propose(ctx({BTC: quote(BTC, "2000000", "2000500")}))
    assert prop.notes == () and prop.cancels == ()
    (intent,) = prop.intents
    assert intent.side is Side.BUY and intent.order_type is OrderType.LIMIT
    assert intent.notional == D(250) and intent.quantity is None
    assert intent.price == D(2_000_000) * (1 - bps(10))
    assert intent.strategy == "profit_v1"


def test_wide_spread_is_a_reasoned_no() -> None:
    prop = ProfitV1(ProfitV1Params(max_spread_bps=D(10))).propose(
        ctx({BTC: quote(BTC, "2000000", "2010000")})
    )
    assert prop.intents == ()
    assert [n.reason.code for n in prop.notes] == [StrategyCode.SPREAD_TOO_WIDE]
    assert "MAX_SPREAD_BPS" in prop.notes[0].reason.detail


def test_spread_exactly_at_the_limit_is_allowed() -> None:
    q = quote(BTC, "999", "1001")  # spread = 2/1000 = 20 bps exactly
    assert q.spread_bps == 20
    prop = ProfitV1(ProfitV1Params(max_spread_bps=D(20))).propose(ctx({BTC: q}))
    assert len(prop.intents) == 1


def test_missing_quote_and_missing_rules_are_reasoned() -> None:
    sol = Pair("SOL", "TRY")
    prop = ProfitV1().propose(ctx({sol: quote(sol, "100", "100.1")}, pairs=(BTC, sol)))
    assert [(n.pair, n.reason.code) for n in prop.notes] == [
        (BTC, StrategyCode.NO_QUOTE),
        (sol, StrategyCode.NO_RULES),
    ]


def test_young_open_order_blocks_the_pair() -> None:
    o = order(Side.BUY, NOW - timedelta(seconds=30))
    prop = ProfitV1().propose(ctx({BTC: quote(BTC, "2000000", "2000100")}, orders=(o,)))
    assert prop.intents == () and prop.cancels == ()
    assert prop.notes[0].reason.code == StrategyCode.ORDER_PENDING


def test_stale_order_is_cancelled_and_the_pair_replanned() -> None:
    o = order(Side.BUY, NOW - timedelta(seconds=121))
    prop = ProfitV1(ProfitV1Params(ttl_seconds=120)).propose(
        ctx({BTC: quote(BTC, "2000000", "2000100")}, orders=(o,))
    )
    (cancel,) = prop.cancels
    assert cancel.client_order_id == o.client_order_id
    assert cancel.reason.code == StrategyCode.ORDER_STALE
    assert [i.side for i in prop.intents] == [Side.BUY]


def test_order_exactly_at_ttl_is_not_stale() -> None:
    o = order(Side.BUY, NOW - timedelta(seconds=120))
    prop = ProfitV1(ProfitV1Params(ttl_seconds=120)).propose(
        ctx({BTC: quote(BTC, "2000000", "2000100")}, orders=(o,))
    )
    assert prop.cancels == () and prop.intents == ()


def test_unknown_order_is_never_cancelled_blindly() -> None:
    o = order(Side.BUY, NOW - timedelta(hours=1), OrderStatus.UNKNOWN)
    prop = ProfitV1().propose(ctx({BTC: quote(BTC, "2000000", "2000100")}, orders=(o,)))
    assert prop.cancels == () and prop.intents == ()
    assert prop.notes[0].reason.code == StrategyCode.ORDER_UNKNOWN


def test_terminal_orders_are_ignored() -> None:
    o = order(Side.BUY, NOW - timedelta(seconds=5), OrderStatus.FILLED)
    prop = ProfitV1().propose(ctx({BTC: quote(BTC, "2000000", "2000100")}, orders=(o,)))
    assert len(prop.intents) == 1 and prop.cancels == ()


def test_holding_sells_at_the_break_even_floor_when_the_ask_is_lower() -> None:
    pos = Position("BTC", D("0.001"), D(2000))  # average cost 2,000,000
    p = ProfitV1Params(min_profit_bps=D(20), fee_bps=D(10), offset_bps=D(5))
    prop = ProfitV1(p).propose(ctx({BTC: quote(BTC, "1990000", "1990100")}, {"BTC": pos}))
    (intent,) = prop.intents
    assert intent.side is Side.SELL and intent.quantity == D("0.001")
    expected = D(2_000_000) * D("1.002") * D("1.001") / D("0.999")
    assert intent.price is not None
    assert intent.price >= expected
    assert intent.price - expected < D("1e-20")


def test_holding_sells_above_the_ask_when_the_ask_is_higher() -> None:
    pos = Position("BTC", D("0.001"), D(2000))
    prop = ProfitV1(ProfitV1Params(offset_bps=D(5))).propose(
        ctx({BTC: quote(BTC, "2100000", "2100100")}, {"BTC": pos})
    )
    (intent,) = prop.intents
    assert intent.price == D(2_100_100) * (1 + bps(5))


def test_dust_position_is_treated_as_flat_with_a_note() -> None:
    pos = Position("BTC", D("0.000001"), D(2))  # 2 TRY worth: below min notional 10
    prop = ProfitV1().propose(ctx({BTC: quote(BTC, "2000000", "2000100")}, {"BTC": pos}))
    assert [n.reason.code for n in prop.notes] == [StrategyCode.DUST_POSITION]
    assert [i.side for i in prop.intents] == [Side.BUY]


def test_sells_come_before_buys_across_pairs() -> None:
    pos = Position("ETH", D(1), D(100_000))
    prop = ProfitV1().propose(
        ctx(
            {BTC: quote(BTC, "2000000", "2000100"), ETH: quote(ETH, "110000", "110010")},
            {"ETH": pos},
            pairs=(BTC, ETH),
        )
    )
    assert [(i.pair, i.side) for i in prop.intents] == [(ETH, Side.SELL), (BTC, Side.BUY)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target_try", "0"),
        ("offset_bps", "-1"),
        ("max_spread_bps", "10001"),
        ("min_profit_bps", "0"),
        ("fee_bps", "10000"),
        ("ttl_seconds", 0),
    ],
)
def test_params_are_validated_with_name_value_and_range(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as err:
        ProfitV1Params(**{field: value})
    text = str(err.value)
    assert field.upper() in text and "allowed" in text


def test_float_params_are_refused() -> None:
    with pytest.raises(TypeError):
        ProfitV1Params(target_try=100.0)


# --- the round trip is profitable after fees and exact rounding ---------------------------


def _round_trip(
    bid: Decimal, fee_bps: Decimal, min_profit_bps: Decimal, target: Decimal, rules: SymbolRules
) -> Ledger | None:
    """Buy via profit_v1 + quantisation, fill it, then take profit at the floor; return the
    ledger after both fills (or None if the entry could not be placed)."""
    pair = rules.pair
    params = ProfitV1Params(
        target_try=target, fee_bps=fee_bps, min_profit_bps=min_profit_bps, offset_bps=D(0)
    )
    strat = ProfitV1(params)
    base_ctx = dict(now=NOW, pairs=(pair,), cash=D(10**9), rules={pair: rules}, open_orders=())
    q = Quote(pair, bid, bid, NOW)
    entry = strat.propose(
        StrategyContext(market=MarketSnapshot(NOW, {pair: q}), **base_ctx)  # type: ignore[arg-type]
    )
    res = quantize_intents(entry.intents, {pair: rules}, {pair: bid}, "run", 1)
    if not res.requests:
        return None
    (buy,) = res.requests
    assert buy.price is not None
    fee_rate = fee_bps / 10_000
    ledger = Ledger()
    ledger.apply(DepositEvent("dep", NOW, "TRY", D(10**9)))
    ledger.apply(
        FillEvent(
            Fill(
                "f1",
                "o1",
                buy.client_order_id,
                pair,
                Side.BUY,
                buy.price,
                buy.quantity,
                buy.price * buy.quantity * fee_rate,
                "TRY",
                NOW,
            )
        )
    )
    # The market falls to half: the exit is at the floor, not the ask.
    low = Quote(pair, bid / 2, bid / 2, NOW)
    exit_ = strat.propose(
        StrategyContext(
            market=MarketSnapshot(NOW, {pair: low}),
            positions=ledger.positions(),
            **base_ctx,  # type: ignore[arg-type]
        )
    )
    (sell_intent,) = exit_.intents
    assert sell_intent.side is Side.SELL
    res = quantize_intents(exit_.intents, {pair: rules}, {pair: bid}, "run", 2)
    (sell,) = res.requests
    assert sell.price is not None
    ledger.apply(
        FillEvent(
            Fill(
                "f2",
                "o2",
                sell.client_order_id,
                pair,
                Side.SELL,
                sell.price,
                sell.quantity,
                sell.price * sell.quantity * fee_rate,
                "TRY",
                NOW,
            )
        )
    )
    return ledger


def test_take_profit_nets_a_profit_after_both_fees_worked_example() -> None:
    ledger = _round_trip(D(2_000_000), D(10), D(20), D(100), RULES[BTC])
    assert ledger is not None
    assert ledger.balance("BTC") == 0
    # Bought 0.00005 BTC at 2,000,000 (100 TRY + 0.1 TRY fee). Floor = 2,000,000 × 1.002 ×
    # 1.001 / 0.999 = 2,008,012.01…, rounded up to the 1 TRY price step: 2,008,013.
    # Sold for 100.40065 TRY − 0.10040065 TRY fee. Net: 0.20024935 TRY.
    assert ledger.realized_pnl == D("0.20024935")


@pytest.mark.property
@given(
    bid=st.decimals(min_value=D("0.01"), max_value=D(5_000_000), places=2),
    fee_bps=st.decimals(min_value=D(0), max_value=D(100), places=1),
    min_profit_bps=st.decimals(min_value=D("0.1"), max_value=D(500), places=1),
    target=st.decimals(min_value=D(10), max_value=D(100_000), places=2),
    price_scale=st.integers(0, 4),
    qty_scale=st.integers(0, 8),
)
def test_take_profit_is_always_profitable_after_fees_and_rounding(
    bid: Decimal,
    fee_bps: Decimal,
    min_profit_bps: Decimal,
    target: Decimal,
    price_scale: int,
    qty_scale: int,
) -> None:
    rules = SymbolRules(BTC, price_scale=price_scale, qty_scale=qty_scale)
    ledger = _round_trip(bid, fee_bps, min_profit_bps, target, rules)
    if ledger is None:
        return  # the entry rounded to nothing: no trade, nothing to prove
    assert ledger.realized_pnl > 0


def test_take_profit_floor_is_rounded_up() -> None:
    pos = Position("BTC", D(3), D(1))  # average cost 1/3
    floor = take_profit_floor(pos, ProfitV1Params(min_profit_bps=D(1), fee_bps=D(0)))
    assert floor * 3 >= D("1.0001")


def test_intent_is_a_plain_limit_intent() -> None:
    prop = ProfitV1().propose(ctx({BTC: quote(BTC, "2000000", "2000100")}))
    assert isinstance(prop.intents[0], OrderIntent)
