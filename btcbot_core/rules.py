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
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

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
from btcbot_core.orders import BUY, Side
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


def _is_power_of_ten(step: Decimal) -> bool:
    """Whether ``step`` is ``1E<k>`` (coefficient exactly 1, so not ``1.0`` or ``10``).

    Then, for a ``value`` that the current context's precision holds (``+value == value``),
    ``value.quantize(step, rounding=ROUND_FLOOR)`` is :func:`quantize_down` (and
    ``ROUND_CEILING`` is :func:`quantize_up`): ``value / step`` is exact, so both floor (or
    ceil) the same number onto ``step``'s exponent, with the same sign of zero and the same
    ``InvalidOperation`` when the result needs more digits than the precision. The rounding
    methods take that shortcut; a property test holds it to the general functions.
    """
    return step.as_tuple().digits == (1,)


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
    # Derived once in __attrs_post_init__ (the instance is frozen): not init, eq or repr.
    _price_grid: Decimal = attrs.field(init=False, eq=False, repr=False)
    _trading: bool = attrs.field(init=False, eq=False, repr=False)
    _price_pow10: bool = attrs.field(init=False, eq=False, repr=False)
    _qty_pow10: bool = attrs.field(init=False, eq=False, repr=False)

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
        grid = self.price_step if self.has_fraction else _whole_multiple(self.price_step)
        object.__setattr__(self, "_price_grid", grid)
        object.__setattr__(self, "_trading", self.status.upper() == "TRADING")
        object.__setattr__(self, "_price_pow10", _is_power_of_ten(grid))
        object.__setattr__(self, "_qty_pow10", _is_power_of_ten(self.qty_step))

    @property
    def is_trading(self) -> bool:
        return self._trading

    @property
    def effective_price_step(self) -> Decimal:
        """The price step actually enforced. Without fractions it is the smallest whole
        number that is also a multiple of ``price_step`` (0.01 → 1, 2.5 → 5, 0.3 → 3)."""
        return self._price_grid

    def round_price(self, price: Decimal, side: Side) -> Decimal:
        """Quantise a limit price to the step: buys round down, sells round up.

        May return zero for a buy below one step; :meth:`quantize` reports that as a violation.
        """
        step = self._price_grid
        # (the rounding passed positionally: Decimal.quantize parses keywords, about 170 ns)
        if side is BUY:
            if self._price_pow10 and +price == price:
                return price.quantize(step, ROUND_FLOOR)  # see _is_power_of_ten
            return quantize_down(price, step)
        if self._price_pow10 and +price == price:
            return price.quantize(step, ROUND_CEILING)
        return quantize_up(price, step)

    def round_qty(self, qty: Decimal) -> Decimal:
        """Quantise a quantity down to ``qty_step`` (may return zero; see :meth:`quantize`)."""
        if self._qty_pow10 and +qty == qty:
            # (rounding positional, as in round_price)
            return qty.quantize(self.qty_step, ROUND_FLOOR)  # see _is_power_of_ten
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
        :meth:`check` on the result for the full rule set (or use :meth:`quantize_checked`).
        """
        qprice = None if price is None else self.round_price(price, side)
        if qty > ZERO:
            qqty = self.round_qty(qty)
            if not qqty:  # (a Decimal is false exactly when it == 0: no ~300-instruction compare)
                zero_qty = RuleViolation(
                    ViolationCode.ROUNDS_TO_ZERO,
                    f"quantity {qty} rounds to 0 at step {self.qty_step}",
                )
                if price is not None and price > ZERO and not qprice:
                    return qprice, qqty, (zero_qty, self._price_to_zero(price))
                return qprice, qqty, (zero_qty,)
        else:
            qqty = qty
        if price is not None and price > ZERO and not qprice:
            return qprice, qqty, (self._price_to_zero(price),)
        return qprice, qqty, ()

    def _price_to_zero(self, price: Decimal) -> RuleViolation:
        return RuleViolation(
            ViolationCode.ROUNDS_TO_ZERO,
            f"price {price} rounds to 0 at step {self._price_grid}",
        )

    def quantize_checked(
        self,
        side: Side,
        price: Decimal | None,
        qty: Decimal,
        reference_price: Decimal | None = None,
    ) -> tuple[Decimal | None, Decimal, tuple[RuleViolation, ...]]:
        """:meth:`quantize`, then, if nothing rounded to zero, :meth:`check` of the result.

        The same answer as calling both, without re-testing the grid of values this method
        has just put on it.
        """
        qprice, qqty, problems = self.quantize(side, price, qty)
        if problems:
            return qprice, qqty, problems
        return qprice, qqty, self._check(qprice, qqty, reference_price, on_grid=True)

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
        return self._check(price, qty, reference_price, on_grid=False)

    def _check(
        self,
        price: Decimal | None,
        qty: Decimal,
        reference_price: Decimal | None,
        on_grid: bool,
    ) -> tuple[RuleViolation, ...]:
        """:meth:`check`. ``on_grid``: a positive ``qty``/``price`` is known to be a multiple
        of its step at a valid scale (a :meth:`round_qty`/:meth:`round_price` result), so the
        scale, step and whole-number tests, which it passes, are skipped."""
        out: list[RuleViolation] = []
        if not self._trading:
            out.append(
                RuleViolation(
                    ViolationCode.NOT_TRADING, f"{self.pair} status is {self.status}, need TRADING"
                )
            )
        # Read three times below: one Decimal comparison (~300 instructions) instead of three.
        # (For a NaN it raises InvalidOperation, as `qty <= ZERO` did.)
        positive = qty > ZERO
        if not positive:
            out.append(RuleViolation(ViolationCode.NON_POSITIVE_QTY, f"quantity {qty} must be > 0"))
        elif (
            not on_grid
            # A quantity with exactly the exponent of a power-of-ten step (a step never
            # finer than the scale: __attrs_post_init__) is on the grid; as_tuple() alone
            # costs more than the rest of the check. A property test holds it to the tests.
            and not (self._qty_pow10 and qty.same_quantum(self.qty_step))
            and (
                qty.as_tuple().exponent < -self.qty_scale  # type: ignore[operator]
                or qty % self.qty_step != 0
            )
        ):
            out.append(
                RuleViolation(
                    ViolationCode.BAD_QTY_SCALE,
                    f"quantity {qty} must be a multiple of {self.qty_step}",
                )
            )
        min_qty, max_qty = self.min_qty, self.max_qty
        if min_qty is not None and positive and qty < min_qty:
            out.append(
                RuleViolation(ViolationCode.QTY_BELOW_MIN, f"quantity {qty} < minimum {min_qty}")
            )
        if max_qty is not None and qty > max_qty:
            out.append(
                RuleViolation(ViolationCode.QTY_ABOVE_MAX, f"quantity {qty} > maximum {max_qty}")
            )
        if price is not None:
            if price <= ZERO:
                out.append(
                    RuleViolation(ViolationCode.NON_POSITIVE_PRICE, f"price {price} must be > 0")
                )
            else:
                if not on_grid and not (
                    # (as for the quantity; a whole-number grid has exponent >= 0)
                    self._price_pow10 and price.same_quantum(self._price_grid)
                ):
                    self._check_price_grid(price, out)
                if self.min_price is not None and price < self.min_price:
                    out.append(
                        RuleViolation(
                            ViolationCode.PRICE_BELOW_MIN, f"price {price} < band {self.min_price}"
                        )
                    )
                if self.max_price is not None and price > self.max_price:
                    out.append(
                        RuleViolation(
                            ViolationCode.PRICE_ABOVE_MAX, f"price {price} > band {self.max_price}"
                        )
                    )
        notional_price = price if price is not None else reference_price
        if notional_price is None:
            if self.min_notional > ZERO:
                out.append(
                    RuleViolation(
                        ViolationCode.NO_REFERENCE_PRICE,
                        "market order needs a reference price to check the minimum notional",
                    )
                )
        elif positive and notional_price > ZERO and qty * notional_price < self.min_notional:
            out.append(
                RuleViolation(
                    ViolationCode.BELOW_MIN_NOTIONAL,
                    f"notional {qty * notional_price} {self.pair.quote} < minimum "
                    f"{self.min_notional} {self.pair.quote}",
                )
            )
        return tuple(out)

    def _check_price_grid(self, price: Decimal, out: list[RuleViolation]) -> None:
        """Whole-number, scale and step tests of a positive ``price``."""
        if not self.has_fraction and price != price.to_integral_value():
            out.append(
                RuleViolation(
                    ViolationCode.FRACTIONAL_PRICE,
                    f"price {price} must be a whole number for {self.pair}",
                )
            )
        elif (
            price.as_tuple().exponent < -self.price_scale  # type: ignore[operator]
            or price % self._price_grid != 0
        ):
            out.append(
                RuleViolation(
                    ViolationCode.BAD_PRICE_SCALE,
                    f"price {price} must be a multiple of {self._price_grid}",
                )
            )
