"""The cycle's order stages: cancels, and submits recorded before they are sent.

Kept apart from :mod:`btcbot_core.pipeline.cycle` for size. The cycle builds a
:class:`CycleStages` only when its strategy proposed a cancel or an order: a quiet cycle
needs none of this working memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from btcbot_core.decisions import Reason
from btcbot_core.orders import Order, OrderIntent, OrderRequest
from btcbot_core.pair import Pair
from btcbot_core.pipeline.execute import cancel_one, paper_on_real, send_order
from btcbot_core.pipeline.ingest import Booked, order_changed
from btcbot_core.pipeline.record import commit_planned
from btcbot_core.pipeline.report import FATE_SUBMITTED, FATE_UNKNOWN, Fate, IntentOutcome
from btcbot_core.pipeline.session import CycleSession
from btcbot_core.state import CapitalState, RiskState
from btcbot_core.strategies import CancelIntent

if TYPE_CHECKING:
    from btcbot_core.pipeline.cycle import CyclePorts


class CycleStages:
    """The cancel and submit stages of one cycle, and what they produce: the intents'
    outcomes and the pairs with a cancel attempted."""

    __slots__ = ("booked", "cancel_pairs", "now", "outcomes", "ports", "s")

    def __init__(
        self, ports: CyclePorts, session: CycleSession, now: datetime, booked: Booked
    ) -> None:
        self.ports = ports
        self.s = session
        self.now = now
        self.booked = booked
        self.outcomes: list[IntentOutcome] = []
        #: pairs with a cancel attempted this cycle (no replacement until it is confirmed)
        self.cancel_pairs: set[Pair] = set()

    def cancel(
        self, cancels: tuple[CancelIntent, ...]
    ) -> tuple[tuple[str, ...], tuple[tuple[str, Reason], ...]]:
        done: list[str] = []
        blocked: list[tuple[str, Reason]] = []
        for cancel in cancels:
            order = self.s.live_orders.get(cancel.client_order_id)
            if order is None:
                continue
            self.cancel_pairs.add(order.pair)
            updated, why = cancel_one(self.ports.trading, self.ports.gate, order, self.now)
            if updated is None:
                blocked.append((cancel.client_order_id, why or Reason("BLOCKED")))
                continue
            # kept in play one more cycle so fills that raced the cancel attach to it
            order_changed(self.s, self.booked, updated, keep=True)
            done.append(cancel.client_order_id)
            detail = f"cancel {cancel.client_order_id}: {cancel.reason.detail}"
            self.booked.reasons.append(Reason(cancel.reason.code, detail))
        return tuple(done), tuple(blocked)

    def submit(
        self,
        approved: tuple[OrderRequest, ...],
        source: Mapping[str, OrderIntent],
        capital: CapitalState | None,
        risk_state: RiskState,
    ) -> tuple[str, ...]:
        s = self.s
        if not approved:
            return ()
        policy = self.ports.gate()
        paper = paper_on_real(policy, self.ports.trading)
        if not policy.allow_submit or paper is not None:
            # A dry run (or kill switch, or a paper policy meeting a real exchange) is known
            # before anything is recorded: report what would have been sent, write no order.
            # The gate is checked again per send.
            blockers = policy.submit_blockers if paper is None else (paper,)
            for request in approved:
                self.outcomes.append(
                    IntentOutcome(
                        source[request.client_order_id],
                        Fate.BLOCKED_BY_GATE,
                        blockers,
                        None,
                        request.price,
                        request.quantity,
                    )
                )
            return ()
        planned = [Order.planned(r, self.now) for r in approved]
        recorded = commit_planned(self.ports.uow, s, self.booked, capital, risk_state, planned)
        requests: Sequence[OrderRequest] = approved
        if len(recorded) < len(planned):
            # Some client order id was recorded already (every order recorded, the usual
            # case, needs neither the set nor the map: then ``recorded`` is ``planned``,
            # planned from ``approved`` in order, each id once).
            recorded_ids = {o.client_order_id for o in recorded}
            for order in planned:
                if order.client_order_id not in recorded_ids:
                    why = Reason("DUPLICATE_CLIENT_ORDER_ID", order.client_order_id)
                    intent = source[order.client_order_id]
                    self.outcomes.append(IntentOutcome(intent, Fate.DUPLICATE, (why,)))
            by_id = {r.client_order_id: r for r in approved}
            requests = [by_id[o.client_order_id] for o in recorded]
        s.capital, s.risk = capital, risk_state
        sent: list[str] = []
        for order, request in zip(recorded, requests):
            cid = order.client_order_id
            if self._send(order, request, source[cid]):
                sent.append(cid)
        return tuple(sent)

    def _send(self, order: Order, request: OrderRequest, intent: OrderIntent) -> bool:
        """Send a recorded PLANNED ``order`` (gate checked again right before the write),
        record its new state and outcome; whether it counts as sent."""
        s = self.s
        new, fate, reasons = send_order(
            self.ports.trading, self.ports.gate, order, self.now, request
        )
        order_changed(s, self.booked, new)
        self.outcomes.append(
            IntentOutcome(
                intent,
                fate,
                reasons,
                order.client_order_id,
                order.price,
                order.quantity,
            )
        )
        if fate is FATE_SUBMITTED or fate is FATE_UNKNOWN:
            s.last_submits += 1
            s.last_order_at[(order.pair, order.side)] = self.now
            return True
        if fate is Fate.REJECTED_BY_EXCHANGE:
            s.last_submits += 1
            s.last_rejects += 1
        return False
