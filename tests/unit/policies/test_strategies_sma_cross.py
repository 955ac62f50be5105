"""sma_cross: the incremental indicator against a naive recomputation, and the strategy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.errors import ValidationError
from btcbot_core.indicators import CROSS_DOWN, CROSS_UP, NO_CROSS, SmaCross
from btcbot_core.ledger import Position
from btcbot_core.market import Bar, MarketSnapshot
from btcbot_core.orders import OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.strategies import (
    EMPTY_PROPOSAL,
    SmaCrossParams,
    SmaCrossStrategy,
    StrategyCode,
    StrategyContext,
    entry_quantity,
)

D = Decimal
T0 = datetime(2026, 1, 1, tzinfo=UTC)
BTC = Pair("BTC", "TRY")
ETH = Pair("ETH", "TRY")


def naive_signals(closes: list[Decimal], fast: int = 20, slow: int = 50) -> list[int]:
    """The benchmark definition, recomputed from scratch at every bar with exact fractions."""
    out = []
    values = [Fraction(c) for c in closes]

    def sma(n: int, i: int) -> Fraction:
        return sum(values[i - n + 1 : i + 1], Fraction(0)) / n

    for i in range(len(values)):
        if i < slow:
            out.append(NO_CROSS)
            continue
        f, s = sma(fast, i), sma(slow, i)
        fp, sp = sma(fast, i - 1), sma(slow, i - 1)
        if f > s and fp <= sp:
            out.append(CROSS_UP)
        elif f < s and fp >= sp:
            out.append(CROSS_DOWN)
        else:
            out.append(NO_CROSS)
    return out


def incremental(closes: list[Decimal], fast: int = 20, slow: int = 50) -> list[int]:
    ind = SmaCross(fast, slow)
    return [ind.update(c) for c in closes]


closes_strategy = st.lists(
    st.decimals(min_value=D("0.0001"), max_value=D(1000), places=4), min_size=0, max_size=160
)


@pytest.mark.property
@given(closes=closes_strategy)
def test_incremental_signals_equal_naive_recomputation(closes: list[Decimal]) -> None:
    assert incremental(closes) == naive_signals(closes)


@pytest.mark.property
@given(
    closes=st.lists(st.sampled_from([D(1), D(2), D(3)]), min_size=0, max_size=60),
    fast=st.integers(1, 5),
    extra=st.integers(1, 6),
)
def test_small_windows_with_many_ties_match_naive(
    closes: list[Decimal], fast: int, extra: int
) -> None:
    slow = fast + extra
    assert incremental(closes, fast, slow) == naive_signals(closes, fast, slow)


@pytest.mark.property
@given(
    closes=st.lists(
        st.decimals(min_value=D("1e-12"), max_value=D(10**12), places=12)
        | st.integers(1, 10**9).map(D),
        min_size=51,
        max_size=120,
    )
)
def test_mixed_scales_are_exact(closes: list[Decimal]) -> None:
    ind = SmaCross()
    got = [ind.update(c) for c in closes]
    assert got == naive_signals(closes)
    total = sum((Fraction(c) for c in closes[-50:]), Fraction(0))
    assert Fraction(sum(ind._buf), 10**ind.exponent) == total
    fast_total = sum((Fraction(c) for c in closes[-20:]), Fraction(0))
    assert Fraction(ind._last_sum(20), 10**ind.exponent) == fast_total
    # the running difference is exactly (sum_fast × slow − sum_slow × fast) / gcd(fast, slow)
    # at the scale (gcd(20, 50) = 10)
    assert Fraction(ind._diff, 10**ind.exponent) == (fast_total * 50 - total * 20) / 10
    assert ind.count == len(closes)


def test_exact_smas_after_warm_up() -> None:
    ind = SmaCross(2, 3)
    assert ind.fast_sma() is None and ind.slow_sma() is None
    for c in (D("1"), D("2.5"), D("3.25")):
        ind.update(c)
    assert ind.fast_sma() == D("2.875")
    assert ind.slow_sma() == D("6.75") / 3
    assert ind.count == 3


def test_finer_prices_rescale_exactly() -> None:
    ind = SmaCross(1, 2)
    ind.update(D(1))
    assert ind.exponent == 0
    ind.update(D("1.5"))
    ind.update(D("1.25"))
    assert ind.exponent == 2
    assert ind.fast_sma() == D("1.25") and ind.slow_sma() == D("1.375")


@pytest.mark.parametrize(("fast", "slow"), [(0, 5), (5, 5), (6, 5), (1, 100_001)])
def test_bad_windows_are_refused(fast: int, slow: int) -> None:
    with pytest.raises(ValidationError):
        SmaCross(fast, slow)


def test_params_are_validated() -> None:
    with pytest.raises(ValidationError, match="FAST"):
        SmaCrossParams(fast=50, slow=50)
    with pytest.raises(ValidationError, match="ORDER_TRY"):
        SmaCrossParams(order_try=D(0))


# --- entry quantity -----------------------------------------------------------------------


def test_entry_quantity_rounds_half_even_to_8_decimals() -> None:
    assert entry_quantity(D(1000), D(3), 8) == D("333.33333333")
    assert entry_quantity(D("0.00000125"), D(10), 8) == D("0.00000012")  # tie → even
    assert entry_quantity(D("0.00000135"), D(10), 8) == D("0.00000014")  # tie → even
    assert entry_quantity(D(1000), D("2500000.5"), 8) == D("0.00040000")  # 0.00039999992


@given(close=st.decimals(min_value=D("1e-8"), max_value=D(10**9), places=8))
def test_entry_quantity_matches_exact_decimal_rounding(close: Decimal) -> None:
    wide = Context(prec=200)
    expected = wide.divide(D(1000), close).quantize(D("1e-8"), ROUND_HALF_EVEN, context=wide)
    assert entry_quantity(D(1000), close, 8) == expected


# --- the strategy ---------------------------------------------------------------------------


def bar(pair: Pair, i: int, close: Decimal) -> Bar:
    return Bar(pair, T0 + timedelta(minutes=i), close, close, close, close)


def context(
    bars: dict[Pair, Bar],
    positions: dict[str, Position] | None = None,
    pairs: tuple[Pair, ...] = (BTC, ETH),
) -> StrategyContext:
    now = max(b.open_time for b in bars.values()) + timedelta(minutes=1) if bars else T0
    return StrategyContext(
        now=now,
        market=MarketSnapshot(now, bars=bars),
        pairs=pairs,
        positions=positions or {},
    )


# 50 bars falling, then rising: fast crosses above slow a few bars into the rise.
FALL_RISE = [D(200 - i) for i in range(50)] + [D(151 + 3 * i) for i in range(40)]
RISE_FALL = [D(100 + i) for i in range(50)] + [D(149 - 3 * i) for i in range(40)]


def first_signal(closes: list[Decimal]) -> tuple[int, int]:
    sig = incremental(closes)
    i = next(k for k, s in enumerate(sig) if s)
    return i, sig[i]


def run(strategy: SmaCrossStrategy, closes: list[Decimal], positions=None):  # type: ignore[no-untyped-def]
    out = []
    for i, c in enumerate(closes):
        out.append(strategy.propose(context({BTC: bar(BTC, i, c)}, positions, (BTC,))))
    return out


def test_cross_up_while_flat_buys_1000_try_at_market() -> None:
    i, sig = first_signal(FALL_RISE)
    assert sig == CROSS_UP and i >= 50
    props = run(SmaCrossStrategy(), FALL_RISE[: i + 1])
    assert all(p is EMPTY_PROPOSAL for p in props[:i])
    (intent,) = props[i].intents
    assert intent.side is Side.BUY and intent.order_type is OrderType.MARKET
    assert intent.price is None
    assert intent.quantity == entry_quantity(D(1000), FALL_RISE[i], 8)
    assert intent.strategy == "sma_cross"


def test_cross_up_while_long_is_noted() -> None:
    i, _ = first_signal(FALL_RISE)
    held = {"BTC": Position("BTC", D("0.1"), D(15))}
    props = run(SmaCrossStrategy(), FALL_RISE[: i + 1], held)
    assert props[i].intents == ()
    assert props[i].notes[0].reason.code == StrategyCode.ALREADY_LONG


def test_cross_down_while_long_sells_everything() -> None:
    i, sig = first_signal(RISE_FALL)
    assert sig == CROSS_DOWN
    held = {"BTC": Position("BTC", D("6.66666667"), D(1000))}
    props = run(SmaCrossStrategy(), RISE_FALL[: i + 1], held)
    (intent,) = props[i].intents
    assert intent.side is Side.SELL and intent.quantity == D("6.66666667")
    assert intent.order_type is OrderType.MARKET


def test_cross_down_while_flat_is_noted() -> None:
    i, _ = first_signal(RISE_FALL)
    props = run(SmaCrossStrategy(), RISE_FALL[: i + 1])
    assert props[i].notes[0].reason.code == StrategyCode.NOT_LONG


def test_a_bar_offered_twice_is_counted_once() -> None:
    strat = SmaCrossStrategy()
    b = bar(BTC, 0, D(100))
    strat.propose(context({BTC: b}))
    strat.propose(context({BTC: b}))
    assert strat.indicator(BTC).count == 1


def test_pairs_are_independent_and_missing_bars_are_skipped() -> None:
    strat = SmaCrossStrategy()
    i, _ = first_signal(FALL_RISE)
    for k, c in enumerate(FALL_RISE[: i + 1]):
        bars = {BTC: bar(BTC, k, c)}
        if k % 2 == 0:
            bars[ETH] = bar(ETH, k, D(100))
        prop = strat.propose(context(bars))
    assert [x.pair for x in prop.intents] == [BTC]
    assert strat.indicator(ETH).count == (i // 2) + 1
    if i % 2:
        assert [(n.pair, n.reason.code) for n in prop.notes] == [(ETH, StrategyCode.NO_BAR)]


def test_bars_outside_the_universe_are_ignored() -> None:
    strat = SmaCrossStrategy()
    sol = Pair("SOL", "TRY")
    prop = strat.propose(context({BTC: bar(BTC, 0, D(1)), sol: bar(sol, 0, D(1))}, None, (BTC,)))
    assert prop is EMPTY_PROPOSAL
    assert strat.indicator(BTC).count == 1
    # widening the universe later picks the pair up
    strat.propose(context({BTC: bar(BTC, 1, D(1)), sol: bar(sol, 1, D(1))}, None, (BTC, sol)))
    assert strat.indicator(sol).count == 1


def test_warm_up_rebuilds_state() -> None:
    i, _ = first_signal(FALL_RISE)
    strat = SmaCrossStrategy()
    strat.warm_up(BTC, FALL_RISE[:i], T0 + timedelta(minutes=i - 1))
    prop = strat.propose(context({BTC: bar(BTC, i, FALL_RISE[i])}))
    assert [x.side for x in prop.intents] == [Side.BUY]


@pytest.mark.property
@given(
    steps=st.lists(
        st.tuples(
            st.none() | st.decimals(min_value=D(1), max_value=D(3), places=1),
            st.none() | st.decimals(min_value=D(1), max_value=D(3), places=1),
        ),
        max_size=130,
    ),
    fresh_pairs=st.booleans(),
)
def test_strategy_matches_a_naive_model_over_random_bars(
    steps: list[tuple[Decimal | None, Decimal | None]], fresh_pairs: bool
) -> None:
    """Whole strategy (per-pair cache, missing bars, positions) against naive signals."""
    params = SmaCrossParams(fast=3, slow=7)
    strat = SmaCrossStrategy(params)
    held = {"BTC": D(0), "ETH": D(0)}
    seen: dict[str, list[Decimal]] = {"BTC": [], "ETH": []}
    for i, closes in enumerate(steps):
        bars = {}
        for base, close in zip(("BTC", "ETH"), closes):
            if close is not None:
                pair = Pair(base, "TRY") if fresh_pairs else {"BTC": BTC, "ETH": ETH}[base]
                bars[pair] = bar(pair, i, close)
                seen[base].append(close)
        positions = {b: Position(b, q, q) for b, q in held.items() if q > 0}
        prop = strat.propose(context(bars, positions))
        expected = []
        for base, close in zip(("BTC", "ETH"), closes):
            if close is None:
                continue
            sig = naive_signals(seen[base], 3, 7)[-1]
            if sig == CROSS_UP and held[base] == 0:
                expected.append((base, Side.BUY, entry_quantity(D(1000), close, 8)))
            elif sig == CROSS_DOWN and held[base] > 0:
                expected.append((base, Side.SELL, held[base]))
        got = [(x.pair.base, x.side, x.quantity) for x in prop.intents]
        assert sorted(got) == sorted(expected)
        for base, side, qty in got:
            assert qty is not None
            held[base] = qty if side is Side.BUY else D(0)


def test_a_repeated_pair_with_every_bar_present_proposes_nothing() -> None:
    # The pipeline refuses repeated pairs; a direct caller still gets the empty answer.
    strat = SmaCrossStrategy()
    ctx = context({BTC: bar(BTC, 0, D(100))}, None, (BTC, BTC))
    assert strat.observe(ctx.market, ctx.pairs) is False
    assert strat.propose(ctx) is EMPTY_PROPOSAL


def test_propose_after_observing_another_snapshot_uses_its_own_bars() -> None:
    strat = SmaCrossStrategy()
    i, _ = first_signal(FALL_RISE)
    for k, c in enumerate(FALL_RISE[:i]):
        strat.propose(context({BTC: bar(BTC, k, c)}, None, (BTC,)))
    # observe a snapshot with a missing pair (kept for its propose), then propose another
    seen = context({ETH: bar(ETH, i, D(1))}, None, (BTC, ETH))
    assert strat.observe(seen.market, seen.pairs) is True
    prop = strat.propose(context({BTC: bar(BTC, i, FALL_RISE[i])}, None, (BTC,)))
    assert [x.pair for x in prop.intents] == [BTC] and prop.notes == ()
