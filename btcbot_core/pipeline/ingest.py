"""Reconcile with the exchange and book what happened: order updates and fills, once each.

Fills are booked into the warm ledger here (``Ledger.apply`` validates before it mutates);
the caller writes the returned events and order states in the cycle's unit of work. A fill
already applied is skipped by id, so a re-delivered page changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from btcbot_core.decisions import Reason
from btcbot_core.errors import ExchangeError, LedgerError
from btcbot_core.ledger import VALUATION_ASSET
from btcbot_core.ledger_events import (
    AdjustmentEvent,
    DepositEvent,
    FillEvent,
    LedgerEvent,
    fill_key,
)
from btcbot_core.money import ONE, ZERO
from btcbot_core.orders import TERMINAL_STATUSES, Fill, Order, OrderStatus, Side
from btcbot_core.pair import Pair
from btcbot_core.pipeline.session import CycleSession
from btcbot_core.ports import ExchangeOrder, TradingPort, UnitOfWork
from btcbot_core.reconcile import ReconcilePlan, reconcile
from btcbot_core.reconcile_fills import reconcile_one_fill

_NONE: frozenset[str] = frozenset()

#: Reconcile the usual fill cycle (one order in play, one new fill completing it) through
#: :func:`~btcbot_core.reconcile_fills.reconcile_one_fill`. Tests turn it off to hold the
#: shortcut to the general path.
FILL_SHORTCUT = True


class Booked:
    """What one cycle changed (ledger events, new fills, order states, fill cursors) and how
    much of it has been written: the lists keep the whole cycle for the report.

    * ``history`` — fills stored but not booked: the account's history from before a pair
      was tracked (already part of the balances the ledger was seeded from).
    * ``blocked`` — pairs that get no new order this cycle (an order whose fate is open).
    * ``fresh_pairs`` — pairs polled for the first time (no fill cursor yet).
    """

    # A plain slotted class (one per cycle, on the hot path): literals, no factories.
    __slots__ = (
        "_parts",
        "blocked",
        "cursors",
        "events",
        "events_written",
        "fills",
        "fills_written",
        "fresh_pairs",
        "history",
        "history_written",
        "orders",
        "reasons",
        "unwritten_cursors",
        "unwritten_orders",
    )

    def __init__(self) -> None:
        self.events: list[LedgerEvent] = []
        self.fills: list[Fill] = []
        self.orders: dict[str, Order] = {}
        self.cursors: dict[Pair, str | None] = {}
        self.reasons: list[Reason] = []
        self.history: list[Fill] = []
        self.blocked: set[Pair] = set()
        self.fresh_pairs: set[Pair] = set()
        self.events_written = 0
        self.fills_written = 0
        self.history_written = 0
        self.unwritten_orders: set[str] = set()
        self.unwritten_cursors: set[Pair] = set()
        # The ten containers, listed once: they are cleared in place and never replaced, so
        # reset() reads this tuple instead of building one every cycle (about 770
        # instructions less per cycle; tests/pipeline/test_booked.py holds it to every part).
        self._parts: tuple[list[Any] | dict[Any, Any] | set[Any], ...] = (
            self.events,
            self.fills,
            self.orders,
            self.cursors,
            self.reasons,
            self.history,
            self.blocked,
            self.fresh_pairs,
            self.unwritten_orders,
            self.unwritten_cursors,
        )

    def reset(self) -> Booked:
        """Empty again for the next cycle (a session reuses one: allocating its ten
        containers afresh every cycle costs more than clearing the few a cycle used)."""
        parts = self._parts
        if any(parts):  # a quiet cycle used none of them: nothing to clear
            # Only the parts in use: a fill cycle uses five, an order update one, and a
            # truth test costs less than a clear() of an empty container (about 500
            # instructions less a fill cycle, 1,300 an order update's; a Python loop of
            # truth tests in place of any() costs about 900 more a quiet cycle).
            for part in parts:
                if part:
                    part.clear()
            self.events_written = self.fills_written = self.history_written = 0
        return self

    @property
    def pending(self) -> bool:
        """Something is not yet written."""
        return bool(
            len(self.events) > self.events_written
            or len(self.fills) > self.fills_written
            or len(self.history) > self.history_written
            or self.unwritten_orders
            or self.unwritten_cursors
        )


def order_changed(session: CycleSession, booked: Booked, order: Order, keep: bool = False) -> None:
    """Record a new order state and keep the session's in-play set current.

    ``keep``: a terminal order still awaiting fills stays in play so late fills attach to it.
    """
    booked.orders[order.client_order_id] = order
    booked.unwritten_orders.add(order.client_order_id)
    # (the set itself, not the is_terminal property: a property read is a Python call)
    if order.status in TERMINAL_STATUSES and not keep:
        session.live_orders.pop(order.client_order_id, None)
    else:
        session.live_orders[order.client_order_id] = order


def poll_and_reconcile(
    trading: TradingPort, session: CycleSession, booked: Booked, now: datetime
) -> ReconcilePlan | None:
    """Poll open orders and fills, diff them against our orders, resolve unknowns by client
    order id. ``None`` when there was nothing to reconcile."""
    pairs = session.params.pairs
    live = session.live_orders
    only = None  # the order in play when there is exactly one (the usual fill cycle)
    if len(live) == 1:
        (only,) = live.values()
    if not session.profile.foreign_activity:
        # In a simulation nobody else trades: only pairs with an order of ours in play can
        # have open orders or fills (no order of ours: nothing to poll).
        if only is not None:
            pairs = (only.pair,) if only.pair in pairs else ()  # (pairs never repeat)
        elif not live:
            return None
        else:
            in_play = {o.pair for o in live.values()}
            pairs = tuple(p for p in pairs if p in in_play)
    exchange_open = trading.open_orders(pairs)
    fills: list[Fill] = []
    for pair in pairs:
        old = session.cursors.get(pair)
        if old is None:
            booked.fresh_pairs.add(pair)
        page = trading.fills_since(pair, old)
        fills.extend(page.fills)
        if page.cursor != old:
            session.cursors[pair] = booked.cursors[pair] = page.cursor
            booked.unwritten_cursors.add(pair)
    ledger = session.ledger
    if (
        only is not None
        and len(fills) == 1
        and not exchange_open
        and only.pair in pairs
        and FILL_SHORTCUT
    ):
        # One order of ours, one new fill that completes it: reconcile_one_fill's plan is
        # the general diff's (tested), and applying it is one terminal order_changed.
        fill = fills[0]
        if not ledger.has_applied(fill_key(fill.pair, fill.fill_id)):
            plan = reconcile_one_fill(only, fill, now)
            if plan is not None:
                booked.reasons.extend(plan.reasons)
                # terminal, and nothing awaits fills (no fill gap): it leaves play
                order_changed(session, booked, plan.order_updates[0].after)
                return plan
    if not (session.live_orders or exchange_open or fills):
        return None

    def ingested(pair: Pair, fill_id: str) -> bool:
        return ledger.has_applied(fill_key(pair, fill_id))

    local = list(session.live_orders.values())
    plan = reconcile(
        local, exchange_open, now=now, fills=fills, already_ingested=ingested, queried_pairs=pairs
    )
    if plan.lookups_needed:
        lookups: dict[str, ExchangeOrder | None] = {}
        for need in plan.lookups_needed:
            try:
                lookups[need.client_order_id] = trading.order_by_client_id(
                    need.pair, need.client_order_id
                )
            except ExchangeError as exc:  # unresolved for now: the pair stays blocked
                booked.reasons.append(
                    Reason("RECON_LOOKUP_FAILED", f"{need.client_order_id}: {exc}")
                )
        plan = reconcile(
            local,
            exchange_open,
            now=now,
            lookups=lookups,
            fills=fills,
            already_ingested=ingested,
            queried_pairs=pairs,
        )
    booked.reasons.extend(plan.reasons)
    awaiting = {gap.client_order_id for gap in plan.fill_gaps} if plan.fill_gaps else _NONE
    for update in plan.order_updates:
        after = update.after
        order_changed(session, booked, after, keep=after.client_order_id in awaiting)
    if plan.resendable:
        _settle_resendable(session, booked, plan, now)
    for coid in [c for c, o in session.live_orders.items() if o.status.is_terminal]:
        if coid not in awaiting:  # a cancelled order kept for late fills: none came
            del session.live_orders[coid]
    return plan


def _settle_resendable(
    session: CycleSession, booked: Booked, plan: ReconcilePlan, now: datetime
) -> None:
    """Orders proven absent and never acknowledged: wait ``abandon_after_s`` seconds (pair
    blocked), then abandon them."""
    settle = timedelta(seconds=session.params.abandon_after_s)
    for order in plan.resendable:
        current = session.live_orders.get(order.client_order_id, order)
        if now - current.updated_at < settle:
            # An exchange may show an accepted order late: keep looking for a while, with
            # no new order on the pair, before concluding it was never placed.
            booked.blocked.add(current.pair)
            continue
        # Proven absent for long enough, never acknowledged: abandon it. The strategy
        # re-plans from fresh prices rather than re-sending an intent for an older market.
        order_changed(
            session, booked, current.transition(OrderStatus.REJECTED, now, reason="never placed")
        )


def book_fills(
    session: CycleSession, booked: Booked, plan: ReconcilePlan | None, uow: UnitOfWork
) -> None:
    """Apply the plan's new fills (ours and orphans) to the warm ledger, exactly once.

    Orphan fills of a pair polled for the first time are the account's history from before
    the pair was tracked: they are already in the balances the ledger holds, so they are
    stored, reported and not booked again. After a restart from a ledger snapshot the
    ledger no longer knows the ids applied before it, so a fill it does not know is checked
    against the fill store before booking.
    """
    if plan is None:
        return
    for fill in plan.orphan_fills:
        if fill.pair in booked.fresh_pairs:
            booked.history.append(fill)
        else:
            booked.reasons.append(
                Reason("ORPHAN_FILL", f"{fill.pair}:{fill.fill_id} is not of an order we know")
            )
    if booked.history:
        booked.reasons.append(
            Reason(
                "FILL_HISTORY_SKIPPED",
                f"{len(booked.history)} earlier fill(s) of newly tracked pairs stored, not "
                "booked: the balances the ledger holds already include them",
            )
        )
    # ``fills_to_ingest`` already includes the orphans (reconcile lists them in both).
    candidates: Sequence[Fill] = plan.fills_to_ingest
    if booked.history:
        skipped = {(f.pair, f.fill_id) for f in booked.history}
        candidates = [f for f in candidates if (f.pair, f.fill_id) not in skipped]
    if candidates and session.restored_from_snapshot:
        with uow:
            known = {(f.pair, f.fill_id) for f in candidates if uow.fills.has(f.pair, f.fill_id)}
        if known:
            booked.reasons.append(
                Reason("FILL_ALREADY_BOOKED", f"{len(known)} re-delivered fill(s) ignored")
            )
            candidates = [f for f in candidates if (f.pair, f.fill_id) not in known]
    marks = session.marks
    for fill in candidates:
        pair = fill.pair
        quote = pair.quote
        rate = None if quote == VALUATION_ASSET else marks.get(quote)
        # Positional, the event id given: no default-factory calls.
        event = FillEvent(fill, rate, None, fill_key(pair, fill.fill_id))
        try:
            applied = session.ledger.apply(event)
        except LedgerError as exc:
            applied = _book_with_shortfall(session, booked, event, exc)
        if applied:
            booked.events.append(event)
            booked.fills.append(fill)
            key = (fill.pair, fill.side)
            last = session.last_order_at.get(key)
            # max(last, fill.timestamp) as a comparison (the first on a tie, as max returns):
            # the builtin costs about 1,300 instructions more on two aware datetimes
            at = fill.timestamp
            if last is not None and not at > last:
                at = last
            session.last_order_at[key] = at


def _book_with_shortfall(
    session: CycleSession, booked: Booked, event: FillEvent, error: LedgerError
) -> bool:
    """The exchange says a trade spent more of an asset than the ledger knows of (funds
    deposited or moved outside the bot). The exchange is the truth: book the shortfall as an
    explicit adjustment at the trade's own price, then the trade. If even that cannot be
    done, the fill is stored but not booked, with a reason; never a cycle that raises
    forever. Returns whether the fill was booked.
    """
    ledger, fill = session.ledger, event.fill
    base, quote = fill.pair.base, fill.pair.quote
    quote_rate = ONE if quote == VALUATION_ASSET else event.quote_rate
    notional = fill.price * fill.quantity
    out_asset, out_qty = (quote, notional) if fill.side is Side.BUY else (base, fill.quantity)
    in_asset, in_qty = (base, fill.quantity) if fill.side is Side.BUY else (quote, notional)
    needs = {out_asset: out_qty}
    needs[fill.fee_asset] = needs.get(fill.fee_asset, ZERO) + fill.fee + fill.tax
    rates = {base: None if quote_rate is None else fill.price * quote_rate, quote: quote_rate}
    adjustments: list[AdjustmentEvent] = []
    for asset, need in needs.items():
        have = ledger.balance(asset) + (in_qty if asset == in_asset else ZERO)
        if need <= have:
            continue
        rate = None if asset == VALUATION_ASSET else rates.get(asset, session.marks.get(asset))
        if asset != VALUATION_ASSET and rate is None:
            adjustments = []
            break
        adjustments.append(
            AdjustmentEvent(
                f"adj:{event.event_id}:{asset}",
                fill.timestamp,
                asset,
                need - have,
                "external funds: the exchange traded more than the ledger held",
                rate=rate,
            )
        )
    try:
        if not adjustments:
            raise error
        for adjustment in adjustments:
            ledger.apply(adjustment)
            booked.events.append(adjustment)
            booked.reasons.append(
                Reason(
                    "LEDGER_ADJUSTED",
                    f"{adjustment.amount} {adjustment.asset} booked before {event.event_id}: "
                    "the exchange traded funds the ledger did not know about",
                )
            )
        return ledger.apply(event)
    except LedgerError as final:
        # Store the fill (so it is not polled forever) but leave the ledger alone; the
        # balance divergence it leaves is what the degrade ladder watches for.
        booked.fills.append(fill)
        booked.reasons.append(Reason("FILL_NOT_BOOKED", f"{event.event_id}: {final}"))
        return False


def seed_ledger(
    session: CycleSession, booked: Booked, balances: Mapping[str, Decimal], now: datetime
) -> None:
    """First cycle on an empty ledger: book the exchange balances as deposits at the marks."""
    for asset, amount in sorted(balances.items()):
        if amount <= 0:
            continue
        rate = ONE if asset == VALUATION_ASSET else session.marks.get(asset)
        if rate is None:
            booked.reasons.append(
                Reason("SEED_UNPRICED", f"{amount} {asset} has no TRY mark; not booked")
            )
            continue
        event = DepositEvent(
            f"seed:{session.params.run_id}:{asset}",
            now,
            asset,
            amount,
            rate=None if asset == VALUATION_ASSET else rate,
        )
        session.ledger.apply(event)
        booked.events.append(event)
        booked.reasons.append(Reason("LEDGER_SEEDED", f"{amount} {asset} at {rate} TRY"))
