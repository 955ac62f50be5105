"""``btcbot db``: create, migrate and check the state database.

The database is ``--db-url URL``, else ``--db PATH`` (SQLite), else env ``STATE_DB_URL``,
else env ``STATE_DB_PATH`` (default ``btcbot_state.db``). ``upgrade`` creates a fresh SQLite
file and migrates it (log event ``db.created``); ``current`` and ``check`` only read and
never take the writer lock. A database that is not btcbot's, or whose schema revision this
code does not know, is left untouched and the command exits with code 2.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from btcbot_adapters.persistence.database import Target
    from btcbot_adapters.persistence.migrate import SchemaState

DEFAULT_DB_PATH = "btcbot_state.db"
EXIT_RUNTIME = 1
EXIT_USAGE = 2


def _log(level: str, event: str, **fields: object) -> None:
    """A structured JSON log line on stderr."""
    line = {"level": level, "event": event, **fields}
    click.echo(json.dumps(line, default=str, separators=(",", ":")), err=True)


def _fail(code: int, message: str) -> NoReturn:
    _log("error", "db.error", message=message)
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _target(db_path: str | None, db_url: str | None) -> Target:
    from btcbot_adapters.persistence.database import Target

    if db_path and db_url:
        _fail(EXIT_USAGE, "give either --db PATH or --db-url URL, not both")
    if db_url:
        return Target.from_url(db_url)
    if db_path:
        return Target.from_path(db_path)
    if os.environ.get("STATE_DB_URL"):
        return Target.from_url(os.environ["STATE_DB_URL"])
    return Target.from_path(os.environ.get("STATE_DB_PATH") or DEFAULT_DB_PATH)


def _usable_state(target: Target, *, must_exist: bool) -> SchemaState:
    """The schema state of a database we may use; exits 2/1 with a message otherwise."""
    from btcbot_adapters.persistence.database import check_location, classify, refuse_unusable
    from btcbot_adapters.persistence.engine import UnusableDatabaseError
    from btcbot_core.errors import PersistenceError

    try:
        check_location(target, must_exist=must_exist)
        state = classify(target)
        refuse_unusable(state, target)
    except UnusableDatabaseError as exc:
        _fail(EXIT_USAGE, str(exc))
    except PersistenceError as exc:
        _fail(EXIT_RUNTIME, f"{target.describe()}: {exc}")
    return state


db_path_option = click.option(
    "--db", "db_path", metavar="PATH", help="SQLite state database file (env STATE_DB_PATH)."
)
db_url_option = click.option(
    "--db-url", "db_url", metavar="URL", help="Database URL (env STATE_DB_URL)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@click.group("db")
def db() -> None:
    """Create, migrate and check the state database.

    \b
    Example:
      btcbot db upgrade --db btcbot_state.db
      btcbot db current --db-url postgresql+psycopg://bot@db/btcbot
      btcbot db check
    """


@db.command("upgrade")
@db_path_option
@db_url_option
def upgrade_command(db_path: str | None, db_url: str | None) -> None:
    """Create the database if new and apply every pending migration (takes the writer lock).

    \b
    Example:
      btcbot db upgrade --db /var/lib/btcbot/state.db
    """
    from btcbot_adapters.persistence import create_engine_from_url
    from btcbot_adapters.persistence.migrate import SchemaStatus, upgrade
    from btcbot_adapters.persistence.writer_lock import WriterLock
    from btcbot_core.errors import LockHeldError, PersistenceError

    target = _target(db_path, db_url)
    where = target.describe()
    state = _usable_state(target, must_exist=False)
    if state.status is SchemaStatus.CURRENT:
        click.echo(f"{where}: already at revision {state.revision} (head)")
        return
    try:
        engine = create_engine_from_url(target.url)
        if state.status is SchemaStatus.EMPTY:
            upgrade(engine)
            _log("info", "db.created", database=where, revision=state.head)
            click.echo(f"{where}: created at revision {state.head}")
            return
        with WriterLock(engine):
            upgrade(engine)
        _log("info", "db.upgraded", database=where, revision=state.head, previous=state.revision)
        click.echo(f"{where}: upgraded from revision {state.revision} to {state.head}")
    except LockHeldError as exc:
        # Another live writer is a refusal, like a policy block: exit 2 (DESIGN.md §5).
        _fail(EXIT_USAGE, f"{where}: cannot upgrade while another process writes: {exc}")
    except PersistenceError as exc:
        _fail(EXIT_RUNTIME, f"{where}: {exc}")


@db.command("current")
@db_path_option
@db_url_option
@json_option
def current_command(db_path: str | None, db_url: str | None, as_json: bool) -> None:
    """Show the schema revision of the database (read-only).

    \b
    Example:
      btcbot db current --db btcbot_state.db --json
    """
    target = _target(db_path, db_url)
    state = _usable_state(target, must_exist=True)
    if as_json:
        out = {
            "database": target.describe(),
            "status": state.status.value,
            "revision": state.revision,
            "head": state.head,
        }
        click.echo(json.dumps(out))
        return
    note = {"current": "up to date", "behind": "upgrade needed", "empty": "not created yet"}
    click.echo(
        f"{target.describe()}: revision {state.revision or '(none)'}, head {state.head} "
        f"({note.get(state.status.value, state.status.value)})"
    )


@db.command("check")
@db_path_option
@db_url_option
@json_option
def check_command(db_path: str | None, db_url: str | None, as_json: bool) -> None:
    """Check that the database is at head and its schema matches the code (read-only).

    Exit code 0 when it does, 1 when it needs an upgrade or has drifted.

    \b
    Example:
      btcbot db check --db btcbot_state.db
    """
    from btcbot_adapters.persistence import create_engine_from_url
    from btcbot_adapters.persistence.migrate import SchemaStatus, schema_differences
    from btcbot_core.errors import PersistenceError

    target = _target(db_path, db_url)
    where = target.describe()
    state = _usable_state(target, must_exist=True)
    problems: list[str] = []
    if state.status is not SchemaStatus.CURRENT:
        problems.append(
            f"revision {state.revision or '(none)'} is not head {state.head}; run btcbot db upgrade"
        )
    else:
        try:
            engine = create_engine_from_url(target.url)
            problems.extend(repr(d) for d in schema_differences(engine))
            engine.dispose()
        except PersistenceError as exc:
            _fail(EXIT_RUNTIME, f"{where}: {exc}")
    if as_json:
        click.echo(json.dumps({"database": where, "ok": not problems, "problems": problems}))
    elif problems:
        click.echo(f"{where}: schema problems:")
        for problem in problems:
            click.echo(f"  - {problem}")
    else:
        click.echo(f"{where}: revision {state.revision} matches the code")
    if problems:
        sys.exit(EXIT_RUNTIME)
