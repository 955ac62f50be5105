"""Reconciliation: a pure diff of our orders and fills against what the exchange reports.

:func:`reconcile` takes our live orders (core :class:`~btcbot_core.orders.Order`), the
exchange's open orders and single-order lookup results
(:class:`~btcbot_core.ports.ExchangeOrder`), and the fills fetched since the cursor, and
returns a :class:`ReconcilePlan` value. It never performs I/O; the cycle service applies the
plan (store order updates and fills in one unit of work, then do the requested lookups).

Rules:

* **Matching**: by client order id first, exchange order id second — never an internal id
  against an exchange id. A match whose pair, side or other id disagrees is a conflict: the
  order is left alone and its pair is blocked.
* **Status** follows the state machine (:meth:`Order.transition`): SUBMITTED/UNKNOWN seen on
  the exchange → OPEN (or PARTIALLY_FILLED/FILLED as our fills account), CANCELED/REJECTED as
  the exchange says. Filled quantity comes only from fills, each applied once with
  :meth:`Order.apply_fill` (a CANCELED order keeps its fills and accepts late ones). When the
  exchange reports more filled quantity than our fills cover, a :class:`FillGap` is reported
  (the fills feed is behind; see the degrade ladder); an order the exchange calls FILLED
  stays UNKNOWN (pair blocked) until its fills arrive, then becomes FILLED through them.
* **Missing**: a live order that is neither on the exchange's open list nor in ``lookups``
  becomes UNKNOWN and a client-order-id lookup is requested (``lookups_needed``). A lookup
  that finds it gives its true status. A lookup that proves it absent (``lookups[coid] is
  None``) for an order the exchange never acknowledged (no exchange id, no fills) makes it
  **resendable**: the caller may re-send it *with the same client order id*. An order the
  exchange did acknowledge stays UNKNOWN and blocked (never re-sent blindly).
* **Fills** are ingested exactly once: a fill whose ``(pair, fill_id)`` the
  ``already_ingested`` set/predicate knows, or that repeats within the batch, is skipped.
  Fills that match none of our orders are still ingested (the balances moved) and listed in
  ``orphan_fills``.
* **Foreign** exchange orders (matching none of our orders) are reported, never touched.
* **Blocked pairs**: no new submits on a pair with an UNKNOWN order, a pending lookup, or a
  conflict. (The re-send of a resendable order is not a new submit.)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.errors import OrderStateError, ValidationError
from btcbot_core.orders import Fill, Order, OrderStatus
from btcbot_core.pair import Pair
from btcbot_core.ports import ExchangeOrder
from btcbot_core.reconcile_fills import reconcile_fills_only
from btcbot_core.reconcile_plan import BY_COID as _BY_COID
from btcbot_core.reconcile_plan import (
    FillGap,
    FillKey,
    LookupRequest,
    OrderUpdate,
    ReconcilePlan,
    fill_applied,
)
from btcbot_core.reconcile_plan import changed as _changed
from btcbot_core.reconcile_plan import fill_order as _fill_order

_S = OrderStatus
_LIVE_ON_EXCHANGE: Final = frozenset({_S.SUBMITTED, _S.OPEN, _S.PARTIALLY_FILLED, _S.FILLED})
_NO_EXCHANGE_ORDERS: Final[Mapping[str, ExchangeOrder]] = MappingProxyType({})


class _Work:
    """Mutable scratch space of one reconciliation (never escapes :func:`reconcile`)."""

    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self.blocked: set[Pair] = set()
        self.lookups: list[LookupRequest] = []
        self.resendable: list[Order] = []
        self.gaps: list[FillGap] = []

    def conflict(self, pair: Pair, code: str, detail: str) -> None:
        self.reasons.append(Reason(code, detail))
        self.blocked.add(pair)


def _ingested_predicate(
    already: Callable[[Pair, str], bool] | Container[FillKey],
) -> Callable[[Pair, str], bool]:
    if callable(already):
        return already
    return lambda pair, fill_id: (pair, fill_id) in already


def _dedupe(
    fills: Sequence[Fill], ingested: Callable[[Pair, str], bool], work: _Work
) -> tuple[list[Fill], list[FillKey]]:
    new: dict[FillKey, Fill] = {}
    skipped: list[FillKey] = []
    for fill in sorted(fills, key=_fill_order) if len(fills) > 1 else fills:
        key = (fill.pair, fill.fill_id)
        if key in new:
            skipped.append(key)
            if new[key] != fill:
                work.conflict(
                    fill.pair,
                    "RECON_FILL_CONFLICT",
                    f"fill {fill.pair}/{fill.fill_id} reported twice with different "
                    "contents; the first is kept",
                )
        elif ingested(fill.pair, fill.fill_id):
            skipped.append(key)
        else:
            new[key] = fill
    if skipped:
        work.reasons.append(
            Reason("RECON_FILLS_SKIPPED", f"{len(skipped)} already ingested or duplicate fills")
        )
    return list(new.values()), skipped


def _match(
    order: Order,
    open_by_coid: Mapping[str, ExchangeOrder],
    open_by_eid: Mapping[str, ExchangeOrder],
    lookups: Mapping[str, ExchangeOrder | None],
) -> tuple[ExchangeOrder | None, bool]:
    """(exchange record, whether the exchange was asked about this order at all)."""
    found = open_by_coid.get(order.client_order_id)
    if found is None and order.exchange_order_id is not None:
        found = open_by_eid.get(order.exchange_order_id)
    if found is not None:
        return found, True
    if order.client_order_id in lookups:
        return lookups[order.client_order_id], True
    return None, False


def _disagreement(order: Order, ex: ExchangeOrder) -> str | None:
    if ex.client_order_id is not None and ex.client_order_id != order.client_order_id:
        return f"exchange order {ex.exchange_order_id} carries client id {ex.client_order_id}"
    if order.exchange_order_id is not None and order.exchange_order_id != ex.exchange_order_id:
        return f"exchange id {ex.exchange_order_id} differs from ours {order.exchange_order_id}"
    if ex.pair != order.pair or ex.side is not order.side:
        return f"exchange shows {ex.pair} {ex.side}, we have {order.pair} {order.side}"
    return None


def _live_status(order: Order) -> OrderStatus:
    if order.filled_qty >= order.quantity:
        return _S.FILLED
    return _S.PARTIALLY_FILLED if order.filled_qty > 0 else _S.OPEN


def _step(
    order: Order, status: OrderStatus, now: datetime, work: _Work, why: str, eid: str | None = None
) -> Order:
    """Transition if legal; otherwise record a conflict and keep the order as it is."""
    if status is order.status:
        return order
    start = order
    try:
        if order.status is _S.PLANNED and status is not _S.REJECTED:
            order = order.transition(_S.SUBMITTED, now, exchange_order_id=eid)
        if status is not order.status:
            order = order.transition(status, now, exchange_order_id=eid, reason=why)
    except OrderStateError as exc:
        work.conflict(order.pair, "RECON_ILLEGAL_TRANSITION", f"{exc} ({why})")
        return start
    detail = f"{order.client_order_id}: {start.status} -> {order.status}: {why}"
    work.reasons.append(Reason("RECON_STATUS", detail))
    return order


def _apply_fills(order: Order, fills: Sequence[Fill], now: datetime, work: _Work) -> Order:
    for fill in fills:
        if order.status is _S.PLANNED:  # a fill proves the order reached the exchange
            order = _step(order, _S.SUBMITTED, now, work, f"fill {fill.fill_id} seen")
        try:
            order = order.apply_fill(fill)
        except OrderStateError as exc:
            work.conflict(order.pair, "RECON_FILL_NOT_APPLIED", str(exc))
            continue
        work.reasons.append(fill_applied(order, fill))
    return order


def _with_exchange(order: Order, ex: ExchangeOrder, now: datetime, work: _Work) -> Order:
    """Bring a matched order to the exchange's status (fills already applied)."""
    coid = order.client_order_id
    why = f"exchange reports {ex.status} (order {ex.exchange_order_id})"
    if ex.status is _S.CANCELED:
        order = _step(order, _S.CANCELED, now, work, why, ex.exchange_order_id)
    elif ex.status is _S.REJECTED:
        order = _step(order, _S.REJECTED, now, work, why, ex.exchange_order_id)
    elif ex.status in _LIVE_ON_EXCHANGE:
        if order.status.is_terminal and order.status is not _live_status(order):
            work.conflict(
                order.pair,
                "RECON_TERMINAL_ORDER_LIVE",
                f"{coid} is {order.status} here but {ex.status} on the exchange",
            )
        elif ex.status is _S.FILLED and order.filled_qty < order.quantity:
            # done on the exchange, fills not here yet: UNKNOWN (pair blocked, looked up every
            # cycle) until the fills feed catches up; never OPEN, which would flap each cycle
            why = f"{why}; its fills have not arrived yet"
            order = _step(order, _S.UNKNOWN, now, work, why, ex.exchange_order_id)
        elif not order.status.is_terminal:
            order = _step(order, _live_status(order), now, work, why, ex.exchange_order_id)
    if ex.filled_qty > order.filled_qty:
        since = ex.updated_at or ex.created_at
        work.gaps.append(FillGap(coid, order.pair, ex.filled_qty, order.filled_qty, since))
        work.reasons.append(
            Reason(
                "RECON_FILL_GAP",
                f"{coid}: exchange filled {ex.filled_qty}, fills ingested {order.filled_qty}",
            )
        )
    return order


def _missing(order: Order, looked_up: bool, now: datetime, work: _Work) -> Order:
    """A live order the exchange does not show (not open; lookup absent or not done)."""
    coid, pair = order.client_order_id, order.pair
    if not looked_up:
        work.lookups.append(LookupRequest(pair, coid))
        work.blocked.add(pair)
        work.reasons.append(Reason("RECON_LOOKUP_NEEDED", f"{coid} not on the open-order list"))
        if order.status is _S.PLANNED:
            return order
        return _step(order, _S.UNKNOWN, now, work, "not on the exchange's open-order list")
    acknowledged = (
        order.exchange_order_id is not None
        or order.filled_qty > 0
        or order.status in (_S.OPEN, _S.PARTIALLY_FILLED)
    )
    if order.status is not _S.PLANNED:
        order = _step(order, _S.UNKNOWN, now, work, "lookup by client order id found nothing")
    if acknowledged or order.status not in (_S.PLANNED, _S.UNKNOWN):
        work.conflict(
            pair,
            "RECON_ACKED_ORDER_MISSING",
            f"{coid} was acknowledged by the exchange but the lookup cannot find it; "
            "kept UNKNOWN, never re-sent blindly",
        )
        return order
    work.resendable.append(order)
    if order.status is _S.UNKNOWN:
        work.blocked.add(pair)
    work.reasons.append(
        Reason(
            "RECON_SAFE_TO_RESEND",
            f"{coid} proven absent by lookup and never acknowledged: the "
            "caller may re-send it with the same client order id",
        )
    )
    return order


def reconcile(
    local_orders: Sequence[Order],
    exchange_open: Sequence[ExchangeOrder],
    *,
    now: datetime,
    lookups: Mapping[str, ExchangeOrder | None] | None = None,
    fills: Sequence[Fill] = (),
    already_ingested: Callable[[Pair, str], bool] | Container[FillKey] = frozenset(),
    queried_pairs: Collection[Pair] | None = None,
) -> ReconcilePlan:
    """Diff our orders and fills against the exchange's view (see the module docstring).

    ``local_orders``: our orders still in play (live ones; PLANNED ones from an interrupted
    cycle; terminal ones are accepted and only take late fills). ``exchange_open``: the
    exchange's open orders for ``queried_pairs`` (``None``: every pair of our orders).
    ``lookups``: client order id → lookup result, ``None`` meaning proven absent.
    ``already_ingested``: a set of ``(pair, fill_id)`` or a predicate ``(pair, fill_id)``.
    """
    if now.tzinfo is None:
        raise ValidationError("reconcile: now must be timezone-aware")
    if fills and not exchange_open and not lookups:
        # the usual fill cycle: our own orders completed by their fills (None: not that)
        quick = reconcile_fills_only(
            local_orders, fills, _ingested_predicate(already_ingested), queried_pairs
        )
        if quick is not None:
            return quick
    ordered = sorted(local_orders, key=_BY_COID)
    known = {o.client_order_id for o in ordered}
    if len(known) != len(ordered):
        raise ValidationError("reconcile: local orders repeat a client order id")
    lookups = lookups or {}
    work = _Work()
    open_by_coid = open_by_eid = _NO_EXCHANGE_ORDERS
    if exchange_open:
        open_by_coid = {e.client_order_id: e for e in exchange_open if e.client_order_id}
        open_by_eid = {e.exchange_order_id: e for e in exchange_open}

    # 1. match every local order; learn exchange ids for fill matching
    matched: dict[str, tuple[ExchangeOrder | None, bool]] = {}
    claimed: set[str] = set()
    conflicted: set[str] = set()  # left as they are (fills still apply); their pair is blocked
    eid_owner: dict[str, str] = {}
    for order in ordered:
        ex, asked = _match(order, open_by_coid, open_by_eid, lookups)
        if ex is not None:
            claimed.add(ex.exchange_order_id)
            problem = _disagreement(order, ex)
            if problem is not None:
                work.conflict(
                    order.pair, "RECON_ID_CONFLICT", f"{order.client_order_id}: {problem}"
                )
                ex = None
                conflicted.add(order.client_order_id)
        matched[order.client_order_id] = (ex, asked)
        eid = order.exchange_order_id or (ex.exchange_order_id if ex is not None else None)
        if eid is not None:
            eid_owner[eid] = order.client_order_id

    # 2. fills: exactly once, assigned by client order id first, exchange id second
    new_fills, skipped = _dedupe(fills, _ingested_predicate(already_ingested), work)
    by_order: dict[str, list[Fill]] = {}
    orphans: list[Fill] = []
    for fill in new_fills:
        owner = fill.client_order_id if fill.client_order_id in matched else None
        owner = owner or eid_owner.get(fill.order_id)
        if owner is None:
            orphans.append(fill)
        else:
            by_order.setdefault(owner, []).append(fill)
    if orphans:
        work.reasons.append(
            Reason("RECON_ORPHAN_FILL", f"{len(orphans)} fills match none of our orders (ingested)")
        )

    # 3. new order states
    updates: list[OrderUpdate] = []
    for before in ordered:
        coid = before.client_order_id
        mark = len(work.reasons)
        ex, asked = matched[coid]
        order = before
        if ex is not None and before.exchange_order_id is None:
            order = attrs.evolve(order, exchange_order_id=ex.exchange_order_id, updated_at=now)
            detail = f"{coid}: exchange order id {ex.exchange_order_id} learned"
            work.reasons.append(Reason("RECON_EXCHANGE_ID", detail))
        order = _apply_fills(order, by_order.get(coid, ()), now, work)
        in_scope = queried_pairs is None or order.pair in queried_pairs
        if ex is not None:
            order = _with_exchange(order, ex, now, work)
        elif coid in conflicted:
            pass
        elif not order.status.is_terminal and (asked or in_scope):
            order = _missing(order, asked, now, work)
        if order.status is _S.UNKNOWN:
            work.blocked.add(order.pair)
        if order is not before and _changed(before, order):
            updates.append(OrderUpdate(before, order, tuple(work.reasons[mark:])))

    foreign = tuple(
        e
        for e in exchange_open
        if e.exchange_order_id not in claimed and (e.client_order_id or "") not in known
    )
    for e in foreign:
        work.reasons.append(
            Reason(
                "RECON_FOREIGN_ORDER",
                f"{e.pair} {e.side} {e.exchange_order_id} was not placed by us; left untouched",
            )
        )
    return ReconcilePlan(
        order_updates=tuple(updates),
        fills_to_ingest=tuple(new_fills),
        skipped_fills=tuple(skipped),
        orphan_fills=tuple(orphans),
        foreign_orders=foreign,
        lookups_needed=tuple(work.lookups),
        resendable=tuple(work.resendable),
        fill_gaps=tuple(work.gaps),
        blocked_pairs=frozenset(work.blocked),
        reasons=tuple(work.reasons),
    )


__all__ = [
    "FillGap",
    "LookupRequest",
    "OrderUpdate",
    "ReconcilePlan",
    "reconcile",
]
