"""Reconciliation's common shape, decided without the general diff's bookkeeping.

Most cycles that reconcile anything see this: the exchange lists none of our orders as open,
nothing is being looked up, and every new fill names (by client order id) one of our orders,
which the fills then bring to a terminal state. :func:`reconcile_fills_only` builds the
:class:`~btcbot_core.reconcile_plan.ReconcilePlan` of that shape directly, with the same
reasons in the same order as :func:`btcbot_core.reconcile.reconcile`; for anything else
(a repeated or already-ingested fill, an orphan, a PLANNED order, a fill the order refuses,
a live order left that would need a lookup) it returns ``None`` and the general diff runs.
:func:`reconcile_one_fill` is the same shortcut for its most common case (one order, one
fill), without the sorting and grouping. Property tests hold both to identical plans.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from btcbot_core.decisions import Reason
from btcbot_core.errors import OrderStateError
from btcbot_core.orders import PLANNED, TERMINAL_STATUSES, UNKNOWN, Fill, Order
from btcbot_core.pair import Pair
from btcbot_core.reconcile_plan import (
    BY_COID,
    OrderUpdate,
    ReconcilePlan,
    changed,
    fill_applied,
    fill_order,
)

_NO_PAIRS: frozenset[Pair] = frozenset()


def reconcile_fills_only(
    local_orders: Sequence[Order],
    fills: Sequence[Fill],
    ingested: Callable[[Pair, str], bool],
    queried_pairs: Collection[Pair] | None,
) -> ReconcilePlan | None:
    """The plan for new fills of our own orders when the exchange shows no open order and
    no lookup results (the caller checks both), or ``None`` when the shape does not hold.

    ``ingested`` is the already-ingested predicate ``(pair, fill_id)``; ``queried_pairs`` as
    for :func:`~btcbot_core.reconcile.reconcile`. Never raises for bad input: the general
    diff, run on ``None``, reports it.
    """
    if len(local_orders) == 1:
        ordered = local_orders
        owners = {local_orders[0].client_order_id}
    else:
        ordered = sorted(local_orders, key=BY_COID)
        owners = {o.client_order_id for o in ordered}
        if len(owners) != len(ordered):
            return None
    if len(fills) > 1:
        fills = sorted(fills, key=fill_order)
        if len({(f.pair, f.fill_id) for f in fills}) != len(fills):
            return None  # a repeat within the batch: skipped (or a conflict) in general
    by_order: dict[str, list[Fill]] = {}
    for fill in fills:
        coid = fill.client_order_id
        # an empty client id would be matched by exchange order id in the general diff
        if not coid or coid not in owners or ingested(fill.pair, fill.fill_id):
            return None
        own = by_order.get(coid)
        if own is None:
            by_order[coid] = [fill]
        else:
            own.append(fill)

    reasons: list[Reason] = []
    updates: list[OrderUpdate] = []
    blocked: set[Pair] = set()
    for before in ordered:
        order = before
        own = by_order.get(before.client_order_id)
        mark = len(reasons)
        if own is not None:
            if order.status is PLANNED:  # the general diff first records SUBMITTED
                return None
            for fill in own:
                try:
                    order = order.apply_fill(fill)
                except OrderStateError:  # reported as a conflict by the general diff
                    return None
                reasons.append(fill_applied(order, fill))
        status = order.status
        if not status.is_terminal:
            if queried_pairs is None or order.pair in queried_pairs:
                return None  # not on the open list: the general diff asks for a lookup
            if status is UNKNOWN:
                blocked.add(order.pair)
        if order is not before and changed(before, order):
            updates.append(OrderUpdate(before, order, tuple(reasons[mark:])))
    return ReconcilePlan(
        tuple(updates),
        tuple(fills),
        (),
        (),
        (),
        (),
        (),
        (),
        frozenset(blocked),
        tuple(reasons),
    )


def reconcile_one_fill(order: Order, fill: Fill, now: datetime) -> ReconcilePlan | None:
    """The plan of :func:`~btcbot_core.reconcile.reconcile` for one order in play and one
    new fill, or ``None`` when the shortcut's shape does not hold.

    The caller has checked what the general diff would otherwise look at: the exchange
    lists no open order, no lookup results are given, ``fill`` is not already ingested,
    and ``order.pair`` is among the queried pairs (so an order the fill leaves live would
    need a lookup: ``None``). The shape: ``fill`` names ``order`` by its (non-empty) client
    order id, the order is not PLANNED, accepts the fill and ends terminal by it.
    """
    coid = order.client_order_id
    if (
        now.tzinfo is None  # the general diff raises
        or not coid
        or fill.client_order_id != coid
        or order.status is PLANNED
    ):
        return None
    try:
        after = order.apply_fill(fill)
    except OrderStateError:
        return None
    # (the set itself, not the is_terminal property: a property read is a Python call)
    if after.status not in TERMINAL_STATUSES or not changed(order, after):
        return None
    reasons = (fill_applied(after, fill),)
    return ReconcilePlan(
        (OrderUpdate(order, after, reasons),),
        (fill,),
        (),
        (),
        (),
        (),
        (),
        (),
        _NO_PAIRS,
        reasons,
    )


__all__ = ["reconcile_fills_only", "reconcile_one_fill"]
