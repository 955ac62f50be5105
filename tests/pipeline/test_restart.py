"""A run interrupted and resumed from its stores trades exactly like an uninterrupted one
(warm state — ledger, orders, capital, risk, strategy indicators — is rebuilt)."""

from __future__ import annotations

import attrs

from tests.pipeline.test_determinism import run_bars


def test_a_restart_mid_run_changes_nothing() -> None:
    straight = run_bars(seed=5, cycles=300)
    resumed = run_bars(seed=5, cycles=300, restart_at=(120, 121, 250))
    assert resumed == straight
    assert any(r["submitted"] for r in straight[120:])  # it kept trading after the restart


def test_the_cooldown_survives_a_restart() -> None:
    from datetime import timedelta

    from btcbot_core.orders import Order, OrderRequest, OrderStatus, OrderType, Side
    from btcbot_core.pipeline import CycleSession
    from btcbot_core.risk_policy import RiskPolicyParams
    from tests.pipeline.harness import BTCTRY, T0, Harness

    h = Harness(params={"risk_policy": RiskPolicyParams(cooldown_seconds=600)})
    request = OrderRequest("bbbcool1", BTCTRY, Side.BUY, "0.001", "1000000", OrderType.LIMIT)
    planned = Order.planned(request, T0)
    sent = planned.transition(OrderStatus.SUBMITTED, T0 + timedelta(seconds=5))
    refused = attrs.evolve(planned, client_order_id="bbscool2", side=Side.SELL)
    with h.uow:
        h.uow.orders.add(sent)
        h.uow.orders.add(refused.transition(OrderStatus.REJECTED, T0, reason="MIN_TOTAL"))
        h.uow.commit()
    reopened = CycleSession.open(h.uow, h.params, h.profile)
    # the last order sent per (pair, side) is known again; a refused one never counted
    assert reopened.last_order_at == {(BTCTRY, Side.BUY): T0 + timedelta(seconds=5)}
    no_cooldown = attrs.evolve(h.params, risk_policy=RiskPolicyParams(cooldown_seconds=0))
    assert CycleSession.open(h.uow, no_cooldown, h.profile).last_order_at == {}
