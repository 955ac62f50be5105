"""Stage timings: a cycle with ``CyclePorts.timer`` reports each stage, one without none."""

from __future__ import annotations

import itertools

import attrs

from tests.pipeline.harness import Harness


def test_a_timed_cycle_reports_every_stage_in_milliseconds() -> None:
    h = Harness()
    ticks = itertools.count()
    h.ports = attrs.evolve(h.ports, timer=lambda: float(next(ticks)))  # one second a read
    first = h.cycle(1_000_000, 1_001_000)  # seeds the ledger and submits a buy
    assert first.submitted
    assert first.timings_ms == {
        "snapshot": 1000.0,
        "reconcile": 1000.0,
        "risk": 1000.0,
        "strategy": 1000.0,
        "decide": 1000.0,
        "execute": 1000.0,
        "record": 1000.0,
    }
    quiet = h.cycle(1_000_000, 1_001_000)  # the buy rests: nothing to decide
    assert not quiet.submitted
    assert list(quiet.timings_ms) == [
        "snapshot", "reconcile", "risk", "strategy", "execute", "record"
    ]  # fmt: skip
    assert set(quiet.timings_ms.values()) == {1000.0}


def test_an_untimed_cycle_reports_no_timings() -> None:
    h = Harness()
    assert h.cycle(1_000_000, 1_001_000).timings_ms == {}
    assert "timings_ms" not in h.reports[0].to_dict(timings=False)
