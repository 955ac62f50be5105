"""In-memory fakes of the persistence ports (stores + unit of work), for tests and backtests.

``InMemoryUnitOfWork()`` owns a private database; ``InMemoryUnitOfWork(db)`` with a shared
:class:`InMemoryDatabase` lets several units (e.g. a run and a later restart) see the same
committed state.
"""

from btcbot_adapters.memory.stores import (
    InMemoryCapitalStore,
    InMemoryCycleStore,
    InMemoryFillStore,
    InMemoryLedgerStore,
    InMemoryOrderStore,
    InMemoryParameterStore,
    InMemoryRiskStore,
)
from btcbot_adapters.memory.tables import InMemoryDatabase, OrderStateEvent
from btcbot_adapters.memory.unit_of_work import InMemoryUnitOfWork

__all__ = [
    "InMemoryCapitalStore",
    "InMemoryCycleStore",
    "InMemoryDatabase",
    "InMemoryFillStore",
    "InMemoryLedgerStore",
    "InMemoryOrderStore",
    "InMemoryParameterStore",
    "InMemoryRiskStore",
    "InMemoryUnitOfWork",
    "OrderStateEvent",
]
