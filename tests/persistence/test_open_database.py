"""``open_database``: what commands call first. Creates fresh files, refuses what is not ours."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from btcbot_adapters.persistence import SqlUnitOfWork
from btcbot_adapters.persistence.database import Target, open_database
from btcbot_adapters.persistence.engine import UnusableDatabaseError

from .factories import deposit


def test_fresh_file_is_created_migrated_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = Target.from_path(tmp_path / "new.db")
    with caplog.at_level(logging.INFO, logger="btcbot.persistence"):
        engine = open_database(target)
    assert '"event": "db.created"' in caplog.text
    with SqlUnitOfWork(engine) as uow:
        uow.ledger.append([deposit(1)])
        uow.commit()
    engine.dispose()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="btcbot.persistence"):
        again = open_database(Target.from_url(target.url))
    assert "db.created" not in caplog.text
    with SqlUnitOfWork(again) as uow:
        assert uow.ledger.count() == 1
    again.dispose()


def test_foreign_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(UnusableDatabaseError, match="not a btcbot state database"):
        open_database(Target.from_path(path))
    assert path.read_bytes() == before


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnusableDatabaseError, match="does not exist"):
        open_database(Target.from_path(tmp_path / "nope" / "s.db"))
    assert not (tmp_path / "nope").exists()


def test_target_describe_hides_passwords() -> None:
    target = Target.from_url("postgresql+psycopg://bot:s3cret@db.example/btcbot")
    assert "s3cret" not in target.describe()
    assert target.path is None
    assert Target.from_url("sqlite:///x/y.db").path == Path("x/y.db")
