"""``same_risk``: a risk state compared with the stored one, every field but ``updated_at``;
``capital_moved``: a capital state compared with the stored one, every field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.pipeline.record import capital_moved, same_risk
from btcbot_core.state import CapitalState, RiskMode, RiskState

T0 = datetime(2024, 1, 1, tzinfo=UTC)
BASE = RiskState(
    mode=RiskMode.NORMAL,
    mode_since=T0,
    equity_high_water_mark=Decimal("100.5"),
    day_anchor="2024-01-01",
    reasons=("RISK_OK",),
    updated_at=T0,
)
#: One different value per compared field.
CHANGES: dict[str, Any] = {
    "mode": RiskMode.OBSERVE_ONLY,
    "mode_since": datetime(2024, 1, 2, tzinfo=UTC),
    "cooldown_until": T0,
    "equity_high_water_mark": Decimal("100.51"),
    "day_anchor": "2024-01-02",
    "day_start_realized": Decimal("-1"),
    "degrade_level": 1,
    "degrade_until": T0,
    "stable_cycles": 3,
    "reasons": ("RISK_SIZE_REDUCED",),
    "last_loss_streak": 2,
}


def test_every_field_but_updated_at_is_compared() -> None:
    names = {f.name for f in attrs.fields(RiskState)}
    assert set(CHANGES) == names - {"updated_at"}


def test_the_same_state_at_another_time_is_the_same() -> None:
    later = attrs.evolve(BASE, updated_at=datetime(2024, 1, 5, tzinfo=UTC))
    assert same_risk(BASE, later) and same_risk(later, BASE)
    # equal values in other objects (Decimal("100.50") == Decimal("100.5"))
    assert same_risk(BASE, attrs.evolve(BASE, equity_high_water_mark=Decimal("100.50")))


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_change_of_any_other_field_is_a_change(name: str) -> None:
    moved = attrs.evolve(BASE, **{name: CHANGES[name]})
    assert not same_risk(BASE, moved) and not same_risk(moved, BASE)


#: Each compared field either BASE's value (also as an equal, distinct object) or CHANGES'.
_EITHER: dict[str, Any] = {
    name: st.sampled_from([getattr(BASE, name), CHANGES[name]]) for name in CHANGES
}
_EITHER["equity_high_water_mark"] = st.sampled_from(
    [BASE.equity_high_water_mark, Decimal("100.50"), CHANGES["equity_high_water_mark"]]
)


@given(
    st.fixed_dictionaries(_EITHER),
    st.fixed_dictionaries(_EITHER),
    st.sampled_from([None, T0, datetime(2024, 1, 5, tzinfo=UTC)]),
)
def test_same_risk_is_equality_of_every_field_but_updated_at(
    a_fields: dict[str, Any], b_fields: dict[str, Any], b_updated: datetime | None
) -> None:
    # same_risk compares the fields that usually move first: it must agree with
    # comparing them all, whichever of them differ.
    a = RiskState(**a_fields, updated_at=T0)
    b = RiskState(**b_fields, updated_at=b_updated)
    expected = all(getattr(a, name) == getattr(b, name) for name in CHANGES)
    assert same_risk(a, b) is expected and same_risk(b, a) is expected


def test_capital_moves_unless_it_is_absent_or_equal_to_the_stored_state() -> None:
    capital = CapitalState(trading_capital="100.5", treasury="1", checkpoint_event_count=3)
    session: Any = SimpleNamespace(stored_capital=capital)
    assert not capital_moved(session, None)
    assert not capital_moved(session, capital)
    assert not capital_moved(session, attrs.evolve(capital, trading_capital=Decimal("100.50")))
    assert capital_moved(session, attrs.evolve(capital, treasury=Decimal("2")))
    assert capital_moved(session, attrs.evolve(capital, updated_at=T0))
    session.stored_capital = None
    assert capital_moved(session, capital)
