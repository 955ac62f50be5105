"""The one decision pipeline: stage profiles, the cycle service and its report."""

from btcbot_core.pipeline.cycle import CyclePorts, run_cycle
from btcbot_core.pipeline.execute import PAPER_POLICY, check_execution
from btcbot_core.pipeline.params import CycleParams
from btcbot_core.pipeline.profile import PROFILES, StageProfile, get_profile
from btcbot_core.pipeline.report import CycleReport, Fate, IntentOutcome
from btcbot_core.pipeline.session import CycleSession

__all__ = [
    "PAPER_POLICY",
    "PROFILES",
    "CycleParams",
    "CyclePorts",
    "CycleReport",
    "CycleSession",
    "Fate",
    "IntentOutcome",
    "StageProfile",
    "check_execution",
    "get_profile",
    "run_cycle",
]
