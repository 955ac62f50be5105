"""Risk policy: per-cycle caps on quantised order requests, with a reason for every "no".

Two steps, both pure:

1. :func:`quantize_intents` turns strategy/allocation intents into order requests at the
   symbol rules' steps, each with a deterministic client order id; a rule violation becomes
   a reason with its ``ViolationCode`` value. It lives in :mod:`btcbot_core.quantize` (the
   rounding rules are described there) and is importable from here.
2. :func:`evaluate_risk` checks requests against :class:`RiskPolicyParams` and returns the
   approved ones plus a :class:`RejectedRequest` (all reasons that applied at that point) for
   every other one. Sells are evaluated before buys so that risk-reducing orders get the
   per-cycle order slots first.

Which caps apply to which side (sells reduce exposure and are bounded by holdings instead):

============================== ====== =====
check                           BUY    SELL
============================== ====== =====
symbol rules (scales, minimums) yes    yes
MAX_ORDERS_PER_CYCLE            yes    yes
MAX_OPEN_ORDERS_PER_SYMBOL      yes    yes
COOLDOWN_SECONDS (pair + side)  yes    yes
MAX_NOTIONAL_PER_ORDER_TRY      yes    no
NOTIONAL_CAP_TRY_PER_CYCLE      yes    no
MAX_POSITION_TRY_PER_SYMBOL     yes    no
held quantity (minus open sells) no    yes
============================== ====== =====

Notionals are in TRY: ``price × quantity`` for limit orders, ``mark × quantity`` for market
orders (no mark → ``NO_REFERENCE_PRICE``). Nothing here is rounded further.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.ledger import Position
from btcbot_core.money import ZERO
from btcbot_core.orders import Order, OrderRequest, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.quantize import QuantizeResult, RejectedIntent, quantize_intents
from btcbot_core.quantize import _size as _size  # re-exported: the pipeline's decide step
from btcbot_core.quantize import _violations as _violations
from btcbot_core.risk_codes import RiskCode
from btcbot_core.rules import SymbolRules
from btcbot_core.strategies.base import check_range, dec_param, int_param

_ZERO_TIME: Final = timedelta(0)


@attrs.frozen
class RiskPolicyParams:
    """Risk caps (env names in capitals). All TRY amounts must be > 0: there is no
    "unlimited" sentinel, set a large value instead.

    * ``max_orders_per_cycle`` (MAX_ORDERS_PER_CYCLE, default 5, 0..1000; 0 blocks all).
    * ``max_open_orders_per_symbol`` (MAX_OPEN_ORDERS_PER_SYMBOL, default 1, 0..100): live
      orders on the pair (ours, not being cancelled this cycle) plus approved ones.
    * ``cooldown_seconds`` (COOLDOWN_SECONDS, s, default 30, 0..86400): minimum time between
      two orders of the same pair and side.
    * ``notional_cap_try_per_cycle`` (NOTIONAL_CAP_TRY_PER_CYCLE, TRY, default 1000, > 0):
      sum of approved buy notionals in one cycle.
    * ``max_notional_per_order_try`` (MAX_NOTIONAL_PER_ORDER_TRY, TRY, default 500, > 0).
    * ``max_position_try_per_symbol`` (MAX_POSITION_TRY_PER_SYMBOL, TRY, default 2000, > 0):
      held × mark + open buy orders + approved buys on the pair, after this buy.
    """

    max_orders_per_cycle: int = attrs.field(default=5, converter=int_param)
    max_open_orders_per_symbol: int = attrs.field(default=1, converter=int_param)
    cooldown_seconds: int = attrs.field(default=30, converter=int_param)
    notional_cap_try_per_cycle: Decimal = attrs.field(default=Decimal(1000), converter=dec_param)
    max_notional_per_order_try: Decimal = attrs.field(default=Decimal(500), converter=dec_param)
    max_position_try_per_symbol: Decimal = attrs.field(default=Decimal(2000), converter=dec_param)

    def __attrs_post_init__(self) -> None:
        check_range("MAX_ORDERS_PER_CYCLE", self.max_orders_per_cycle, 0, 1000)
        check_range("MAX_OPEN_ORDERS_PER_SYMBOL", self.max_open_orders_per_symbol, 0, 100)
        check_range("COOLDOWN_SECONDS", self.cooldown_seconds, 0, 86_400)
        check_range(
            "NOTIONAL_CAP_TRY_PER_CYCLE", self.notional_cap_try_per_cycle, 0, None, low_open=True
        )
        check_range(
            "MAX_NOTIONAL_PER_ORDER_TRY", self.max_notional_per_order_try, 0, None, low_open=True
        )
        check_range(
            "MAX_POSITION_TRY_PER_SYMBOL", self.max_position_try_per_symbol, 0, None, low_open=True
        )


@attrs.frozen
class RiskContext:
    """Facts the risk policy needs for one cycle.

    * ``positions`` keyed by base asset (``Ledger.positions()``); ``marks`` TRY per unit.
    * ``open_orders``: our orders (terminal ones are ignored).
    * ``last_order_at``: time of the last order sent per ``(pair, side)``.
    * ``cancelling``: client ids cancelled in this cycle's plan; they do not count as open.
    """

    now: datetime
    rules: Mapping[Pair, SymbolRules]
    marks: Mapping[Pair, Decimal] = attrs.field(factory=dict)
    positions: Mapping[str, Position] = attrs.field(factory=dict)
    open_orders: Sequence[Order] = ()
    last_order_at: Mapping[tuple[Pair, Side], datetime] = attrs.field(factory=dict)
    cancelling: frozenset[str] = frozenset()


@attrs.frozen
class RejectedRequest:
    """A request the risk policy refused; ``reasons`` is never empty."""

    request: OrderRequest
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> Reason:
        return self.reasons[0]


@attrs.frozen
class RiskPolicyDecision:
    """Approved requests (sells first, then buys, each in input order) and rejections."""

    approved: tuple[OrderRequest, ...]
    rejected: tuple[RejectedRequest, ...]
    buy_notional_try: Decimal = ZERO


def evaluate_risk(
    requests: Sequence[OrderRequest],
    context: RiskContext,
    params: RiskPolicyParams,
    *,
    rules_checked: bool = False,
) -> RiskPolicyDecision:
    """Approve or reject each request (see the module docstring for the rules).

    ``rules_checked=True`` promises that :func:`quantize_intents` made every request with
    ``context.rules`` and ``context.marks``; the symbol rules, which passed there, are skipped.
    """
    sells: list[OrderRequest] = []
    buys: list[OrderRequest] = []
    for r in requests:
        if r.side is Side.SELL:
            sells.append(r)
        elif r.side is Side.BUY:
            buys.append(r)
    ordered = sells + buys
    open_count: dict[Pair, int] = {}
    open_buy_try: dict[Pair, Decimal] = {}
    open_sell_qty: dict[Pair, Decimal] = {}
    seen_ids: set[str] = set()
    for order in context.open_orders:  # the live ones, not being cancelled
        if not order.status.is_live or order.client_order_id in context.cancelling:
            continue
        seen_ids.add(order.client_order_id)
        pair = order.pair
        open_count[pair] = open_count.get(pair, 0) + 1
        if order.side is Side.BUY:
            px = order.price if order.price is not None else context.marks.get(pair, ZERO)
            open_buy_try[pair] = open_buy_try.get(pair, ZERO) + (order.remaining_qty * px)
        else:
            open_sell_qty[pair] = open_sell_qty.get(pair, ZERO) + order.remaining_qty
    seconds = params.cooldown_seconds
    cooldown = timedelta(seconds=seconds) if seconds else _ZERO_TIME
    approved: list[OrderRequest] = []
    rejected: list[RejectedRequest] = []
    cycle_buy = ZERO
    last_k = len(ordered) - 1
    for k, request in enumerate(ordered):
        pair, side = request.pair, request.side
        reasons: list[Reason] = []
        rules = context.rules.get(pair)
        mark = context.marks.get(pair)
        if rules is None:
            reasons.append(Reason(RiskCode.NO_RULES, f"no symbol rules for {pair}"))
        elif not rules_checked:
            reasons.extend(_violations(rules.check(side, request.price, request.quantity, mark)))
        if request.client_order_id in seen_ids:
            reasons.append(
                Reason(RiskCode.DUPLICATE_CLIENT_ID, f"{request.client_order_id} already used")
            )
        price = request.price if request.order_type is OrderType.LIMIT else mark
        notional = None if price is None else price * request.quantity
        if notional is None and side is Side.BUY:
            reasons.append(
                Reason(RiskCode.NO_REFERENCE_PRICE, f"market {side} of {pair} without a mark")
            )
        if len(approved) >= params.max_orders_per_cycle:
            reasons.append(
                Reason(
                    RiskCode.MAX_ORDERS_PER_CYCLE,
                    f"{len(approved)} approved; MAX_ORDERS_PER_CYCLE={params.max_orders_per_cycle}",
                )
            )
        n_open = open_count.get(pair, 0) if open_count else 0
        if n_open >= params.max_open_orders_per_symbol:
            reasons.append(
                Reason(
                    RiskCode.MAX_OPEN_ORDERS_PER_SYMBOL,
                    f"{n_open} open on {pair}; MAX_OPEN_ORDERS_PER_SYMBOL="
                    f"{params.max_open_orders_per_symbol}",
                )
            )
        last = context.last_order_at.get((pair, side)) if context.last_order_at else None
        if last is not None and context.now - last < cooldown:
            wait = (last + cooldown - context.now).total_seconds()
            reasons.append(
                Reason(
                    RiskCode.COOLDOWN,
                    f"{pair} {side}: last order at {last.isoformat()}, {wait:.0f}s of "
                    f"COOLDOWN_SECONDS={params.cooldown_seconds} left",
                )
            )
        if side is Side.SELL:
            pos = context.positions.get(pair.base)
            selling = open_sell_qty.get(pair, ZERO) if open_sell_qty else ZERO
            free = (ZERO if pos is None else pos.quantity) - selling
            if request.quantity > free:
                reasons.append(
                    Reason(
                        RiskCode.INSUFFICIENT_POSITION,
                        f"sell {request.quantity} {pair.base} > free {free} "
                        "(held minus open sells)",
                    )
                )
        elif notional is not None:
            reasons.extend(
                _buy_caps(pair, notional, mark or price, cycle_buy, open_buy_try, context, params)
            )
        if reasons:
            rejected.append(RejectedRequest(request, tuple(reasons)))
            continue
        approved.append(request)
        later = k < last_k  # the books are only read by later requests
        if side is Side.SELL:
            if later:
                open_sell_qty[pair] = open_sell_qty.get(pair, ZERO) + request.quantity
        else:
            assert notional is not None  # a buy without one was rejected above
            cycle_buy += notional
            if later:
                open_buy_try[pair] = open_buy_try.get(pair, ZERO) + notional
        if later:
            seen_ids.add(request.client_order_id)
            open_count[pair] = n_open + 1
    return RiskPolicyDecision(tuple(approved), tuple(rejected), cycle_buy)


def _buy_caps(
    pair: Pair,
    notional: Decimal,
    mark: Decimal | None,
    cycle_buy: Decimal,
    open_buy_try: Mapping[Pair, Decimal],
    context: RiskContext,
    params: RiskPolicyParams,
) -> list[Reason]:
    out: list[Reason] = []
    if notional > params.max_notional_per_order_try:
        out.append(
            Reason(
                RiskCode.MAX_NOTIONAL_PER_ORDER,
                f"{notional} TRY > MAX_NOTIONAL_PER_ORDER_TRY={params.max_notional_per_order_try}",
            )
        )
    if cycle_buy + notional > params.notional_cap_try_per_cycle:
        out.append(
            Reason(
                RiskCode.NOTIONAL_CAP_PER_CYCLE,
                f"{cycle_buy} + {notional} TRY > NOTIONAL_CAP_TRY_PER_CYCLE="
                f"{params.notional_cap_try_per_cycle}",
            )
        )
    pos = context.positions.get(pair.base)
    held = ZERO if pos is None else pos.quantity
    held_try = held * mark if mark is not None else ZERO
    exposure = held_try + (open_buy_try.get(pair, ZERO) if open_buy_try else ZERO) + notional
    if exposure > params.max_position_try_per_symbol:
        out.append(
            Reason(
                RiskCode.MAX_POSITION_PER_SYMBOL,
                f"{pair} exposure {exposure} TRY > MAX_POSITION_TRY_PER_SYMBOL="
                f"{params.max_position_try_per_symbol}",
            )
        )
    return out


__all__ = [
    "QuantizeResult",
    "RejectedIntent",
    "RejectedRequest",
    "RiskCode",
    "RiskContext",
    "RiskPolicyDecision",
    "RiskPolicyParams",
    "evaluate_risk",
    "quantize_intents",
]
