"""Live arming: every default blocks, every reason is listed, the ack is exact."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core.arming import (
    LIVE_TRADING_ACK_PHRASE,
    ArmingCode,
    ArmingFacts,
    ArmingSettings,
    side_effect_policy,
)

ARMED = ArmingSettings(
    dry_run=False, kill_switch=False, live_trading=True, live_trading_ack="I_UNDERSTAND"
)
LIVE = ArmingFacts(has_credentials=True, stage_allows_live=True, stage="stage4")


def test_defaults_block_everything_with_every_reason() -> None:
    policy = side_effect_policy(ArmingSettings(), ArmingFacts())
    assert not policy.allow_submit and not policy.allow_cancel and not policy.is_live
    assert policy.codes == {
        ArmingCode.DRY_RUN,
        ArmingCode.KILL_SWITCH,
        ArmingCode.NOT_ARMED,
        ArmingCode.ACK_MISSING,
        ArmingCode.MISSING_CREDENTIALS,
        ArmingCode.STAGE_DRY_RUN_ONLY,
    }


def test_defaults_block_even_with_credentials_and_a_live_stage() -> None:
    policy = side_effect_policy(ArmingSettings(), LIVE)
    assert not policy.allow_submit and not policy.allow_cancel


def test_fully_armed_allows_submits_and_cancels() -> None:
    policy = side_effect_policy(ARMED, LIVE)
    assert policy.allow_submit and policy.allow_cancel and policy.reasons == ()


def test_kill_switch_blocks_submits_but_not_cancels() -> None:
    settings = ArmingSettings(
        dry_run=False, kill_switch=True, live_trading=True, live_trading_ack="I_UNDERSTAND"
    )
    policy = side_effect_policy(settings, LIVE)
    assert not policy.allow_submit and policy.allow_cancel
    assert [r.code for r in policy.submit_blockers] == [ArmingCode.KILL_SWITCH]
    assert policy.cancel_blockers == ()


def test_freeze_all_blocks_cancels_too() -> None:
    settings = ArmingSettings(
        dry_run=False,
        kill_switch=True,
        live_trading=True,
        live_trading_ack="I_UNDERSTAND",
        freeze_all=True,
    )
    policy = side_effect_policy(settings, LIVE)
    assert not policy.allow_submit and not policy.allow_cancel
    assert ArmingCode.FREEZE_ALL in {r.code for r in policy.cancel_blockers}


@pytest.mark.parametrize(
    "ack", [None, "", "i_understand", " I_UNDERSTAND", "I_UNDERSTAND ", "I UNDERSTAND", "YES"]
)
def test_ack_must_be_exact(ack: str | None) -> None:
    settings = ArmingSettings(
        dry_run=False, kill_switch=False, live_trading=True, live_trading_ack=ack
    )
    policy = side_effect_policy(settings, LIVE)
    assert not policy.allow_submit and not policy.allow_cancel
    assert policy.codes == {ArmingCode.ACK_MISSING}


def test_stage_seven_never_writes() -> None:
    policy = side_effect_policy(ARMED, ArmingFacts(has_credentials=True, stage="stage7"))
    assert not policy.allow_submit and not policy.allow_cancel
    assert policy.codes == {ArmingCode.STAGE_DRY_RUN_ONLY}
    assert "stage7" in policy.reasons[0].detail


def test_the_ack_value_is_not_in_the_repr() -> None:
    assert "I_UNDERSTAND" not in repr(ARMED)


@pytest.mark.property
@given(
    dry_run=st.booleans(),
    kill_switch=st.booleans(),
    live_trading=st.booleans(),
    ack=st.sampled_from([None, "", "I_UNDERSTAND", "i_understand", "I_UNDERSTAND\n", "no"]),
    freeze_all=st.booleans(),
    creds=st.booleans(),
    stage_live=st.booleans(),
)
def test_submits_allowed_iff_every_condition_holds(
    dry_run: bool,
    kill_switch: bool,
    live_trading: bool,
    ack: str | None,
    freeze_all: bool,
    creds: bool,
    stage_live: bool,
) -> None:
    settings = ArmingSettings(dry_run, kill_switch, live_trading, ack, freeze_all)
    policy = side_effect_policy(settings, ArmingFacts(creds, stage_live))
    ack_ok = ack == LIVE_TRADING_ACK_PHRASE
    armed = not dry_run and live_trading and ack_ok and creds and stage_live and not freeze_all
    assert policy.allow_submit == (armed and not kill_switch)
    assert policy.allow_cancel == armed
    expected = {
        ArmingCode.DRY_RUN: dry_run,
        ArmingCode.KILL_SWITCH: kill_switch,
        ArmingCode.NOT_ARMED: not live_trading,
        ArmingCode.ACK_MISSING: not ack_ok,
        ArmingCode.MISSING_CREDENTIALS: not creds,
        ArmingCode.STAGE_DRY_RUN_ONLY: not stage_live,
        ArmingCode.FREEZE_ALL: freeze_all,
    }
    assert policy.codes == {code for code, blocked in expected.items() if blocked}
    assert policy.allow_submit == (policy.submit_blockers == ())
    assert policy.allow_cancel == (policy.cancel_blockers == ())
