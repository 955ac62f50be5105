"""Cash allocation: how much TRY buys may use this cycle, and fitting buys into it.

Budget (TRY, rounded **down** to 0.01)::

    investable = max(0, cash − TRY_CASH_TARGET)
    if TRY_CASH_MAX > 0: investable = min(investable, TRY_CASH_MAX − TRY_CASH_TARGET)
    investable = kurus(investable / (1 + ALLOCATION_FEE_BUFFER_BPS / 1e4))
    budget = kurus(min(investable, trading-capital headroom) × size_multiplier)

``cash`` is *free* TRY (not locked in open orders). The trading-capital headroom is
``max(0, trading_capital − deployed_try)`` from the self-financing policy (omit
``trading_capital`` to skip that bound); ``size_multiplier`` (0..1, normally 1, 0.5, 0.25
or 0) comes from the risk budget.

Worked example: cash 1000, target 300, max 600, buffer 20 bps → min(700, 300) / 1.002 =
299.4011… → **299.40** TRY.

:func:`allocate` keeps sells untouched (they come first) and walks the buys in order: a buy
that fits is kept; one that does not is scaled down to what is left (a notional intent gets
the smaller notional, a quantity intent the quantity that costs at most the rest at its limit
price, or at the mark for a market buy, rounded down to the pair's quantity step when rules
are given); once the rest cannot pay the exchange minimum the buy is dropped with a reason.
So the kept buys' notional never exceeds the budget, and with a fee buffer at least the real
fee rate, buys never take cash below ``TRY_CASH_TARGET`` (a market buy's cost is estimated at
the mark; the buffer is its slack).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Context, Decimal
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.money import BPS_PER_UNIT, ONE, ZERO, kurus
from btcbot_core.orders import BUY, SELL, OrderIntent, Side
from btcbot_core.pair import Pair
from btcbot_core.risk_policy import RejectedIntent
from btcbot_core.rules import SymbolRules
from btcbot_core.strategies.base import check_range, dec_param

#: Private contexts (never the thread's): wide enough that sums and products of prices and
#: quantities are exact, and a floor division for sizing.
_EXACT: Final = Context(prec=200)
_FLOOR: Final = Context(prec=60, rounding=ROUND_FLOOR)
# The exact operations bound once: a Context's attribute lookup goes through a hook of its
# own (for prec, Emax, ...), about 60 ns on every ``_EXACT.multiply`` spelled out.
_multiply, _subtract = _EXACT.multiply, _EXACT.subtract
_CENT: Final = Decimal("0.01")


def _kurus(value: Decimal) -> Decimal:
    """:func:`~btcbot_core.money.kurus`, by one ``quantize`` when the context's precision
    holds ``value`` (then ``value / 0.01`` is exact and both floor the same number; see
    ``rules._is_power_of_ten``). A property test holds it to ``kurus``."""
    if +value == value:
        # (rounding positional: Decimal.quantize parses keywords, about 170 ns a call)
        return value.quantize(_CENT, ROUND_FLOOR)
    return kurus(value)


class AllocationCode(enum.StrEnum):
    CASH_TARGET = "CASH_TARGET"  # free cash is at or below TRY_CASH_TARGET
    TRADING_CAPITAL = "TRADING_CAPITAL"  # self-financing trading capital fully deployed
    SIZE_MULTIPLIER_ZERO = "SIZE_MULTIPLIER_ZERO"  # the risk budget allows no new buys
    BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"  # earlier buys used the budget
    BELOW_MIN_NOTIONAL = "BELOW_MIN_NOTIONAL"  # what is left is below the exchange minimum
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"  # a market buy by quantity without a mark
    SCALED_DOWN = "SCALED_DOWN"  # a buy was kept but made smaller


@attrs.frozen
class AllocationParams:
    """Allocation settings (env names in capitals).

    * ``try_cash_target`` (TRY_CASH_TARGET, TRY, default 300, >= 0): cash buys never touch.
    * ``try_cash_max`` (TRY_CASH_MAX, TRY, default 0 = no cap; otherwise >= the target):
      caps the investable amount at ``TRY_CASH_MAX − TRY_CASH_TARGET``.
    * ``fee_buffer_bps`` (ALLOCATION_FEE_BUFFER_BPS, bps, default 20, 0..1000): headroom
      for fees; set it >= the real fee rate including tax.
    """

    try_cash_target: Decimal = attrs.field(default=Decimal(300), converter=dec_param)
    try_cash_max: Decimal = attrs.field(default=ZERO, converter=dec_param)
    fee_buffer_bps: Decimal = attrs.field(default=Decimal(20), converter=dec_param)

    def __attrs_post_init__(self) -> None:
        check_range("TRY_CASH_TARGET", self.try_cash_target, 0, None)
        if self.try_cash_max != 0:
            check_range("TRY_CASH_MAX", self.try_cash_max, self.try_cash_target, None)
        check_range("ALLOCATION_FEE_BUFFER_BPS", self.fee_buffer_bps, 0, 1000)


def investable_try(cash: Decimal, params: AllocationParams) -> Decimal:
    """Cash buys may use before other bounds, in TRY rounded down to 0.01 (see module doc)."""
    free = cash - params.try_cash_target
    if not free > ZERO:  # max(ZERO, free) without the call: ZERO on a tie, like max
        free = ZERO
    if params.try_cash_max > ZERO:
        free = min(free, params.try_cash_max - params.try_cash_target)
    return _kurus(free / (ONE + params.fee_buffer_bps / BPS_PER_UNIT))


@attrs.frozen
class AllocationDecision:
    """What survives allocation.

    ``intents``: sells (unchanged, first) then kept buys (some scaled down); ``dropped``:
    buys removed, with reasons; ``adjusted``: a ``SCALED_DOWN`` note per scaled buy (the
    new intent and the reason); ``budget_try`` and ``used_try`` are TRY.
    """

    intents: tuple[OrderIntent, ...]
    dropped: tuple[RejectedIntent, ...]
    adjusted: tuple[tuple[OrderIntent, Reason], ...]
    budget_try: Decimal
    used_try: Decimal
    budget_reason: Reason | None = None


def _budget(
    cash: Decimal,
    params: AllocationParams,
    trading_capital: Decimal | None,
    deployed_try: Decimal,
    size_multiplier: Decimal,
) -> tuple[Decimal, Reason | None]:
    investable = investable_try(cash, params)
    budget = investable
    why: Reason | None = None
    if investable <= ZERO:
        why = Reason(
            AllocationCode.CASH_TARGET,
            f"free cash {cash} TRY leaves nothing above TRY_CASH_TARGET {params.try_cash_target}",
        )
    if trading_capital is not None:
        headroom = trading_capital - deployed_try
        if not headroom > ZERO:  # max(ZERO, headroom) without the call, as investable_try
            headroom = ZERO
        if headroom < budget:
            budget = headroom
            if headroom <= ZERO and why is None:
                why = Reason(
                    AllocationCode.TRADING_CAPITAL,
                    f"trading capital {trading_capital} TRY, deployed {deployed_try} TRY",
                )
    if size_multiplier == ZERO and why is None:
        why = Reason(AllocationCode.SIZE_MULTIPLIER_ZERO, "risk budget size multiplier is 0")
    if budget is investable and size_multiplier == ONE:
        # investable is already a kuruş value: × 1 then flooring to 0.01 gives it back
        # (same value, same 0.01 exponent), so skip the product and the rounding.
        return investable, why
    return _kurus(budget * size_multiplier), why


def allocate(
    intents: Sequence[OrderIntent],
    cash: Decimal,
    params: AllocationParams,
    *,
    trading_capital: Decimal | None = None,
    deployed_try: Decimal = ZERO,
    size_multiplier: Decimal = ONE,
    marks: Mapping[Pair, Decimal] | None = None,
    rules: Mapping[Pair, SymbolRules] | None = None,
) -> AllocationDecision:
    """Fit the buys among ``intents`` into this cycle's budget (see the module docstring)."""
    check_range("size_multiplier", size_multiplier, 0, 1)
    marks = marks or {}
    rules = rules or {}
    budget, budget_reason = _budget(cash, params, trading_capital, deployed_try, size_multiplier)
    sells = [i for i in intents if i.side is Side.SELL]
    kept: list[OrderIntent] = []
    dropped: list[RejectedIntent] = []
    adjusted: list[tuple[OrderIntent, Reason]] = []
    left = budget
    for intent in intents:
        if intent.side is not Side.BUY:
            continue
        price = intent.price if intent.price is not None else marks.get(intent.pair)
        if intent.notional is not None:
            cost = intent.notional
        elif price is None:
            reason = Reason(
                AllocationCode.NO_REFERENCE_PRICE,
                f"market buy of {intent.quantity} {intent.pair.base} without a mark",
            )
            dropped.append(RejectedIntent(intent, (reason,)))
            continue
        else:
            assert intent.quantity is not None
            cost = _multiply(intent.quantity, price)
        if cost <= left:
            kept.append(intent)
            left = _subtract(left, cost)
            continue
        pair_rules = rules.get(intent.pair)
        min_notional = ZERO if pair_rules is None else pair_rules.min_notional
        if left <= 0 or left < min_notional:
            dropped.append(
                RejectedIntent(intent, (_no_room(left, budget, budget_reason, min_notional),))
            )
            continue
        smaller = _scaled(intent, left, price, pair_rules)
        new_cost = _cost(smaller, price)
        if smaller is None or new_cost is None or new_cost <= 0 or new_cost < min_notional:
            dropped.append(
                RejectedIntent(intent, (_no_room(left, budget, budget_reason, min_notional),))
            )
            continue
        kept.append(smaller)
        left = _subtract(left, new_cost)
        adjusted.append(
            (
                smaller,
                Reason(
                    AllocationCode.SCALED_DOWN,
                    f"{intent.pair} buy {cost} TRY scaled to {new_cost} TRY (budget {budget})",
                ),
            )
        )
    return AllocationDecision(
        tuple(sells) + tuple(kept),
        tuple(dropped),
        tuple(adjusted),
        budget,
        _subtract(budget, left),
        budget_reason,
    )


def keeps_whole(
    intent: OrderIntent,
    cash: Decimal,
    params: AllocationParams,
    *,
    trading_capital: Decimal | None = None,
    deployed_try: Decimal = ZERO,
    size_multiplier: Decimal = ONE,
    marks: Mapping[Pair, Decimal] | None = None,
) -> bool:
    """Whether :func:`allocate` of ``(intent,)`` alone (same arguments) keeps ``intent``
    unchanged and drops nothing: a sell, or a buy whose cost (TRY: its notional, or
    quantity × limit price or mark) fits this cycle's budget. ``False`` means "ask
    :func:`allocate`" (scaled, dropped or unpriced), not "dropped". Raises as it does on a
    bad ``size_multiplier``. The single-intent decision path uses it to skip the general
    walk's bookkeeping; a property test holds it to :func:`allocate`."""
    check_range("size_multiplier", size_multiplier, ZERO, ONE)
    side = intent.side
    if side is SELL:
        return True
    if side is not BUY:
        return False
    budget = _budget(cash, params, trading_capital, deployed_try, size_multiplier)[0]
    notional = intent.notional
    if notional is not None:
        return notional <= budget
    quantity, price = intent.quantity, intent.price
    if price is None:
        price = (marks or {}).get(intent.pair)
    if price is None or quantity is None:
        return False
    return _multiply(quantity, price) <= budget


def _no_room(
    left: Decimal, budget: Decimal, budget_reason: Reason | None, min_notional: Decimal
) -> Reason:
    if budget <= 0 and budget_reason is not None:
        return budget_reason
    if left <= 0:
        return Reason(AllocationCode.BUDGET_EXHAUSTED, f"budget {budget} TRY already used")
    return Reason(
        AllocationCode.BELOW_MIN_NOTIONAL,
        f"{left} TRY left of {budget} is below the exchange minimum {min_notional}",
    )


def _scaled(
    intent: OrderIntent, left: Decimal, price: Decimal | None, rules: SymbolRules | None
) -> OrderIntent | None:
    if intent.notional is not None:
        return attrs.evolve(intent, notional=left)
    if price is None or price <= 0:
        return None
    qty = _FLOOR.divide(left, price) if rules is None else rules.qty_for_notional(left, price)
    return attrs.evolve(intent, quantity=qty) if qty > 0 else None


def _cost(intent: OrderIntent | None, price: Decimal | None) -> Decimal | None:
    if intent is None:
        return None
    if intent.notional is not None:
        return intent.notional
    assert intent.quantity is not None and price is not None
    return _multiply(intent.quantity, price)


__all__ = [
    "AllocationCode",
    "AllocationDecision",
    "AllocationParams",
    "allocate",
    "investable_try",
    "keeps_whole",
]
