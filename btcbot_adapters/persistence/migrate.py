"""Schema migrations (alembic, shipped in the ``migrations`` package) and database checks.

The alembic ``Config`` is built in code with ``script_location`` pointing at the installed
``migrations`` package, so no ``alembic.ini`` or checkout is needed.
"""

from __future__ import annotations

import enum
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

VERSION_TABLE = "alembic_version"


def alembic_config() -> Config:
    """An alembic ``Config`` for the packaged migrations."""
    import migrations

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
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


@attrs.frozen
class SchemaState:
    status: SchemaStatus
    revision: str | None
    head: str
    tables: tuple[str, ...] = ()


def inspect_schema(engine: Engine) -> SchemaState:
    """Classify the database behind ``engine`` without changing it."""
    head = head_revision()
    with database_errors("cannot read the state database"), engine.connect() as conn:
        names = tuple(sorted(sa.inspect(conn).get_table_names()))
        if not names:
            return SchemaState(SchemaStatus.EMPTY, None, head)
        if VERSION_TABLE not in names or meta.name not in names:
            return SchemaState(SchemaStatus.FOREIGN, None, head, names)
        app = conn.execute(
            sa.select(meta.c.value).where(meta.c.key == "application")
        ).scalar_one_or_none()
        if app != APPLICATION_ID:
            return SchemaState(SchemaStatus.FOREIGN, None, head, names)
        revision = MigrationContext.configure(conn).get_current_revision()
    if revision == head:
        return SchemaState(SchemaStatus.CURRENT, revision, head, names)
    if revision in known_revisions():
        return SchemaState(SchemaStatus.BEHIND, revision, head, names)
    return SchemaState(SchemaStatus.UNKNOWN_REVISION, revision, head, names)


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
