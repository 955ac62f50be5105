"""Orders from intent to exchange state, and fills.

``OrderIntent`` (what a strategy wants, unquantised) → ``OrderRequest`` (quantised,
risk-approved, with a deterministic client order id) → ``Order`` (our view of the exchange's
order) whose status follows an explicit state machine; illegal transitions raise
:class:`~btcbot_core.errors.OrderStateError`.

Prices are in the quote asset per unit of base, quantities in the base asset.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from btcbot_core.errors import OrderStateError, ValidationError
from btcbot_core.money import ZERO, dec_field, opt_dec_field, upper_field
from btcbot_core.pair import Pair


class Side(enum.StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for a buy (position grows), −1 for a sell."""
        return 1 if self is BUY else -1


class OrderType(enum.StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"


class OrderStatus(enum.StrEnum):
    PLANNED = "PLANNED"
    SUBMITTED = "SUBMITTED"
    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES

    @property
    def is_live(self) -> bool:
        """The order may still rest on the exchange (or might, when UNKNOWN)."""
        return self in _LIVE


TERMINAL_STATUSES: Final = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED}
)
_LIVE: Final = frozenset(
    {OrderStatus.SUBMITTED, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.UNKNOWN}
)

# Members read on the path of every order and fill, bound once as module globals: Python
# 3.11's enum metaclass defines ``__getattr__``, which sends every ``Side.BUY``-style class
# attribute read through a Python-level hook (about 100 ns and 900 machine instructions,
# although the member is in the class dict); a global is read in about 10 ns. Python 3.12
# dropped the hook. They are the members themselves, so ``is`` tests hold; hot code reads
# these, other code may spell the members either way.
BUY: Final = Side.BUY
SELL: Final = Side.SELL
LIMIT: Final = OrderType.LIMIT
MARKET: Final = OrderType.MARKET
PLANNED: Final = OrderStatus.PLANNED
SUBMITTED: Final = OrderStatus.SUBMITTED
OPEN: Final = OrderStatus.OPEN
PARTIALLY_FILLED: Final = OrderStatus.PARTIALLY_FILLED
FILLED: Final = OrderStatus.FILLED
CANCELED: Final = OrderStatus.CANCELED
UNKNOWN: Final = OrderStatus.UNKNOWN

_S = OrderStatus
#: Allowed status transitions. UNKNOWN (a submit whose outcome we could not see) is resolved
#: by looking the client order id up; UNKNOWN → SUBMITTED is the re-send after the lookup has
#: proven the order absent, with the same client order id.
TRANSITIONS: Final[Mapping[OrderStatus, frozenset[OrderStatus]]] = {
    _S.PLANNED: frozenset({_S.SUBMITTED, _S.REJECTED}),
    _S.SUBMITTED: frozenset(
        {_S.OPEN, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.REJECTED, _S.UNKNOWN}
    ),
    _S.OPEN: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.UNKNOWN}),
    _S.PARTIALLY_FILLED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.UNKNOWN}),
    _S.UNKNOWN: frozenset(
        {_S.SUBMITTED, _S.OPEN, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.REJECTED}
    ),
    _S.FILLED: frozenset(),
    _S.CANCELED: frozenset(),
    _S.REJECTED: frozenset(),
}


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class OrderIntent:
    """What a strategy wants: unquantised, without an id.

    Exactly one of ``quantity`` (base asset) and ``notional`` (quote asset) is set. ``price``
    is the limit price, ``None`` for a market order. ``reason`` explains why it was proposed.
    """

    pair: Pair
    side: Side
    price: Decimal | None = attrs.field(converter=opt_dec_field)
    quantity: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    notional: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    order_type: OrderType = OrderType.LIMIT
    reason: str = ""
    strategy: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.quantity is None) == (self.notional is None):
            raise ValidationError("OrderIntent needs exactly one of quantity or notional")
        if (self.order_type is LIMIT) != (self.price is not None):
            raise ValidationError("a LIMIT intent needs a price; a MARKET intent has none")


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class OrderRequest:
    """A quantised, approved order ready to send; ``client_order_id`` is deterministic."""

    client_order_id: str
    pair: Pair
    side: Side
    quantity: Decimal = attrs.field(converter=dec_field)
    price: Decimal | None = attrs.field(default=None, converter=opt_dec_field)
    order_type: OrderType = OrderType.LIMIT

    def __attrs_post_init__(self) -> None:
        if self.quantity <= ZERO:
            raise ValidationError(f"{self.client_order_id}: quantity must be > 0")
        if (self.order_type is LIMIT) != (self.price is not None):
            raise ValidationError(
                f"{self.client_order_id}: a LIMIT order needs a price; a MARKET order has none"
            )

    @property
    def notional(self) -> Decimal | None:
        """``price × quantity`` in the quote asset; ``None`` for market orders."""
        return None if self.price is None else self.price * self.quantity


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class Fill:
    """One execution of one of our orders.

    ``fee`` is in ``fee_asset`` (what the exchange charged); ``tax`` (e.g. BTCTurk's tax on
    the fee) is in ``fee_asset`` too and is booked separately. ``fill_id`` is the exchange
    trade id (unique per pair) or a derived id in simulation.
    """

    fill_id: str
    order_id: str
    client_order_id: str
    pair: Pair
    side: Side
    price: Decimal = attrs.field(converter=dec_field)
    quantity: Decimal = attrs.field(converter=dec_field)
    fee: Decimal = attrs.field(converter=dec_field)
    fee_asset: str = attrs.field(converter=upper_field)
    timestamp: datetime
    tax: Decimal = attrs.field(default=ZERO, converter=dec_field)

    def __attrs_post_init__(self) -> None:
        if self.price <= ZERO or self.quantity <= ZERO:
            raise ValidationError(f"fill {self.fill_id}: price and quantity must be > 0")
        if self.fee < ZERO or self.tax < ZERO:
            raise ValidationError(f"fill {self.fill_id}: fee and tax must be >= 0")
        if self.timestamp.tzinfo is None:
            raise ValidationError(f"fill {self.fill_id}: timestamp must be timezone-aware")

    @property
    def notional(self) -> Decimal:
        """``price × quantity`` in the quote asset, unrounded."""
        return self.price * self.quantity


@attrs.frozen
class Order:
    """Our view of one order. Immutable: transitions return a new ``Order``.

    ``filled_qty`` and ``filled_notional`` accumulate fills; a CANCELED order keeps them.
    """

    client_order_id: str
    pair: Pair
    side: Side
    quantity: Decimal = attrs.field(converter=dec_field)
    price: Decimal | None = attrs.field(converter=opt_dec_field)
    order_type: OrderType
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    exchange_order_id: str | None = None
    filled_qty: Decimal = attrs.field(default=ZERO, converter=dec_field)
    filled_notional: Decimal = attrs.field(default=ZERO, converter=dec_field)
    reason: str = ""

    @classmethod
    def planned(cls, request: OrderRequest, now: datetime) -> Order:
        """A new PLANNED order for ``request``, recorded before it is sent."""
        return cls(  # positional, in field order (as in _with)
            request.client_order_id,
            request.pair,
            request.side,
            request.quantity,
            request.price,
            request.order_type,
            PLANNED,
            now,  # created_at
            now,  # updated_at
        )

    @property
    def remaining_qty(self) -> Decimal:
        return self.quantity - self.filled_qty

    @property
    def average_fill_price(self) -> Decimal | None:
        return None if self.filled_qty == 0 else self.filled_notional / self.filled_qty

    def transition(
        self,
        status: OrderStatus,
        now: datetime,
        *,
        exchange_order_id: str | None = None,
        reason: str = "",
    ) -> Order:
        """Move to ``status``; raise :class:`OrderStateError` if the machine forbids it.

        A same-status transition is allowed only for PARTIALLY_FILLED (more fills arrive).
        """
        if status not in TRANSITIONS[self.status]:
            raise OrderStateError(
                f"order {self.client_order_id}: illegal transition {self.status} -> {status}"
            )
        self._check_exchange_id(exchange_order_id)
        return self._with(
            status,
            now,
            exchange_order_id or self.exchange_order_id,
            reason or self.reason,
            self.filled_qty,
            self.filled_notional,
        )

    def accepted(self, now: datetime, exchange_order_id: str) -> Order:
        """A sent PLANNED order the exchange acknowledged: ``transition(SUBMITTED, now)``
        then ``transition(OPEN, now, exchange_order_id=...)``, built as one object (the
        SUBMITTED state in between is never stored)."""
        if self.status is not PLANNED:
            return self.transition(OPEN, now, exchange_order_id=exchange_order_id)
        self._check_exchange_id(exchange_order_id)
        return self._with(
            OPEN,
            now,
            exchange_order_id or self.exchange_order_id,
            self.reason,
            self.filled_qty,
            self.filled_notional,
        )

    def _check_exchange_id(self, exchange_order_id: str | None) -> None:
        """An exchange order id, once known, never changes."""
        if (
            exchange_order_id is not None
            and self.exchange_order_id is not None
            and exchange_order_id != self.exchange_order_id
        ):
            raise OrderStateError(
                f"order {self.client_order_id}: exchange id {self.exchange_order_id} "
                f"cannot change to {exchange_order_id}"
            )

    def _with(
        self,
        status: OrderStatus,
        updated_at: datetime,
        exchange_order_id: str | None,
        reason: str,
        filled_qty: Decimal,
        filled_notional: Decimal,
    ) -> Order:
        """A copy with the changing fields replaced: the hot path's ``attrs.evolve`` (which
        gathers every field by name), as one positional constructor call (converters still
        run; they are idempotent on the ``Decimal`` values already held)."""
        return self.__class__(
            self.client_order_id,
            self.pair,
            self.side,
            self.quantity,
            self.price,
            self.order_type,
            status,
            self.created_at,
            updated_at,
            exchange_order_id,
            filled_qty,
            filled_notional,
            reason,
        )

    def apply_fill(self, fill: Fill) -> Order:
        """Account ``fill`` and move to PARTIALLY_FILLED or FILLED.

        A fill for a CANCELED order (a race the exchange reports late) is accounted without a
        status change. Overfilling raises :class:`OrderStateError`.
        """
        if fill.client_order_id != self.client_order_id and fill.order_id != (
            self.exchange_order_id or ""
        ):
            raise OrderStateError(f"fill {fill.fill_id} does not belong to {self.client_order_id}")
        if fill.side is not self.side or (fill.pair is not self.pair and fill.pair != self.pair):
            raise OrderStateError(f"fill {fill.fill_id}: side/pair differ from the order")
        filled = self.filled_qty + fill.quantity
        if filled > self.quantity:
            raise OrderStateError(
                f"order {self.client_order_id}: fills {filled} exceed quantity {self.quantity}"
            )
        status = FILLED if filled == self.quantity else PARTIALLY_FILLED
        if self.status is CANCELED:
            status = CANCELED
        elif status not in TRANSITIONS[self.status]:  # as transition(status) would check
            raise OrderStateError(
                f"order {self.client_order_id}: illegal transition {self.status} -> {status}"
            )
        # max(self.updated_at, fill.timestamp) as a comparison (the first on a tie, as max
        # returns): the builtin costs about 70 ns more, on every fill
        at = fill.timestamp
        if not at > self.updated_at:
            at = self.updated_at
        return self._with(
            status,
            at,
            self.exchange_order_id,
            self.reason,
            filled,
            self.filled_notional + fill.notional,
        )
