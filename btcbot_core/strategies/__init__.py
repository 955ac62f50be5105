"""Strategies behind one protocol, and a registry by name.

``get_strategy("profit_v1")`` returns a fresh instance with default parameters;
``get_strategy("sma_cross", SmaCrossParams(fast=10, slow=30))`` with yours;
``get_strategy(name, values={"TARGET_TRY": "250"})`` builds the params from a
``ParameterSet``-style mapping of ``UPPER_SNAKE`` names to strings. An unknown name raises
:class:`~btcbot_core.errors.ValidationError` listing the known ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final, TypeVar

from btcbot_core.errors import ValidationError
from btcbot_core.strategies.base import (
    EMPTY_PROPOSAL,
    CancelIntent,
    ObservingStrategy,
    PairNote,
    Proposal,
    Strategy,
    StrategyCode,
    StrategyContext,
    params_from_mapping,
)
from btcbot_core.strategies.profit_v1 import ProfitV1, ProfitV1Params, take_profit_floor
from btcbot_core.strategies.rebalance import Rebalance, RebalanceParams
from btcbot_core.strategies.sma_cross import SmaCrossParams, SmaCrossStrategy, entry_quantity

_T = TypeVar("_T")


def _profit_v1(params: object, values: Mapping[str, str] | None) -> Strategy:
    if values is not None:
        params = params_from_mapping(ProfitV1Params, values)
    return ProfitV1(_typed(params, ProfitV1Params))


def _rebalance(params: object, values: Mapping[str, str] | None) -> Strategy:
    if values is not None:
        params = params_from_mapping(RebalanceParams, values)
    return Rebalance(_typed(params, RebalanceParams))


def _sma_cross(params: object, values: Mapping[str, str] | None) -> Strategy:
    if values is not None:
        params = params_from_mapping(SmaCrossParams, values)
    return SmaCrossStrategy(_typed(params, SmaCrossParams))


def _typed(params: object, cls: type[_T]) -> _T | None:
    if params is None or isinstance(params, cls):
        return params
    raise ValidationError(f"params for this strategy must be {cls.__name__}, got {params!r}")


_REGISTRY: Final[dict[str, Callable[[object, Mapping[str, str] | None], Strategy]]] = {
    "profit_v1": _profit_v1,
    "rebalance": _rebalance,
    "sma_cross": _sma_cross,
}

#: Names accepted by :func:`get_strategy`, sorted.
STRATEGY_NAMES: Final = tuple(sorted(_REGISTRY))


def get_strategy(
    name: str, params: object = None, *, values: Mapping[str, str] | None = None
) -> Strategy:
    """A new strategy instance by registry name (see the module docstring)."""
    factory = _REGISTRY.get(name)
    if factory is None:
        raise ValidationError(
            f"unknown strategy {name!r}; known strategies: {', '.join(STRATEGY_NAMES)}"
        )
    if params is not None and values is not None:
        raise ValidationError("pass either params or values, not both")
    return factory(params, values)


__all__ = [
    "EMPTY_PROPOSAL",
    "STRATEGY_NAMES",
    "CancelIntent",
    "ObservingStrategy",
    "PairNote",
    "ProfitV1",
    "ProfitV1Params",
    "Proposal",
    "Rebalance",
    "RebalanceParams",
    "SmaCrossParams",
    "SmaCrossStrategy",
    "Strategy",
    "StrategyCode",
    "StrategyContext",
    "entry_quantity",
    "get_strategy",
    "take_profit_floor",
]
