"""Live arming: may this process write to the exchange right now, and if not, why not?

:func:`side_effect_policy` is a pure function of the operator's settings
(:class:`ArmingSettings`) and runtime facts (:class:`ArmingFacts`). It is checked at startup
and again immediately before every exchange write. Every blocking reason is listed, not just
the first.

Submits need **all** of: ``DRY_RUN=false``, ``KILL_SWITCH=false``, ``LIVE_TRADING=true``,
``LIVE_TRADING_ACK=I_UNDERSTAND`` (exact, case-sensitive, no trimming), credentials present,
a stage that may trade live, and no ``FREEZE_ALL``.

Cancels reduce risk, so the kill switch does not block them; they need the same arming
otherwise (a cancel is still an exchange write): not dry-run, armed, acknowledged,
credentials, live stage, and no ``FREEZE_ALL`` (the operator's "touch nothing" switch).

Every default blocks everything.

Simulated execution does not come through here: it uses ``PAPER_POLICY``
(:mod:`btcbot_core.pipeline.execute`), a policy marked ``paper`` that the pipeline honours
only against a simulated trading port.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

from btcbot_core.decisions import Reason

#: The exact acknowledgement string LIVE_TRADING_ACK must hold.
LIVE_TRADING_ACK_PHRASE: Final = "I_UNDERSTAND"


class ArmingCode(enum.StrEnum):
    DRY_RUN = "DRY_RUN"
    KILL_SWITCH = "KILL_SWITCH"
    NOT_ARMED = "NOT_ARMED"  # LIVE_TRADING is false
    ACK_MISSING = "ACK_MISSING"  # LIVE_TRADING_ACK is not exactly I_UNDERSTAND
    MISSING_CREDENTIALS = "MISSING_CREDENTIALS"
    STAGE_DRY_RUN_ONLY = "STAGE_DRY_RUN_ONLY"  # e.g. stage 7 and backtests never write
    FREEZE_ALL = "FREEZE_ALL"  # no writes at all, not even cancels


@attrs.frozen
class ArmingSettings:
    """Operator settings, already parsed (defaults are the safe ones).

    ``dry_run`` (DRY_RUN, default True), ``kill_switch`` (KILL_SWITCH, default True),
    ``live_trading`` (LIVE_TRADING, default False), ``live_trading_ack`` (LIVE_TRADING_ACK,
    default ``None``), ``freeze_all`` (FREEZE_ALL, default False).
    """

    dry_run: bool = True
    kill_switch: bool = True
    live_trading: bool = False
    live_trading_ack: str | None = attrs.field(default=None, repr=False)
    freeze_all: bool = False


@attrs.frozen
class ArmingFacts:
    """Runtime facts (defaults are the safe ones).

    ``has_credentials``: an API key and secret are configured (their values never come
    here). ``stage_allows_live``: the running command's stage profile may write (stage 7 and
    backtests may not). ``stage``: the stage name, for messages.
    """

    has_credentials: bool = False
    stage_allows_live: bool = False
    stage: str = ""


@attrs.frozen
class SideEffectPolicy:
    """The answer: what may be written, and every reason something may not.

    ``paper`` marks a policy that allows writes only because they go to a simulated
    exchange (``PAPER_POLICY`` in :mod:`btcbot_core.pipeline.execute`): the pipeline
    blocks its writes to a trading port that is not simulated. :func:`side_effect_policy`
    never returns a paper policy.
    """

    allow_submit: bool
    allow_cancel: bool
    submit_blockers: tuple[Reason, ...]
    cancel_blockers: tuple[Reason, ...]
    paper: bool = False

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Every distinct blocking reason (submit reasons first)."""
        out = list(self.submit_blockers)
        out.extend(r for r in self.cancel_blockers if r not in out)
        return tuple(out)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.reasons)

    @property
    def is_live(self) -> bool:
        """True when at least one kind of exchange write is allowed."""
        return self.allow_submit or self.allow_cancel


def side_effect_policy(settings: ArmingSettings, facts: ArmingFacts) -> SideEffectPolicy:
    """Decide the side-effect policy (see the module docstring)."""
    common: list[Reason] = []
    if settings.freeze_all:
        common.append(Reason(ArmingCode.FREEZE_ALL, "FREEZE_ALL=true: no exchange writes"))
    if settings.dry_run:
        common.append(Reason(ArmingCode.DRY_RUN, "DRY_RUN=true: orders are simulated"))
    if not settings.live_trading:
        common.append(Reason(ArmingCode.NOT_ARMED, "LIVE_TRADING=false"))
    if settings.live_trading_ack != LIVE_TRADING_ACK_PHRASE:
        detail = (
            "LIVE_TRADING_ACK is not set"
            if not settings.live_trading_ack
            else "LIVE_TRADING_ACK is set but is not exactly I_UNDERSTAND"
        )
        common.append(Reason(ArmingCode.ACK_MISSING, detail))
    if not facts.has_credentials:
        common.append(
            Reason(ArmingCode.MISSING_CREDENTIALS, "BTCTurk API key and secret are not set")
        )
    if not facts.stage_allows_live:
        common.append(
            Reason(
                ArmingCode.STAGE_DRY_RUN_ONLY,
                f"stage {facts.stage or '(unnamed)'} never writes to the exchange",
            )
        )
    submit = list(common)
    if settings.kill_switch:
        submit.append(Reason(ArmingCode.KILL_SWITCH, "KILL_SWITCH=true: no new orders"))
    return SideEffectPolicy(
        allow_submit=not submit,
        allow_cancel=not common,
        submit_blockers=tuple(submit),
        cancel_blockers=tuple(common),
        paper=False,  # live arming: never a paper policy
    )


__all__ = [
    "LIVE_TRADING_ACK_PHRASE",
    "ArmingCode",
    "ArmingFacts",
    "ArmingSettings",
    "SideEffectPolicy",
    "side_effect_policy",
]
