"""What every strategy sees and returns: the context, the proposal, and the protocol.

A strategy turns one :class:`StrategyContext` (the world at ``now``) into a
:class:`Proposal`: order intents (unquantised, see :class:`~btcbot_core.orders.OrderIntent`),
cancels of our own open orders, and a :class:`PairNote` with a :class:`Reason` for every pair
it looked at and chose not to trade (a "no" always carries a reason; "nothing to do" on the
hot path of a bar strategy is not a "no" and carries nothing).

Units: prices in the pair's quote asset (TRY) per unit of base, quantities in the base asset,
cash and notionals in TRY. Strategies never quantise: allocation and the risk policy do,
using :class:`~btcbot_core.rules.SymbolRules` (buy prices round down, sell prices round up,
quantities round down).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol, TypeVar, runtime_checkable

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.errors import ValidationError
from btcbot_core.ledger import Position
from btcbot_core.market import MarketSnapshot
from btcbot_core.money import ZERO, to_decimal
from btcbot_core.orders import Order, OrderIntent, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules


def _aware(_inst: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(f"{attribute.name} {value!r} must be a timezone-aware datetime")


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class StrategyContext:
    """Everything a strategy may look at for one cycle. Built once per cycle; cheap.

    * ``now`` — the cycle time (UTC, timezone-aware); strategies never read a clock.
    * ``market`` — quotes and/or the latest bars.
    * ``pairs`` — the universe to consider, in a stable order (output order follows it).
    * ``positions`` — holdings keyed by **base asset** (``"BTC"``), exactly what
      :meth:`~btcbot_core.ledger.Ledger.positions` returns; ``Position.average_cost`` is TRY
      per unit (fees charged in TRY are realized by the ledger, not capitalised).
    * ``cash`` — free TRY (not locked in open orders).
    * ``open_orders`` — our live orders (core :class:`~btcbot_core.orders.Order`); terminal
      ones are ignored.
    * ``rules`` — exchange rules per pair.
    """

    now: datetime = attrs.field(validator=_aware)
    market: MarketSnapshot
    pairs: tuple[Pair, ...] = ()
    positions: Mapping[str, Position] = attrs.field(factory=dict)
    cash: Decimal = ZERO
    open_orders: Sequence[Order] = ()
    rules: Mapping[Pair, SymbolRules] = attrs.field(factory=dict)

    def held(self, pair: Pair) -> Decimal:
        """Base-asset quantity held for ``pair`` (zero when flat)."""
        pos = self.positions.get(pair.base)
        return ZERO if pos is None else pos.quantity

    def live_orders(self, pair: Pair) -> Iterator[Order]:
        """Our orders on ``pair`` that may still rest on the exchange."""
        return (o for o in self.open_orders if o.pair == pair and o.status.is_live)


class StrategyCode(enum.StrEnum):
    """Stable reason codes used by the shipped strategies (notes and cancels)."""

    NO_QUOTE = "NO_QUOTE"  # no top of book for the pair this cycle
    NO_BAR = "NO_BAR"  # bar strategy: no bar for the pair this cycle
    NO_MARK = "NO_MARK"  # no price to value or size with
    NO_RULES = "NO_RULES"  # no SymbolRules for the pair
    SPREAD_TOO_WIDE = "SPREAD_TOO_WIDE"
    ORDER_PENDING = "ORDER_PENDING"  # a live order of ours already works this pair
    ORDER_UNKNOWN = "ORDER_UNKNOWN"  # a submit with unknown outcome: resolve it first
    ORDER_STALE = "ORDER_STALE"  # cancel reason: older than the strategy's TTL
    DUST_POSITION = "DUST_POSITION"  # held quantity too small to sell; treated as flat
    ALREADY_LONG = "ALREADY_LONG"  # buy signal while holding
    NOT_LONG = "NOT_LONG"  # sell signal while flat
    BELOW_MIN_NOTIONAL = "BELOW_MIN_NOTIONAL"  # delta smaller than the exchange minimum
    BELOW_MIN_DELTA = "BELOW_MIN_DELTA"  # delta smaller than the strategy's own threshold
    AT_TARGET = "AT_TARGET"  # rebalance: nothing to change


@attrs.frozen(slots=True)
class CancelIntent:
    """Cancel our order ``client_order_id`` on ``pair`` because of ``reason``."""

    client_order_id: str
    pair: Pair
    side: Side
    reason: Reason


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class PairNote:
    """Why nothing (or less than usual) was proposed for ``pair``."""

    pair: Pair
    reason: Reason


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class Proposal:
    """A strategy's answer for one cycle. Intents are ordered: sells before buys."""

    intents: tuple[OrderIntent, ...] = ()
    cancels: tuple[CancelIntent, ...] = ()
    notes: tuple[PairNote, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.intents or self.cancels or self.notes)


#: The shared empty proposal: returned on no-signal paths so they allocate nothing.
EMPTY_PROPOSAL: Final = Proposal()


@runtime_checkable
class Strategy(Protocol):
    """A strategy: ``name`` and ``propose``. Must not read clocks, env, files or randomness.

    Strategies may keep *derived* state (e.g. rolling indicator sums) that is a pure function
    of the inputs seen so far; such state must be rebuildable from history.
    """

    @property
    def name(self) -> str: ...

    def propose(self, context: StrategyContext) -> Proposal: ...


@runtime_checkable
class ObservingStrategy(Strategy, Protocol):
    """A strategy that can say, from the market alone, that it has nothing to propose.

    ``observe(market, pairs)`` consumes the snapshot (a bar strategy moves its indicators)
    and returns ``False`` only when :meth:`propose` would return an empty proposal for this
    snapshot whatever the account holds; the pipeline then skips building the context.
    After ``True`` the pipeline calls ``propose`` with the same snapshot, and the result is
    the same as a ``propose`` without ``observe`` would have been.
    """

    def observe(self, market: MarketSnapshot, pairs: tuple[Pair, ...]) -> bool: ...


def sells_first(intents: Sequence[OrderIntent]) -> tuple[OrderIntent, ...]:
    """Stable order with every sell before every buy (sells free cash and cut exposure)."""
    if len(intents) < 2:  # the usual proposal: nothing to order
        return tuple(intents)
    return tuple(i for i in intents if i.side is Side.SELL) + tuple(
        i for i in intents if i.side is Side.BUY
    )


# --- params helpers -----------------------------------------------------------------------

_P = TypeVar("_P", bound=attrs.AttrsInstance)


def check_range(
    name: str,
    value: Decimal | int,
    low: Decimal | int | None,
    high: Decimal | int | None,
    *,
    low_open: bool = False,
) -> None:
    """Raise :class:`ValidationError` naming ``name``, ``value`` and the allowed range."""
    ok = True
    if low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        lo = "-inf" if low is None else str(low)
        hi = "+inf" if high is None else str(high)
        bracket = "(" if low_open else "["
        raise ValidationError(f"{name}={value} is out of range; allowed {bracket}{lo}, {hi}]")


def dec_param(value: object) -> Decimal:
    """attrs converter for Decimal parameters (``str``/``int``/``Decimal``; never ``float``)."""
    return to_decimal(value, "parameter")


def int_param(value: object) -> int:
    """attrs converter for integer parameters; ``"30"`` is accepted, ``30.0``/``True`` not."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(f"parameter {value!r} must be an integer")
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"parameter {value!r} must be an integer") from None


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def bool_param(value: object) -> bool:
    """attrs converter for flags: ``bool`` or ``true/false/1/0/yes/no/on/off`` (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValidationError(f"flag {value!r} must be true or false")


def params_from_mapping(cls: type[_P], values: Mapping[str, str]) -> _P:
    """Build a params class from ``UPPER_SNAKE`` (or field-name) keys, e.g. a ParameterSet.

    Unknown keys raise :class:`ValidationError` listing the known ones; a value that does
    not convert raises :class:`ValidationError` naming the key and the value; missing keys
    keep their documented defaults.
    """
    fields = {f.name: f for f in attrs.fields(cls)}
    kwargs: dict[str, object] = {}
    for key, raw in values.items():
        name = key.lower()
        field = fields.get(name)
        if field is None:
            known = ", ".join(sorted(f.upper() for f in fields))
            raise ValidationError(f"{cls.__name__}: unknown parameter {key!r}; known: {known}")
        if callable(field.converter):
            try:
                field.converter(raw)
            except (TypeError, ValueError) as err:
                raise ValidationError(f"{key}={raw!r}: {err}") from None
        kwargs[name] = raw
    return cls(**kwargs)


__all__ = [
    "EMPTY_PROPOSAL",
    "CancelIntent",
    "PairNote",
    "Proposal",
    "Strategy",
    "StrategyCode",
    "StrategyContext",
    "bool_param",
    "check_range",
    "dec_param",
    "int_param",
    "params_from_mapping",
    "sells_first",
]
