"""``btcbot db`` end to end: a subprocess on temporary databases."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from btcbot_adapters.persistence import create_engine_from_url, sqlite_url
from btcbot_adapters.persistence.migrate import head_revision

from .conftest import PG_SKIP, PG_URL


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STATE_DB_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "btcbot_cli", "db", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _events(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_upgrade_creates_a_fresh_file_with_a_log_line(tmp_path: Path) -> None:
    result = run("upgrade", "--db", "state.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "state.db").is_file()
    created = [e for e in _events(result.stderr) if e["event"] == "db.created"]
    assert created and created[0]["level"] == "info"
    assert created[0]["revision"] == head_revision()
    again = run("upgrade", "--db", "state.db", cwd=tmp_path)
    assert again.returncode == 0 and "already at revision" in again.stdout
    assert not [e for e in _events(again.stderr) if e["event"] == "db.created"]


def test_current_and_check_on_a_migrated_database(tmp_path: Path) -> None:
    assert run("upgrade", "--db", "s.db", cwd=tmp_path).returncode == 0
    current = run("current", "--db", "s.db", "--json", cwd=tmp_path)
    assert current.returncode == 0, current.stderr
    assert json.loads(current.stdout)["revision"] == head_revision()
    check = run("check", "--db", "s.db", cwd=tmp_path)
    assert check.returncode == 0 and "matches the code" in check.stdout


def test_env_state_db_path_and_default(tmp_path: Path) -> None:
    result = run("upgrade", cwd=tmp_path, env={"STATE_DB_PATH": "from_env.db"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from_env.db").is_file()
    default = run("upgrade", cwd=tmp_path)
    assert default.returncode == 0 and (tmp_path / "btcbot_state.db").is_file()
    url = run("current", cwd=tmp_path, env={"STATE_DB_URL": sqlite_url(tmp_path / "from_env.db")})
    assert url.returncode == 0 and "up to date" in url.stdout


def test_check_reports_drift_with_exit_1(tmp_path: Path) -> None:
    assert run("upgrade", "--db", "s.db", cwd=tmp_path).returncode == 0
    engine = create_engine_from_url(sqlite_url(tmp_path / "s.db"))
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE cycles ADD COLUMN surprise TEXT")
    engine.dispose()
    result = run("check", "--db", "s.db", cwd=tmp_path)
    assert result.returncode == 1 and "surprise" in result.stdout


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.commit()
    conn.close()


def _newer_btcbot(path: Path) -> None:
    engine = create_engine_from_url(sqlite_url(path))
    from btcbot_adapters.persistence.migrate import upgrade

    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    engine.dispose()


@pytest.mark.parametrize("command", ["upgrade", "current", "check"])
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("text", "not an SQLite database"),
        ("foreign", "not a btcbot state database"),
        ("newer", "unknown to this btcbot"),
    ],
)
def test_refuses_what_is_not_ours_and_leaves_it_byte_identical(
    tmp_path: Path, command: str, kind: str, expected: str
) -> None:
    path = tmp_path / "victim.db"
    if kind == "text":
        path.write_text("these are my notes\n", encoding="utf-8")
    elif kind == "foreign":
        _foreign_sqlite(path)
    else:
        _newer_btcbot(path)
    before = path.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    result = run(command, "--db", str(path), cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before
    after = sorted(p.name for p in tmp_path.iterdir())
    if kind == "newer":  # a WAL database: SQLite's read-only open may leave -wal/-shm files
        after = [name for name in after if not name.endswith(("-wal", "-shm"))]
    assert after == listing


@pytest.mark.parametrize("command", ["upgrade", "current", "check"])
def test_missing_directory_is_a_usage_error(tmp_path: Path, command: str) -> None:
    result = run(command, "--db", "no/such/dir/state.db", cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("notadb://x", "backend 'notadb' is not supported"),
        ("mysql://bot:hunter2@127.0.0.1/btcbot", "backend 'mysql' is not supported"),
        ("postgresql+nosuchdriver://bot:hunter2@127.0.0.1/btcbot", "cannot use database URL"),
        ("::::", "not a database URL"),
    ],
)
@pytest.mark.parametrize("command", ["upgrade", "current", "check"])
def test_a_url_naming_no_supported_database_is_a_usage_error(
    tmp_path: Path, command: str, url: str, says: str
) -> None:
    result = run(command, "--db-url", url, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert says in result.stderr
    assert "sqlite:///PATH or postgresql+psycopg://" in result.stderr  # what is allowed
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_read_only_commands_do_not_create_a_database(tmp_path: Path) -> None:
    for command in ("current", "check"):
        result = run(command, "--db", "absent.db", cwd=tmp_path)
        assert result.returncode == 2 and "btcbot db upgrade" in result.stderr
    assert not (tmp_path / "absent.db").exists()


def test_unreachable_server_is_a_runtime_error_without_the_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://bot:hunter2@127.0.0.1:1/btcbot"
    result = run("current", "--db-url", url, cwd=tmp_path)
    assert result.returncode == 1
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_upgrade_and_check_on_postgres(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import secrets

    import sqlalchemy as sa

    schema = f"btcbot_cli_{secrets.token_hex(4)}"
    admin = create_engine_from_url(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
        up = run("upgrade", "--db-url", url, cwd=tmp_path)
        assert up.returncode == 0, up.stderr
        check = run("check", "--db-url", url, cwd=tmp_path)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_read_only_commands_work_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    from btcbot_adapters.persistence.writer_lock import WriterLock

    assert run("upgrade", "--db", "s.db", cwd=tmp_path).returncode == 0
    engine = create_engine_from_url(sqlite_url(tmp_path / "s.db"))
    with WriterLock(engine) as lock:
        for command in ("current", "check"):
            result = run(command, "--db", "s.db", cwd=tmp_path)
            assert result.returncode == 0, result.stderr
        holder = lock.holder()
        assert holder is not None and holder.pid == os.getpid()  # untouched by the readers
    engine.dispose()


def test_directory_as_file_and_conflicting_options_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    as_dir = run("upgrade", "--db", "adir", cwd=tmp_path)
    assert as_dir.returncode == 2 and "is not a file" in as_dir.stderr
    both = run("current", "--db", "a.db", "--db-url", "sqlite:///b.db", cwd=tmp_path)
    assert both.returncode == 2 and "not both" in both.stderr
    for result in (as_dir, both):
        assert "Traceback" not in result.stderr
