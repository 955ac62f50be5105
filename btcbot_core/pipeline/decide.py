"""From intents to approved requests: mode filter, allocation, quantisation, risk policy.

Pure: every input is passed in, every intent that will not be sent comes back as an
:class:`IntentOutcome` with its reasons, and the approved requests keep a link to the
intent they came from.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from btcbot_core.allocation import AllocationParams, allocate, keeps_whole
from btcbot_core.decisions import Reason
from btcbot_core.ids import client_order_id
from btcbot_core.ledger import Position
from btcbot_core.orders import Order, OrderIntent, OrderRequest, Side
from btcbot_core.pair import Pair
from btcbot_core.pipeline.report import Fate, IntentOutcome
from btcbot_core.risk_all_clear import single_request_clears
from btcbot_core.risk_policy import (
    RiskContext,
    RiskPolicyParams,
    _size,
    evaluate_risk,
    quantize_intents,
)
from btcbot_core.rules import SymbolRules
from btcbot_core.state import MODE_NORMAL, RiskMode


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class Screened:
    """Intents that may proceed, and the ones stopped by mode, reconciliation or cancels."""

    kept: tuple[OrderIntent, ...]
    stopped: tuple[IntentOutcome, ...]

    @property
    def needs_cash(self) -> bool:
        for intent in self.kept:  # noqa: SIM110 - a loop, not any(<generator>): half the cost
            if intent.side is Side.BUY:
                return True
        return False


def screen(
    intents: Sequence[OrderIntent],
    mode: RiskMode,
    blocked_pairs: frozenset[Pair],
    cancel_failed: frozenset[Pair] = frozenset(),
) -> Screened:
    """Drop what the mode forbids (REDUCE_RISK_ONLY: buys; OBSERVE_ONLY: everything), what
    targets a pair with an unresolved (UNKNOWN) order, and what targets a pair with a cancel
    this cycle (not confirmed until the next one; a replacement beside a still-working order
    would double the exposure)."""
    if sole_unscreened(intents, mode, blocked_pairs, cancel_failed) is not None:
        # The common shape (one intent, normal mode): the loop below, without its lists.
        return Screened(tuple(intents), ())
    kept: list[OrderIntent] = []
    stopped: list[IntentOutcome] = []
    for intent in intents:
        if mode is RiskMode.OBSERVE_ONLY or (
            mode is RiskMode.REDUCE_RISK_ONLY and intent.side is Side.BUY
        ):
            why = Reason(f"MODE_{mode.value}", f"{intent.side} not allowed in {mode}")
            stopped.append(IntentOutcome(intent, Fate.BLOCKED_BY_MODE, (why,)))
        elif intent.pair in blocked_pairs:
            why = Reason("PAIR_HAS_UNKNOWN_ORDER", f"{intent.pair}: resolve it first")
            stopped.append(IntentOutcome(intent, Fate.BLOCKED_BY_RECONCILE, (why,)))
        elif intent.pair in cancel_failed:
            why = Reason("CANCEL_PENDING", f"{intent.pair}: a cancel is not confirmed yet")
            stopped.append(IntentOutcome(intent, Fate.BLOCKED_BY_RECONCILE, (why,)))
        else:
            kept.append(intent)
    return Screened(tuple(kept), tuple(stopped))


def sole_unscreened(
    intents: Sequence[OrderIntent], mode: RiskMode, *blocked: Container[Pair]
) -> OrderIntent | None:
    """The only intent of ``intents`` when :func:`screen` keeps it and stops nothing: normal
    mode, one intent, its pair in none of the ``blocked`` containers (the pairs
    :func:`screen` takes as sets, here as they are, so the caller builds none). ``None``
    for any other shape."""
    if mode is not MODE_NORMAL or len(intents) != 1:
        return None
    intent = intents[0]
    pair = intent.pair
    for pairs in blocked:
        if pair in pairs:
            return None
    return intent


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class Decision:
    """Approved requests (``source[client_order_id]`` is the intent of each) and every
    intent dropped on the way, with reasons."""

    approved: tuple[OrderRequest, ...]
    source: Mapping[str, OrderIntent]
    dropped: tuple[IntentOutcome, ...]


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class DecideInputs:
    """What sizing and checking need. ``cash`` is free TRY (``None`` when no buy needs it);
    ``trading_capital`` is ``None`` when self-financing is off; marks are TRY per unit."""

    now: datetime
    run_id: str
    cycle: int
    rules: Mapping[Pair, SymbolRules]
    marks: Mapping[Pair, Decimal]
    positions: Mapping[str, Position]
    live_orders: Sequence[Order]
    last_order_at: Mapping[tuple[Pair, Side], datetime]
    allocation: AllocationParams | None
    risk_policy: RiskPolicyParams
    cash: Decimal | None = None
    trading_capital: Decimal | None = None
    deployed_try: Decimal = Decimal(0)
    multiplier: Decimal = Decimal(1)


def decide(intents: Sequence[OrderIntent], inputs: DecideInputs) -> Decision:
    """Allocate (if on), quantise and risk-check ``intents`` (already screened)."""
    if len(intents) == 1:
        approved = _decide_one(intents[0], inputs)
        if approved is not None:
            return approved
    return decide_all(intents, inputs)


def decide_all(intents: Sequence[OrderIntent], inputs: DecideInputs) -> Decision:
    """:func:`decide` without its one-intent shortcut: every intent through allocation,
    quantisation and the risk policy, each one dropped with its reasons (for a caller that
    already knows the shortcut does not apply)."""
    dropped: list[IntentOutcome] = []
    kept: Sequence[OrderIntent] = intents
    if inputs.allocation is not None and inputs.cash is not None and kept:
        allocation = allocate(
            kept,
            inputs.cash,
            inputs.allocation,
            trading_capital=inputs.trading_capital,
            deployed_try=inputs.deployed_try,
            size_multiplier=inputs.multiplier,
            marks=inputs.marks,
            rules=inputs.rules,
        )
        for gone in allocation.dropped:
            dropped.append(IntentOutcome(gone.intent, Fate.DROPPED_BY_ALLOCATION, gone.reasons))
        kept = allocation.intents
    quantized = quantize_intents(kept, inputs.rules, inputs.marks, inputs.run_id, inputs.cycle)
    for gone in quantized.rejected:
        dropped.append(IntentOutcome(gone.intent, Fate.REJECTED_BY_RULES, gone.reasons))
    source = {r.client_order_id: i for r, i in zip(quantized.requests, quantized.sources)}
    context = RiskContext(
        now=inputs.now,
        rules=inputs.rules,
        marks=inputs.marks,
        positions=inputs.positions,
        open_orders=inputs.live_orders,
        last_order_at=inputs.last_order_at,
    )
    # The requests come from quantize_intents with these very rules and marks.
    verdict = evaluate_risk(quantized.requests, context, inputs.risk_policy, rules_checked=True)
    for refused in verdict.rejected:
        intent = source.pop(refused.request.client_order_id)
        dropped.append(IntentOutcome(intent, Fate.REJECTED_BY_RISK, refused.reasons))
    return Decision(verdict.approved, source, tuple(dropped))


def _decide_one(intent: OrderIntent, inputs: DecideInputs) -> Decision | None:
    """:func:`decide` of ``(intent,)`` when the intent goes through untouched (see
    :func:`decide_single`); ``None`` when the general path must compute it."""
    request = decide_single(intent, inputs)
    if request is None:
        return None
    return Decision((request,), {request.client_order_id: intent}, ())


def decide_single(intent: OrderIntent, inputs: DecideInputs) -> OrderRequest | None:
    """The one approved request of ``decide((intent,), inputs)`` when the intent goes
    through untouched: allocation keeps it whole, it quantises without a violation and the
    risk policy approves it. Any other outcome returns ``None`` so that the general path
    computes it (with its reasons); the cycle then calls :func:`decide_all`.

    The same functions decide each step (``keeps_whole`` for ``allocate``,
    ``quantize_checked`` and ``client_order_id`` as ``quantize_intents`` calls them,
    ``single_request_clears`` for ``evaluate_risk``); what is skipped is the general path's
    lists, dictionaries and intermediate results. A property test holds it to the general
    path over random cycles.
    """
    allocation, cash, marks = inputs.allocation, inputs.cash, inputs.marks
    if (
        allocation is not None
        and cash is not None
        and not keeps_whole(
            intent,
            cash,
            allocation,
            trading_capital=inputs.trading_capital,
            deployed_try=inputs.deployed_try,
            size_multiplier=inputs.multiplier,
            marks=marks,
        )
    ):
        return None
    pair, side = intent.pair, intent.side
    pair_rules = inputs.rules.get(pair)
    if pair_rules is None:
        return None
    mark = marks.get(pair)
    raw = intent.quantity
    if raw is None:  # a notional intent: sized at its rounded price
        sized = _size(intent, pair_rules, mark)
        if isinstance(sized, Reason):
            return None
        raw = sized
    price, quantity, problems = pair_rules.quantize_checked(side, intent.price, raw, mark)
    if problems:
        return None
    order_id = client_order_id(inputs.run_id, inputs.cycle, pair, side, 0)
    order_type = intent.order_type
    if not single_request_clears(
        order_id,
        pair,
        side,
        quantity,
        price,
        order_type,
        now=inputs.now,
        marks=marks,
        positions=inputs.positions,
        open_orders=inputs.live_orders,
        last_order_at=inputs.last_order_at,
        params=inputs.risk_policy,
    ):
        return None
    return OrderRequest(order_id, pair, side, quantity, price, order_type)
