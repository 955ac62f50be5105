"""btcbot's pure domain core: exact money, exchange rules, orders, the ledger and the ports.

Imports only the standard library and ``attrs``; reads no clock, environment or files.
Notebook use: ``from btcbot_core import Ledger, Pair, SymbolRules, ...``.
"""

from btcbot_core.clock import ManualClock, SequentialIds
from btcbot_core.decisions import Reason
from btcbot_core.errors import (
    AuthError,
    BtcbotError,
    CapitalPolicyError,
    ConfigError,
    DomainError,
    ExchangeError,
    LedgerError,
    LockHeldError,
    MalformedResponse,
    OrderNotFoundError,
    OrderRejectedError,
    OrderStateError,
    PairError,
    PersistenceError,
    PortError,
    RateLimitedError,
    TransientExchangeError,
    ValidationError,
)
from btcbot_core.ids import client_order_id, simulated_fill_id, validate_client_order_id
from btcbot_core.ledger import (
    CostMethod,
    Ledger,
    LedgerSnapshot,
    Position,
    Valuation,
)
from btcbot_core.ledger_events import (
    AdjustmentEvent,
    DepositEvent,
    FeeEvent,
    FillEvent,
    LedgerEvent,
    WithdrawalEvent,
    fill_event_id,
)
from btcbot_core.market import Bar, MarketSnapshot, Quote
from btcbot_core.money import (
    ONE,
    ZERO,
    Money,
    apply_bps,
    bps,
    kurus,
    quantize_down,
    quantize_up,
    to_bps,
    to_decimal,
)
from btcbot_core.orders import (
    Fill,
    Order,
    OrderIntent,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from btcbot_core.pair import KNOWN_QUOTES, Pair, parse_pairs
from btcbot_core.ports import (
    AccountPort,
    AppendResult,
    Balance,
    Clock,
    ExchangeOrder,
    FillPage,
    IdSource,
    MarketDataPort,
    SubmitAck,
    TradingPort,
    UnitOfWork,
)
from btcbot_core.rules import RuleViolation, SymbolRules, ViolationCode
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskMode, RiskState

__version__ = "0.1.0"

#: Policies and the pipeline, imported on first use (PEP 562) so ``import btcbot_core``
#: stays light: ``from btcbot_core import run_cycle`` works all the same.
_LAZY: dict[str, str] = {
    "AllocationParams": "btcbot_core.allocation",
    "allocate": "btcbot_core.allocation",
    "investable_try": "btcbot_core.allocation",
    "ArmingFacts": "btcbot_core.arming",
    "ArmingSettings": "btcbot_core.arming",
    "SideEffectPolicy": "btcbot_core.arming",
    "side_effect_policy": "btcbot_core.arming",
    "DegradeParams": "btcbot_core.degrade",
    "update_degrade": "btcbot_core.degrade",
    "reconcile": "btcbot_core.reconcile",
    "RiskBudgetParams": "btcbot_core.risk_budget",
    "decide_risk_budget": "btcbot_core.risk_budget",
    "RiskPolicyParams": "btcbot_core.risk_policy",
    "evaluate_risk": "btcbot_core.risk_policy",
    "quantize_intents": "btcbot_core.risk_policy",
    "SelfFinancingParams": "btcbot_core.self_financing",
    "apply_checkpoint": "btcbot_core.self_financing",
    "STRATEGY_NAMES": "btcbot_core.strategies",
    "Strategy": "btcbot_core.strategies",
    "StrategyContext": "btcbot_core.strategies",
    "get_strategy": "btcbot_core.strategies",
    "PAPER_POLICY": "btcbot_core.pipeline",
    "PROFILES": "btcbot_core.pipeline",
    "CycleParams": "btcbot_core.pipeline",
    "CyclePorts": "btcbot_core.pipeline",
    "CycleReport": "btcbot_core.pipeline",
    "CycleSession": "btcbot_core.pipeline",
    "StageProfile": "btcbot_core.pipeline",
    "check_execution": "btcbot_core.pipeline",
    "get_profile": "btcbot_core.pipeline",
    "run_cycle": "btcbot_core.pipeline",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'btcbot_core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    *sorted(_LAZY),
    "KNOWN_QUOTES",
    "ONE",
    "ZERO",
    "AccountPort",
    "AdjustmentEvent",
    "AppendResult",
    "AuthError",
    "Balance",
    "Bar",
    "BtcbotError",
    "CapitalPolicyError",
    "CapitalState",
    "Clock",
    "ConfigError",
    "CostMethod",
    "CycleRecord",
    "DepositEvent",
    "DomainError",
    "ExchangeError",
    "ExchangeOrder",
    "FeeEvent",
    "Fill",
    "FillEvent",
    "FillPage",
    "IdSource",
    "Ledger",
    "LedgerError",
    "LedgerEvent",
    "LedgerSnapshot",
    "LockHeldError",
    "MalformedResponse",
    "ManualClock",
    "MarketDataPort",
    "MarketSnapshot",
    "Money",
    "Order",
    "OrderIntent",
    "OrderNotFoundError",
    "OrderRejectedError",
    "OrderRequest",
    "OrderStateError",
    "OrderStatus",
    "OrderType",
    "Pair",
    "PairError",
    "ParameterSet",
    "PersistenceError",
    "PortError",
    "Position",
    "Quote",
    "RateLimitedError",
    "Reason",
    "RiskMode",
    "RiskState",
    "RuleViolation",
    "SequentialIds",
    "Side",
    "SubmitAck",
    "SymbolRules",
    "TradingPort",
    "TransientExchangeError",
    "UnitOfWork",
    "ValidationError",
    "Valuation",
    "ViolationCode",
    "WithdrawalEvent",
    "apply_bps",
    "bps",
    "client_order_id",
    "fill_event_id",
    "kurus",
    "parse_pairs",
    "quantize_down",
    "quantize_up",
    "simulated_fill_id",
    "to_bps",
    "to_decimal",
    "validate_client_order_id",
]
