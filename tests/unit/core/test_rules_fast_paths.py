"""The shortcuts in ``SymbolRules`` agree with the general code they stand in for.

* ``round_price``/``round_qty`` take a single ``quantize`` for power-of-ten steps: same
  value, same exponent, same sign of zero and the same error as ``quantize_down``/``_up``.
* ``quantize_checked`` is ``quantize`` followed by ``check`` (skipping only grid tests that
  its own rounding guarantees).
* the derived ``effective_price_step``/``is_trading`` equal their definitions.
"""

from __future__ import annotations

from decimal import Decimal as D

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core import Pair, Side, SymbolRules
from btcbot_core.money import quantize_down, quantize_up
from btcbot_core.rules import RuleViolation, ViolationCode, _whole_multiple

pytestmark = pytest.mark.property

BTCTRY = Pair("BTC", "TRY")
sides = st.sampled_from(list(Side))


def outcome(fn, *args):  # type: ignore[no-untyped-def]
    """``str`` of the result (exponent and sign of zero included), or the error type."""
    try:
        return ("ok", str(fn(*args)))
    except Exception as exc:  # the type is what we compare
        return ("error", type(exc).__name__)


@st.composite
def any_decimal(draw: st.DrawFn) -> D:
    """Decimals of every shape: up to 40 digits, big and tiny exponents, signs, zeros."""
    digits = draw(st.text("0123456789", min_size=1, max_size=40))
    exponent = draw(st.integers(-45, 35))
    sign = draw(st.sampled_from(["", "", "-"]))
    return D(f"{sign}{digits}E{exponent}")


@st.composite
def near_a_step(draw: st.DrawFn) -> D:
    """Just under or over a power of ten with more digits than the context holds, where
    rounding the quotient first (as ``quantize_down`` does) moves it onto the step."""
    n = draw(st.integers(25, 40))
    exponent = draw(st.integers(-20, 5))
    body = "9" * n if draw(st.booleans()) else "1" + "0" * (n - 2) + "1"
    return D(f"{draw(st.sampled_from(['', '-']))}{body}E{exponent - n}")


values = st.one_of(
    any_decimal(),
    near_a_step(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(min_value=D("-1000"), max_value=D("100000000"), places=10),
    st.sampled_from([D("0"), D("-0"), D("0E-12"), D("-0.001"), D("1E+30"), D("9" * 28)]),
)


@st.composite
def rules(draw: st.DrawFn) -> SymbolRules:
    price_scale = draw(st.integers(0, 8))
    qty_scale = draw(st.integers(0, 10))
    price_units = draw(st.sampled_from([1, 1, 1, 2, 5, 10, 25, 3]))
    qty_units = draw(st.sampled_from([1, 1, 1, 5, 10]))
    price_step = D(price_units).scaleb(-draw(st.integers(0, price_scale)))
    qty_step = D(qty_units).scaleb(-draw(st.integers(0, qty_scale)))
    bound = st.none() | st.decimals(min_value=D("0.0001"), max_value=D("1000000"), places=4)
    return SymbolRules(
        BTCTRY,
        price_scale=price_scale,
        qty_scale=qty_scale,
        price_step=price_step,
        qty_step=qty_step,
        min_notional=draw(st.decimals(min_value=0, max_value=500, places=2)),
        has_fraction=draw(st.booleans()),
        min_price=draw(bound),
        max_price=draw(bound),
        min_qty=draw(bound),
        max_qty=draw(bound),
        status=draw(st.sampled_from(["TRADING", "trading", "HALT"])),
    )


@pytest.mark.parametrize(
    "value", [D("0." + "9" * 35), D("1." + "0" * 30 + "1"), D("-0." + "9" * 35), D("-0")]
)
@pytest.mark.parametrize("step", [D(1), D("0.01"), D("1E-8")])
def test_rounding_shortcuts_at_more_digits_than_the_context(value: D, step: D) -> None:
    r = SymbolRules(BTCTRY, price_scale=8, qty_scale=8, price_step=step, qty_step=step)
    for side in Side:
        general = quantize_down if side is Side.BUY else quantize_up
        assert outcome(r.round_price, value, side) == outcome(general, value, step)
    assert outcome(r.round_qty, value) == outcome(quantize_down, value, step)


@given(rules(), values, sides)
def test_rounding_shortcuts_equal_the_general_quantisation(
    r: SymbolRules, value: D, side: Side
) -> None:
    general = quantize_down if side is Side.BUY else quantize_up
    assert outcome(r.round_price, value, side) == outcome(general, value, r.effective_price_step)
    assert outcome(r.round_qty, value) == outcome(quantize_down, value, r.qty_step)


@given(rules())
def test_derived_values_equal_their_definitions(r: SymbolRules) -> None:
    expected = r.price_step if r.has_fraction else _whole_multiple(r.price_step)
    assert r.effective_price_step == expected
    assert str(r.effective_price_step) == str(expected)
    assert r.is_trading == (r.status.upper() == "TRADING")
    # and they follow the fields through evolve, without taking part in eq or repr
    other = attrs.evolve(r, has_fraction=not r.has_fraction, status="HALT")
    assert other.effective_price_step == (
        other.price_step if other.has_fraction else _whole_multiple(other.price_step)
    )
    assert not other.is_trading
    assert "_price_grid" not in repr(r)


def _reference_quantize(
    r: SymbolRules, side: Side, price: D | None, qty: D
) -> tuple[D | None, D, tuple[RuleViolation, ...]]:
    """``SymbolRules.quantize`` as first written (before its fast path)."""
    problems: list[RuleViolation] = []
    qprice = None if price is None else r.round_price(price, side)
    qqty = r.round_qty(qty) if qty > 0 else qty
    if qty > 0 and qqty == 0:
        problems.append(
            RuleViolation(
                ViolationCode.ROUNDS_TO_ZERO, f"quantity {qty} rounds to 0 at step {r.qty_step}"
            )
        )
    if price is not None and price > 0 and qprice == 0:
        problems.append(
            RuleViolation(
                ViolationCode.ROUNDS_TO_ZERO,
                f"price {price} rounds to 0 at step {r.effective_price_step}",
            )
        )
    return qprice, qqty, tuple(problems)


prices = st.none() | st.decimals(min_value=D("-10"), max_value=D("10000000"), places=6)
qtys = st.decimals(min_value=D("-1"), max_value=D("100000"), places=10)
refs = st.none() | st.decimals(min_value=D("-1"), max_value=D("10000000"), places=4)


@given(rules(), sides, prices, qtys, refs)
def test_quantize_checked_is_quantize_then_check(
    r: SymbolRules, side: Side, price: D | None, qty: D, ref: D | None
) -> None:
    expected = _reference_quantize(r, side, price, qty)
    assert r.quantize(side, price, qty) == expected
    qprice, qqty, problems = expected
    if not problems:
        problems = r.check(side, qprice, qqty, ref)
    assert r.quantize_checked(side, price, qty, ref) == (qprice, qqty, problems)


def _near(draw: st.DrawFn, step: D) -> D:
    """A value with ``step``'s own exponent half the time (the shortcut's case: on the grid
    or not, depending on the coefficient), else with a nearby exponent (trailing zeros,
    finer digits)."""
    exponent = step.as_tuple().exponent
    assert isinstance(exponent, int)
    if draw(st.booleans()):
        exponent += draw(st.integers(-3, 3))
    return D(draw(st.integers(-3, 10**9))).scaleb(exponent)


@given(rules(), sides, st.data(), refs)
def test_the_grid_shortcut_of_check_equals_the_full_grid_tests(
    r: SymbolRules, side: Side, data: st.DataObject, ref: D | None
) -> None:
    near_price = st.composite(lambda draw: _near(draw, r.effective_price_step))()
    near_qty = st.composite(lambda draw: _near(draw, r.qty_step))()
    price = data.draw(near_price | prices)  # (prices includes None: a market order)
    qty = data.draw(near_qty | qtys)
    # The same rules with the power-of-ten flags off take the full scale/step tests.
    general = attrs.evolve(r)
    object.__setattr__(general, "_qty_pow10", False)
    object.__setattr__(general, "_price_pow10", False)
    assert r.check(side, price, qty, ref) == general.check(side, price, qty, ref)


def test_a_trailing_zero_beyond_the_scale_is_still_refused() -> None:
    r = SymbolRules(BTCTRY, price_scale=2, qty_scale=8)
    codes = [v.code for v in r.check(Side.BUY, D("100.00"), D("0.000000010"))]
    assert codes == [ViolationCode.BAD_QTY_SCALE]  # a multiple of 1E-8, but 9 places
    codes = [v.code for v in r.check(Side.BUY, D("100.000"), D("0.00000001"))]
    assert codes == [ViolationCode.BAD_PRICE_SCALE]
    assert r.check(Side.BUY, D("100.01"), D("0.00000001")) == ()
