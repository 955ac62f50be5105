from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from btcbot_core import Money, ValidationError, apply_bps, bps, kurus, to_bps, to_decimal
from btcbot_core.money import quantize_down, quantize_up, step_for_scale


@pytest.mark.parametrize("bad", [1.5, 0.1, float("nan"), True, False, None, [1], b"1"])
def test_to_decimal_rejects_floats_bools_and_other_types(bad: object) -> None:
    with pytest.raises(TypeError):
        to_decimal(bad)


@pytest.mark.parametrize("bad", ["abc", "", "1,5", "NaN", "inf", "-Infinity"])
def test_to_decimal_rejects_non_numbers(bad: str) -> None:
    with pytest.raises(ValidationError):
        to_decimal(bad, "price")


def test_to_decimal_keeps_exact_values() -> None:
    assert to_decimal("0.1") + to_decimal("0.2") == Decimal("0.3")
    assert to_decimal(7) == Decimal(7)
    assert to_decimal(" 12.50 ") == Decimal("12.50")


def test_money_rejects_float_and_mixed_assets() -> None:
    with pytest.raises(TypeError):
        Money(1.0, "TRY")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money("1", "TRY") + Money("1", "BTC")
    assert Money("1.5", "try") + Money("2", "TRY") == Money("3.5", "TRY")
    assert str(Money("2", "TRY") * 3) == "6 TRY"


def test_bps_helpers() -> None:
    assert bps(25) == Decimal("0.0025")
    assert to_bps(Decimal("0.0025")) == 25
    assert apply_bps("100", "-50") == Decimal("99.5")


def test_quantize_directions_and_exact_boundaries() -> None:
    step = Decimal("0.01")
    assert quantize_down(Decimal("1.239"), step) == Decimal("1.23")
    assert quantize_up(Decimal("1.231"), step) == Decimal("1.24")
    # exactly on a step: both directions leave it alone
    assert quantize_down(Decimal("1.23"), step) == Decimal("1.23")
    assert quantize_up(Decimal("1.23"), step) == Decimal("1.23")
    assert quantize_down(Decimal("-1.231"), step) == Decimal("-1.24")
    assert quantize_down(Decimal("17"), Decimal("5")) == Decimal("15")
    with pytest.raises(ValidationError):
        quantize_down(Decimal(1), Decimal(0))


def test_step_for_scale_and_kurus() -> None:
    assert step_for_scale(0) == 1
    assert step_for_scale(8) == Decimal("0.00000001")
    assert kurus(Decimal("299.4011")) == Decimal("299.40")


def test_global_decimal_context_is_never_changed() -> None:
    before = decimal.getcontext().copy()
    quantize_down(Decimal("1.23456789"), Decimal("0.0001"))
    apply_bps("1", "3")
    after = decimal.getcontext()
    assert (before.prec, before.rounding, before.traps) == (after.prec, after.rounding, after.traps)
