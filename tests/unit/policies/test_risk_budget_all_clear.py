"""The calm shortcut (``calm_state``, ``all_clear``) never disagrees with
``decide_risk_budget``: it is only a shortcut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from btcbot_core.risk_budget import (
    RiskBudgetParams,
    RiskInputs,
    decide_risk_budget,
    streak_multiplier,
)
from btcbot_core.risk_calm import CalmCheck, all_clear, calm_state
from btcbot_core.state import RiskState

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)
ZERO_D = D(0)
money = st.integers(0, 2_000_000).map(lambda c: D(c) / 100)


def clear(state: RiskState, i: RiskInputs, p: RiskBudgetParams, now: datetime) -> bool:
    return all_clear(
        state,
        equity=i.equity,
        realized_pnl=i.realized_pnl,
        loss_streak=i.loss_streak,
        positions_value=i.positions_value,
        largest_position_value=i.largest_position_value,
        quote_age_s=i.quote_age_s,
        spread_bps=i.spread_bps,
        params=p,
        now=now,
    )


@st.composite
def inputs(draw: st.DrawFn) -> RiskInputs:
    equity = draw(money)
    positions = D(draw(st.integers(0, 100))) * equity / 100
    largest = positions * draw(st.integers(0, 100)) / 100
    return RiskInputs(
        equity=equity,
        realized_pnl=draw(st.integers(-50_000, 50_000).map(lambda c: D(c) / 100)),
        loss_streak=draw(st.integers(0, 6)),
        positions_value=positions,
        largest_position_value=largest,
        quote_age_s=draw(st.one_of(st.none(), st.floats(0, 100))),
        spread_bps=draw(st.one_of(st.none(), st.integers(0, 300).map(D))),
    )


@pytest.mark.property
@given(
    st.lists(inputs(), min_size=1, max_size=3).flatmap(
        lambda pool: st.lists(st.sampled_from(pool), min_size=1, max_size=10)
    ),
    st.integers(0, 3 * 86400),
)
def test_all_clear_implies_the_full_decision_changes_nothing(
    history: list[RiskInputs], offset: int
) -> None:
    params = RiskBudgetParams()
    state = RiskState()
    now = T0
    for step, item in enumerate(history):
        now = T0 + timedelta(seconds=offset * step // max(1, len(history)))
        if clear(state, item, params, now):
            event("all clear")
            decision = decide_risk_budget(state, item, params, now)
            assert decision.state is state
            assert decision.mode.value == "NORMAL"
            assert decision.multiplier == streak_multiplier(item.loss_streak, params)
        state = decide_risk_budget(state, item, params, now).state


def test_a_calm_steady_state_is_all_clear() -> None:
    params = RiskBudgetParams()
    calm = RiskInputs(equity=D(10000), realized_pnl=D(0), quote_age_s=1.0, spread_bps=D(5))
    state = decide_risk_budget(RiskState(), calm, params, T0).state
    state = decide_risk_budget(state, calm, params, T0 + timedelta(minutes=1)).state
    assert clear(state, calm, params, T0 + timedelta(minutes=2))
    worse = RiskInputs(equity=D(9000), realized_pnl=D(-600), quote_age_s=1.0)
    assert not clear(state, worse, params, T0 + timedelta(minutes=3))
    assert not clear(state, calm, params, T0 + timedelta(days=1))  # day rollover


@pytest.mark.property
@given(
    st.integers(0, 400 * 86400),
    st.sampled_from(["Europe/Istanbul", "UTC", "+03:00", "America/New_York"]),
)
def test_cached_day_anchor_equals_the_direct_one(offset: int, tz: str) -> None:
    from btcbot_core.trading_day import day_anchor, resolve_timezone

    check = CalmCheck(RiskBudgetParams(timezone=tz))
    for step in (0, 1, 3599, 3600 * 5, 86399):  # walk across day boundaries and DST changes
        now = T0 + timedelta(seconds=offset + step)
        assert check.day_anchor(now) == day_anchor(now, resolve_timezone(tz))


def test_missing_market_data_only_matters_when_staleness_has_a_threshold() -> None:
    # No datum for some pair is "infinitely stale": it can only trigger STALE_DATA, so
    # without that threshold the shortcut may still say all clear (the full decision agrees).
    base = RiskBudgetParams(drawdown_reduce_ratio=None, drawdown_observe_ratio=None)
    state = decide_risk_budget(
        RiskState(), RiskInputs(equity=D(1000), realized_pnl=D(0)), base, T0
    ).state
    inputs = RiskInputs(equity=D(900), realized_pnl=D(0), quote_age_s=None)
    for params, expected in ((base, False), (attrs.evolve(base, max_quote_age_s=None), True)):
        assert clear(state, inputs, params, T0) is expected
        full = decide_risk_budget(state, inputs, params, T0)
        assert (full.state is state) is expected


def test_a_calm_check_names_only_metrics_with_a_threshold() -> None:
    params = RiskBudgetParams(
        drawdown_reduce_try=None,
        drawdown_observe_try=None,
        drawdown_reduce_ratio=None,
        drawdown_observe_ratio=None,
        daily_loss_reduce_try=None,
        daily_loss_observe_try=None,
        max_quote_age_s=None,
        spread_reduce_bps=None,
        spread_observe_bps=None,
        exposure_reduce_ratio=None,
        exposure_observe_ratio=None,
        concentration_reduce_ratio=None,
        concentration_observe_ratio=D("0.5"),
    )
    check = CalmCheck(params)
    assert check.names == {"concentration_ratio"}
    assert check.needs_exposure and not check.needs_market
    assert check.params is params  # the pipeline keeps it while the params object is the same
    assert "quote_age_s" in CalmCheck(RiskBudgetParams()).names


@st.composite
def budget_params(draw: st.DrawFn) -> RiskBudgetParams:
    def maybe(limit: st.SearchStrategy[D]) -> D | None:
        return draw(st.one_of(st.none(), limit))

    ratios = st.integers(1, 60).map(lambda c: D(c) / 100)
    amounts = st.integers(1, 5000).map(D)
    return RiskBudgetParams(
        drawdown_reduce_try=maybe(amounts),
        drawdown_observe_try=None,
        drawdown_reduce_ratio=maybe(ratios),
        drawdown_observe_ratio=None,
        daily_loss_reduce_try=maybe(amounts),
        daily_loss_observe_try=None,
        loss_streak_reduce=draw(st.one_of(st.none(), st.integers(1, 5))),
        streak_half_at=draw(st.integers(1, 4)),
        streak_quarter_at=draw(st.integers(4, 8)),
        max_quote_age_s=maybe(st.integers(1, 90).map(D)),
        spread_reduce_bps=maybe(st.integers(1, 200).map(D)),
        spread_observe_bps=None,
        exposure_reduce_ratio=maybe(st.integers(10, 100).map(lambda c: D(c) / 100)),
        concentration_reduce_ratio=maybe(st.integers(10, 100).map(lambda c: D(c) / 100)),
    )


@pytest.mark.property
@given(
    budget_params(),
    st.lists(inputs(), min_size=1, max_size=3).flatmap(
        lambda pool: st.lists(st.sampled_from(pool), min_size=1, max_size=12)
    ),
    st.integers(0, 3 * 86400),
)
def test_calm_state_is_the_full_decisions_state(
    params: RiskBudgetParams, history: list[RiskInputs], offset: int
) -> None:
    state = RiskState()
    for step, item in enumerate(history):
        now = T0 + timedelta(seconds=offset * step // max(1, len(history)))
        full = decide_risk_budget(state, item, params, now)
        calm = calm_state(
            state,
            equity=item.equity,
            realized_pnl=item.realized_pnl,
            loss_streak=item.loss_streak,
            positions_value=item.positions_value,
            largest_position_value=item.largest_position_value,
            quote_age_s=item.quote_age_s,
            spread_bps=item.spread_bps,
            params=params,
            now=now,
        )
        if calm is not None:
            event("calm" if calm is state else "calm, state moved")
            assert full.mode.value == "NORMAL"
            assert full.multiplier == streak_multiplier(item.loss_streak, params)
            assert calm == full.state
            assert (calm is state) == (full.state is state)
        state = full.state


def test_a_new_equity_high_is_calm_and_moves_only_the_high_water_mark() -> None:
    params = RiskBudgetParams()
    calm = RiskInputs(equity=D(10000), realized_pnl=D(0), quote_age_s=1.0, spread_bps=D(5))
    state = decide_risk_budget(RiskState(), calm, params, T0).state
    state = decide_risk_budget(state, calm, params, T0 + timedelta(minutes=1)).state
    now = T0 + timedelta(minutes=2)
    higher = attrs.evolve(calm, equity=D(10500))
    moved = calm_state(
        state,
        equity=higher.equity,
        realized_pnl=higher.realized_pnl,
        loss_streak=0,
        positions_value=ZERO_D,
        largest_position_value=ZERO_D,
        quote_age_s=1.0,
        spread_bps=D(5),
        params=params,
        now=now,
    )
    assert moved is not None and moved is not state
    assert moved.equity_high_water_mark == D(10500)
    assert moved == decide_risk_budget(state, higher, params, now).state


def test_calm_state_builds_risk_state_positionally_in_field_order() -> None:
    # calm_state passes every RiskState field by position: a new or reordered field must
    # be reflected there (the property tests would then fail on the values).
    assert [f.name for f in attrs.fields(RiskState)] == [
        "mode",
        "mode_since",
        "cooldown_until",
        "equity_high_water_mark",
        "day_anchor",
        "day_start_realized",
        "degrade_level",
        "degrade_until",
        "stable_cycles",
        "reasons",
        "updated_at",
        "last_loss_streak",
    ]
