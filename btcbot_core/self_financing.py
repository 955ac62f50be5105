"""Self-financing capital policy: realized PnL checkpoints split into trading capital and
treasury.

A checkpoint is keyed by the ledger's monotonic event count. With ``delta = realized_pnl −
state.checkpoint_realized`` (TRY, net of fees, as :attr:`Ledger.realized_pnl`):

* same event count as the last checkpoint → no-op (``CHECKPOINT_UNCHANGED``); the state is
  returned unchanged. Same count but a different realized PnL (no new event, yet the books
  were re-folded differently, e.g. after a cost-method change: FIFO and average cost agree
  on realized + unrealized, not on realized alone) → ``CHECKPOINT_REANCHORED``: the
  checkpoint takes the new realized value and capital does not move. It does not raise,
  because an error here would block every later cycle.
* event count lower than the last checkpoint → :class:`CapitalPolicyError` (a ledger that
  went backwards is never silently accepted).
* ``delta > 0`` → ``PROFIT_SPLIT``: trading capital gets ``delta × trading_share`` rounded
  **half-even to 1e-8 TRY**; the treasury gets the exact rest ``delta − trading part``, so
  the two changes always sum exactly to ``delta``.
* ``delta < 0`` → ``LOSS_ABSORBED``: only trading capital shrinks, the treasury never pays
  for losses. Trading capital is **floored at 0**: a loss larger than the capital left
  brings it to 0 (``CAPITAL_EXHAUSTED``; the excess is reported in
  ``CapitalDecision.unabsorbed_loss`` and is not carried forward, later profits refill
  from 0).
* ``delta == 0`` → ``NO_REALIZED_CHANGE`` (the checkpoint still moves forward).

A realized loss is an ordinary outcome, never an error.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.errors import CapitalPolicyError, ValidationError
from btcbot_core.money import ZERO, to_decimal
from btcbot_core.state import CapitalState
from btcbot_core.strategies.base import check_range, dec_param

#: Rounding quantum of the trading share of a profit (TRY).
SPLIT_QUANTUM: Final = Decimal("1e-8")
#: Private arithmetic context (never the thread's): wide enough to keep every sum exact.
_CTX: Final = Context(prec=100)
# Its operations bound once: a Context's attribute lookup goes through a hook of its own
# (for prec, Emax, ...), about 60 ns on every ``_CTX.add`` spelled out; fill cycles call them.
_add, _subtract, _multiply = _CTX.add, _CTX.subtract, _CTX.multiply


class CapitalCode(enum.StrEnum):
    CHECKPOINT_UNCHANGED = "CHECKPOINT_UNCHANGED"
    CHECKPOINT_REANCHORED = "CHECKPOINT_REANCHORED"
    NO_REALIZED_CHANGE = "NO_REALIZED_CHANGE"
    PROFIT_SPLIT = "PROFIT_SPLIT"
    LOSS_ABSORBED = "LOSS_ABSORBED"
    CAPITAL_EXHAUSTED = "CAPITAL_EXHAUSTED"


@attrs.frozen
class SelfFinancingParams:
    """* ``trading_share`` (SELF_FINANCING_TRADING_SHARE, ratio, default 0.6, 0..1): part of
    a realized profit that goes to trading capital; the rest (default 0.4) to treasury."""

    trading_share: Decimal = attrs.field(default=Decimal("0.6"), converter=dec_param)

    def __attrs_post_init__(self) -> None:
        check_range("SELF_FINANCING_TRADING_SHARE", self.trading_share, 0, 1)

    @property
    def treasury_share(self) -> Decimal:
        return 1 - self.trading_share


# Not slotted: built on hot paths and read a few times. A frozen slotted class sets each
# field through object.__setattr__; a dict-backed one is built in about 60 % of the time.
@attrs.frozen(slots=False)
class CapitalDecision:
    """What one checkpoint did (all TRY). Always
    ``trading_delta + treasury_delta − unabsorbed_loss == realized_delta``;
    ``unabsorbed_loss`` (>= 0) is non-zero only when a loss exceeded the trading capital."""

    reason: Reason
    applied: bool
    realized_delta: Decimal = ZERO
    trading_delta: Decimal = ZERO
    treasury_delta: Decimal = ZERO
    unabsorbed_loss: Decimal = ZERO


def initial_capital_state(
    trading_capital: Decimal,
    now: datetime,
    *,
    event_count: int = 0,
    realized_pnl: Decimal = ZERO,
    treasury: Decimal = ZERO,
) -> CapitalState:
    """A first capital state anchored at the ledger's current event count and realized PnL,
    so PnL realized before the bot started is not split again."""
    capital = to_decimal(trading_capital, "trading_capital")
    if capital < 0 or treasury < 0 or event_count < 0:
        raise ValidationError(
            f"initial capital state: trading_capital={capital}, treasury={treasury} and "
            f"event_count={event_count} must be >= 0"
        )
    return CapitalState(
        trading_capital=capital,
        treasury=treasury,
        checkpoint_event_count=event_count,
        checkpoint_realized=realized_pnl,
        updated_at=now,
    )


def split_profit(delta: Decimal, params: SelfFinancingParams) -> tuple[Decimal, Decimal]:
    """``(trading part, treasury part)`` of a positive ``delta``; they sum exactly to it."""
    product = _multiply(delta, params.trading_share)
    # (the context positional: Decimal.quantize parses keywords, about 170 ns a call)
    trading = product.quantize(SPLIT_QUANTUM, ROUND_HALF_EVEN, _CTX)
    trading = min(max(trading, ZERO), delta)
    return trading, _subtract(delta, trading)


def apply_checkpoint(
    state: CapitalState,
    event_count: int,
    realized_pnl: Decimal,
    now: datetime,
    params: SelfFinancingParams,
) -> tuple[CapitalState, CapitalDecision]:
    """Apply the realized PnL seen at ledger ``event_count`` (see the module docstring)."""
    realized = to_decimal(realized_pnl, "realized_pnl")
    last = state.checkpoint_event_count
    if event_count < last:
        raise CapitalPolicyError(
            f"ledger event count went backwards: {event_count} < last checkpoint {last}"
        )
    if event_count == last:
        if realized != state.checkpoint_realized:
            # No new event, so no new PnL: the books were re-folded differently (e.g. the
            # cost method changed). Re-anchor without moving capital, and say so; raising
            # here would block every later cycle.
            return attrs.evolve(state, checkpoint_realized=realized, updated_at=now), (
                CapitalDecision(
                    Reason(
                        CapitalCode.CHECKPOINT_REANCHORED,
                        f"event count {event_count} was checkpointed at realized "
                        f"{state.checkpoint_realized} TRY, the ledger now says {realized} TRY; "
                        "re-anchored, capital unchanged",
                    ),
                    applied=True,
                )
            )
        return state, CapitalDecision(
            Reason(CapitalCode.CHECKPOINT_UNCHANGED, f"event count {event_count} already applied"),
            applied=False,
        )
    new_state, reason, delta, trading, treasury, unabsorbed = advance_checkpoint(
        state, event_count, realized, now, params
    )
    return new_state, CapitalDecision(reason, True, delta, trading, treasury, unabsorbed)


def advance_checkpoint(
    state: CapitalState,
    event_count: int,
    realized: Decimal,
    now: datetime,
    params: SelfFinancingParams,
) -> tuple[CapitalState, Reason, Decimal, Decimal, Decimal, Decimal]:
    """:func:`apply_checkpoint` for a ledger that moved on: ``event_count`` above the last
    checkpoint's and ``realized`` a finite ``Decimal`` (the caller has checked both).

    Returns the new state, the reason, and the decision's amounts (``realized_delta``,
    ``trading_delta``, ``treasury_delta``, ``unabsorbed_loss``) as plain values: the cycle
    reads only the state and the reason, and builds no :class:`CapitalDecision`.
    """
    delta = _subtract(realized, state.checkpoint_realized)
    # The reasons spell Decimals with ``!s``: the same text as ``format()`` without parsing
    # a format spec (see reconcile_plan.fill_applied); one of them is built every fill cycle.
    trading_delta = treasury_delta = unabsorbed = ZERO
    if delta > ZERO:
        trading_delta, treasury_delta = split_profit(delta, params)
        reason = Reason(
            CapitalCode.PROFIT_SPLIT,
            f"profit {delta!s} TRY: {trading_delta!s} to trading capital, "
            f"{treasury_delta!s} to treasury",
        )
    elif delta < ZERO:
        trading_delta = max(delta, -max(state.trading_capital, ZERO))
        unabsorbed = _subtract(trading_delta, delta)
        if unabsorbed > ZERO:
            reason = Reason(
                CapitalCode.CAPITAL_EXHAUSTED,
                f"loss {-delta!s} TRY exceeds trading capital {state.trading_capital!s}; floored "
                f"at 0 ({unabsorbed!s} TRY not absorbed)",
            )
        else:
            reason = Reason(
                CapitalCode.LOSS_ABSORBED,
                f"loss {-delta!s} TRY taken from trading capital; treasury untouched",
            )
    else:
        reason = Reason(CapitalCode.NO_REALIZED_CHANGE, f"events up to {event_count}")
    # every field given, positionally: cheaper than attrs.evolve, which gathers them by name
    new_state = state.__class__(
        _add(state.trading_capital, trading_delta),
        _add(state.treasury, treasury_delta),
        event_count,
        realized,
        now,
    )
    return new_state, reason, delta, trading_delta, treasury_delta, unabsorbed


__all__ = [
    "SPLIT_QUANTUM",
    "CapitalCode",
    "CapitalDecision",
    "SelfFinancingParams",
    "advance_checkpoint",
    "apply_checkpoint",
    "initial_capital_state",
    "split_profit",
]
