"""What a reconciliation returns (:class:`ReconcilePlan` and its parts), and the small
order/fill helpers both the general diff (:mod:`btcbot_core.reconcile`) and its common-shape
shortcut (:mod:`btcbot_core.reconcile_fills`) use, so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.orders import Fill, Order
from btcbot_core.pair import Pair
from btcbot_core.ports import ExchangeOrder

FillKey = tuple[Pair, str]
#: Sort key of local orders: the plan lists them by client order id.
BY_COID: Final = attrgetter("client_order_id")


def fill_order(fill: Fill) -> tuple[datetime, str, str]:
    """Sort key of a batch of fills: oldest first, then pair, then fill id."""
    return fill.timestamp, str(fill.pair), fill.fill_id


def fill_applied(after: Order, fill: Fill) -> Reason:
    """The reason recorded when ``fill`` moved our order to ``after`` (one wording for
    the general diff and its shortcuts)."""
    # ``!s``: the text ``format()`` gives a Decimal or a str enum, without parsing a format
    # spec (``Decimal.__format__`` costs about five times ``str()``; tests/unit/core/
    # test_format_spelling.py holds the two spellings to the same text).
    detail = (
        f"{after.client_order_id}: fill {fill.fill_id} of {fill.quantity!s} -> {after.status!s}"
    )
    return Reason("RECON_FILL_APPLIED", detail)


def changed(before: Order, after: Order) -> bool:
    """``after != before`` for two states of one order: only these fields can move (by
    transition, fill or a learned exchange id), so only they are compared."""
    return (
        after.status is not before.status
        or after.filled_qty != before.filled_qty
        or after.exchange_order_id != before.exchange_order_id
        or after.updated_at != before.updated_at
        or after.filled_notional != before.filled_notional
        or after.reason != before.reason
    )


@attrs.frozen
class LookupRequest:
    """Ask the exchange for one of our orders by client order id (``order_by_client_id``)."""

    pair: Pair
    client_order_id: str


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class OrderUpdate:
    """A new state of one of our orders, with why it changed."""

    before: Order
    after: Order
    reasons: tuple[Reason, ...]


@attrs.frozen
class FillGap:
    """The exchange reports ``exchange_filled_qty`` on an order whose ingested fills total
    ``local_filled_qty`` (base units); ``since`` is the exchange's last update of the order."""

    client_order_id: str
    pair: Pair
    exchange_filled_qty: Decimal
    local_filled_qty: Decimal
    since: datetime

    def age_seconds(self, now: datetime) -> float:
        return max(0.0, (now - self.since).total_seconds())


# Not slotted: built on hot paths and read a few times. A frozen slotted class sets each
# field through object.__setattr__; a dict-backed one is built in about 60 % of the time.
@attrs.frozen(slots=False)
class ReconcilePlan:
    """What to change, ingest, ask and report after one reconciliation (see
    :mod:`btcbot_core.reconcile`)."""

    order_updates: tuple[OrderUpdate, ...] = ()
    fills_to_ingest: tuple[Fill, ...] = ()
    skipped_fills: tuple[FillKey, ...] = ()
    orphan_fills: tuple[Fill, ...] = ()
    foreign_orders: tuple[ExchangeOrder, ...] = ()
    lookups_needed: tuple[LookupRequest, ...] = ()
    resendable: tuple[Order, ...] = ()
    fill_gaps: tuple[FillGap, ...] = ()
    blocked_pairs: frozenset[Pair] = frozenset()
    reasons: tuple[Reason, ...] = ()

    def oldest_fill_gap_age_s(self, now: datetime) -> float | None:
        """Seconds since the oldest fill gap appeared (``None`` when there is none)."""
        return max((g.age_seconds(now) for g in self.fill_gaps), default=None)


__all__ = [
    "BY_COID",
    "FillGap",
    "FillKey",
    "LookupRequest",
    "OrderUpdate",
    "ReconcilePlan",
    "changed",
    "fill_applied",
    "fill_order",
]
