"""A quiet cycle that skips its ``commit_cycle`` call leaves exactly the stores that calling
it would have left: ``commit_cycle`` writes nothing for such a cycle (not even an empty
unit), so every committed part and the number of commits are the same."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal as D

import pytest

from btcbot_core import Pair
from btcbot_core.pipeline import CycleSession, cycle
from tests.pipeline.harness import BTCTRY, T0, BarRig, Harness, walk_bars

PAIRS = (Pair("BTC", "TRY"), Pair("ETH", "TRY"))


def _run(seed: int, profile: str, skip: bool, monkeypatch: pytest.MonkeyPatch) -> BarRig:
    monkeypatch.setattr(cycle, "SKIP_IDLE_COMMITS", skip)
    rng = random.Random(seed)
    rig = BarRig(
        PAIRS,
        {"FAST": "3", "SLOW": "7", "ORDER_TRY": "400"},
        run_id="idle",
        profile=profile,
        seed=seed,
    )
    prices = [D("600000"), D("40000")]
    for i in range(300):
        t = T0 + timedelta(minutes=i)
        rig.exchange.on_bars(walk_bars(rng, PAIRS, prices, t, 0.02))
        if i in (100, 200):
            # a restart: the session is rebuilt from what the stores hold
            rig.session = CycleSession.open(rig.uow, rig.params, rig.profile)
        rig.cycle(t + timedelta(minutes=1))
    return rig


@pytest.mark.parametrize("profile", ["backtest", "stage7"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_skipping_idle_commits_changes_no_store(
    profile: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    real = cycle.commit_cycle

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(real(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(cycle, "commit_cycle", spy)
    always = _run(seed, profile, False, monkeypatch)
    called_always, idle_always = len(calls), calls.count(False)
    calls.clear()
    skipping = _run(seed, profile, True, monkeypatch)
    assert skipping.uow.db.state == always.uow.db.state
    assert skipping.uow.db.version == always.uow.db.version  # no commit more or less
    assert skipping.session.ledger.event_count == always.session.ledger.event_count
    assert skipping.session.capital == always.session.capital
    assert skipping.session.risk == always.session.risk
    skipped = called_always - len(calls)
    # every skipped call is one that would have written nothing (returned False)
    assert skipped == idle_always - calls.count(False)
    if profile == "backtest":
        assert skipped > 100  # many of the 300 cycles are quiet
    else:
        assert skipped == 0  # a profile that records quiet cycles never skips
    with skipping.uow:
        assert skipping.uow.orders.last_activity()  # it traded


def test_a_quiet_cycle_that_only_moved_a_fill_cursor_still_commits_it() -> None:
    # A resting buy is polled for the first time: no fill, no order change, nothing to
    # report, but the fill cursor moved, and the stores must have it.
    h = Harness(profile="backtest")
    first = h.cycle(1_000_000, 1_001_000)
    assert len(first.submitted) == 1
    with h.uow:
        assert h.uow.fills.cursor(BTCTRY) is None
    h.minute += 1
    second = h.cycle(1_000_000, 1_001_000)  # the bid does not trade through: still resting
    assert second.quiet and h.session.cursors[BTCTRY] == "0"
    with h.uow:
        assert h.uow.fills.cursor(BTCTRY) == "0"
