"""Risk budget: every trigger at its threshold, cooldown, hysteresis, day rollover, tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import attrs
import pytest

from btcbot_core.decisions import Reason
from btcbot_core.degrade import AnomalyInputs, DegradeParams, update_degrade
from btcbot_core.errors import ConfigError, ValidationError
from btcbot_core.ledger import Valuation
from btcbot_core.market import Bar, MarketSnapshot, Quote
from btcbot_core.orders import Side
from btcbot_core.pair import Pair
from btcbot_core.risk_budget import (
    RiskBudgetParams,
    RiskDecision,
    RiskInputs,
    allows_submit,
    build_risk_inputs,
    decide_risk_budget,
    effective_risk,
    market_facts,
    streak_multiplier,
)
from btcbot_core.state import RiskMode, RiskState

N, R, OB = RiskMode.NORMAL, RiskMode.REDUCE_RISK_ONLY, RiskMode.OBSERVE_ONLY
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
P = RiskBudgetParams()
BTC = Pair("BTC", "TRY")
ETH = Pair("ETH", "TRY")


def inp(**kw: object) -> RiskInputs:
    base: dict[str, object] = {
        "equity": Decimal(10_000),
        "realized_pnl": Decimal(0),
        "quote_age_s": 1.0,
        "spread_bps": Decimal(10),
    }
    base.update(kw)
    return RiskInputs(**base)  # type: ignore[arg-type]


def start(**kw: Any) -> RiskState:
    """A state that has seen one healthy cycle at T0 (HWM 10,000, day anchored)."""
    return attrs.evolve(decide_risk_budget(RiskState(), inp(), P, T0).state, **kw)


def codes(decision: RiskDecision) -> list[str]:
    return [r.code for r in decision.reasons]


# --- basics ---------------------------------------------------------------------------------


def test_healthy_cycle_is_normal_full_size_and_echoes_inputs() -> None:
    inputs = inp()
    d = decide_risk_budget(RiskState(), inputs, P, T0)
    assert d.mode is N and d.previous_mode is N
    assert d.multiplier == 1
    assert codes(d) == ["RISK_OK"]
    assert d.inputs is inputs
    assert d.state.equity_high_water_mark == 10_000
    assert d.state.day_anchor == "2026-03-10"
    assert d.state.mode_since == T0 and d.state.updated_at == T0
    assert d.state.reasons == ("RISK_OK: no trigger",)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        decide_risk_budget(RiskState(), inp(), P, datetime(2026, 1, 1))


def test_high_water_mark_only_rises() -> None:
    s = start()
    up = decide_risk_budget(s, inp(equity=Decimal(12_000)), P, T0)
    assert up.state.equity_high_water_mark == 12_000
    down = decide_risk_budget(up.state, inp(equity=Decimal(11_900)), P, T0)
    assert down.state.equity_high_water_mark == 12_000
    assert down.metrics.drawdown == 100


# --- thresholds: exactly at the threshold triggers ------------------------------------------


@pytest.mark.parametrize(
    ("equity", "mode"),
    [("9500.01", N), ("9500", R), ("9000.01", R), ("9000", OB), ("0", OB)],
)
def test_drawdown_ratio_thresholds(equity: str, mode: RiskMode) -> None:
    d = decide_risk_budget(start(), inp(equity=Decimal(equity), quote_age_s=0.0), P, T0)
    assert d.mode is mode
    if mode is not N:
        assert "RISK_DRAWDOWN_RATIO" in codes(d)


def test_drawdown_try_thresholds() -> None:
    params = RiskBudgetParams(
        drawdown_reduce_try=Decimal(100), drawdown_observe_try=Decimal(200),
        drawdown_reduce_ratio=None, drawdown_observe_ratio=None,
    )  # fmt: skip
    s = decide_risk_budget(RiskState(), inp(), params, T0).state
    assert decide_risk_budget(s, inp(equity=Decimal("9900.01")), params, T0).mode is N
    d = decide_risk_budget(s, inp(equity=Decimal(9900)), params, T0)
    assert d.mode is R and "RISK_DRAWDOWN_TRY" in codes(d)
    assert decide_risk_budget(s, inp(equity=Decimal(9800)), params, T0).mode is OB


@pytest.mark.parametrize(
    ("realized", "mode"), [("-249.99", N), ("-250", R), ("-499.99", R), ("-500", OB)]
)
def test_daily_loss_thresholds(realized: str, mode: RiskMode) -> None:
    params = RiskBudgetParams(drawdown_reduce_ratio=None, drawdown_observe_ratio=None)
    s = decide_risk_budget(RiskState(), inp(), params, T0).state
    d = decide_risk_budget(s, inp(realized_pnl=Decimal(realized)), params, T0)
    assert d.mode is mode
    assert d.metrics.daily_loss == -Decimal(realized)
    if mode is not N:
        assert "RISK_DAILY_LOSS" in codes(d)


def test_daily_loss_counts_from_the_realized_pnl_at_day_start() -> None:
    params = RiskBudgetParams(drawdown_reduce_ratio=None, drawdown_observe_ratio=None)
    s = decide_risk_budget(RiskState(), inp(realized_pnl=Decimal(1000)), params, T0).state
    assert s.day_start_realized == 1000
    d = decide_risk_budget(s, inp(realized_pnl=Decimal(800)), params, T0 + timedelta(hours=1))
    assert d.metrics.daily_loss == 200 and d.mode is N
    gain = decide_risk_budget(s, inp(realized_pnl=Decimal(1500)), params, T0)
    assert gain.metrics.daily_loss == 0


@pytest.mark.parametrize(("age", "mode"), [(29.999, N), (30.0, OB), (None, OB), (-5.0, N)])
def test_stale_market_data(age: float | None, mode: RiskMode) -> None:
    d = decide_risk_budget(start(), inp(quote_age_s=age), P, T0)
    assert d.mode is mode
    assert ("RISK_STALE_DATA" in codes(d)) is (mode is OB)


@pytest.mark.parametrize(
    ("spread", "mode"), [("49.99", N), ("50", R), ("149.99", R), ("150", OB), (None, N)]
)
def test_spread_spike(spread: str | None, mode: RiskMode) -> None:
    d = decide_risk_budget(start(), inp(spread_bps=spread), P, T0)
    assert d.mode is mode


@pytest.mark.parametrize(("positions", "mode"), [("8999.99", N), ("9000", R), ("10000", R)])
def test_gross_exposure(positions: str, mode: RiskMode) -> None:
    params = RiskBudgetParams(concentration_reduce_ratio=None)
    d = decide_risk_budget(start(), inp(positions_value=Decimal(positions)), params, T0)
    assert d.mode is mode
    assert ("RISK_GROSS_EXPOSURE" in codes(d)) is (mode is R)


def test_gross_exposure_observe_threshold() -> None:
    params = RiskBudgetParams(exposure_observe_ratio=Decimal(1), concentration_reduce_ratio=None)
    d = decide_risk_budget(start(), inp(positions_value=Decimal(10_000)), params, T0)
    assert d.mode is OB


@pytest.mark.parametrize(("largest", "mode"), [("5999.99", N), ("6000", R)])
def test_largest_position_share(largest: str, mode: RiskMode) -> None:
    d = decide_risk_budget(
        start(), inp(positions_value=Decimal(7000), largest_position_value=Decimal(largest)), P, T0
    )
    assert d.mode is mode
    assert ("RISK_CONCENTRATION" in codes(d)) is (mode is R)


def test_positions_with_no_equity_count_as_unbounded_exposure() -> None:
    params = RiskBudgetParams(drawdown_reduce_ratio=None, drawdown_observe_ratio=None)
    d = decide_risk_budget(
        RiskState(), inp(equity=Decimal(0), positions_value=Decimal(1)), params, T0
    )
    assert d.metrics.exposure_ratio == Decimal("Infinity")
    assert d.mode is R
    flat = decide_risk_budget(RiskState(), inp(equity=Decimal(0)), params, T0)
    assert flat.mode is N and flat.metrics.exposure_ratio == 0


def test_disabled_thresholds_never_trigger() -> None:
    params = RiskBudgetParams(
        drawdown_reduce_ratio=None, drawdown_observe_ratio=None, daily_loss_reduce_try=None,
        daily_loss_observe_try=None, max_quote_age_s=None, spread_reduce_bps=None,
        spread_observe_bps=None, exposure_reduce_ratio=None, concentration_reduce_ratio=None,
        loss_streak_reduce=None,
    )  # fmt: skip
    bad = inp(
        equity=Decimal(1), realized_pnl=Decimal(-10**6), quote_age_s=None, loss_streak=99,
        spread_bps=Decimal(9999), positions_value=Decimal(1), largest_position_value=Decimal(1),
    )  # fmt: skip
    d = decide_risk_budget(RiskState(equity_high_water_mark=Decimal(10**6)), bad, params, T0)
    assert d.mode is N
    assert d.multiplier == Decimal("0.25")  # the streak still shrinks the size


# --- escalation, cooldown, hysteresis, stepwise recovery ------------------------------------


def test_escalation_is_immediate_even_during_a_cooldown() -> None:
    d1 = decide_risk_budget(start(), inp(spread_bps=Decimal(60)), P, T0)
    assert d1.mode is R and "RISK_MODE_ESCALATED" in codes(d1)
    assert d1.state.cooldown_until == T0 + timedelta(seconds=900)
    d2 = decide_risk_budget(d1.state, inp(spread_bps=Decimal(200)), P, T0 + timedelta(seconds=1))
    assert d2.mode is OB and d2.previous_mode is R
    assert d2.state.mode_since == T0 + timedelta(seconds=1)


def test_cooldown_timing_after_the_trigger_clears() -> None:
    s = decide_risk_budget(start(), inp(spread_bps=Decimal(60)), P, T0).state
    calm = inp(spread_bps=Decimal(5))
    early = decide_risk_budget(s, calm, P, T0 + timedelta(seconds=899))
    assert early.mode is R and "RISK_COOLDOWN_ACTIVE" in codes(early)
    assert early.multiplier == 0
    due = decide_risk_budget(early.state, calm, P, T0 + timedelta(seconds=900))
    assert due.mode is N and "RISK_MODE_STEPPED_DOWN" in codes(due)
    assert due.multiplier == 1


def test_cooldown_counts_from_the_last_cycle_the_trigger_held() -> None:
    s = decide_risk_budget(start(), inp(spread_bps=Decimal(60)), P, T0).state
    t_held = T0 + timedelta(seconds=600)
    s = decide_risk_budget(s, inp(spread_bps=Decimal(55)), P, t_held).state
    assert s.cooldown_until == t_held + timedelta(seconds=900)
    calm = inp(spread_bps=Decimal(5))
    assert decide_risk_budget(s, calm, P, T0 + timedelta(seconds=1000)).mode is R
    assert decide_risk_budget(s, calm, P, t_held + timedelta(seconds=900)).mode is N


def test_hysteresis_keeps_the_mode_until_the_margin_is_cleared() -> None:
    # reduce at 50 bps, hysteresis 20 %: released only below 40 bps
    s = decide_risk_budget(start(), inp(spread_bps=Decimal(50)), P, T0).state
    later = T0 + timedelta(hours=2)
    band = decide_risk_budget(s, inp(spread_bps=Decimal(40)), P, later)
    assert band.mode is R
    assert "RISK_SPREAD_SPIKE_NOT_CLEARED" in codes(band)
    assert "RISK_MODE_HELD" in codes(band)
    cleared = decide_risk_budget(band.state, inp(spread_bps=Decimal("39.99")), P, later)
    assert cleared.mode is R  # the cooldown restarted at the held cycle
    after = later + timedelta(seconds=900)
    assert decide_risk_budget(cleared.state, inp(spread_bps=Decimal("39.99")), P, after).mode is N


def test_oscillating_input_around_the_threshold_does_not_flap() -> None:
    state = start()
    modes = []
    for minute in range(240):
        spread = Decimal(51) if minute % 2 == 0 else Decimal(41)
        d = decide_risk_budget(state, inp(spread_bps=spread), P, T0 + timedelta(minutes=minute))
        state = d.state
        modes.append(d.mode)
    changes = sum(1 for a, b in pairwise(modes) if a is not b)
    assert modes[0] is R and changes == 0


def test_recovery_steps_down_one_level_per_cooldown() -> None:
    s = decide_risk_budget(start(), inp(spread_bps=Decimal(500)), P, T0).state
    assert s.mode is OB
    calm = inp()
    t1 = T0 + timedelta(seconds=900)
    d1 = decide_risk_budget(s, calm, P, t1)
    assert d1.mode is R and d1.previous_mode is OB
    assert decide_risk_budget(d1.state, calm, P, t1 + timedelta(seconds=899)).mode is R
    d2 = decide_risk_budget(d1.state, calm, P, t1 + timedelta(seconds=900))
    assert d2.mode is N


def test_observe_steps_down_to_reduce_while_a_reduce_trigger_persists() -> None:
    s = decide_risk_budget(start(), inp(spread_bps=Decimal(500)), P, T0).state
    later = T0 + timedelta(seconds=900)
    d = decide_risk_budget(s, inp(spread_bps=Decimal(60)), P, later)
    assert d.mode is R
    d = decide_risk_budget(d.state, inp(spread_bps=Decimal(60)), P, later + timedelta(hours=5))
    assert d.mode is R


# --- loss streak ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("streak", "factor"), [(0, "1"), (1, "1"), (2, "0.5"), (3, "0.25"), (9, "0.25")]
)
def test_streak_multiplier_table(streak: int, factor: str) -> None:
    assert streak_multiplier(streak, P) == Decimal(factor)
    params = RiskBudgetParams(loss_streak_reduce=None)
    d = decide_risk_budget(start(), inp(loss_streak=streak), params, T0)
    assert d.mode is N and d.multiplier == Decimal(factor)
    assert ("RISK_SIZE_REDUCED" in codes(d)) is (streak >= 2)


def test_multiplier_is_zero_outside_normal_mode() -> None:
    assert decide_risk_budget(start(), inp(spread_bps=Decimal(60)), P, T0).multiplier == 0
    assert decide_risk_budget(start(), inp(spread_bps=Decimal(600)), P, T0).multiplier == 0


def test_loss_streak_pauses_then_resumes_small_then_pauses_again() -> None:
    d = decide_risk_budget(start(), inp(loss_streak=3), P, T0)
    assert d.mode is N and d.multiplier == Decimal("0.25")
    d = decide_risk_budget(d.state, inp(loss_streak=4), P, T0)
    assert d.mode is R and "RISK_LOSS_STREAK" in codes(d)
    assert d.state.cooldown_until == T0 + timedelta(seconds=3600)
    assert d.state.last_loss_streak == 4
    mid = decide_risk_budget(d.state, inp(loss_streak=4), P, T0 + timedelta(seconds=3599))
    assert mid.mode is R and "RISK_LOSS_STREAK" not in codes(mid)
    back = decide_risk_budget(mid.state, inp(loss_streak=4), P, T0 + timedelta(seconds=3600))
    assert back.mode is N and back.multiplier == Decimal("0.25")
    again = decide_risk_budget(back.state, inp(loss_streak=5), P, T0 + timedelta(seconds=3700))
    assert again.mode is R
    win = decide_risk_budget(again.state, inp(loss_streak=0), P, T0 + timedelta(hours=3))
    assert win.mode is N and win.multiplier == 1 and win.state.last_loss_streak == 0


def test_fresh_state_with_a_long_streak_pauses() -> None:
    assert decide_risk_budget(RiskState(), inp(loss_streak=7), P, T0).mode is R


# --- day boundary ---------------------------------------------------------------------------


def _loss_params(tz: str) -> RiskBudgetParams:
    return RiskBudgetParams(
        timezone=tz, drawdown_reduce_ratio=None, drawdown_observe_ratio=None, cooldown_s=60.0
    )


@pytest.mark.parametrize(
    ("tz", "before", "at"),
    [
        ("Europe/Istanbul", datetime(2026, 3, 10, 20, 59, 59, tzinfo=UTC),
         datetime(2026, 3, 10, 21, 0, 0, tzinfo=UTC)),
        ("+03:00", datetime(2026, 3, 10, 20, 59, 59, tzinfo=UTC),
         datetime(2026, 3, 10, 21, 0, 0, tzinfo=UTC)),
        ("UTC", datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC),
         datetime(2026, 3, 11, 0, 0, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_daily_loss_resets_at_the_configured_midnight(
    tz: str, before: datetime, at: datetime
) -> None:
    params = _loss_params(tz)
    s = decide_risk_budget(RiskState(), inp(), params, before - timedelta(hours=1)).state
    loss = inp(realized_pnl=Decimal(-600))
    d1 = decide_risk_budget(s, loss, params, before)
    assert d1.mode is OB and d1.state.day_anchor == "2026-03-10"
    d2 = decide_risk_budget(d1.state, loss, params, at)
    assert d2.state.day_anchor == "2026-03-11"
    assert d2.state.day_start_realized == -600
    assert d2.metrics.daily_loss == 0
    assert "RISK_DAY_ROLLOVER" in [r.code for r in d2.reasons]
    assert d2.mode is OB  # cooldown: the loss held until the previous cycle
    d3 = decide_risk_budget(d2.state, loss, params, at + timedelta(seconds=60))
    assert d3.mode is R
    d4 = decide_risk_budget(d3.state, loss, params, at + timedelta(seconds=120))
    assert d4.mode is N


def test_istanbul_day_differs_from_utc_day_in_the_evening() -> None:
    evening = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
    ist = decide_risk_budget(RiskState(), inp(), _loss_params("Europe/Istanbul"), evening)
    utc = decide_risk_budget(RiskState(), inp(), _loss_params("UTC"), evening)
    assert ist.state.day_anchor == "2026-03-11" and utc.state.day_anchor == "2026-03-10"


def test_day_going_backwards_keeps_the_current_day() -> None:
    s = start(day_anchor="2026-03-11", day_start_realized=Decimal(0))
    d = decide_risk_budget(s, inp(realized_pnl=Decimal(-300)), P, T0)
    assert d.state.day_anchor == "2026-03-11"
    assert d.metrics.daily_loss == 300
    assert "RISK_DAY_BACKWARDS" in codes(d)


# --- params and inputs validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"spread_reduce_bps": Decimal(200)}, "spread_reduce_bps=200 must be <= spread_observe"),
        ({"drawdown_reduce_ratio": Decimal(0)}, "drawdown_reduce_ratio must be > 0"),
        ({"hysteresis_ratio": Decimal(1)}, "hysteresis_ratio must be in"),
        ({"cooldown_s": -1}, "cooldown_s must be seconds"),
        ({"loss_streak_reduce": 0}, "loss_streak_reduce must be an integer >= 1"),
        ({"streak_half_at": 4}, "streak_half_at=4 must be <= streak_quarter_at=3"),
        ({"streak_half_at": None}, "streak_half_at must be an integer >= 1, got None"),
    ],
)
def test_params_validation_names_parameter_value_and_range(
    kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(ValidationError, match=match):
        RiskBudgetParams(**kwargs)  # type: ignore[arg-type]


def test_params_reject_floats_and_unknown_timezones() -> None:
    with pytest.raises(TypeError):
        RiskBudgetParams(spread_reduce_bps=50.0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="Mars/Olympus_Mons"):
        RiskBudgetParams(timezone="Mars/Olympus_Mons")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"largest_position_value": Decimal(5), "positions_value": Decimal(4)}, "exceeds"),
        ({"loss_streak": -1}, "loss_streak must be an integer >= 0"),
        ({"quote_age_s": float("nan")}, "quote_age_s must be seconds"),
        ({"positions_value": Decimal(-1)}, "positions_value must be >= 0"),
    ],
)
def test_inputs_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        inp(**kwargs)


# --- permissions, combination with the degrade ladder, builders -----------------------------


@pytest.mark.parametrize(
    ("mode", "buy", "sell"), [(N, True, True), (R, False, True), (OB, False, False)]
)
def test_allows_submit_table(mode: RiskMode, buy: bool, sell: bool) -> None:
    assert allows_submit(mode, Side.BUY) is buy
    assert allows_submit(mode, Side.SELL) is sell


@pytest.mark.parametrize(
    ("streak", "level", "mode", "multiplier"),
    [
        (0, 0, N, "1"), (2, 0, N, "0.5"), (0, 1, N, "0.5"), (3, 1, N, "0.25"),
        (0, 2, R, "0"), (0, 3, OB, "0"),
    ],
)  # fmt: skip
def test_effective_risk_stricter_wins(
    streak: int, level: int, mode: RiskMode, multiplier: str
) -> None:
    risk = decide_risk_budget(start(), inp(loss_streak=streak), P, T0)
    state = RiskState(degrade_level=level)
    degrade = update_degrade(state, AnomalyInputs(), DegradeParams(), T0)
    assert degrade.level == level  # no anomalies, but the cooldown keeps the level this cycle
    eff = effective_risk(risk, degrade)
    assert eff.mode is mode and eff.multiplier == Decimal(multiplier)
    assert eff.reasons[-1].code == "RISK_EFFECTIVE_MODE"
    assert eff.allows(Side.BUY) is (mode is N)


def test_effective_risk_keeps_the_risk_mode_when_it_is_stricter() -> None:
    risk = decide_risk_budget(start(), inp(spread_bps=Decimal(999)), P, T0)
    degrade = update_degrade(RiskState(), AnomalyInputs(), DegradeParams(), T0)
    eff = effective_risk(risk, degrade)
    assert eff.mode is OB and eff.risk_mode is OB and eff.degrade_level == 0


def test_market_facts_and_build_risk_inputs() -> None:
    quotes = {
        BTC: Quote(BTC, Decimal(999), Decimal(1001), T0 - timedelta(seconds=5)),
        ETH: Quote(ETH, Decimal(100), Decimal(101), T0 - timedelta(seconds=2)),
    }
    market = MarketSnapshot(T0, quotes)
    age, spread = market_facts(market, [BTC, ETH], T0)
    assert age == 5.0 and spread == quotes[ETH].spread_bps
    assert market_facts(market, [Pair("XRP", "TRY"), BTC], T0) == (None, quotes[BTC].spread_bps)
    bar = Bar(ETH, T0 - timedelta(seconds=90), Decimal(1), Decimal(1), Decimal(1), Decimal(1))
    bars_only = MarketSnapshot(T0, bars={ETH: bar})
    assert market_facts(bars_only, [ETH], T0) == (30.0, None)  # closed 30 s ago
    assert market_facts(market, [], T0) == (0.0, None)
    valuation = Valuation(
        cash=Decimal(4000), positions_value=Decimal(6000), equity=Decimal(10_000),
        realized_pnl=Decimal(-12), unrealized_pnl=Decimal(0), fees=Decimal(0),
        net_deposits=Decimal(10_000), turnover=Decimal(0), high_water_mark=Decimal(10_000),
    )  # fmt: skip
    built = build_risk_inputs(
        valuation=valuation, loss_streak=1,
        position_values={"BTC": Decimal(5000), "ETH": Decimal(1000)},
        market=market, pairs=[BTC, ETH], now=T0,
    )  # fmt: skip
    assert built == RiskInputs(
        equity=Decimal(10_000), realized_pnl=Decimal(-12), loss_streak=1,
        positions_value=Decimal(6000), largest_position_value=Decimal(5000),
        quote_age_s=5.0, spread_bps=quotes[ETH].spread_bps,
    )  # fmt: skip


def test_every_reason_is_a_reason_with_a_code() -> None:
    d = decide_risk_budget(start(), inp(spread_bps=Decimal(60), loss_streak=2), P, T0)
    assert all(isinstance(r, Reason) and r.code.startswith("RISK_") for r in d.reasons)
