"""The decide path's cheaper sizing arithmetic agrees with the spelling it replaced: the
allocation budget (the fee divisor kept on the params, no precision test before flooring an
operation's result, no product by a multiplier of 1) and ``sma_cross``'s entry quantity (the
parameters' half kept on the params, ``× 10**-d`` for ``scaleb(-d)``). Same value, same
exponent (compared as text), same reason, same error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from btcbot_core.allocation import (
    AllocationCode,
    AllocationParams,
    _budget,
    _kurus,
    investable_try,
    keeps_whole,
)
from btcbot_core.decisions import Reason
from btcbot_core.market import MarketSnapshot
from btcbot_core.money import BPS_PER_UNIT, ONE, ZERO
from btcbot_core.orders import BUY, MARKET, SELL, OrderIntent
from btcbot_core.pair import Pair
from btcbot_core.strategies.base import StrategyContext
from btcbot_core.strategies.sma_cross import (
    SmaCrossParams,
    SmaCrossStrategy,
    entry_quantity,
    entry_quantity_of,
    entry_terms,
)

pytestmark = pytest.mark.property


def outcome(fn: Callable[..., object], *args: object) -> tuple[str, object]:
    try:
        result = fn(*args)
    except Exception as exc:  # the type is what we compare
        return ("error", type(exc).__name__)
    if isinstance(result, tuple):
        return ("ok", tuple(str(part) for part in result))
    return ("ok", str(result))


# --- the allocation budget, as it was spelled -------------------------------------------------


def reference_investable(cash: D, params: AllocationParams) -> D:
    free = cash - params.try_cash_target
    if not free > ZERO:
        free = ZERO
    if params.try_cash_max > ZERO:
        free = min(free, params.try_cash_max - params.try_cash_target)
    return _kurus(free / (ONE + params.fee_buffer_bps / BPS_PER_UNIT))


def reference_budget(
    cash: D, params: AllocationParams, capital: D | None, deployed: D, multiplier: D
) -> tuple[D, Reason | None]:
    investable = reference_investable(cash, params)
    budget = investable
    why: Reason | None = None
    if investable <= ZERO:
        why = Reason(
            AllocationCode.CASH_TARGET,
            f"free cash {cash} TRY leaves nothing above TRY_CASH_TARGET {params.try_cash_target}",
        )
    if capital is not None:
        headroom = capital - deployed
        if not headroom > ZERO:
            headroom = ZERO
        if headroom < budget:
            budget = headroom
            if headroom <= ZERO and why is None:
                why = Reason(
                    AllocationCode.TRADING_CAPITAL,
                    f"trading capital {capital} TRY, deployed {deployed} TRY",
                )
    if multiplier == ZERO and why is None:
        why = Reason(AllocationCode.SIZE_MULTIPLIER_ZERO, "risk budget size multiplier is 0")
    if budget is investable and multiplier == ONE:
        return investable, why
    return _kurus(budget * multiplier), why


@st.composite
def long_decimal(draw: st.DrawFn) -> D:
    """Non-negative amounts up to 40 digits: past the context's 28 as well as within it."""
    digits = draw(st.text("0123456789", min_size=1, max_size=40))
    return D(f"{digits}E{draw(st.integers(-30, 10))}")


amounts = st.one_of(
    st.decimals(min_value=0, max_value=10**9, places=10),
    st.decimals(min_value=0, max_value=10**6, places=2),
    long_decimal(),
)
multipliers = st.sampled_from(
    [D(1), D("1.0"), D("1.00"), D("0.5"), D("0.25"), D(0), D("0.333"), D("0E-3")]
)


@st.composite
def allocation_params(draw: st.DrawFn) -> AllocationParams:
    target = draw(st.sampled_from([D(0), D(300), D("0.005"), D("1234.5678")]))
    cap = draw(st.sampled_from([D(0), target, target + D(700), target + D("0.01")]))
    bps = draw(
        st.one_of(
            st.sampled_from([D(0), D(20), D("12.5"), D(1000)]),
            st.decimals(min_value=0, max_value=1000, places=6),
        )
    )
    return AllocationParams(target, cap, bps)


@given(amounts, allocation_params(), st.none() | amounts, amounts, multipliers)
@example(D(1000), AllocationParams(0, 0, 0), D(1000), D(0), D(1))  # headroom == investable
@example(D(1000), AllocationParams(0, 0, 0), D(1000), D(1000), D(1))  # headroom 0
@example(D(10**6), AllocationParams(0, 0, 0), D(5000), D("0.0000000001"), D("1.00"))
@example(D(10**6), AllocationParams(0, 0, 20), D("1" * 27 + "E-3"), D("1E-4"), D(1))
def test_budget_is_the_former_arithmetic(
    cash: D, params: AllocationParams, capital: D | None, deployed: D, multiplier: D
) -> None:
    args = (cash, params, capital, deployed, multiplier)
    assert outcome(_budget, *args) == outcome(reference_budget, *args)
    assert outcome(investable_try, cash, params) == outcome(reference_investable, cash, params)


_SOL = Pair("SOL", "TRY")


@pytest.mark.parametrize("multiplier", [D("-0.01"), D("1.01"), D("NaN"), D("sNaN"), D(2)])
@pytest.mark.parametrize("side", [BUY, SELL])
def test_keeps_whole_refuses_a_bad_multiplier_as_check_range_does(side, multiplier) -> None:  # type: ignore[no-untyped-def]
    intent = OrderIntent(_SOL, side, None, D("0.5"), None, MARKET, "", "")
    from btcbot_core.strategies.base import check_range

    expected = outcome(check_range, "size_multiplier", multiplier, ZERO, ONE)
    got = outcome(
        lambda: keeps_whole(intent, D(1000), AllocationParams(), size_multiplier=multiplier)
    )
    assert got[0] == "error" and got == expected


# --- sma_cross's entry quantity, as it was spelled --------------------------------------------


def reference_entry_quantity(order_try: D, close: D, decimals: int) -> D:
    num, den = close.as_integer_ratio()
    onum, oden = order_try.as_integer_ratio()
    top = onum * den * 10**decimals
    bottom = oden * num
    units, rest = divmod(top, bottom)
    twice = 2 * rest
    if twice > bottom or (twice == bottom and units % 2 == 1):
        units += 1
    return D(units).scaleb(-decimals)


positive = st.one_of(
    st.decimals(min_value=D("1e-8"), max_value=10**9, places=8),
    st.decimals(min_value=D("0.01"), max_value=10**7, places=2),
    long_decimal().filter(lambda d: d > 0),
)


@given(positive, positive, st.integers(0, 18))
@example(D(1000), D(3), 8)
@example(D("0.00000125"), D(10), 8)  # a tie: to even
@example(D("0.00000135"), D(10), 8)
@example(D(10**30), D("0.001"), 18)  # more digits than the context holds: rounded the same
@example(D(1000), D(10**40), 0)  # rounds to 0
def test_entry_quantity_is_the_former_arithmetic(order_try: D, close: D, decimals: int) -> None:
    expected = outcome(reference_entry_quantity, order_try, close, decimals)
    assert outcome(entry_quantity, order_try, close, decimals) == expected
    assert outcome(entry_quantity_of, entry_terms(order_try, decimals), close) == expected


def test_sma_cross_sizes_entries_with_the_parameters_it_holds_now() -> None:
    # The strategy keeps the parameters' half of the sizing; replacing its parameters must
    # size the next entry with the new ones, never with the terms kept for the old.
    now = datetime(2024, 1, 1, tzinfo=UTC)
    strategy = SmaCrossStrategy(SmaCrossParams(order_try=D(1000)))
    context = StrategyContext(now, MarketSnapshot(now), (_SOL,))
    close = D("2500.00")

    def entry() -> D | None:
        proposal = strategy._act(context, [(_SOL, 1, close)], ())
        return proposal.intents[0].quantity

    assert entry() == entry_quantity(D(1000), close, 8)
    strategy.params = SmaCrossParams(order_try=D(3000), qty_decimals=4)
    assert entry() == entry_quantity(D(3000), close, 4) == D("1.2000")
