"""Engines for the state database, from a URL.

SQLite gets WAL journaling, foreign keys, a busy timeout and ``synchronous=FULL`` on every
connection, and explicit ``BEGIN`` so SQLAlchemy (not the driver) frames transactions.
PostgreSQL gets pre-ping and, optionally, a schema (``search_path``) for isolation.
Building an engine does not connect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from btcbot_core.errors import PersistenceError

#: How long (ms) an SQLite connection waits for another writer before failing.
DEFAULT_BUSY_TIMEOUT_MS: Final = 10_000
#: The database backends btcbot's schema and migrations are built and tested for.
SUPPORTED_BACKENDS: Final = ("sqlite", "postgresql")
#: What a usable database URL looks like (for error messages).
URL_FORMS: Final = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"


class UnusableDatabaseError(PersistenceError):
    """The target is not a usable btcbot database: a URL that names no supported database,
    a missing directory, a file that is not btcbot's (a usage error: exit code 2)."""


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{Path(path)}"


def redact(url: str) -> str:
    """``url`` with any password hidden, safe for logs and messages."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable database URL>"


def create_engine_from_url(
    url: str,
    *,
    schema: str | None = None,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    synchronous: str = "NORMAL",
    echo: bool = False,
) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    ``schema`` (PostgreSQL only) sets the ``search_path`` of every connection.
    Raises :class:`UnusableDatabaseError` for a URL that is not one of those (unparseable,
    another backend, an unknown driver, or the PostgreSQL driver not installed).
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise UnusableDatabaseError(f"not a database URL: {redact(url)}; use {URL_FORMS}") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise UnusableDatabaseError(
            f"database URL {redact(url)}: backend {backend!r} is not supported; use {URL_FORMS}"
        )
    kwargs: dict[str, Any] = {"echo": echo}
    if backend == "sqlite":
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
    else:
        kwargs["pool_pre_ping"] = True
        if schema is not None:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except ImportError as exc:
        hint = ""
        if backend == "postgresql":
            hint = "; install the PostgreSQL driver with: pip install 'btcbot[postgres]'"
        raise UnusableDatabaseError(f"cannot use database URL {redact(url)}: {exc}{hint}") from None
    except sa.exc.ArgumentError as exc:
        raise UnusableDatabaseError(
            f"cannot use database URL {redact(url)}: {exc}; use {URL_FORMS}"
        ) from None
    if engine.dialect.name == "sqlite":
        if synchronous not in ("NORMAL", "FULL"):
            raise PersistenceError(f"synchronous must be NORMAL or FULL, got {synchronous!r}")
        _configure_sqlite(engine, busy_timeout_ms, synchronous)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # ``conn.execution_options(sqlite_begin="IMMEDIATE")`` takes the write lock up front.
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip() if mode in ("", "IMMEDIATE") else "BEGIN")
