"""The enum members bound as module globals for the hot paths (Python 3.11's enum metaclass
makes ``Enum.MEMBER`` reads slow) are the members their names say."""

from __future__ import annotations

import enum

import pytest

from btcbot_core import orders, state
from btcbot_core.pipeline import report

_BOUND = [
    (orders, "", (orders.Side, orders.OrderType, orders.OrderStatus)),
    (state, "MODE_", (state.RiskMode,)),
    (report, "FATE_", (report.Fate,)),
]


@pytest.mark.parametrize(
    ("module", "prefix", "enums"), _BOUND, ids=lambda v: getattr(v, "__name__", None)
)
def test_each_bound_member_is_the_member_of_its_name(
    module: object, prefix: str, enums: tuple[type[enum.Enum], ...]
) -> None:
    bound = {
        name: value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, enum.Enum) and type(value) in enums
    }
    assert bound, "no member bound"
    for name, value in bound.items():
        assert name.startswith(prefix), name
        assert value is type(value)[name.removeprefix(prefix)], name


def test_the_hot_members_are_bound() -> None:
    assert orders.BUY is orders.Side.BUY and orders.SELL is orders.Side.SELL
    assert orders.MARKET is orders.OrderType.MARKET and orders.LIMIT is orders.OrderType.LIMIT
    assert state.MODE_NORMAL is state.RiskMode.NORMAL
    assert report.FATE_SUBMITTED is report.Fate.SUBMITTED
