"""The calm risk verdict is reused only while it is still exact."""

from __future__ import annotations

from decimal import Decimal as D

import attrs
import pytest

from btcbot_core.errors import ValidationError
from btcbot_core.money import ONE
from btcbot_core.pipeline.assess import assess_risk
from btcbot_core.pipeline.market_read import read_market
from btcbot_core.risk_budget import HALF, RiskBudgetParams
from btcbot_core.state import RiskMode
from tests.pipeline.harness import Harness


def calm_harness() -> Harness:
    h = Harness(profile="backtest")  # no degrade ladder: a calm cycle takes the calm path
    h.cycle(1_000_000, 1_001_000)
    h.minute += 1
    return h


def assess(h: Harness, params: object = None):  # type: ignore[no-untyped-def]
    s = h.session
    if params is not None:
        s.params = params  # type: ignore[assignment]
    market = read_market(h.exchange, s, s.cycle + 1, h.now)
    valuation = s.ledger.valuation(s.marks)
    result = assess_risk(s, market, valuation, None, h.now, s.cycle + 1, lambda: {})
    s.risk = result.state  # as the cycle keeps it
    return result


def test_the_same_calm_verdict_is_reused_while_nothing_changed() -> None:
    h = calm_harness()
    h.quote(1_000_000, 1_001_000)
    first = assess(h)
    assert (first.mode, first.multiplier, first.reasons) == (RiskMode.NORMAL, ONE, ())
    assert assess(h) is first


def test_new_parameters_recompute_the_multiplier() -> None:
    h = calm_harness()
    h.quote(1_000_000, 1_001_000)
    h.session.ledger.loss_streak = 2
    first = assess(h)
    assert first.multiplier == HALF  # defaults: half from a streak of 2
    looser = attrs.evolve(
        h.params, risk_budget=RiskBudgetParams(streak_half_at=5, streak_quarter_at=6)
    )
    second = assess(h, looser)
    # the same streak under other parameters: a new state (its reasons name the multiplier),
    # so the old verdict is not reused
    assert second.state is not first.state and second.multiplier == ONE
    assert second.state.reasons == ("RISK_OK: no trigger",)
    assert assess(h, looser) is second
    assert assess(h, h.params).multiplier == D("0.5")  # and back


def test_the_session_keeps_one_calm_check_per_parameters_object() -> None:
    h = calm_harness()
    h.quote(1_000_000, 1_001_000)
    assess(h)
    check = h.session.calm_check
    assert check is not None and check.params is h.params.risk_budget
    assess(h)
    assert h.session.calm_check is check  # built once, not per cycle
    looser = attrs.evolve(
        h.params, risk_budget=RiskBudgetParams(streak_half_at=5, streak_quarter_at=6)
    )
    assess(h, looser)
    assert h.session.calm_check is not check
    assert h.session.calm_check.params is looser.risk_budget  # type: ignore[union-attr]


def test_the_degrade_ladder_needs_the_exchange_balances() -> None:
    """A profile with the degrade ladder reads the exchange balances for its divergence
    check: assess_risk without a reader names what is missing; the backtest profile (no
    ladder) never reads them."""
    h = Harness()  # stage7: the degrade ladder, a divergence check every cycle
    h.cycle(1_000_000, 1_001_000)
    s = h.session
    market = read_market(h.exchange, s, s.cycle + 1, h.now)
    valuation = s.ledger.valuation(s.marks)
    with pytest.raises(ValidationError, match="'stage7' runs the degrade ladder"):
        assess_risk(s, market, valuation, None, h.now, s.cycle + 1, None)
    calm = calm_harness()
    calm.quote(1_000_000, 1_001_000)
    cs = calm.session
    calm_market = read_market(calm.exchange, cs, cs.cycle + 1, calm.now)
    result = assess_risk(
        cs, calm_market, cs.ledger.valuation(cs.marks), None, calm.now, cs.cycle + 1, None
    )
    assert result.mode is RiskMode.NORMAL
