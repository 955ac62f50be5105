"""The pipeline over the real SQLite unit of work: cycles commit, and a restarted session
rebuilt from the database continues exactly where the warm one was."""

from __future__ import annotations

from pathlib import Path

from btcbot_adapters.persistence import SqlUnitOfWork
from btcbot_adapters.persistence.database import Target, open_database
from btcbot_core.pipeline import CycleSession, Fate, run_cycle
from tests.pipeline.harness import Harness


def test_cycles_commit_to_sqlite_and_a_restart_resumes(tmp_path: Path) -> None:
    engine = open_database(Target.from_path(tmp_path / "state.db"))
    h = Harness(strategy_values={"TARGET_TRY": "500", "TTL_SECONDS": "120"})
    h.uow = SqlUnitOfWork(engine, immediate=True)  # type: ignore[assignment]
    h.ports = type(h.ports)(h.exchange, h.exchange, h.exchange, h.uow, h.gate)
    h.session = CycleSession.open(h.uow, h.params, h.profile)
    for bid in (1_000_000, 999_000, 999_000, 1_010_000, 1_010_000, 1_005_000):
        h.cycle(bid, bid + (400 if bid == 999_000 else 1000))
    fates = [o.fate for r in h.reports for o in r.intents]
    assert Fate.SUBMITTED in fates and any(r.fills_ingested for r in h.reports)

    warm = h.session.ledger.snapshot()
    restarted = CycleSession.open(h.uow, h.params, h.profile)
    assert restarted.ledger.snapshot() == warm
    assert restarted.cycle == h.session.cycle
    assert restarted.capital == h.session.capital
    assert set(restarted.live_orders) == set(h.session.live_orders)
    with h.uow:
        last = h.uow.cycles.last(h.params.run_id)
    assert last is not None
    assert dict(last.report) == h.reports[-1].to_dict(timings=False)

    report = run_cycle(h.ports, h.profile, h.params, h.now, session=restarted)
    assert report.cycle == h.session.cycle + 1
