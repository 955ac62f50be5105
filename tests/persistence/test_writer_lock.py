"""The single-writer lock: a second writer is refused by name; stale locks are taken over."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from btcbot_adapters.persistence.writer_lock import WriterLock
from btcbot_core.clock import ManualClock
from btcbot_core.errors import LockHeldError

from .factories import T0


def _lock(engine: Any, clock: ManualClock, **kw: Any) -> WriterLock:
    kw.setdefault("host", "box-a")
    kw.setdefault("is_alive", lambda pid: True)
    return WriterLock(engine, clock=clock.now, stale_after_s=60, **kw)


def test_second_writer_is_refused_with_the_holder_named(sql_engine: Any) -> None:
    clock = ManualClock(T0)
    first = _lock(sql_engine, clock, pid=4242).acquire()
    try:
        with pytest.raises(LockHeldError) as err:
            _lock(sql_engine, clock, pid=5151).acquire()
        text = str(err.value)
        assert "pid 4242" in text and "box-a" in text and T0.isoformat() in text
        holder = first.holder()
        assert holder is not None and holder.pid == 4242
    finally:
        first.release()
    assert first.holder() is None
    with _lock(sql_engine, clock, pid=5151) as second:
        assert second.held


def test_lock_of_a_dead_pid_on_this_host_is_taken_over(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from .conftest import migrated_sqlite

    engine = migrated_sqlite(tmp_path / "s.db")
    clock = ManualClock(T0)
    _lock(engine, clock, pid=4242).acquire()  # crashed: never released
    alive = {4242: False, 5151: True}
    with caplog.at_level(logging.WARNING, logger="btcbot.persistence"):
        second = _lock(engine, clock, pid=5151, is_alive=alive.__getitem__).acquire()
    assert second.held
    assert "db.lock_taken_over" in caplog.text and "holder process is gone" in caplog.text
    holder = second.holder()
    assert holder is not None and holder.pid == 5151


def test_silent_holder_on_another_host_is_taken_over_after_stale_age(tmp_path: Any) -> None:
    from .conftest import migrated_sqlite

    engine = migrated_sqlite(tmp_path / "s.db")
    clock = ManualClock(T0)
    first = _lock(engine, clock, pid=1, host="box-b").acquire()
    clock.advance(30)
    first.heartbeat()
    clock.advance(59)
    with pytest.raises(LockHeldError, match="box-b"):
        _lock(engine, clock, pid=2).acquire()
    clock.advance(2)
    second = _lock(engine, clock, pid=2).acquire()
    assert second.held
    with pytest.raises(LockHeldError, match="taken over"):
        first.heartbeat()
    assert not first.held


def test_lock_held_on_another_host_with_fresh_heartbeat_is_respected(tmp_path: Any) -> None:
    from .conftest import migrated_sqlite

    engine = migrated_sqlite(tmp_path / "s.db")
    clock = ManualClock(T0)
    _lock(engine, clock, pid=1, host="box-b", is_alive=lambda pid: False).acquire()
    with pytest.raises(LockHeldError):
        _lock(engine, clock, pid=1, is_alive=lambda pid: False).acquire()


def test_postgres_lock_is_released_when_the_holder_session_ends(
    sql_engine: Any, sql_backend: str
) -> None:
    if sql_backend != "postgres":
        pytest.skip("advisory-lock behaviour is PostgreSQL only")
    clock = ManualClock(T0)
    first = _lock(sql_engine, clock, pid=7).acquire()
    assert first._pg_conn is not None
    holder_pid = first._pg_conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    first._pg_conn.invalidate()  # the holder's session dies without releasing
    # The server frees a dead session's advisory locks once it notices the socket closed;
    # wait for that (bounded), as a restarted bot would retry, rather than race it.
    deadline = time.monotonic() + 10
    with sql_engine.connect() as probe:
        while (
            probe.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": holder_pid},
            ).scalar_one()
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
    clock.advance(1)
    second = _lock(sql_engine, clock, pid=8).acquire()
    try:
        holder = second.holder()
        assert holder is not None and holder.pid == 8
        assert holder.since == T0 + timedelta(seconds=1)
    finally:
        second.release()
