"""Ledger events: the append-only facts the ledger folds.

Every event has an ``event_id`` unique across the ledger (applying an id twice is a no-op)
and a UTC ``timestamp``. Rates are TRY (the valuation asset) per one unit of an asset, fixed
when the event is created so that folding the same events always gives the same state, no
matter when marks were observed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from btcbot_core.errors import ValidationError
from btcbot_core.money import ZERO, dec_field, opt_dec_field, upper_field
from btcbot_core.orders import Fill
from btcbot_core.pair import Pair


def _positive(_i: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value <= 0:
        raise ValidationError(f"{attribute.name} must be > 0, got {value}")


def fill_event_id(fill: Fill) -> str:
    """Event id of a fill: exchange trade ids are unique per pair, so the pair is part of it."""
    return fill_key(fill.pair, fill.fill_id)


def fill_key(pair: Pair, fill_id: str) -> str:
    """:func:`fill_event_id` of the fill ``fill_id`` of ``pair`` (the one spelling of it)."""
    return f"fill:{pair.symbol}:{fill_id}"


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class FillEvent:
    """A trade of ours, with its fee and tax (charged in ``fill.fee_asset``).

    ``quote_rate``: TRY per unit of the pair's quote asset (1 for TRY pairs; required
    otherwise). ``fee_rate``: TRY per unit of the fee asset, needed only when the fee asset is
    neither the pair's base nor quote (those rates follow from the fill itself).
    """

    fill: Fill
    quote_rate: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    fee_rate: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    event_id: str = attrs.field()

    @event_id.default
    def _event_id_default(self) -> str:
        return fill_event_id(self.fill)

    @property
    def timestamp(self) -> datetime:
        return self.fill.timestamp


@attrs.frozen
class FeeEvent:
    """A fee not attached to a fill (e.g. a commission correction): ``amount + tax`` of
    ``asset`` leave the account. ``rate`` is TRY per unit of ``asset`` (1 for TRY)."""

    event_id: str
    timestamp: datetime
    asset: str = attrs.field(converter=upper_field)
    amount: Decimal = attrs.field(converter=dec_field)
    tax: Decimal = attrs.field(default=ZERO, converter=dec_field)
    rate: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    reference: str = ""

    def __attrs_post_init__(self) -> None:
        if self.amount < 0 or self.tax < 0 or self.amount + self.tax == 0:
            raise ValidationError(f"fee {self.event_id}: amount and tax must be >= 0, not both 0")


@attrs.frozen
class DepositEvent:
    """``amount`` of ``asset`` arrives; non-TRY assets need ``rate`` (their cost basis)."""

    event_id: str
    timestamp: datetime
    asset: str = attrs.field(converter=upper_field)
    amount: Decimal = attrs.field(converter=dec_field, validator=_positive)
    rate: Decimal | None = attrs.field(default=None, converter=opt_dec_field)


@attrs.frozen
class WithdrawalEvent:
    """``amount`` of ``asset`` leaves the account at ``rate`` TRY per unit.

    Non-TRY assets need ``rate`` (their market value when they left): the units' cost leaves
    the books and ``rate − cost`` is realized, so net deposits do not depend on the cost
    method.
    """

    event_id: str
    timestamp: datetime
    asset: str = attrs.field(converter=upper_field)
    amount: Decimal = attrs.field(converter=dec_field, validator=_positive)
    rate: Decimal | None = attrs.field(default=None, converter=opt_dec_field)


@attrs.frozen
class AdjustmentEvent:
    """A signed correction of ``asset`` (e.g. reconciliation with exchange balances).

    Positive amounts are booked like a deposit, negative like a withdrawal; either way
    non-TRY assets need ``rate``. ``reason`` says why.
    """

    event_id: str
    timestamp: datetime
    asset: str = attrs.field(converter=upper_field)
    amount: Decimal = attrs.field(converter=dec_field)
    reason: str
    rate: Decimal | None = attrs.field(default=None, converter=opt_dec_field)

    def __attrs_post_init__(self) -> None:
        if self.amount == 0:
            raise ValidationError(f"adjustment {self.event_id}: amount must not be 0")


LedgerEvent = FillEvent | FeeEvent | DepositEvent | WithdrawalEvent | AdjustmentEvent

__all__ = [
    "AdjustmentEvent",
    "DepositEvent",
    "FeeEvent",
    "FillEvent",
    "LedgerEvent",
    "WithdrawalEvent",
    "fill_event_id",
    "fill_key",
]
