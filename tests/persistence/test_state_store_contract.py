"""Contract: cycles, capital state, risk state and parameter sets round-trip exactly."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

from btcbot_core.errors import PersistenceError
from btcbot_core.state import CapitalState, ParameterSet, RiskMode, RiskState

from .conftest import UowFactory
from .factories import at, cycle


def test_cycle_record_and_last(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        assert uow.cycles.last() is None
        assert uow.cycles.record(cycle("run1", 1)) is True
        assert uow.cycles.record(cycle("run1", 2, note="ünïcode ✓")) is True
        assert uow.cycles.record(cycle("run2", 1)) is True
        uow.commit()
    with new_uow() as uow:
        assert uow.cycles.record(cycle("run1", 2, other="x")) is False
        assert uow.cycles.last("run1") == cycle("run1", 2, note="ünïcode ✓")
        assert uow.cycles.last() == cycle("run2", 1)
        assert uow.cycles.last("nobody") is None


def test_cycle_report_round_trips_nested_json(new_uow: UowFactory) -> None:
    record = attrs.evolve(
        cycle("r", 7),
        mode=RiskMode.REDUCE_RISK_ONLY,
        report={"a": [1, "2.50", None, True], "b": {"c": {"d": "0.000000001"}}},
    )
    with new_uow() as uow:
        uow.cycles.record(record)
        uow.commit()
    with new_uow() as uow:
        assert uow.cycles.last("r") == record


def _every_field_set(cls: type, sample: Mapping[str, object]) -> object:
    """An instance with every field given a non-default value from ``sample`` by type."""
    values: dict[str, object] = {}
    for field in attrs.fields(cls):
        if field.name in sample:
            values[field.name] = sample[field.name]
            continue
        kind = str(field.type)
        if "Decimal" in kind:
            values[field.name] = Decimal("12345.123456789012345678")
        elif "datetime" in kind:
            values[field.name] = at(99)
        elif "int" in kind:
            values[field.name] = 7
        elif "str" in kind:
            values[field.name] = "x-" + field.name
        else:  # a new field of an unforeseen type: make the test say so
            pytest.fail(f"{cls.__name__}.{field.name}: add a sample for type {kind}")
    return cls(**values)


def test_capital_state_every_field_round_trips(new_uow: UowFactory, exact_text: bool) -> None:
    state = _every_field_set(CapitalState, {})
    with new_uow() as uow:
        assert uow.capital.load() is None
        uow.capital.save(state)
        uow.commit()
    with new_uow() as uow:
        loaded = uow.capital.load()
    assert loaded == state
    for field in attrs.fields(CapitalState):
        if not exact_text:
            break
        assert repr(getattr(loaded, field.name)) == repr(getattr(state, field.name)), field.name


def test_risk_state_every_field_round_trips(new_uow: UowFactory, exact_text: bool) -> None:
    sample = {"mode": RiskMode.OBSERVE_ONLY, "reasons": ("drawdown>10%", "stale data")}
    state = _every_field_set(RiskState, sample)
    with new_uow() as uow:
        assert uow.risk.load() is None
        uow.risk.save(state)
        uow.commit()
    with new_uow() as uow:
        loaded = uow.risk.load()
    assert loaded == state
    for field in attrs.fields(RiskState):
        if not exact_text:
            break
        assert repr(getattr(loaded, field.name)) == repr(getattr(state, field.name)), field.name


def test_state_defaults_round_trip_and_save_replaces(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        uow.capital.save(CapitalState(trading_capital="1000"))
        uow.risk.save(RiskState())
        uow.commit()
    with new_uow() as uow:
        assert uow.capital.load() == CapitalState(trading_capital="1000")
        assert uow.risk.load() == RiskState()
        uow.capital.save(CapitalState(trading_capital="900", treasury="40"))
        uow.commit()
    with new_uow() as uow:
        assert uow.capital.load() == CapitalState(trading_capital="900", treasury="40")


def test_timestamps_come_back_aware_and_equal(new_uow: UowFactory, backend: str) -> None:
    istanbul = timezone(timedelta(hours=3))
    local = datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=istanbul)
    with new_uow() as uow:
        uow.capital.save(CapitalState(trading_capital="1", updated_at=local))
        uow.commit()
    with new_uow() as uow:
        loaded = uow.capital.load()
    assert loaded.updated_at == local
    assert loaded.updated_at.tzinfo is not None
    if backend != "memory":  # the fake keeps the object it was given; SQL normalises to UTC
        assert loaded.updated_at.utcoffset() == timedelta(0)


def test_parameter_sets(new_uow: UowFactory) -> None:
    v1 = ParameterSet(version=1, values={"MIN_PROFIT_BPS": "25"}, created_at=at(0), reason="init")
    v2 = ParameterSet(version=2, values={"MIN_PROFIT_BPS": "30", "X": "1.50"}, created_at=at(1))
    with new_uow() as uow:
        assert uow.parameters.active() is None
        uow.parameters.add(v1)
        uow.parameters.add(v2)
        assert uow.parameters.active() is None
        uow.parameters.activate(1, at(2), "first")
        uow.commit()
    with new_uow() as uow:
        assert uow.parameters.active() == attrs.evolve(v1, active=True)
        uow.parameters.activate(2, at(3), "adapted")
        uow.commit()
    with new_uow() as uow:
        assert uow.parameters.active() == attrs.evolve(v2, active=True)
        with pytest.raises(PersistenceError):
            uow.parameters.activate(9, at(4), "missing")
    with new_uow() as uow, pytest.raises(PersistenceError):
        uow.parameters.add(v1)


def test_parameter_set_added_active_becomes_the_active_one(new_uow: UowFactory) -> None:
    v1 = ParameterSet(version=1, values={}, created_at=at(0), active=True)
    v2 = ParameterSet(version=2, values={"A": "1"}, created_at=at(1), active=True)
    with new_uow() as uow:
        uow.parameters.add(v1)
        uow.parameters.add(v2)
        uow.commit()
    with new_uow() as uow:
        assert uow.parameters.active() == v2


def test_utc_constant_is_used() -> None:
    assert at(0).tzinfo is UTC
