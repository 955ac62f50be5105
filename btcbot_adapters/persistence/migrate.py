"""Schema migrations (alembic, shipped in the ``migrations`` package) and database checks.

The alembic ``Config`` is built in code with ``script_location`` pointing at the installed
``migrations`` package, so no ``alembic.ini`` or checkout is needed.
"""

from __future__ import annotations

import enum
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from btcbot_adapters.persistence.errors import database_errors
from btcbot_adapters.persistence.tables import APPLICATION_ID, meta, metadata
from btcbot_core.errors import PersistenceError

VERSION_TABLE = "alembic_version"


def migrations_directory() -> Path:
    """The installed ``migrations`` package directory (the one holding ``env.py``).

    Uses the package's ``__path__``, so it works for regular, editable and namespace
    installs alike.
    """
    import migrations

    for entry in getattr(migrations, "__path__", []):
        if (Path(entry) / "env.py").is_file():
            return Path(entry)
    raise PersistenceError("the btcbot 'migrations' package is not installed correctly")


def alembic_config() -> Config:
    """An alembic ``Config`` for the packaged migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


class SchemaStatus(enum.StrEnum):
    EMPTY = "empty"  # no tables at all: safe to create
    CURRENT = "current"  # btcbot database at the head revision
    BEHIND = "behind"  # btcbot database at an older known revision: upgrade needed
    UNKNOWN_REVISION = "unknown_revision"  # revision not in this code (newer btcbot?)
    FOREIGN = "foreign"  # tables, but not a btcbot database
    NOT_A_DATABASE = "not_a_database"  # the file is not an SQLite database at all


@attrs.frozen
class SchemaState:
    status: SchemaStatus
    revision: str | None
    head: str
    tables: tuple[str, ...] = ()


def _classify(names: tuple[str, ...], application: str | None, revision: str | None) -> SchemaState:
    head = head_revision()
    if not names:
        return SchemaState(SchemaStatus.EMPTY, None, head)
    if VERSION_TABLE not in names or application != APPLICATION_ID:
        return SchemaState(SchemaStatus.FOREIGN, None, head, names)
    if revision == head:
        return SchemaState(SchemaStatus.CURRENT, revision, head, names)
    if revision in known_revisions():
        return SchemaState(SchemaStatus.BEHIND, revision, head, names)
    return SchemaState(SchemaStatus.UNKNOWN_REVISION, revision, head, names)


def inspect_schema(engine: Engine) -> SchemaState:
    """Classify the database behind ``engine`` without changing its tables.

    For an SQLite file that may not be ours use :func:`probe_sqlite_file`, which does not
    even set pragmas.
    """
    with database_errors("cannot read the state database"), engine.connect() as conn:
        names = tuple(sorted(sa.inspect(conn).get_table_names()))
        application = None
        if meta.name in names:
            application = conn.execute(
                sa.select(meta.c.value).where(meta.c.key == "application")
            ).scalar_one_or_none()
        revision = None
        if VERSION_TABLE in names:
            revision = MigrationContext.configure(conn).get_current_revision()
    return _classify(names, application, revision)


SQLITE_HEADER = b"SQLite format 3\x00"


def probe_sqlite_file(path: Path) -> SchemaState:
    """Classify an existing SQLite file strictly read-only (the file stays byte-identical).

    An empty (0-byte) file counts as an empty database.
    """
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        return SchemaState(SchemaStatus.NOT_A_DATABASE, None, head_revision())
    uri = f"{path.resolve().as_uri().replace('file://', 'file:', 1)}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return SchemaState(SchemaStatus.NOT_A_DATABASE, None, head_revision())
    try:
        names = tuple(
            sorted(
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            )
        )
        application = revision = None
        if meta.name in names:
            row = conn.execute("SELECT value FROM btcbot_meta WHERE key = 'application'").fetchone()
            application = row[0] if row else None
        if VERSION_TABLE in names:
            row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            revision = row[0] if row else None
    except sqlite3.Error:
        return SchemaState(SchemaStatus.NOT_A_DATABASE, None, head_revision())
    finally:
        conn.close()
    return _classify(names, application, revision)


def upgrade(engine: Engine, target: str = "head") -> None:
    """Apply every migration up to ``target`` in one transaction."""
    config = alembic_config()
    with database_errors("migration failed"), engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def schema_differences(engine: Engine) -> list[Any]:
    """What differs between the tables in code and the migrated database (``[]`` = agree).

    The programmatic equivalent of ``alembic check``.
    """
    with database_errors("cannot compare the schema"), engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "compare_server_default": True},
        )
        return list(compare_metadata(context, metadata))
