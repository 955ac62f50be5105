from __future__ import annotations

from decimal import Decimal as D

import pytest

from btcbot_core import Pair, Side, SymbolRules, ValidationError, ViolationCode

BTCTRY = Pair("BTC", "TRY")


def rules(**kw: object) -> SymbolRules:
    base: dict[str, object] = {
        "pair": BTCTRY,
        "price_scale": 2,
        "qty_scale": 8,
        "min_notional": "100",
    }
    base.update(kw)
    return SymbolRules(**base)  # type: ignore[arg-type]


def codes(violations: tuple[object, ...]) -> set[ViolationCode]:
    return {v.code for v in violations}  # type: ignore[attr-defined]


def test_round_price_direction_by_side() -> None:
    r = rules()
    assert r.round_price(D("100.129"), Side.BUY) == D("100.12")
    assert r.round_price(D("100.121"), Side.SELL) == D("100.13")
    # exact step boundary is unchanged in both directions
    assert r.round_price(D("100.12"), Side.BUY) == D("100.12")
    assert r.round_price(D("100.12"), Side.SELL) == D("100.12")


def test_round_price_with_coarse_tick_and_no_fraction() -> None:
    r = rules(price_scale=0, has_fraction=False)
    assert r.round_price(D("2500123.9"), Side.BUY) == D("2500123")
    assert r.round_price(D("2500123.1"), Side.SELL) == D("2500124")
    r5 = rules(price_scale=0, price_step="5")
    assert r5.round_price(D("101"), Side.BUY) == D("100")
    assert r5.round_price(D("101"), Side.SELL) == D("105")


def test_round_qty_down_and_never_silently_zero() -> None:
    r = rules(qty_scale=4)
    assert r.round_qty(D("0.123456")) == D("0.1234")
    _, qty, problems = r.quantize(Side.BUY, D("100"), D("0.00009"))
    assert qty == 0
    assert codes(problems) == {ViolationCode.ROUNDS_TO_ZERO}
    _, _, problems = rules(price_scale=0).quantize(Side.BUY, D("0.4"), D("1"))
    assert codes(problems) == {ViolationCode.ROUNDS_TO_ZERO}


def test_check_reports_every_violation_at_once() -> None:
    r = rules(
        price_scale=0,
        has_fraction=False,
        min_price="10",
        max_price="1000",
        max_qty="5",
        status="HALT",
    )
    found = codes(r.check(Side.BUY, D("5.5"), D("6.123456789")))
    assert found >= {
        ViolationCode.NOT_TRADING,
        ViolationCode.FRACTIONAL_PRICE,
        ViolationCode.PRICE_BELOW_MIN,
        ViolationCode.QTY_ABOVE_MAX,
        ViolationCode.BAD_QTY_SCALE,
        ViolationCode.BELOW_MIN_NOTIONAL,
    }


@pytest.mark.parametrize(
    ("price", "qty", "code"),
    [
        (D("100.123"), D("2"), ViolationCode.BAD_PRICE_SCALE),
        (D("0"), D("2"), ViolationCode.NON_POSITIVE_PRICE),
        (D("100"), D("0"), ViolationCode.NON_POSITIVE_QTY),
        (D("100"), D("0.5"), ViolationCode.BELOW_MIN_NOTIONAL),
        (D("2000"), D("1"), ViolationCode.PRICE_ABOVE_MAX),
        (D("100"), D("0.001"), ViolationCode.QTY_BELOW_MIN),
    ],
)
def test_single_violations(price: D, qty: D, code: ViolationCode) -> None:
    r = rules(max_price="1000", min_qty="0.01")
    assert code in codes(r.check(Side.SELL, price, qty))


def test_min_notional_boundary_is_inclusive() -> None:
    r = rules()
    assert r.check(Side.BUY, D("100"), D("1")) == ()
    assert codes(r.check(Side.BUY, D("99.99"), D("1"))) == {ViolationCode.BELOW_MIN_NOTIONAL}


def test_market_order_uses_reference_price() -> None:
    r = rules()
    assert r.check(Side.BUY, None, D("1"), reference_price=D("150")) == ()
    assert codes(r.check(Side.BUY, None, D("0.5"), reference_price=D("150"))) == {
        ViolationCode.BELOW_MIN_NOTIONAL
    }
    assert codes(r.check(Side.BUY, None, D("1"))) == {ViolationCode.NO_REFERENCE_PRICE}


def test_qty_for_notional_never_exceeds_budget() -> None:
    r = rules(qty_scale=8)
    qty = r.qty_for_notional(D("1000"), D("2500000"))
    assert qty == D("0.00040000")
    assert qty * D("2500000") <= D("1000")


def test_invalid_rules_are_rejected() -> None:
    with pytest.raises(ValidationError):
        rules(price_scale=-1)
    with pytest.raises(ValidationError):
        rules(price_scale=2, price_step="0.001")
    with pytest.raises(ValidationError):
        rules(min_notional="-1")
    with pytest.raises(TypeError):
        rules(min_notional=1.5)


def test_no_fraction_with_a_fractional_step_uses_the_whole_common_multiple() -> None:
    # found by the quantisation property test: a 2.5 step without fractions must step by 5
    r = rules(price_scale=1, price_step="2.5", has_fraction=False, min_notional="0")
    assert r.effective_price_step == D("5")
    assert r.round_price(D("12.4"), Side.BUY) == D("10")
    assert r.round_price(D("12.4"), Side.SELL) == D("15")
    assert r.check(Side.BUY, D("10"), D("1")) == ()
    assert codes(r.check(Side.BUY, D("7.5"), D("1"))) == {ViolationCode.FRACTIONAL_PRICE}
