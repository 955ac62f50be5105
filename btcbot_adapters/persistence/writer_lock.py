"""The single-writer lock of a state database.

SQLite: a row in ``writer_lock`` (holder pid, host, since, heartbeat) written under
``BEGIN IMMEDIATE``. A lock is stale, and taken over with a log line, when its holder's pid
is gone on this host or its heartbeat is older than ``stale_after_s`` seconds.

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``, keyed by schema) held on a
dedicated connection, released by the server when the holder's session ends; the row is
kept for reporting who holds it. A hung holder whose session lives keeps the lock.

A second writer gets :class:`~btcbot_core.errors.LockHeldError` naming the holder.
Read-only work never takes the lock.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from btcbot_adapters.persistence.errors import database_errors
from btcbot_adapters.persistence.tables import writer_lock
from btcbot_core.errors import LockHeldError, PersistenceError

_log = logging.getLogger("btcbot.persistence")
_ADVISORY_KEY = "SELECT hashtext('btcbot.writer:' || current_database() || '.' || current_schema())"

#: Default age (seconds) after which a silent holder's lock may be taken over.
DEFAULT_STALE_AFTER_S = 120.0


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def log_json(level: int, event: str, **fields: object) -> None:
    """One structured JSON log line (``{"level": ..., "event": ..., ...}``)."""
    line = {"level": logging.getLevelName(level).lower(), "event": event, **fields}
    _log.log(level, json.dumps(line, default=str))


@attrs.frozen
class LockHolder:
    """Who holds the writer lock; times are UTC."""

    pid: int
    host: str
    since: datetime
    heartbeat: datetime

    def describe(self) -> str:
        return (
            f"pid {self.pid} on host {self.host} since {self.since.isoformat()} "
            f"(last heartbeat {self.heartbeat.isoformat()})"
        )


class WriterLock:
    """Take with :meth:`acquire` (or ``with WriterLock(engine):``); call :meth:`heartbeat`
    every cycle; :meth:`release` at the end. ``clock``, ``pid``, ``host`` and ``is_alive``
    are injectable for tests."""

    def __init__(
        self,
        engine: Engine,
        *,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
        pid: int | None = None,
        host: str | None = None,
        clock: Callable[[], datetime] | None = None,
        is_alive: Callable[[int], bool] = pid_alive,
    ) -> None:
        self.engine = engine
        self.stale_after = timedelta(seconds=stale_after_s)
        self.pid = os.getpid() if pid is None else pid
        self.host = socket.gethostname() if host is None else host
        self._clock = clock or (lambda: datetime.now(UTC))
        self._is_alive = is_alive
        self.token = secrets.token_hex(16)
        self._pg_conn: sa.Connection | None = None
        self.held = False

    # --- reading ------------------------------------------------------------------------

    def holder(self) -> LockHolder | None:
        """The recorded holder, if any (read-only; takes no lock)."""
        with database_errors("cannot read the writer lock"), self.engine.connect() as conn:
            return _read(conn)

    # --- writing ------------------------------------------------------------------------

    def acquire(self) -> Self:
        if self.held:
            return self
        if self.engine.dialect.name == "postgresql":
            self._acquire_pg()
        else:
            self._acquire_sqlite()
        self.held = True
        return self

    def _acquire_sqlite(self) -> None:
        now = self._clock()
        with database_errors("cannot take the writer lock"), self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                current = _read(conn)
                if current is not None:
                    reason = self._stale_reason(current, now)
                    if reason is None:
                        raise LockHeldError(f"state database is locked by {current.describe()}")
                    log_json(
                        logging.WARNING,
                        "db.lock_taken_over",
                        reason=reason,
                        previous_pid=current.pid,
                        previous_host=current.host,
                        previous_since=current.since.isoformat(),
                        pid=self.pid,
                        host=self.host,
                    )
                    conn.execute(writer_lock.delete())
                conn.execute(writer_lock.insert().values(self._row(now)))

    def _acquire_pg(self) -> None:
        now = self._clock()
        with database_errors("cannot take the writer lock"):
            conn = self.engine.connect()
            try:
                key = conn.execute(sa.text(_ADVISORY_KEY)).scalar_one()
                got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar_one()
                if not got:
                    current = _read(conn)
                    conn.rollback()
                    who = current.describe() if current else "another session (no holder row)"
                    raise LockHeldError(f"state database is locked by {who}")
                current = _read(conn)
                if current is not None:
                    log_json(
                        logging.WARNING,
                        "db.lock_taken_over",
                        reason="holder session ended",
                        previous_pid=current.pid,
                        previous_host=current.host,
                        previous_since=current.since.isoformat(),
                        pid=self.pid,
                        host=self.host,
                    )
                    conn.execute(writer_lock.delete())
                conn.execute(writer_lock.insert().values(self._row(now)))
                conn.commit()
            except BaseException:
                conn.close()
                raise
            self._pg_conn = conn

    def _row(self, now: datetime) -> dict[str, Any]:
        return {
            "id": 1,
            "token": self.token,
            "holder_pid": self.pid,
            "holder_host": self.host,
            "since": now,
            "heartbeat": now,
        }

    def _stale_reason(self, holder: LockHolder, now: datetime) -> str | None:
        if holder.host == self.host and not self._is_alive(holder.pid):
            return "holder process is gone"
        if now - holder.heartbeat > self.stale_after:
            return f"no heartbeat for more than {self.stale_after.total_seconds():g} s"
        return None

    def heartbeat(self) -> None:
        """Record that the holder is alive; raises :class:`LockHeldError` if it lost the lock."""
        if not self.held:
            raise PersistenceError("heartbeat without holding the writer lock")
        stmt = (
            writer_lock.update()
            .where(writer_lock.c.token == self.token)
            .values(heartbeat=self._clock())
            .returning(writer_lock.c.id)
        )
        with database_errors("cannot update the writer lock"), self.engine.begin() as conn:
            if conn.execute(stmt).first() is None:
                self.held = False
                raise LockHeldError("the writer lock was taken over by another process")

    def release(self) -> None:
        """Give the lock up (a no-op when not held)."""
        if not self.held:
            return
        self.held = False
        stmt = writer_lock.delete().where(writer_lock.c.token == self.token)
        with database_errors("cannot release the writer lock"):
            if self._pg_conn is not None:
                conn, self._pg_conn = self._pg_conn, None
                try:
                    conn.execute(stmt)
                    conn.commit()
                    key = conn.execute(sa.text(_ADVISORY_KEY)).scalar_one()
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                    conn.commit()
                finally:
                    conn.close()
                return
            with self.engine.begin() as conn:
                conn.execute(stmt)

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read(conn: sa.Connection) -> LockHolder | None:
    row = conn.execute(sa.select(writer_lock)).mappings().one_or_none()
    if row is None:
        return None
    return LockHolder(
        pid=int(row["holder_pid"]),
        host=row["holder_host"],
        since=row["since"],
        heartbeat=row["heartbeat"],
    )
