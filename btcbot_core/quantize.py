"""Quantising intents into order requests: step 1 of the risk policy (pure).

:func:`quantize_intents` turns strategy/allocation intents into
:class:`~btcbot_core.orders.OrderRequest`s via :class:`~btcbot_core.rules.SymbolRules`
(buy prices round down, sell prices round up, quantities round down; a notional intent is
sized at the *rounded* price so its cost never exceeds the notional) and gives each a
deterministic client order id from ``(run_id, cycle, pair, side, index)``. Every rule
violation becomes a :class:`Reason` whose code is the
:class:`~btcbot_core.rules.ViolationCode` value (``BELOW_MIN_NOTIONAL``, ...). Step 2, the
caps, is :func:`~btcbot_core.risk_policy.evaluate_risk`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.ids import client_order_id
from btcbot_core.orders import OrderIntent, OrderRequest
from btcbot_core.pair import Pair
from btcbot_core.risk_codes import RiskCode
from btcbot_core.rules import RuleViolation, SymbolRules, ViolationCode


@attrs.frozen
class RejectedIntent:
    """An intent that did not become a request; ``reasons`` is never empty."""

    intent: OrderIntent
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> Reason:
        return self.reasons[0]


@attrs.frozen
class QuantizeResult:
    """``requests[k]`` was made from ``sources[k]``; every other intent is in ``rejected``."""

    requests: tuple[OrderRequest, ...]
    rejected: tuple[RejectedIntent, ...]
    sources: tuple[OrderIntent, ...] = ()


def _violations(found: Sequence[RuleViolation]) -> list[Reason]:
    return [Reason(v.code.value, v.detail) for v in found]


def quantize_intents(
    intents: Sequence[OrderIntent],
    rules: Mapping[Pair, SymbolRules],
    marks: Mapping[Pair, Decimal],
    run_id: str,
    cycle: int,
    first_index: int = 0,
) -> QuantizeResult:
    """Quantise intents into requests; intent ``k`` gets id index ``first_index + k``."""
    requests: list[OrderRequest] = []
    sources: list[OrderIntent] = []
    rejected: list[RejectedIntent] = []
    for k, intent in enumerate(intents):
        pair_rules = rules.get(intent.pair)
        if pair_rules is None:
            reason = Reason(RiskCode.NO_RULES, f"no symbol rules for {intent.pair}")
            rejected.append(RejectedIntent(intent, (reason,)))
            continue
        mark = marks.get(intent.pair)
        raw = _size(intent, pair_rules, mark) if intent.quantity is None else intent.quantity
        if isinstance(raw, Reason):
            rejected.append(RejectedIntent(intent, (raw,)))
            continue
        qprice, qty, problems = pair_rules.quantize_checked(intent.side, intent.price, raw, mark)
        if problems:
            rejected.append(RejectedIntent(intent, tuple(_violations(problems))))
            continue
        requests.append(
            OrderRequest(
                client_order_id(run_id, cycle, intent.pair, intent.side, first_index + k),
                intent.pair,
                intent.side,
                qty,
                qprice,
                intent.order_type,
            )
        )
        sources.append(intent)
    return QuantizeResult(tuple(requests), tuple(rejected), tuple(sources))


def _size(intent: OrderIntent, pair_rules: SymbolRules, mark: Decimal | None) -> Decimal | Reason:
    """A notional intent's quantity at its rounded limit price (a market one's at the mark)."""
    price = mark
    if intent.price is not None:
        price = pair_rules.round_price(intent.price, intent.side)
        if price <= 0:
            return Reason(
                ViolationCode.ROUNDS_TO_ZERO.value,
                f"price {intent.price} rounds to 0 at step {pair_rules.effective_price_step}",
            )
    if price is None or price <= 0:
        return Reason(
            RiskCode.NO_REFERENCE_PRICE,
            f"cannot size a {intent.notional} TRY {intent.side} of {intent.pair}: no price",
        )
    assert intent.notional is not None
    return intent.notional / price


__all__ = ["QuantizeResult", "RejectedIntent", "quantize_intents"]
