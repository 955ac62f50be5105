"""Stage profiles: one declarative table says which policies each command runs.

Stages are profiles, not pipelines: every command runs the same :func:`run_cycle`; the
profile only switches policies on and off. The ledger and the strategy are always on — one
accounting for every stage is the lesson of the bot we replace.

| profile  | command          | alloc | budget | self-fin | recon | degrade | execution |
|----------|------------------|-------|--------|----------|-------|---------|-----------|
| stage3   | btcbot run       |  yes  |  no    |   no     |  yes  |   no    | exchange  |
| stage4   | btcbot stage4-run|  yes  |  yes   |   yes    |  yes  |   yes   | exchange  |
| stage7   | btcbot stage7-run|  yes  |  yes   |   yes    |  yes  |   yes   | simulated |
| backtest | stage7-backtest  |  yes  |  yes   |   yes    |  yes  |   no    | simulated |

Allocation is on in every stage: it is what keeps buys from taking cash below
TRY_CASH_TARGET, a rule with no exception.

The backtest profile records only eventful cycles; capital and risk state are still written
whenever they move, so the stores never lag the session.

"exchange" execution still needs the live-arming gates open (the default keeps them closed:
a dry run); "simulated" execution sends orders to a simulated exchange, which is not an
exchange write, so the arming gates do not apply there: it runs under ``PAPER_POLICY``.

``simulated_execution`` is enforced, never trusted (see :mod:`btcbot_core.pipeline.execute`):
``check_execution`` refuses a simulated profile composed with a trading port that is not
simulated (``TradingPort.simulated``), and every write under ``PAPER_POLICY`` to such a port
is blocked (``PAPER_POLICY_ON_REAL_EXCHANGE``). An "exchange" profile may run against the
simulated exchange (that is how stage3 and stage4 are tested end to end); its writes still
go through whichever gate it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

from btcbot_core.errors import ValidationError


@attrs.frozen
class StageProfile:
    """Which policies one stage runs (see the module table)."""

    name: str
    allocation: bool
    risk_budget: bool
    self_financing: bool
    reconciliation: bool
    degrade: bool
    #: orders go to a simulated exchange under PAPER_POLICY; the trading port must say it is
    #: simulated (``check_execution``).
    simulated_execution: bool
    record_quiet_cycles: bool = True
    #: cycles between ledger-vs-exchange balance comparisons (0: never).
    divergence_every: int = 1
    #: cycles between symbol-rule refreshes (0: only at start).
    rules_refresh_every: int = 60
    #: someone other than this bot may trade the account (a real exchange): poll open
    #: orders and fills every cycle. In a simulation we are the only trader, so with no
    #: live order of ours there is nothing to poll.
    foreign_activity: bool = True


PROFILES: Final[Mapping[str, StageProfile]] = {
    "stage3": StageProfile(
        "stage3",
        allocation=True,
        risk_budget=False,
        self_financing=False,
        reconciliation=True,
        degrade=False,
        simulated_execution=False,
    ),
    "stage4": StageProfile(
        "stage4",
        allocation=True,
        risk_budget=True,
        self_financing=True,
        reconciliation=True,
        degrade=True,
        simulated_execution=False,
    ),
    "stage7": StageProfile(
        "stage7",
        allocation=True,
        risk_budget=True,
        self_financing=True,
        reconciliation=True,
        degrade=True,
        simulated_execution=True,
    ),
    "backtest": StageProfile(
        "backtest",
        allocation=True,
        risk_budget=True,
        self_financing=True,
        reconciliation=True,
        degrade=False,
        simulated_execution=True,
        record_quiet_cycles=False,
        divergence_every=0,
        rules_refresh_every=0,
        foreign_activity=False,
    ),
}


def get_profile(name: str) -> StageProfile:
    """The profile called ``name``; an unknown name lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValidationError(
            f"unknown stage profile {name!r}; known: {', '.join(sorted(PROFILES))}"
        ) from None
