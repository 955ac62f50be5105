"""``sma_cross``: the shared benchmark strategy, defined exactly.

Per pair, at the close of bar ``i`` (0-based count of that pair's bars seen):

* ``fast = SMA(close, 20)``, ``slow = SMA(close, 50)`` (exact; see
  :class:`~btcbot_core.indicators.SmaCross`);
* for ``i >= 50``: a cross up (``fast[i] > slow[i]`` and ``fast[i−1] <= slow[i−1]``) while
  flat → MARKET buy of ``round(1000 TRY / close[i], 8)`` (half-even); a cross down
  (``fast[i] < slow[i]`` and ``fast[i−1] >= slow[i−1]``) while long → MARKET sell of the
  whole position. A cross up while long notes ``ALREADY_LONG``; a cross down while flat notes
  ``NOT_LONG``; a pair of ``context.pairs`` without a bar in the snapshot notes ``NO_BAR``.
  Bars of pairs outside ``context.pairs`` are ignored.

Fills (next bar's open, no slippage), the 0.1 % fee and the shared 100,000 TRY starting cash
belong to the simulator and the pipeline, not to this module.

State: one :class:`SmaCross` per pair plus the ``open_time`` of the last bar consumed, so a
bar offered twice (a retried cycle) is counted once. The state is a pure function of the bars
seen; after a restart rebuild it with :meth:`SmaCrossStrategy.warm_up`.

Performance: the no-signal path allocates nothing (the shared ``EMPTY_PROPOSAL`` is
returned); see ``bench/`` and the module's tests for the measured cost per bar.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.indicators import SmaCross
from btcbot_core.market import MarketSnapshot
from btcbot_core.orders import BUY, MARKET, SELL, OrderIntent
from btcbot_core.pair import Pair
from btcbot_core.strategies.base import (
    EMPTY_PROPOSAL,
    PairNote,
    Proposal,
    StrategyCode,
    StrategyContext,
    check_range,
    dec_param,
    int_param,
    sells_first,
)

NAME: Final = "sma_cross"
_PAIR_CACHE_LIMIT: Final = 1024
_NEVER: Final = datetime.min.replace(tzinfo=UTC)  # "no bar consumed yet"


@attrs.frozen
class SmaCrossParams:
    """Parameters of ``sma_cross`` (the benchmark uses the defaults).

    * ``fast`` (FAST, bars, default 20, 1..<slow) and ``slow`` (SLOW, bars, default 50,
      up to 100000): SMA windows.
    * ``order_try`` (ORDER_TRY, TRY, default 1000, > 0): notional of an entry.
    * ``qty_decimals`` (QTY_DECIMALS, default 8, 0..18): entry quantity is
      ``order_try / close`` rounded half-even to this many decimals.
    """

    fast: int = attrs.field(default=20, converter=int_param)
    slow: int = attrs.field(default=50, converter=int_param)
    order_try: Decimal = attrs.field(default=Decimal(1000), converter=dec_param)
    qty_decimals: int = attrs.field(default=8, converter=int_param)

    def __attrs_post_init__(self) -> None:
        check_range("SLOW", self.slow, 2, 100_000)
        check_range("FAST", self.fast, 1, self.slow - 1)
        check_range("ORDER_TRY", self.order_try, 0, None, low_open=True)
        check_range("QTY_DECIMALS", self.qty_decimals, 0, 18)


def entry_terms(order_try: Decimal, decimals: int) -> tuple[int, int, Decimal]:
    """The parameters' half of :func:`entry_quantity`, for :func:`entry_quantity_of`:
    ``order_try × 10**decimals`` as numerator and denominator, and ``10**-decimals``."""
    onum, oden = order_try.as_integer_ratio()
    return onum * 10**decimals, oden, Decimal(1).scaleb(-decimals)


def entry_quantity(order_try: Decimal, close: Decimal, decimals: int) -> Decimal:
    """``order_try / close`` rounded half-even to ``decimals`` places, computed exactly
    (integer arithmetic, independent of the decimal context)."""
    return entry_quantity_of(entry_terms(order_try, decimals), close)


def entry_quantity_of(terms: tuple[int, int, Decimal], close: Decimal) -> Decimal:
    """:func:`entry_quantity` with its parameters' half already computed
    (:func:`entry_terms`)."""
    scaled_num, oden, unit = terms
    num, den = close.as_integer_ratio()
    # order_try / close * 10**decimals = onum * 10**d * den / (oden * num)
    top = scaled_num * den
    bottom = oden * num
    units, rest = divmod(top, bottom)
    twice = 2 * rest
    if twice > bottom or (twice == bottom and units % 2 == 1):
        units += 1
    # units × 10**-decimals: the same coefficient and exponent as Decimal(units).scaleb(-d)
    # (both round to the context only past its precision), for about half the cost.
    return Decimal(units) * unit


class _PairState(SmaCross):
    """A pair's indicator plus the open time of the last bar consumed (one less hop)."""

    __slots__ = ("last_open",)

    def __init__(self, fast: int, slow: int) -> None:
        super().__init__(fast, slow)
        self.last_open: datetime = _NEVER


class SmaCrossStrategy:
    """The ``sma_cross`` strategy. Stateful (rolling sums per pair); not thread-safe."""

    def __init__(self, params: SmaCrossParams | None = None) -> None:
        self.params = params or SmaCrossParams()
        # The parameters' half of every entry's sizing (about a third of its cost), kept with
        # the parameters it was derived from. (Not a cached_property on SmaCrossParams: on a
        # slotted attrs class that adds a __getattr__ hook, and every field read then costs
        # about 360 instructions instead of 80.)
        self._entry_terms = (
            self.params,
            entry_terms(self.params.order_try, self.params.qty_decimals),
        )
        self._states: dict[Pair, _PairState] = {}
        # pair -> its state, or None when outside the universe (the universe's test, once)
        self._by_pair: dict[Pair, _PairState | None] = {}
        self._universe: tuple[Pair, ...] = ()
        # (snapshot, crosses, notes) that observe() found, for propose() of that snapshot.
        self._pending: (
            tuple[MarketSnapshot, list[tuple[Pair, int, Decimal]] | None, tuple[PairNote, ...]]
            | None
        ) = None

    @property
    def name(self) -> str:
        return NAME

    def _state(self, pair: Pair) -> _PairState:
        state = self._states.get(pair)
        if state is None:
            state = self._states[pair] = _PairState(self.params.fast, self.params.slow)
        return state

    def indicator(self, pair: Pair) -> SmaCross:
        """The pair's indicator (created empty if the pair was never seen)."""
        return self._state(pair)

    @property
    def warmup_bars(self) -> int:
        """Closed bars needed to rebuild the indicators and detect a cross on the next bar."""
        return self.params.slow + 1

    def warm_up(self, pair: Pair, closes: Iterable[Decimal], last_open: datetime | None) -> None:
        """Feed historical closes (oldest first) without proposing anything."""
        state = self._state(pair)
        update = state.update
        for close in closes:
            update(close)
        state.last_open = _NEVER if last_open is None else last_open

    def _resolve(self, pair: Pair, universe: tuple[Pair, ...]) -> _PairState | None:
        """Slow path: the state of a pair not seen since the universe was set (None: not
        traded)."""
        if len(self._by_pair) > _PAIR_CACHE_LIMIT:  # pairs outside the universe: bounded
            self._by_pair.clear()
        state = self._by_pair[pair] = self._state(pair) if pair in universe else None
        return state

    def observe(self, market: MarketSnapshot, pairs: tuple[Pair, ...]) -> bool:
        """Consume ``market``'s bars of ``pairs`` (each bar moves its indicator once);
        ``False`` when there is no cross and no pair without a bar, so :meth:`propose`
        would return nothing whatever the account holds. Otherwise the crosses
        ``(pair, signal, close)`` and a note per pair without a bar are kept for the
        :meth:`propose` call of the same snapshot.

        Hot path note (every cycle): each pair's state is one dictionary lookup, the
        universe's membership test done once per pair (a ``Pair`` hashes in C).
        """
        if pairs is not self._universe:
            if pairs != self._universe:
                self._by_pair.clear()
            self._universe = pairs
        by_pair = self._by_pair
        signals: list[tuple[Pair, int, Decimal]] | None = None
        skipped = 0  # bars of pairs outside the universe (rare: counted off the usual path)
        bars = market.bars
        for pair, bar in bars.items():
            try:
                state = by_pair[pair]
            except KeyError:
                state = self._resolve(pair, pairs)
            if state is None:
                skipped += 1
                continue
            open_time = bar.open_time
            if open_time <= state.last_open:
                continue  # already consumed (or out of order): count each bar once
            state.last_open = open_time
            signal = state.update(bar.close)
            if signal:
                if signals is None:
                    signals = []
                signals.append((pair, signal, bar.close))
        missing: tuple[PairNote, ...] = ()
        if len(bars) - skipped < len(pairs):  # fewer matches than pairs: some pair has no bar
            missing = tuple(
                PairNote(p, Reason(StrategyCode.NO_BAR, f"no bar for {p} in this snapshot"))
                for p in pairs
                if p not in bars
            )
        if signals is None and not missing:
            self._pending = None
            return False
        self._pending = (market, signals, missing)
        return True

    def propose(self, context: StrategyContext) -> Proposal:
        """Act on the crosses of the snapshot's bars of ``context.pairs`` (consumed here,
        or by :meth:`observe` of the same snapshot)."""
        pending = self._pending
        if pending is None or pending[0] is not context.market:
            if not self.observe(context.market, context.pairs):
                return EMPTY_PROPOSAL
            pending = self._pending
            assert pending is not None  # observe() returned True: it kept its findings
        self._pending = None
        _market, signals, missing = pending
        return self._act(context, signals or [], missing)

    def _act(
        self,
        context: StrategyContext,
        signals: list[tuple[Pair, int, Decimal]],
        missing: tuple[PairNote, ...],
    ) -> Proposal:
        intents: list[OrderIntent] = []
        notes: list[PairNote] = list(missing)
        params = self.params
        for pair, signal, close in signals:
            held = context.held(pair)
            if signal > 0:
                if held > 0:
                    notes.append(
                        PairNote(pair, Reason(StrategyCode.ALREADY_LONG, f"holding {held}"))
                    )
                    continue
                terms = self._entry_terms
                if terms[0] is not params:  # (params replaced since: derive them again)
                    terms = self._entry_terms = (
                        params,
                        entry_terms(params.order_try, params.qty_decimals),
                    )
                qty = entry_quantity_of(terms[1], close)
                # Positional, in field order (pinned by a test): keywords cost more.
                intents.append(
                    OrderIntent(
                        pair,
                        BUY,
                        None,  # price: a market order
                        qty,  # quantity
                        None,  # notional
                        MARKET,
                        f"CROSS_UP at close {close!s}",  # reason (!s: see fill_applied)
                        NAME,  # strategy
                    )
                )
            else:
                if held <= 0:
                    notes.append(PairNote(pair, Reason(StrategyCode.NOT_LONG, "flat")))
                    continue
                intents.append(
                    OrderIntent(
                        pair,
                        SELL,
                        None,  # price: a market order
                        held,  # quantity
                        None,  # notional
                        MARKET,
                        f"CROSS_DOWN at close {close!s}",  # reason
                        NAME,  # strategy
                    )
                )
        return Proposal(sells_first(intents), (), tuple(notes))


__all__ = ["NAME", "SmaCrossParams", "SmaCrossStrategy", "entry_quantity"]
