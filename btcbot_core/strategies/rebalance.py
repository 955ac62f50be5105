"""``rebalance``: move the portfolio toward target weights of investable equity.

* ``equity = cash + Σ held × mark`` over ``context.pairs`` (mark: quote mid, else last bar
  close; a held pair without a mark notes ``NO_MARK`` and is left alone, and the cycle
  proposes no buys because equity is unknown).
* ``investable = max(0, equity − cash_target_try)``.
* weights: ``weights`` if given (pairs not listed get 0, i.e. are sold), else equal across
  ``context.pairs``; the weights must sum to <= 1 (the rest stays in cash).
* ``target[pair] = min(weight × investable, max_position_try)`` (cap ignored when 0).
* ``delta = target − held × mark``: sells for negative, buys for positive deltas. A delta
  whose absolute TRY value is below ``max(rules.min_notional, min_delta_try)`` is dropped
  with ``BELOW_MIN_NOTIONAL`` / ``BELOW_MIN_DELTA``; a pair already at its target notes
  ``AT_TARGET``. Pairs with a live order of ours note ``ORDER_PENDING``.
* Orders: LIMIT at the touch (sells at the bid, buys at the ask) when a quote exists; with
  ``market_orders`` (or bars only) MARKET orders. Sells carry a quantity
  (``min(held, |delta| / mark)``, the whole position when the target is 0); buys carry a TRY
  notional. Sells come before buys.

Rounding is left to quantisation (quantities down, buy prices down, sell prices up).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.errors import ValidationError
from btcbot_core.money import ONE, ZERO, to_decimal
from btcbot_core.orders import OrderIntent, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.strategies.base import (
    PairNote,
    Proposal,
    StrategyCode,
    StrategyContext,
    bool_param,
    check_range,
    dec_param,
    sells_first,
)

NAME: Final = "rebalance"


def _weights(value: object) -> Mapping[Pair, Decimal]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"WEIGHTS must be a mapping of pair to weight, got {value!r}")
    out: dict[Pair, Decimal] = {}
    for key, raw in value.items():
        pair = Pair.parse(key)
        weight = to_decimal(raw, f"WEIGHTS[{pair}]")
        check_range(f"WEIGHTS[{pair}]", weight, 0, 1)
        out[pair] = weight
    total = sum(out.values(), ZERO)
    if total > ONE:
        raise ValidationError(f"WEIGHTS sum to {total}; allowed [0, 1]")
    return MappingProxyType(out)


@attrs.frozen
class RebalanceParams:
    """Parameters of ``rebalance``.

    * ``weights`` (WEIGHTS, pair → ratio 0..1, sum <= 1; default empty = equal weights).
    * ``cash_target_try`` (TRY, default 0, >= 0): equity kept out of the targets.
    * ``max_position_try`` (TRY, default 0 = no cap, >= 0): cap of one pair's target value.
    * ``min_delta_try`` (TRY, default 0, >= 0): ignore smaller changes (on top of the
      exchange minimum notional).
    * ``market_orders`` (default False): MARKET instead of LIMIT-at-the-touch orders.
    """

    weights: Mapping[Pair, Decimal] = attrs.field(factory=dict, converter=_weights)
    cash_target_try: Decimal = attrs.field(default=ZERO, converter=dec_param)
    max_position_try: Decimal = attrs.field(default=ZERO, converter=dec_param)
    min_delta_try: Decimal = attrs.field(default=ZERO, converter=dec_param)
    market_orders: bool = attrs.field(default=False, converter=bool_param)

    def __attrs_post_init__(self) -> None:
        check_range("CASH_TARGET_TRY", self.cash_target_try, 0, None)
        check_range("MAX_POSITION_TRY", self.max_position_try, 0, None)
        check_range("MIN_DELTA_TRY", self.min_delta_try, 0, None)


class Rebalance:
    """The ``rebalance`` strategy (stateless)."""

    def __init__(self, params: RebalanceParams | None = None) -> None:
        self.params = params or RebalanceParams()

    @property
    def name(self) -> str:
        return NAME

    def _weight(self, pair: Pair, pairs: tuple[Pair, ...]) -> Decimal:
        if self.params.weights:
            return self.params.weights.get(pair, ZERO)
        return ONE / len(pairs) if pairs else ZERO

    def propose(self, context: StrategyContext) -> Proposal:
        params = self.params
        notes: list[PairNote] = []
        intents: list[OrderIntent] = []
        marks: dict[Pair, Decimal] = {}
        equity_known = True
        equity = context.cash
        for pair in context.pairs:
            mark = context.market.mark(pair)
            held = context.held(pair)
            if mark is None:
                if held > 0:
                    equity_known = False
                notes.append(PairNote(pair, Reason(StrategyCode.NO_MARK, f"no mark for {pair}")))
                continue
            marks[pair] = mark
            equity += held * mark
        investable = max(ZERO, equity - params.cash_target_try)
        for pair in context.pairs:
            mark = marks.get(pair)
            if mark is None:
                continue
            rules = context.rules.get(pair)
            if rules is None:
                notes.append(PairNote(pair, Reason(StrategyCode.NO_RULES, f"no rules for {pair}")))
                continue
            live = next(iter(context.live_orders(pair)), None)
            if live is not None:
                notes.append(
                    PairNote(
                        pair,
                        Reason(StrategyCode.ORDER_PENDING, f"{live.client_order_id} is open"),
                    )
                )
                continue
            target = self._weight(pair, context.pairs) * investable
            if params.max_position_try > 0:
                target = min(target, params.max_position_try)
            held = context.held(pair)
            delta = target - held * mark
            if delta == 0:
                notes.append(PairNote(pair, Reason(StrategyCode.AT_TARGET, f"at {target} TRY")))
                continue
            if delta > 0 and not equity_known:
                notes.append(
                    PairNote(
                        pair,
                        Reason(
                            StrategyCode.NO_MARK,
                            "equity unknown (a held pair has no mark): buys paused",
                        ),
                    )
                )
                continue
            size = abs(delta)
            if size < rules.min_notional:
                notes.append(
                    PairNote(
                        pair,
                        Reason(
                            StrategyCode.BELOW_MIN_NOTIONAL,
                            f"delta {delta:.2f} TRY below exchange minimum {rules.min_notional}",
                        ),
                    )
                )
                continue
            if size < params.min_delta_try:
                notes.append(
                    PairNote(
                        pair,
                        Reason(
                            StrategyCode.BELOW_MIN_DELTA,
                            f"delta {delta:.2f} TRY below MIN_DELTA_TRY {params.min_delta_try}",
                        ),
                    )
                )
                continue
            intents.append(self._intent(context, pair, delta, mark, held, target))
        return Proposal(sells_first(intents), (), tuple(notes))

    def _intent(
        self,
        context: StrategyContext,
        pair: Pair,
        delta: Decimal,
        mark: Decimal,
        held: Decimal,
        target: Decimal,
    ) -> OrderIntent:
        quote = context.market.quotes.get(pair)
        market = self.params.market_orders or quote is None
        order_type = OrderType.MARKET if market else OrderType.LIMIT
        why = f"REBALANCE to {target:.2f} TRY (delta {delta:.2f})"
        if delta < 0:
            qty = held if target == 0 else min(held, -delta / mark)
            price = None if market or quote is None else quote.bid
            return OrderIntent(
                pair,
                Side.SELL,
                price,
                quantity=qty,
                order_type=order_type,
                reason=why,
                strategy=NAME,
            )
        price = None if market or quote is None else quote.ask
        return OrderIntent(
            pair,
            Side.BUY,
            price,
            notional=delta,
            order_type=order_type,
            reason=why,
            strategy=NAME,
        )


__all__ = ["NAME", "Rebalance", "RebalanceParams"]
