"""Exact money: ``Decimal`` everywhere, never ``float``.

All helpers take ``str``, ``int`` or ``Decimal`` and raise ``TypeError`` for ``float`` (and
``bool``), because a float has already lost the exact value before we see it. The global
decimal context is never touched: rounding is always passed explicitly to ``quantize``.

Basis points: 1 bps = 1/10,000 = 0.01 %.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Final

import attrs

from btcbot_core.errors import ValidationError

#: Hot paths compare a ``Decimal`` with ``ZERO``/``ONE`` rather than ``0``/``1``: a comparison
#: with an ``int`` converts it to a ``Decimal`` first (about 20 ns each time); same result.
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
BPS_PER_UNIT: Final = Decimal(10_000)

DecimalLike = Decimal | int | str


def to_decimal(value: object, name: str = "value") -> Decimal:
    """Convert ``value`` (``Decimal``, ``int`` or numeric ``str``) to a finite ``Decimal``.

    Raises ``TypeError`` for ``float``/``bool``/other types and :class:`ValidationError` for
    strings that are not numbers or for NaN/infinity. The value is not rounded.
    """
    if type(value) is Decimal:
        dec = value
    elif isinstance(value, (bool, float)):
        raise TypeError(
            f"{name}: {type(value).__name__} {value!r} is not allowed for money or quantities; "
            "pass a str, int or Decimal"
        )
    elif isinstance(value, Decimal | int):
        dec = Decimal(value)
    elif isinstance(value, str):
        try:
            dec = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(f"{name}: {value!r} is not a decimal number") from None
    else:
        raise TypeError(
            f"{name}: {type(value).__name__} is not allowed for money or quantities; "
            "pass a str, int or Decimal"
        )
    if not dec.is_finite():
        raise ValidationError(f"{name}: {value!r} is not a finite number")
    return dec


def dec_field(value: object) -> Decimal:
    """attrs converter: :func:`to_decimal` without a field name."""
    # A finite Decimal (nearly every call: values move between value objects) is returned
    # as it is without the general conversion's call and type dispatch.
    if type(value) is Decimal and value.is_finite():
        return value
    return to_decimal(value)


def opt_dec_field(value: object) -> Decimal | None:
    """attrs converter: ``None`` stays ``None``, anything else goes through :func:`to_decimal`."""
    if value is None or (type(value) is Decimal and value.is_finite()):
        return value
    return to_decimal(value)


def upper_field(value: str) -> str:
    """attrs converter for asset codes: upper case (``"try"`` → ``"TRY"``)."""
    return value.upper()


def bps(value: DecimalLike) -> Decimal:
    """Basis points as a ratio: ``bps(25) == Decimal("0.0025")``."""
    return to_decimal(value, "bps") / BPS_PER_UNIT


def to_bps(ratio: DecimalLike) -> Decimal:
    """A ratio as basis points: ``to_bps(Decimal("0.0025")) == 25``."""
    return to_decimal(ratio, "ratio") * BPS_PER_UNIT


def apply_bps(amount: DecimalLike, basis_points: DecimalLike) -> Decimal:
    """``amount × (1 + basis_points/10,000)``; negative bps shrink the amount. Not rounded."""
    return to_decimal(amount, "amount") * (ONE + bps(basis_points))


def quantize_down(value: Decimal, step: Decimal) -> Decimal:
    """Largest multiple of ``step`` that is ``<= value`` (toward −∞), with ``step``'s scale."""
    if step <= 0:
        raise ValidationError(f"step must be positive, got {step}")
    units = (value / step).to_integral_value(rounding=ROUND_FLOOR)
    return (units * step).quantize(step)


def quantize_up(value: Decimal, step: Decimal) -> Decimal:
    """Smallest multiple of ``step`` that is ``>= value`` (toward +∞), with ``step``'s scale."""
    if step <= 0:
        raise ValidationError(f"step must be positive, got {step}")
    units = (value / step).to_integral_value(rounding=ROUND_CEILING)
    return (units * step).quantize(step)


def step_for_scale(scale: int) -> Decimal:
    """The step of a number with ``scale`` decimal places: ``step_for_scale(2) == 0.01``."""
    if scale < 0:
        raise ValidationError(f"scale must be >= 0, got {scale}")
    return Decimal(1).scaleb(-scale)


def kurus(value: Decimal) -> Decimal:
    """Round a TRY amount down to 0.01 (one kuruş). For display and allocation only."""
    return quantize_down(value, Decimal("0.01"))


@attrs.frozen(order=False)
class Money:
    """An exact amount of one asset. Arithmetic only between the same asset."""

    amount: Decimal = attrs.field(converter=dec_field)
    asset: str = attrs.field(converter=upper_field)

    def _same(self, other: Money) -> None:
        if other.asset != self.asset:
            raise ValidationError(f"cannot combine {self.asset} with {other.asset}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.asset)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.asset)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.asset)

    def __mul__(self, factor: DecimalLike) -> Money:
        return Money(self.amount * to_decimal(factor, "factor"), self.asset)

    def __str__(self) -> str:
        return f"{self.amount} {self.asset}"
