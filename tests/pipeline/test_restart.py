"""A run interrupted and resumed from its stores trades exactly like an uninterrupted one
(warm state — ledger, orders, capital, risk, strategy indicators — is rebuilt)."""

from __future__ import annotations

from tests.pipeline.test_determinism import run_bars


def test_a_restart_mid_run_changes_nothing() -> None:
    straight = run_bars(seed=5, cycles=300)
    resumed = run_bars(seed=5, cycles=300, restart_at=(120, 121, 250))
    assert resumed == straight
    assert any(r["submitted"] for r in straight[120:])  # it kept trading after the restart
