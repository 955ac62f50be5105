"""An in-memory unit of work with real transactional semantics.

``with uow:`` starts an overlay of pending changes over the shared :class:`InMemoryDatabase`
(nothing is copied); changes are visible inside the unit and published atomically by
:meth:`commit`. Leaving the block without committing (or calling :meth:`rollback`) discards
them.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from btcbot_adapters.memory.stores import (
    InMemoryCapitalStore,
    InMemoryCycleStore,
    InMemoryFillStore,
    InMemoryLedgerStore,
    InMemoryOrderStore,
    InMemoryParameterStore,
    InMemoryRiskStore,
)
from btcbot_adapters.memory.tables import InMemoryDatabase, UnitView
from btcbot_core.errors import PersistenceError


class InMemoryUnitOfWork:
    """A :class:`~btcbot_core.ports.UnitOfWork` over an :class:`InMemoryDatabase`.

    Build several on the same database to share state (``InMemoryUnitOfWork(db)``); a unit
    may be entered again after it exits. Stores used outside ``with`` raise
    :class:`PersistenceError`.
    """

    def __init__(self, db: InMemoryDatabase | None = None) -> None:
        self.db = db if db is not None else InMemoryDatabase()
        unit = self._unit = UnitView(self.db)  # shared with the stores
        self.ledger = InMemoryLedgerStore(unit)
        self.orders = InMemoryOrderStore(unit)
        self.fills = InMemoryFillStore(unit)
        self.cycles = InMemoryCycleStore(unit)
        self.capital = InMemoryCapitalStore(unit)
        self.risk = InMemoryRiskStore(unit)
        self.parameters = InMemoryParameterStore(unit)

    def __enter__(self) -> Self:
        unit = self._unit
        if unit.active:
            raise PersistenceError("unit of work is already active (no nesting)")
        unit.active = True
        unit.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        unit = self._unit
        unit.active = False
        unit.discard()

    def commit(self) -> None:
        """Publish every change of this unit; the unit stays open on the new state (its view
        of it is taken on the next use)."""
        unit = self._unit
        work = unit.work
        if work is None:  # nothing used since the last commit or rollback: nothing to publish
            if not unit.active:
                raise PersistenceError("unit of work used outside 'with uow:'")
            return
        self.db.publish(work)  # on a conflict the unit keeps its changes, as before
        unit.work = None  # the next use begins the emptied overlay on the new state

    def rollback(self) -> None:
        """Discard uncommitted changes; the unit stays open on the committed state."""
        unit = self._unit
        if not unit.active:
            raise PersistenceError("unit of work used outside 'with uow:'")
        unit.discard()
