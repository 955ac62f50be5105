"""From intents to approved requests: mode filter, allocation, quantisation, risk policy.

Pure: every input is passed in, every intent that will not be sent comes back as an
:class:`IntentOutcome` with its reasons, and the approved requests keep a link to the
intent they came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from btcbot_core.allocation import AllocationParams, allocate
from btcbot_core.decisions import Reason
from btcbot_core.ledger import Position
from btcbot_core.orders import Order, OrderIntent, OrderRequest, Side
from btcbot_core.pair import Pair
from btcbot_core.pipeline.report import Fate, IntentOutcome
from btcbot_core.risk_policy import RiskContext, RiskPolicyParams, evaluate_risk, quantize_intents
from btcbot_core.rules import SymbolRules
from btcbot_core.state import RiskMode


@attrs.frozen
class Screened:
    """Intents that may proceed, and the ones stopped by mode, reconciliation or cancels."""

    kept: tuple[OrderIntent, ...]
    stopped: tuple[IntentOutcome, ...]

    @property
    def needs_cash(self) -> bool:
        return any(i.side is Side.BUY for i in self.kept)


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


@attrs.frozen
class Decision:
    """Approved requests (``source[client_order_id]`` is the intent of each) and every
    intent dropped on the way, with reasons."""

    approved: tuple[OrderRequest, ...]
    source: Mapping[str, OrderIntent]
    dropped: tuple[IntentOutcome, ...]


@attrs.frozen
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
