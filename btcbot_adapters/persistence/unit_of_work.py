"""The SQL unit of work: one connection and one short transaction per ``with`` block.

``with SqlUnitOfWork(engine) as uow: ...; uow.commit()``. Leaving the block without
:meth:`commit` (or on an exception) rolls back. After :meth:`commit` the unit stays usable;
the next statement begins a new transaction. Driver errors surface as
:class:`~btcbot_core.errors.PersistenceError`.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from btcbot_adapters.persistence.errors import database_errors
from btcbot_adapters.persistence.ledger_store import SqlLedgerStore
from btcbot_adapters.persistence.stores import (
    SqlCapitalStore,
    SqlCycleStore,
    SqlFillStore,
    SqlOrderStore,
    SqlParameterStore,
    SqlRiskStore,
)
from btcbot_core.errors import PersistenceError


class SqlUnitOfWork:
    """A :class:`~btcbot_core.ports.UnitOfWork` over an SQLAlchemy engine.

    ``immediate=True`` (SQLite only) begins with ``BEGIN IMMEDIATE``: the write lock is taken
    up front, so a writer waits (``busy_timeout``) instead of failing when it upgrades a read
    transaction; use it for units that write. Other dialects ignore it.
    """

    def __init__(self, engine: Engine, *, immediate: bool = False) -> None:
        self.engine = engine
        self.immediate = immediate
        self._conn: sa.Connection | None = None
        args = (self._execute, self.connection)
        self.ledger = SqlLedgerStore(*args)
        self.orders = SqlOrderStore(*args)
        self.fills = SqlFillStore(*args)
        self.cycles = SqlCycleStore(*args)
        self.capital = SqlCapitalStore(*args)
        self.risk = SqlRiskStore(*args)
        self.parameters = SqlParameterStore(*args)

    def connection(self) -> sa.Connection:
        """The unit's connection; :class:`PersistenceError` outside ``with``."""
        if self._conn is None:
            raise PersistenceError("unit of work used outside 'with uow:'")
        return self._conn

    def _execute(self, statement: Any, parameters: Any = None) -> sa.CursorResult[Any]:
        conn = self.connection()
        with database_errors("database statement failed"):
            return conn.execute(statement, parameters)

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise PersistenceError("unit of work is already active (no nesting)")
        with database_errors("cannot open the state database"):
            conn = self.engine.connect()
            if self.immediate and conn.dialect.name == "sqlite":
                conn.execution_options(sqlite_begin="IMMEDIATE")
            self._conn = conn
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()

    def commit(self) -> None:
        conn = self.connection()
        with database_errors("commit failed"):
            conn.commit()

    def rollback(self) -> None:
        conn = self.connection()
        with database_errors("rollback failed"):
            conn.rollback()
