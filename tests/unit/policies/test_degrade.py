"""Degrade ladder: detectors at their thresholds, escalation, stepwise recovery, cooldown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.decisions import Reason
from btcbot_core.degrade import (
    DEGRADE_MODE,
    DEGRADE_SHRINK,
    Anomaly,
    AnomalyInputs,
    AnomalyKind,
    BalanceDivergence,
    DegradeParams,
    HealthObservations,
    balance_divergence,
    detect_anomalies,
    detect_clock_skew,
    detect_fill_cursor_stall,
    detect_latency_spike,
    detect_pnl_divergence,
    detect_reject_spike,
    detect_stale_data,
    update_degrade,
)
from btcbot_core.errors import ValidationError
from btcbot_core.state import RiskMode, RiskState

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
P = DegradeParams()


def level(anomaly: Anomaly | None) -> int:
    return 0 if anomaly is None else anomaly.level


def anomalies(*levels: int) -> AnomalyInputs:
    return AnomalyInputs(
        tuple(Anomaly(AnomalyKind.LATENCY_SPIKE, n, Reason("LATENCY_SPIKE", "x")) for n in levels)
    )


# --- tables ---------------------------------------------------------------------------------


def test_level_tables() -> None:
    assert [DEGRADE_MODE[n] for n in range(4)] == [
        RiskMode.NORMAL,
        RiskMode.NORMAL,
        RiskMode.REDUCE_RISK_ONLY,
        RiskMode.OBSERVE_ONLY,
    ]
    assert [DEGRADE_SHRINK[n] for n in range(4)] == [1, Decimal("0.5"), Decimal("0.25"), 0]


# --- detectors at their thresholds ----------------------------------------------------------


@pytest.mark.parametrize(("age", "expected"), [(None, 0), (14.9, 0), (15, 1), (59.9, 1), (60, 3)])
def test_stale_data(age: float | None, expected: int) -> None:
    assert level(detect_stale_data(age, (), P)) == expected


def test_missing_quote_is_level_3_and_named() -> None:
    found = detect_stale_data(0.0, ("BTCTRY",), P)
    assert found is not None and found.level == 3 and "BTCTRY" in found.reason.detail


@pytest.mark.parametrize(("rejects", "expected"), [(0, 0), (1, 0), (2, 1), (4, 1), (5, 2)])
def test_reject_spike(rejects: int, expected: int) -> None:
    assert level(detect_reject_spike(10, rejects, P)) == expected


@pytest.mark.parametrize(
    ("ms", "expected"), [(None, 0), (1499.9, 0), (1500, 1), (4999, 1), (5000, 2)]
)
def test_latency_spike(ms: float | None, expected: int) -> None:
    assert level(detect_latency_spike(ms, P)) == expected


@pytest.mark.parametrize(("age", "expected"), [(None, 0), (29, 0), (30, 1), (299, 1), (300, 2)])
def test_fill_cursor_stall(age: float | None, expected: int) -> None:
    assert level(detect_fill_cursor_stall(age, P)) == expected


@pytest.mark.parametrize(
    ("offset", "expected"), [(None, 0), (0.99, 0), (1, 1), (-1, 1), (-4.9, 1), (5, 3), (-5, 3)]
)
def test_clock_skew(offset: float | None, expected: int) -> None:
    assert level(detect_clock_skew(offset, P)) == expected


def test_balance_divergence_values_gaps_in_try() -> None:
    ledger = {"TRY": Decimal(1000), "BTC": Decimal("0.5"), "ETH": Decimal(2)}
    exchange = {
        "TRY": Decimal(990),
        "BTC": Decimal("0.5"),
        "ETH": Decimal("2.1"),
        "XRP": Decimal(3),
    }
    div = balance_divergence(ledger, exchange, {"ETH": Decimal(100)})
    assert div.per_asset == {"ETH": Decimal("-0.1"), "TRY": Decimal(10), "XRP": Decimal(-3)}
    assert div.value_try == Decimal("20.0")
    assert div.unpriced == ("XRP",)


@pytest.mark.parametrize(
    ("value", "equity", "expected"),
    [("10", "0", 0), ("10.01", "0", 2), ("50", "0", 2), ("50.01", "0", 3),
     ("20", "20000", 0), ("20.01", "20000", 2)],
)  # fmt: skip
def test_pnl_divergence_tolerance(value: str, equity: str, expected: int) -> None:
    div = BalanceDivergence({"TRY": Decimal(value)}, Decimal(value), ())
    assert level(detect_pnl_divergence(div, Decimal(equity), P)) == expected


def test_pnl_divergence_in_an_unpriced_asset_is_level_3() -> None:
    div = BalanceDivergence({"XRP": Decimal(1)}, Decimal(0), ("XRP",))
    assert level(detect_pnl_divergence(div, Decimal(10**6), P)) == 3
    assert detect_pnl_divergence(None, Decimal(0), P) is None


def test_detect_anomalies_runs_every_detector() -> None:
    observed = HealthObservations(
        quote_age_s=20.0, submits=3, rejects=2, latency_ms=6000.0, fill_gap_age_s=31.0,
        clock_offset_s=0.1,
        divergence=BalanceDivergence({"TRY": Decimal(11)}, Decimal(11), ()),
        equity=Decimal(1000),
    )  # fmt: skip
    found = detect_anomalies(observed, P)
    kinds = {a.kind: a.level for a in found.anomalies}
    assert kinds == {
        AnomalyKind.STALE_DATA: 1,
        AnomalyKind.REJECT_SPIKE: 1,
        AnomalyKind.LATENCY_SPIKE: 2,
        AnomalyKind.FILL_CURSOR_STALL: 1,
        AnomalyKind.PNL_DIVERGENCE: 2,
    }
    assert found.level == 2
    assert detect_anomalies(HealthObservations(), P) == AnomalyInputs()


# --- the ladder -----------------------------------------------------------------------------


def test_healthy_stays_at_zero() -> None:
    d = update_degrade(RiskState(), AnomalyInputs(), P, T0)
    assert (d.level, d.mode, d.shrink, d.reasons) == (0, RiskMode.NORMAL, Decimal(1), ())
    assert d.state.degrade_until is None and d.state.stable_cycles == 0


def test_escalation_is_immediate_to_the_worst_anomaly() -> None:
    d = update_degrade(RiskState(), anomalies(1, 3, 2), P, T0)
    assert d.level == 3 and d.previous_level == 0
    assert d.mode is RiskMode.OBSERVE_ONLY and d.shrink == 0
    assert [r.code for r in d.reasons][-1] == "DEGRADE_ESCALATED"
    assert d.state.degrade_until == T0 + timedelta(seconds=300)
    assert len(d.reasons) == 4  # each anomaly's reason, then the ladder's


def test_recovery_needs_n_stable_cycles_and_the_cooldown() -> None:
    state = update_degrade(RiskState(), anomalies(2), P, T0).state
    t = T0
    for expected_stable in (1, 2):
        t += timedelta(seconds=200)
        d = update_degrade(state, AnomalyInputs(), P, t)
        assert d.level == 2 and d.state.stable_cycles == expected_stable
        assert d.reasons[-1].code == "DEGRADE_RECOVERING"
        state = d.state
    # third stable cycle at T0+600 > cooldown end T0+300: step down one level
    d = update_degrade(state, AnomalyInputs(), P, t + timedelta(seconds=200))
    assert d.level == 1 and d.reasons[-1].code == "DEGRADE_RECOVERED"
    assert d.state.stable_cycles == 0


def test_cooldown_blocks_recovery_even_after_enough_stable_cycles() -> None:
    state = update_degrade(RiskState(), anomalies(3), P, T0).state
    for i in range(1, 10):
        d = update_degrade(state, AnomalyInputs(), P, T0 + timedelta(seconds=i))
        state = d.state
        assert d.level == 3
    d = update_degrade(state, AnomalyInputs(), P, T0 + timedelta(seconds=300))
    assert d.level == 2


def test_recovery_is_one_level_at_a_time() -> None:
    params = DegradeParams(recovery_cycles=1, cooldown_s=0)
    state = update_degrade(RiskState(), anomalies(3), params, T0).state
    levels = []
    for i in range(1, 5):
        d = update_degrade(state, AnomalyInputs(), params, T0 + timedelta(seconds=i))
        state = d.state
        levels.append(d.level)
    assert levels == [2, 1, 0, 0]


def test_a_relapse_resets_the_stable_count_and_extends_the_cooldown() -> None:
    params = DegradeParams(recovery_cycles=2, cooldown_s=10)
    state = update_degrade(RiskState(), anomalies(2), params, T0).state
    state = update_degrade(state, AnomalyInputs(), params, T0 + timedelta(seconds=20)).state
    assert state.stable_cycles == 1
    held = update_degrade(state, anomalies(2), params, T0 + timedelta(seconds=30))
    assert held.level == 2 and held.state.stable_cycles == 0
    assert held.reasons[-1].code == "DEGRADE_HELD"
    assert held.state.degrade_until == T0 + timedelta(seconds=40)


def test_a_milder_anomaly_counts_as_stable_but_holds_its_own_level() -> None:
    params = DegradeParams(recovery_cycles=1, cooldown_s=0)
    state = update_degrade(RiskState(), anomalies(3), params, T0).state
    seen = []
    for i in range(1, 5):
        d = update_degrade(state, anomalies(1), params, T0 + timedelta(seconds=i))
        state = d.state
        seen.append(d.level)
    assert seen == [2, 1, 1, 1]


def test_only_the_degrade_fields_change() -> None:
    base = RiskState(mode=RiskMode.REDUCE_RISK_ONLY, reasons=("x",), day_anchor="2026-03-10")
    d = update_degrade(base, anomalies(1), P, T0)
    assert (d.state.mode, d.state.reasons, d.state.day_anchor) == (
        base.mode,
        base.reasons,
        base.day_anchor,
    )


def test_a_corrupt_persisted_level_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValidationError, match=r"degrade_level must be 0\.\.3, got 7"):
        update_degrade(RiskState(degrade_level=7), AnomalyInputs(), P, T0)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        update_degrade(RiskState(), AnomalyInputs(), P, datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"stale_warn_s": 0}, "stale_warn_s must be a finite number > 0, got 0"),
        ({"stale_warn_s": 100.0}, "stale_warn_s=100.0 must be <= stale_severe_s=60.0"),
        ({"reject_severe_count": 1}, "reject_warn_count=2 must be <= reject_severe_count=1"),
        ({"cooldown_s": -1}, "cooldown_s must be a finite number >= 0"),
        ({"recovery_cycles": 1.5}, "recovery_cycles must be an integer >= 1, got 1.5"),
        ({"latency_warn_ms": float("inf")}, "latency_warn_ms must be a finite number"),
        ({"divergence_tolerance_try": Decimal(-1)}, "divergence_tolerance_try must be"),
    ],
)
def test_params_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        DegradeParams(**kwargs)  # type: ignore[arg-type]


def test_anomaly_level_must_be_1_to_3() -> None:
    with pytest.raises(ValidationError, match=r"1\.\.3"):
        Anomaly(AnomalyKind.CLOCK_SKEW, 0, Reason("CLOCK_SKEW"))


# --- properties -----------------------------------------------------------------------------

_levels = st.lists(st.integers(0, 3), min_size=1, max_size=40)


@pytest.mark.property
@given(
    start=st.integers(0, 3),
    stable=st.integers(0, 5),
    worse=st.integers(0, 3),
    better=st.integers(0, 3),
    until=st.none() | st.integers(-600, 600),
)
def test_more_severe_anomalies_never_give_a_lower_level(
    start: int, stable: int, worse: int, better: int, until: int | None
) -> None:
    lo, hi = sorted((worse, better))
    state = RiskState(
        degrade_level=start,
        stable_cycles=stable,
        degrade_until=None if until is None else T0 + timedelta(seconds=until),
    )
    a = update_degrade(state, anomalies(lo) if lo else AnomalyInputs(), P, T0)
    b = update_degrade(state, anomalies(hi) if hi else AnomalyInputs(), P, T0)
    assert b.level >= a.level and b.shrink <= a.shrink and b.mode.rank >= a.mode.rank


@pytest.mark.property
@given(targets=_levels, gaps=st.lists(st.integers(1, 400), min_size=40, max_size=40))
def test_ladder_rises_at_once_and_falls_one_step_after_cooldown(
    targets: list[int], gaps: list[int]
) -> None:
    state, now, last_change = RiskState(), T0, T0
    for target, gap in zip(targets, gaps, strict=False):
        now += timedelta(seconds=gap)
        d = update_degrade(state, anomalies(target) if target else AnomalyInputs(), P, now)
        assert d.level >= target
        if d.level > d.previous_level:
            assert d.level == target
        if d.level < d.previous_level:
            assert d.level == d.previous_level - 1
            assert now - last_change >= timedelta(seconds=P.cooldown_s)
        if d.level != d.previous_level:
            last_change = now
        state = d.state
