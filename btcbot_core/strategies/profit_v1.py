"""``profit_v1``: bid-offset entries and take-profit exits that are profitable after fees.

Per pair, in ``context.pairs`` order:

1. No quote → note ``NO_QUOTE``. No rules → note ``NO_RULES``.
2. Live orders older than ``ttl_seconds`` (age from ``Order.created_at``) are cancelled
   (``ORDER_STALE``) and the pair is re-planned in the same cycle as if they were gone. The
   cycle service must execute cancels before submits and drop a pair's new submits if its
   cancel fails. An order in ``UNKNOWN`` state is never cancelled blindly: note
   ``ORDER_UNKNOWN``. Any other live order → note ``ORDER_PENDING``.
3. Holding a sellable quantity (``rules.round_qty(qty) > 0`` and its notional at the sell
   price >= ``rules.min_notional``) → one LIMIT sell of that quantity at
   ``max(ask × (1 + offset_bps/1e4), break_even_floor)`` where::

       floor = average_cost × (1 + min_profit_bps/1e4) × (1 + fee_bps/1e4) / (1 − fee_bps/1e4)

   computed with every step rounded toward +∞ (so ``floor`` is never below the exact value).
   The risk policy later rounds a sell price *up* to the price step, so the net round trip
   ``q × sell × (1 − f) − q × avg × (1 + f) >= q × avg × mp × (1 + f) > 0``: profitable after
   the buy fee and the sell fee at the configured rate (``fee_bps`` must be >= the real fee
   including tax).
4. Flat (or only dust: note ``DUST_POSITION``) → if ``quote.spread_bps > max_spread_bps`` note
   ``SPREAD_TOO_WIDE``; else one LIMIT buy of ``target_try`` TRY notional at
   ``bid × (1 − offset_bps/1e4)`` (unrounded; quantisation rounds the price down).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.ledger import Position
from btcbot_core.money import BPS_PER_UNIT, ONE
from btcbot_core.orders import OrderIntent, OrderStatus, Side
from btcbot_core.pair import Pair
from btcbot_core.strategies.base import (
    CancelIntent,
    PairNote,
    Proposal,
    StrategyCode,
    StrategyContext,
    check_range,
    dec_param,
    int_param,
    sells_first,
)

NAME: Final = "profit_v1"
#: Private context for the break-even floor: every operation rounds toward +∞. Using a
#: Context object's methods never touches the thread's current decimal context.
_UP: Final = Context(prec=40, rounding=ROUND_CEILING)
_DOWN: Final = Context(prec=40, rounding=ROUND_FLOOR)  # for divisors


@attrs.frozen
class ProfitV1Params:
    """Parameters of ``profit_v1`` (env/ParameterSet names in capitals).

    * ``target_try`` (TARGET_TRY, TRY, default 100, > 0): notional of one entry buy.
    * ``offset_bps`` (OFFSET_BPS, bps, default 5, 0..1000): entry below the bid, exit above
      the ask.
    * ``max_spread_bps`` (MAX_SPREAD_BPS, bps, default 50, 0..10000): no entry when the
      spread ``(ask − bid)/mid`` is wider.
    * ``min_profit_bps`` (MIN_PROFIT_BPS, bps, default 20, > 0 and <= 10000): net margin
      over average cost after both fees.
    * ``fee_bps`` (FEE_BPS, bps per side incl. tax, default 10, 0..<10000).
    * ``ttl_seconds`` (TTL_SECONDS, s, default 120, 1..604800): open orders older than this
      are cancelled and re-planned.
    """

    target_try: Decimal = attrs.field(default=Decimal(100), converter=dec_param)
    offset_bps: Decimal = attrs.field(default=Decimal(5), converter=dec_param)
    max_spread_bps: Decimal = attrs.field(default=Decimal(50), converter=dec_param)
    min_profit_bps: Decimal = attrs.field(default=Decimal(20), converter=dec_param)
    fee_bps: Decimal = attrs.field(default=Decimal(10), converter=dec_param)
    ttl_seconds: int = attrs.field(default=120, converter=int_param)

    def __attrs_post_init__(self) -> None:
        check_range("TARGET_TRY", self.target_try, 0, None, low_open=True)
        check_range("OFFSET_BPS", self.offset_bps, 0, 1000)
        check_range("MAX_SPREAD_BPS", self.max_spread_bps, 0, 10_000)
        check_range("MIN_PROFIT_BPS", self.min_profit_bps, 0, 10_000, low_open=True)
        check_range("FEE_BPS", self.fee_bps, 0, 9_999)
        check_range("TTL_SECONDS", self.ttl_seconds, 1, 604_800)


def take_profit_floor(position: Position, params: ProfitV1Params) -> Decimal:
    """Lowest sell price (TRY per unit, rounded up at 40 digits) that nets ``min_profit_bps``
    over the position's average cost after a buy fee and a sell fee of ``fee_bps`` each."""
    up, down = _UP, _DOWN
    fee = up.divide(params.fee_bps, BPS_PER_UNIT)
    margin = up.add(ONE, up.divide(params.min_profit_bps, BPS_PER_UNIT))
    gross = up.multiply(up.multiply(position.cost_basis, margin), up.add(ONE, fee))
    return up.divide(gross, down.multiply(position.quantity, down.subtract(ONE, fee)))


class ProfitV1:
    """The ``profit_v1`` strategy (stateless; see the module docstring)."""

    def __init__(self, params: ProfitV1Params | None = None) -> None:
        self.params = params or ProfitV1Params()
        self._ttl = timedelta(seconds=self.params.ttl_seconds)
        self._entry = ONE - self.params.offset_bps / BPS_PER_UNIT
        self._exit = ONE + self.params.offset_bps / BPS_PER_UNIT

    @property
    def name(self) -> str:
        return NAME

    def propose(self, context: StrategyContext) -> Proposal:
        intents: list[OrderIntent] = []
        cancels: list[CancelIntent] = []
        notes: list[PairNote] = []
        for pair in context.pairs:
            self._plan_pair(context, pair, intents, cancels, notes)
        return Proposal(sells_first(intents), tuple(cancels), tuple(notes))

    def _plan_pair(
        self,
        ctx: StrategyContext,
        pair: Pair,
        intents: list[OrderIntent],
        cancels: list[CancelIntent],
        notes: list[PairNote],
    ) -> None:
        quote = ctx.market.quotes.get(pair)
        if quote is None:
            notes.append(PairNote(pair, Reason(StrategyCode.NO_QUOTE, f"no quote for {pair}")))
            return
        rules = ctx.rules.get(pair)
        if rules is None:
            notes.append(PairNote(pair, Reason(StrategyCode.NO_RULES, f"no rules for {pair}")))
            return
        pending = None
        for order in ctx.live_orders(pair):
            if order.status is OrderStatus.UNKNOWN:
                pending = Reason(
                    StrategyCode.ORDER_UNKNOWN,
                    f"{order.client_order_id} outcome unknown; resolve before trading {pair}",
                )
            elif ctx.now - order.created_at > self._ttl:
                age = int((ctx.now - order.created_at).total_seconds())
                cancels.append(
                    CancelIntent(
                        order.client_order_id,
                        pair,
                        order.side,
                        Reason(
                            StrategyCode.ORDER_STALE,
                            f"age {age}s > TTL {self.params.ttl_seconds}s",
                        ),
                    )
                )
            elif pending is None:
                pending = Reason(
                    StrategyCode.ORDER_PENDING,
                    f"{order.side} {order.client_order_id} is still open",
                )
        if pending is not None:
            notes.append(PairNote(pair, pending))
            return

        position = ctx.positions.get(pair.base)
        if position is not None and position.quantity > 0:
            floor = take_profit_floor(position, self.params)
            price = max(quote.ask * self._exit, floor)
            qty = rules.round_qty(position.quantity)
            sell_price = rules.round_price(price, Side.SELL)
            if qty > 0 and qty * sell_price >= rules.min_notional:
                intents.append(
                    OrderIntent(
                        pair,
                        Side.SELL,
                        price,
                        quantity=qty,
                        reason=f"TAKE_PROFIT: floor {floor:.8f}, ask {quote.ask}",
                        strategy=NAME,
                    )
                )
                return
            notes.append(
                PairNote(
                    pair,
                    Reason(
                        StrategyCode.DUST_POSITION,
                        f"{position.quantity} {pair.base} is below the tradable minimum; "
                        "treated as flat",
                    ),
                )
            )
        spread = quote.spread_bps
        if spread > self.params.max_spread_bps:
            notes.append(
                PairNote(
                    pair,
                    Reason(
                        StrategyCode.SPREAD_TOO_WIDE,
                        f"spread {spread:.2f} bps > MAX_SPREAD_BPS {self.params.max_spread_bps}",
                    ),
                )
            )
            return
        intents.append(
            OrderIntent(
                pair,
                Side.BUY,
                quote.bid * self._entry,
                notional=self.params.target_try,
                reason=f"ENTRY: bid {quote.bid} − {self.params.offset_bps} bps",
                strategy=NAME,
            )
        )


__all__ = ["NAME", "ProfitV1", "ProfitV1Params", "take_profit_floor"]
