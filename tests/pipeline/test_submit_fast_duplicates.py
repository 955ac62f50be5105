"""``CycleStages.submit`` builds its id set and request map only when some client order id
was already recorded: held here to the general form (every batch through both, ids that
repeat within a batch or were recorded before included)."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from btcbot_core.decisions import Reason
from btcbot_core.orders import Order, OrderIntent, OrderRequest, Side
from btcbot_core.pipeline.cycle_stages import CycleStages
from btcbot_core.pipeline.record import commit_planned
from btcbot_core.pipeline.report import Fate, IntentOutcome
from btcbot_core.state import CapitalState, RiskState
from tests.pipeline.harness import BTCTRY, Harness


class GeneralStages(CycleStages):
    """``submit`` as it was before the shortcut: a set of the recorded ids and a map of
    the requests by id, whatever the batch."""

    __slots__ = ()

    def submit(
        self,
        approved: tuple[OrderRequest, ...],
        source: Mapping[str, OrderIntent],
        capital: CapitalState | None,
        risk_state: RiskState,
    ) -> tuple[str, ...]:
        s = self.s
        planned = [Order.planned(r, self.now) for r in approved]
        recorded = commit_planned(self.ports.uow, s, self.booked, capital, risk_state, planned)
        recorded_ids = {o.client_order_id for o in recorded}
        for order in planned:
            if order.client_order_id not in recorded_ids:
                why = Reason("DUPLICATE_CLIENT_ORDER_ID", order.client_order_id)
                intent = source[order.client_order_id]
                self.outcomes.append(IntentOutcome(intent, Fate.DUPLICATE, (why,)))
        s.capital, s.risk = capital, risk_state
        sent: list[str] = []
        requests = {r.client_order_id: r for r in approved}
        for order in recorded:
            cid = order.client_order_id
            if self._send(order, requests[cid], source[cid]):
                sent.append(cid)
        return tuple(sent)


def _run(stages_type: type[CycleStages], before: list[str], batch: list[tuple[str, int]]):  # type: ignore[no-untyped-def]
    h = Harness()
    h.quote(1_000_000)
    h.cycle()
    stages = stages_type(h.ports, h.session, h.now, h.session.scratch.reset())  # type: ignore[union-attr]
    if before:  # ids recorded by an earlier batch
        earlier = tuple(OrderRequest(c, BTCTRY, Side.BUY, "0.001", 900_000) for c in before)
        stages.submit(
            earlier,
            {r.client_order_id: OrderIntent(BTCTRY, Side.BUY, 900_000, "0.001") for r in earlier},
            h.session.capital,
            h.session.risk,
        )
    # prices differ within the batch, so a repeated id is told apart by its request
    approved = tuple(
        OrderRequest(c, BTCTRY, Side.BUY, "0.001", 900_000 - 1_000 * k) for c, k in batch
    )
    source = {r.client_order_id: OrderIntent(BTCTRY, Side.BUY, r.price, "0.001") for r in approved}
    sent = stages.submit(approved, source, h.session.capital, h.session.risk)
    with h.uow:
        stored = {o.client_order_id: o for o in h.uow.orders.live()}
    return (
        sent,
        stages.outcomes,
        stored,
        dict(h.session.live_orders),
        dict(h.session.scratch.orders),  # type: ignore[union-attr]
        h.exchange.open_orders((BTCTRY,)),
    )


ids = st.sampled_from(["a", "b", "c", "d"])


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(ids, max_size=2, unique=True),
    batch=st.lists(st.tuples(ids, st.integers(0, 5)), min_size=1, max_size=4),
)
def test_submit_matches_the_general_form(before: list[str], batch: list[tuple[str, int]]) -> None:
    assert _run(CycleStages, before, batch) == _run(GeneralStages, before, batch)


def test_every_order_recorded_sends_each_with_its_own_request() -> None:
    sent, outcomes, stored, *_ = _run(CycleStages, [], [("a", 0), ("b", 3)])
    assert sent == ("a", "b")
    assert [o.price for o in outcomes] == [900_000, 897_000]
    assert stored["b"].price == 897_000
