"""Exchange symbol rules: quantisation and order validity, owned in one place.

Rounding directions are fixed and safe for us: a buy price rounds **down** (we never pay more
than asked), a sell price rounds **up** (we never sell for less than asked), a quantity rounds
**down** (we never spend or sell more than we have). Quantisation never silently yields zero:
:meth:`SymbolRules.quantize` reports ``ROUNDS_TO_ZERO`` instead.

Every problem with an order comes back as a :class:`RuleViolation` value with a
:class:`ViolationCode`; :meth:`SymbolRules.check` returns all of them, not just the first.
"""

from __future__ import annotations

import enum
import math
from decimal import Decimal

import attrs

from btcbot_core.errors import ValidationError
from btcbot_core.money import (
    ZERO,
    dec_field,
    opt_dec_field,
    quantize_down,
    quantize_up,
    step_for_scale,
)
from btcbot_core.orders import Side
from btcbot_core.pair import Pair


class ViolationCode(enum.StrEnum):
    NOT_TRADING = "NOT_TRADING"
    NON_POSITIVE_PRICE = "NON_POSITIVE_PRICE"
    NON_POSITIVE_QTY = "NON_POSITIVE_QTY"
    ROUNDS_TO_ZERO = "ROUNDS_TO_ZERO"
    BAD_PRICE_SCALE = "BAD_PRICE_SCALE"
    BAD_QTY_SCALE = "BAD_QTY_SCALE"
    FRACTIONAL_PRICE = "FRACTIONAL_PRICE"
    PRICE_BELOW_MIN = "PRICE_BELOW_MIN"
    PRICE_ABOVE_MAX = "PRICE_ABOVE_MAX"
    QTY_BELOW_MIN = "QTY_BELOW_MIN"
    QTY_ABOVE_MAX = "QTY_ABOVE_MAX"
    BELOW_MIN_NOTIONAL = "BELOW_MIN_NOTIONAL"
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"


def _whole_multiple(step: Decimal) -> Decimal:
    """Least common multiple of ``step`` and 1 (exact, for a positive decimal step)."""
    exponent = step.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= 0:
        return step
    scale = 10**-exponent
    units = int(step.scaleb(-exponent))
    return Decimal(math.lcm(units, scale) // scale)


@attrs.frozen
class RuleViolation:
    """One reason an order breaks the symbol rules; ``detail`` says what was allowed."""

    code: ViolationCode
    detail: str


def _nonneg_int(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 18:
        raise ValidationError(f"{attribute.name} must be an integer 0..18, got {value!r}")


@attrs.frozen
class SymbolRules:
    """Trading rules of one pair, in the pair's units.

    ``price_step`` defaults to ``10**-price_scale`` and ``qty_step`` to ``10**-qty_scale``.
    ``min_notional`` (price × quantity) is in the quote asset. ``has_fraction=False`` means
    prices must be whole numbers. ``None`` bounds are not enforced.
    """

    pair: Pair
    price_scale: int = attrs.field(validator=_nonneg_int)
    qty_scale: int = attrs.field(validator=_nonneg_int)
    min_notional: Decimal = attrs.field(default=ZERO, converter=dec_field)
    price_step: Decimal = attrs.field(converter=dec_field)
    qty_step: Decimal = attrs.field(converter=dec_field)
    has_fraction: bool = True
    min_price: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    max_price: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    min_qty: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    max_qty: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    status: str = "TRADING"

    @price_step.default
    def _price_step_default(self) -> Decimal:
        return step_for_scale(self.price_scale)

    @qty_step.default
    def _qty_step_default(self) -> Decimal:
        return step_for_scale(self.qty_scale)

    def __attrs_post_init__(self) -> None:
        if self.price_step <= 0 or self.qty_step <= 0:
            raise ValidationError(f"{self.pair}: price_step and qty_step must be > 0")
        if self.price_step.as_tuple().exponent < -self.price_scale:  # type: ignore[operator]
            raise ValidationError(
                f"{self.pair}: price_step {self.price_step} is finer than price_scale "
                f"{self.price_scale}"
            )
        if self.qty_step.as_tuple().exponent < -self.qty_scale:  # type: ignore[operator]
            raise ValidationError(
                f"{self.pair}: qty_step {self.qty_step} is finer than qty_scale {self.qty_scale}"
            )
        if self.min_notional < 0:
            raise ValidationError(f"{self.pair}: min_notional must be >= 0")

    @property
    def is_trading(self) -> bool:
        return self.status.upper() == "TRADING"

    @property
    def effective_price_step(self) -> Decimal:
        """The price step actually enforced. Without fractions it is the smallest whole
        number that is also a multiple of ``price_step`` (0.01 → 1, 2.5 → 5, 0.3 → 3)."""
        if self.has_fraction:
            return self.price_step
        return _whole_multiple(self.price_step)

    def round_price(self, price: Decimal, side: Side) -> Decimal:
        """Quantise a limit price to the step: buys round down, sells round up.

        May return zero for a buy below one step; :meth:`quantize` reports that as a violation.
        """
        step = self.effective_price_step
        if side is Side.BUY:
            return quantize_down(price, step)
        return quantize_up(price, step)

    def round_qty(self, qty: Decimal) -> Decimal:
        """Quantise a quantity down to ``qty_step`` (may return zero; see :meth:`quantize`)."""
        return quantize_down(qty, self.qty_step)

    def qty_for_notional(self, notional: Decimal, price: Decimal) -> Decimal:
        """Largest valid quantity whose cost ``qty × price`` does not exceed ``notional``."""
        if price <= 0:
            raise ValidationError(f"{self.pair}: price must be > 0 to size an order")
        return self.round_qty(notional / price)

    def quantize(
        self, side: Side, price: Decimal | None, qty: Decimal
    ) -> tuple[Decimal | None, Decimal, tuple[RuleViolation, ...]]:
        """Round ``price`` (``None`` for a market order) and ``qty``; report zero results.

        Returns ``(price, qty, violations)``; the violations only cover rounding to zero. Run
        :meth:`check` on the result for the full rule set.
        """
        problems: list[RuleViolation] = []
        qprice = None if price is None else self.round_price(price, side)
        qqty = self.round_qty(qty) if qty > 0 else qty
        if qty > 0 and qqty == 0:
            problems.append(
                RuleViolation(
                    ViolationCode.ROUNDS_TO_ZERO,
                    f"quantity {qty} rounds to 0 at step {self.qty_step}",
                )
            )
        if price is not None and price > 0 and qprice == 0:
            problems.append(
                RuleViolation(
                    ViolationCode.ROUNDS_TO_ZERO,
                    f"price {price} rounds to 0 at step {self.effective_price_step}",
                )
            )
        return qprice, qqty, tuple(problems)

    def check(
        self,
        side: Side,
        price: Decimal | None,
        qty: Decimal,
        reference_price: Decimal | None = None,
    ) -> tuple[RuleViolation, ...]:
        """Every rule the order breaks; empty means the exchange should accept it.

        ``price`` is ``None`` for a market order, whose notional is then estimated at
        ``reference_price``. Side does not change validity; it is accepted for symmetry with
        :meth:`quantize` and future side-specific rules.
        """
        del side
        out: list[RuleViolation] = []

        def bad(code: ViolationCode, detail: str) -> None:
            out.append(RuleViolation(code, detail))

        if not self.is_trading:
            bad(ViolationCode.NOT_TRADING, f"{self.pair} status is {self.status}, need TRADING")
        if qty <= 0:
            bad(ViolationCode.NON_POSITIVE_QTY, f"quantity {qty} must be > 0")
        elif qty.as_tuple().exponent < -self.qty_scale or qty % self.qty_step != 0:  # type: ignore[operator]
            bad(
                ViolationCode.BAD_QTY_SCALE,
                f"quantity {qty} must be a multiple of {self.qty_step}",
            )
        if self.min_qty is not None and 0 < qty < self.min_qty:
            bad(ViolationCode.QTY_BELOW_MIN, f"quantity {qty} < minimum {self.min_qty}")
        if self.max_qty is not None and qty > self.max_qty:
            bad(ViolationCode.QTY_ABOVE_MAX, f"quantity {qty} > maximum {self.max_qty}")
        if price is not None:
            if price <= 0:
                bad(ViolationCode.NON_POSITIVE_PRICE, f"price {price} must be > 0")
            else:
                if not self.has_fraction and price != price.to_integral_value():
                    bad(
                        ViolationCode.FRACTIONAL_PRICE,
                        f"price {price} must be a whole number for {self.pair}",
                    )
                elif (
                    price.as_tuple().exponent < -self.price_scale  # type: ignore[operator]
                    or price % self.effective_price_step != 0
                ):
                    bad(
                        ViolationCode.BAD_PRICE_SCALE,
                        f"price {price} must be a multiple of {self.effective_price_step}",
                    )
                if self.min_price is not None and price < self.min_price:
                    bad(ViolationCode.PRICE_BELOW_MIN, f"price {price} < band {self.min_price}")
                if self.max_price is not None and price > self.max_price:
                    bad(ViolationCode.PRICE_ABOVE_MAX, f"price {price} > band {self.max_price}")
        notional_price = price if price is not None else reference_price
        if notional_price is None:
            if self.min_notional > 0:
                bad(
                    ViolationCode.NO_REFERENCE_PRICE,
                    "market order needs a reference price to check the minimum notional",
                )
        elif qty > 0 and notional_price > 0 and qty * notional_price < self.min_notional:
            bad(
                ViolationCode.BELOW_MIN_NOTIONAL,
                f"notional {qty * notional_price} {self.pair.quote} < minimum "
                f"{self.min_notional} {self.pair.quote}",
            )
        return tuple(out)
