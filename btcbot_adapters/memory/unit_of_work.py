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
from btcbot_adapters.memory.tables import InMemoryDatabase, Working
from btcbot_core.errors import PersistenceError


class InMemoryUnitOfWork:
    """A :class:`~btcbot_core.ports.UnitOfWork` over an :class:`InMemoryDatabase`.

    Build several on the same database to share state (``InMemoryUnitOfWork(db)``); a unit
    may be entered again after it exits. Stores used outside ``with`` raise
    :class:`PersistenceError`.
    """

    def __init__(self, db: InMemoryDatabase | None = None) -> None:
        self.db = db if db is not None else InMemoryDatabase()
        self._active = False
        self._work: Working | None = None
        args = (self.db, self._current)
        self.ledger = InMemoryLedgerStore(*args)
        self.orders = InMemoryOrderStore(*args)
        self.fills = InMemoryFillStore(*args)
        self.cycles = InMemoryCycleStore(*args)
        self.capital = InMemoryCapitalStore(*args)
        self.risk = InMemoryRiskStore(*args)
        self.parameters = InMemoryParameterStore(*args)

    def _current(self) -> Working:
        work = self._work
        if work is not None:  # the common case: inside ``with``, already begun
            return work
        if not self._active:
            raise PersistenceError("unit of work used outside 'with uow:'")
        work = self._work = self.db.begin()  # first use after a commit or rollback
        return work

    def __enter__(self) -> Self:
        if self._active:
            raise PersistenceError("unit of work is already active (no nesting)")
        self._active = True
        self._work = self.db.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._active = False
        self._work = None

    def commit(self) -> None:
        """Publish every change of this unit; the unit stays open on the new state (its view
        of it is taken on the next use)."""
        work = self._work
        if work is None:  # nothing used since the last commit or rollback: nothing to publish
            if not self._active:
                raise PersistenceError("unit of work used outside 'with uow:'")
            return
        self.db.publish(work)  # on a conflict the unit keeps its changes, as before
        self._work = None

    def rollback(self) -> None:
        """Discard uncommitted changes; the unit stays open on the committed state."""
        if not self._active:
            raise PersistenceError("unit of work used outside 'with uow:'")
        self._work = None
