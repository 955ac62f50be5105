"""Risk budget properties: mode monotonicity, no flapping, stepwise and cooled-down recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.degrade import DEGRADE_MODE, AnomalyInputs, DegradeParams, update_degrade
from btcbot_core.risk_budget import (
    RiskBudgetParams,
    RiskInputs,
    decide_risk_budget,
    effective_risk,
)
from btcbot_core.state import RiskMode, RiskState

pytestmark = pytest.mark.property

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PARAMS = (
    RiskBudgetParams(),
    RiskBudgetParams(
        drawdown_reduce_try=Decimal(300), drawdown_observe_try=Decimal(900),
        exposure_observe_ratio=Decimal("0.99"), concentration_observe_ratio=Decimal("0.95"),
        hysteresis_ratio=Decimal(0), timezone="UTC",
    ),
)  # fmt: skip

money = st.integers(-2_000, 20_000).map(Decimal)
gap = st.integers(0, 5_000).map(Decimal)


@st.composite
def states(draw: st.DrawFn) -> RiskState:
    until = draw(st.none() | st.integers(-2_000, 4_000))
    return RiskState(
        mode=draw(st.sampled_from(RiskMode)),
        cooldown_until=None if until is None else T0 + timedelta(seconds=until),
        equity_high_water_mark=Decimal(draw(st.integers(0, 20_000))),
        day_anchor=draw(st.sampled_from([None, "2026-03-09", "2026-03-10"])),
        day_start_realized=Decimal(draw(st.integers(-1_000, 1_000))),
        last_loss_streak=draw(st.integers(0, 6)),
    )


@st.composite
def better_and_worse(draw: st.DrawFn) -> tuple[RiskInputs, RiskInputs]:
    equity, realized = draw(money), draw(money)
    streak = draw(st.integers(0, 6))
    positions = Decimal(draw(st.integers(0, 20_000)))
    largest = positions * Decimal(draw(st.integers(0, 100))) / 100
    age = draw(st.none() | st.floats(0, 100))
    spread = draw(st.none() | st.integers(0, 400).map(Decimal))
    better = RiskInputs(
        equity=equity, realized_pnl=realized, loss_streak=streak, positions_value=positions,
        largest_position_value=largest, quote_age_s=age, spread_bps=spread,
    )  # fmt: skip
    more_positions = positions + draw(gap)
    worse_age = None if age is None else draw(st.none() | st.floats(age, age + 100))
    worse_spread = draw(st.integers(0 if spread is None else int(spread), 400).map(Decimal))
    worse = RiskInputs(
        equity=equity - draw(gap), realized_pnl=realized - draw(gap),
        loss_streak=streak + draw(st.integers(0, 3)), positions_value=more_positions,
        largest_position_value=min(more_positions, largest + draw(gap)),
        quote_age_s=worse_age, spread_bps=worse_spread,
    )  # fmt: skip
    return better, worse


@given(
    state=states(),
    pair=better_and_worse(),
    params=st.sampled_from(PARAMS),
    offset=st.integers(0, 3_000),
)
def test_worse_inputs_never_give_a_less_strict_mode(
    state: RiskState,
    pair: tuple[RiskInputs, RiskInputs],
    params: RiskBudgetParams,
    offset: int,
) -> None:
    better, worse = pair
    now = T0 + timedelta(seconds=offset)
    a = decide_risk_budget(state, better, params, now)
    b = decide_risk_budget(state, worse, params, now)
    assert b.mode.rank >= a.mode.rank
    assert b.multiplier <= a.multiplier


def _calm(spread: Decimal) -> RiskInputs:
    return RiskInputs(
        equity=Decimal(10_000), realized_pnl=Decimal(0), quote_age_s=1.0, spread_bps=spread
    )


@given(
    spreads=st.lists(st.decimals("40", "119.99", places=2), min_size=2, max_size=60),
    gaps=st.lists(st.integers(1, 5_000), min_size=60, max_size=60),
)
def test_oscillation_within_the_hysteresis_band_changes_the_mode_at_most_once(
    spreads: list[Decimal], gaps: list[int]
) -> None:
    # reduce at 50 bps and observe at 150 bps, released below 40 and 120 bps (20 %)
    params = PARAMS[0]
    state, now, changes = RiskState(), T0, 0
    for spread, step in zip(spreads, gaps, strict=False):
        now += timedelta(seconds=step)
        d = decide_risk_budget(state, _calm(spread), params, now)
        changes += d.mode is not d.previous_mode
        assert d.mode is not RiskMode.OBSERVE_ONLY
        state = d.state
    assert changes <= 1


@given(
    spreads=st.lists(st.integers(0, 300).map(Decimal), min_size=1, max_size=60),
    gaps=st.lists(st.integers(1, 2_000), min_size=60, max_size=60),
    params=st.sampled_from(PARAMS),
)
def test_recovery_is_one_level_at_a_time_and_only_after_the_cooldown(
    spreads: list[Decimal], gaps: list[int], params: RiskBudgetParams
) -> None:
    state, now, last_change = RiskState(), T0, T0
    for spread, step in zip(spreads, gaps, strict=False):
        now += timedelta(seconds=step)
        d = decide_risk_budget(state, _calm(spread), params, now)
        if d.mode.rank < d.previous_mode.rank:
            assert d.mode.rank == d.previous_mode.rank - 1
            assert now - last_change >= timedelta(seconds=params.cooldown_s)
        if d.mode is not d.previous_mode:
            last_change = now
        state = d.state


@given(
    state=states(),
    pair=better_and_worse(),
    low=st.integers(0, 3),
    high=st.integers(0, 3),
)
def test_the_effective_mode_is_monotonic_in_both_risk_and_degrade(
    state: RiskState, pair: tuple[RiskInputs, RiskInputs], low: int, high: int
) -> None:
    low, high = sorted((low, high))
    better, worse = pair
    a = effective_risk(
        decide_risk_budget(state, better, PARAMS[0], T0),
        update_degrade(RiskState(degrade_level=low), AnomalyInputs(), DegradeParams(), T0),
    )
    b = effective_risk(
        decide_risk_budget(state, worse, PARAMS[0], T0),
        update_degrade(RiskState(degrade_level=high), AnomalyInputs(), DegradeParams(), T0),
    )
    assert b.mode.rank >= a.mode.rank and b.multiplier <= a.multiplier
    assert a.mode.rank >= max(a.risk_mode.rank, DEGRADE_MODE[a.degrade_level].rank)
