"""Migrations and tables agree (the ``alembic check`` equivalent) on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from btcbot_adapters.persistence import create_engine_from_url, sqlite_url
from btcbot_adapters.persistence.migrate import (
    SchemaStatus,
    alembic_config,
    head_revision,
    inspect_schema,
    schema_differences,
    upgrade,
)


def test_migrated_schema_matches_the_tables(sql_engine: Any) -> None:
    assert schema_differences(sql_engine) == []
    state = inspect_schema(sql_engine)
    assert state.status is SchemaStatus.CURRENT
    assert state.revision == head_revision()


def test_check_notices_a_drifted_schema(tmp_path: Path) -> None:
    engine = create_engine_from_url(sqlite_url(tmp_path / "s.db"))
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE cycles ADD COLUMN surprise TEXT")
    diffs = schema_differences(engine)
    assert any("surprise" in repr(d) for d in diffs)


def test_empty_and_foreign_databases_are_told_apart(tmp_path: Path) -> None:
    engine = create_engine_from_url(sqlite_url(tmp_path / "x.db"))
    assert inspect_schema(engine).status is SchemaStatus.EMPTY
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    assert inspect_schema(engine).status is SchemaStatus.FOREIGN


def test_unknown_revision_is_reported(tmp_path: Path) -> None:
    engine = create_engine_from_url(sqlite_url(tmp_path / "x.db"))
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    state = inspect_schema(engine)
    assert state.status is SchemaStatus.UNKNOWN_REVISION
    assert state.revision == "ffff9999"


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    from alembic import command

    engine = create_engine_from_url(sqlite_url(tmp_path / "x.db"))
    upgrade(engine)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    upgrade(engine)
    assert schema_differences(engine) == []


def test_config_does_not_need_a_checkout() -> None:
    location = Path(alembic_config().get_main_option("script_location") or "")
    assert (location / "env.py").is_file()
    assert not (location / "alembic.ini").exists()
