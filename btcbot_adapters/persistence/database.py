"""Opening the state database safely: where it is, whether it is ours, creating it if new.

``open_database(target)`` is what commands call before working: it refuses (with
:class:`UnusableDatabaseError`, a usage error) a missing directory, a file that is not an
SQLite database, a database that is not btcbot's, and a schema revision this code does not
know, all without touching the file; it creates and migrates a fresh SQLite file (logging
``db.created``); and it asks for ``btcbot db upgrade`` when the schema is behind.
"""

from __future__ import annotations

import logging
from pathlib import Path

import attrs
from sqlalchemy.engine import Engine

from btcbot_adapters.persistence.engine import (
    UnusableDatabaseError,
    create_engine_from_url,
    redact,
    sqlite_url,
)
from btcbot_adapters.persistence.migrate import (
    SchemaState,
    SchemaStatus,
    inspect_schema,
    probe_sqlite_file,
    upgrade,
)
from btcbot_adapters.persistence.writer_lock import log_json


@attrs.frozen
class Target:
    """A state database: its URL, and the SQLite file path when it is one."""

    url: str
    path: Path | None

    @classmethod
    def from_path(cls, path: str | Path) -> Target:
        return cls(sqlite_url(path), Path(path))

    @classmethod
    def from_url(cls, url: str) -> Target:
        prefix = "sqlite:///"
        if url.startswith(prefix) and len(url) > len(prefix) and "?" not in url:
            return cls(url, Path(url[len(prefix) :]))
        return cls(url, None)

    def describe(self) -> str:
        """Safe for logs: the path, or the URL without its password."""
        return str(self.path) if self.path is not None else redact(self.url)


def check_location(target: Target, *, must_exist: bool) -> None:
    """Refuse a missing directory, a directory as the file, or (``must_exist``) no file."""
    path = target.path
    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UnusableDatabaseError(f"directory {parent} does not exist (database path {path})")
    if path.exists() and not path.is_file():
        raise UnusableDatabaseError(f"{path} is not a file")
    if must_exist and not path.exists():
        raise UnusableDatabaseError(
            f"no state database at {path}; create it with: btcbot db upgrade --db {path}"
        )


def classify(target: Target) -> SchemaState:
    """The schema state; an existing SQLite file is probed strictly read-only."""
    if target.path is not None and target.path.exists():
        return probe_sqlite_file(target.path)
    engine = create_engine_from_url(target.url)
    try:
        return inspect_schema(engine)
    finally:
        engine.dispose()


def refuse_unusable(state: SchemaState, target: Target) -> None:
    """Raise :class:`UnusableDatabaseError` for databases that are not btcbot's or too new."""
    where = target.describe()
    if state.status is SchemaStatus.NOT_A_DATABASE:
        raise UnusableDatabaseError(f"{where} is not an SQLite database; it was left untouched")
    if state.status is SchemaStatus.FOREIGN:
        raise UnusableDatabaseError(
            f"{where} is not a btcbot state database (tables: {', '.join(state.tables)}); "
            "it was left untouched"
        )
    if state.status is SchemaStatus.UNKNOWN_REVISION:
        raise UnusableDatabaseError(
            f"{where} has schema revision {state.revision}, unknown to this btcbot "
            f"(newest known: {state.head}); was it written by a newer btcbot? "
            "It was left untouched"
        )


def create_if_empty(target: Target, state: SchemaState) -> bool:
    """Create and migrate an empty database (logs ``db.created``); ``True`` if it did."""
    if state.status is not SchemaStatus.EMPTY:
        return False
    engine = create_engine_from_url(target.url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    log_json(logging.INFO, "db.created", database=target.describe(), revision=state.head)
    return True


def open_database(target: Target) -> Engine:
    """An engine on a usable, current btcbot database, creating a fresh one if needed."""
    check_location(target, must_exist=False)
    state = classify(target)
    refuse_unusable(state, target)
    create_if_empty(target, state)
    if state.status is SchemaStatus.BEHIND:
        raise UnusableDatabaseError(
            f"{target.describe()} is at schema revision {state.revision}, this btcbot needs "
            f"{state.head}; run: btcbot db upgrade"
        )
    return create_engine_from_url(target.url)
