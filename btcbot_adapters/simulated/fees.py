"""Fee schedule of the simulated exchange: maker/taker rates, tax on the fee, rounding.

Units and rounding (the one place they are decided):

* Rates are in basis points of the fill's notional (``price × quantity``, quote asset).
* The tax is a ratio of the fee (BTCTurk charges a BSMV-like tax of the fee: ``0.20``).
* Fee and tax are charged in the **quote asset** and quantised to ``fee_scale`` decimal places
  (default 8, as BTCTurk reports ``fee``/``tax`` in user trades), rounded **up** (toward +∞,
  so the simulator never under-charges).
* Rounding is done on the order's **cumulative** traded value, so an order's total fee is
  ``ceil(Σ notional_i × rate_i)`` however it is split into partial fills, and its total tax
  is ``ceil(total fee × tax_ratio)``: splitting an order never costs extra rounding.
* A single fill is never charged more fee + tax than its own notional; any rounding not
  charged yet is charged on the order's later fills (so a sell can never drive the quote
  balance negative, and a buy's fee lock always covers what is charged).
"""

from __future__ import annotations

import functools
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from typing import Final

import attrs

from btcbot_core.errors import ValidationError
from btcbot_core.money import ZERO, bps, dec_field

#: Arithmetic on money in the simulator goes through this context (never the global one): 60
#: digits, and any result that would need rounding raises ``Inexact`` instead of silently
#: losing a unit. Deliberate rounding (fees, prices) uses ``quantize`` with explicit rules.
EXACT: Final = Context(prec=60, traps=[Inexact, InvalidOperation, Overflow, DivisionByZero])

# EXACT's operations, bound once; the simulator calls these. A ``Context`` looks attributes up
# through its own hook (for ``traps`` and ``flags``), so every ``EXACT.add`` read builds a new
# bound method: about 60 ns, as long as the exact addition itself.
exact_add: Final = EXACT.add
exact_subtract: Final = EXACT.subtract
exact_multiply: Final = EXACT.multiply


def _check_bps(_inst: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value < 0 or value >= 10_000:
        raise ValidationError(f"{attribute.name} must be in [0, 10000) bps, got {value}")


def _check_ratio(_inst: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value < 0 or value > 1:
        raise ValidationError(f"{attribute.name} must be a ratio in [0, 1], got {value}")


def _check_scale(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 18:
        raise ValidationError(f"{attribute.name} must be an integer 0..18, got {value!r}")


@attrs.frozen
class FeeSchedule:
    """Maker/taker fee rates (bps of notional) and the tax on the fee (ratio of the fee).

    The derived ratios, ``quantum``, ``untaxed`` and ``zero_tax`` are computed once, when the
    schedule is built (it is immutable), because every fill and every buy lock reads them.
    They are plain slots, not ``functools.cached_property``: on a slotted attrs class that
    needs a ``__getattr__`` hook, which makes every attribute read of the schedule take the
    slow generic path. They are left out of ``==``, ``hash`` and ``repr`` (they follow from
    the four fields) and ``attrs.evolve`` recomputes them.

    ``FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2")``: a 1,000 TRY taker fill
    pays ``2.00000000`` TRY fee and ``0.40000000`` TRY tax.
    """

    maker_bps: Decimal = attrs.field(default=ZERO, converter=dec_field, validator=_check_bps)
    taker_bps: Decimal = attrs.field(default=ZERO, converter=dec_field, validator=_check_bps)
    tax_ratio: Decimal = attrs.field(default=ZERO, converter=dec_field, validator=_check_ratio)
    fee_scale: int = attrs.field(default=8, validator=_check_scale)
    #: Maker fee as a ratio of notional.
    maker_rate: Decimal = attrs.field(init=False, eq=False, repr=False)
    #: Taker fee as a ratio of notional.
    taker_rate: Decimal = attrs.field(init=False, eq=False, repr=False)
    #: The larger of the maker and taker ratios (what a buy order locks for).
    max_rate: Decimal = attrs.field(init=False, eq=False, repr=False)
    #: The smallest fee unit: ``10**-fee_scale`` of the quote asset.
    quantum: Decimal = attrs.field(init=False, eq=False, repr=False)
    #: Whether the tax is a plain zero (``+0``, exponent in ``-18..0``) and ``max_rate`` is
    #: not ``-0``: then every tax term of :meth:`max_fee_and_tax` and
    #: :meth:`FeeAccumulator.charge` is ``0E-fee_scale`` and adding it changes nothing, so
    #: they skip it (the fast path; a property test holds it to the general one).
    untaxed: bool = attrs.field(init=False, eq=False, repr=False)
    #: ``0E-fee_scale``: the tax of every fill when :attr:`untaxed`.
    zero_tax: Decimal = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        derive = functools.partial(object.__setattr__, self)  # frozen: set once, here
        maker_rate, taker_rate = bps(self.maker_bps), bps(self.taker_bps)
        max_rate = max(maker_rate, taker_rate)
        quantum = Decimal(1).scaleb(-self.fee_scale)
        ratio = self.tax_ratio
        exponent = ratio.as_tuple().exponent
        derive("maker_rate", maker_rate)
        derive("taker_rate", taker_rate)
        derive("max_rate", max_rate)
        derive("quantum", quantum)
        derive(
            "untaxed",
            ratio.is_zero()
            and not ratio.is_signed()
            and isinstance(exponent, int)
            and -18 <= exponent <= 0
            and not max_rate.is_signed(),
        )
        derive("zero_tax", ZERO.quantize(quantum))
        if max_rate * (1 + ratio) >= 1:
            raise ValidationError("fee rate × (1 + tax ratio) must be below 100 %")

    def round_up(self, amount: Decimal) -> Decimal:
        """``amount`` rounded up (toward +∞) to ``fee_scale`` places."""
        return amount.quantize(self.quantum, ROUND_CEILING)  # positional: cheaper

    def max_fee_and_tax(self, notional: Decimal) -> Decimal:
        """The most fee + tax an order of at most ``notional`` (quote) can ever be charged."""
        # quantize's rounding passed by position: a keyword costs a dict on every buy submit
        fee = exact_multiply(notional, self.max_rate).quantize(self.quantum, ROUND_CEILING)
        if self.untaxed:  # fee >= +0 at fee_scale places, so fee + 0E-fee_scale is fee itself
            return fee
        return self.add_max_tax(fee)

    def add_max_tax(self, fee: Decimal) -> Decimal:
        """``fee`` plus the most tax charged on it (the general tail of max_fee_and_tax)."""
        return exact_add(fee, self.round_up(exact_multiply(fee, self.tax_ratio)))


class FeeAccumulator:
    """Per-order running totals that make fees telescope over partial fills (see module doc)."""

    __slots__ = ("fee_paid", "raw_fee", "tax_paid")

    def __init__(self) -> None:
        self.raw_fee = ZERO  # exact Σ notional_i × rate_i
        self.fee_paid = ZERO  # Σ fees charged so far (rounded)
        self.tax_paid = ZERO  # Σ taxes charged so far (rounded)

    def charge(
        self, schedule: FeeSchedule, notional: Decimal, maker: bool
    ) -> tuple[Decimal, Decimal]:
        """Fee and tax (quote asset, ``fee_scale`` places) of a fill of ``notional``."""
        rate = schedule.maker_rate if maker else schedule.taker_rate
        quantum = schedule.quantum
        self.raw_fee = exact_add(self.raw_fee, exact_multiply(notional, rate))
        cap = notional.quantize(quantum, ROUND_FLOOR)  # positional: cheaper than a keyword
        fee = self.raw_fee.quantize(quantum, ROUND_CEILING)  # schedule.round_up
        paid = self.fee_paid
        if paid is not ZERO:  # on an order's first fill both lines would leave fee as it is
            fee = exact_subtract(fee, paid)
        if cap < fee:  # min(fee, cap) without the builtin call: a tie keeps fee, as min does
            fee = cap
        # First fill: fee >= +0 has exponent -fee_scale <= 0, so ZERO + fee (and fee - ZERO
        # above) is fee itself, digit for digit: both exact operations are skipped.
        self.fee_paid = fee if paid is ZERO else exact_add(paid, fee)
        if schedule.untaxed:
            # The general lines below give exactly this: fee_paid >= +0, so its tax rounds
            # up to 0E-fee_scale, minus tax_paid (0 or 0E-fee_scale) is 0E-fee_scale, which is
            # the min since cap - fee >= 0 (a tie keeps the first); tax_paid becomes it too.
            self.tax_paid = tax = schedule.zero_tax
            return fee, tax
        return fee, self._charge_tax(schedule, cap, fee)

    def _charge_tax(self, schedule: FeeSchedule, cap: Decimal, fee: Decimal) -> Decimal:
        """The tax of a fill whose fee is ``fee`` (``fee_paid`` already includes it), at
        most ``cap - fee``; the general path of :meth:`charge`."""
        quantum = schedule.quantum
        owed_tax = exact_multiply(self.fee_paid, schedule.tax_ratio)
        owed_tax = owed_tax.quantize(quantum, ROUND_CEILING)
        owed_tax = exact_subtract(owed_tax, self.tax_paid)
        tax = min(owed_tax, exact_subtract(cap, fee))
        self.tax_paid = exact_add(self.tax_paid, tax)
        return tax
