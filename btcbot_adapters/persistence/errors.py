"""Translate database driver errors into :class:`~btcbot_core.errors.PersistenceError`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from btcbot_core.errors import BtcbotError, PersistenceError


@contextmanager
def database_errors(action: str) -> Iterator[None]:
    """Re-raise SQLAlchemy errors as ``PersistenceError`` naming ``action``.

    Operational errors (locked, connection lost) are retryable; the rest are not. The
    message carries the driver's text, never the statement parameters or the URL.
    """
    try:
        yield
    except sa.exc.StatementError as exc:
        if isinstance(exc.orig, BtcbotError):  # raised by our own column types
            raise exc.orig from None
        if isinstance(exc, sa.exc.OperationalError):
            raise PersistenceError(f"{action}: {_describe(exc)}", retryable=True) from exc
        raise PersistenceError(f"{action}: {_describe(exc)}") from exc
    except sa.exc.OperationalError as exc:
        raise PersistenceError(f"{action}: {_describe(exc)}", retryable=True) from exc
    except sa.exc.SQLAlchemyError as exc:
        raise PersistenceError(f"{action}: {_describe(exc)}") from exc


def _describe(exc: sa.exc.SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    if orig is not None:
        return f"{type(orig).__name__}: {str(orig).strip().splitlines()[0] if str(orig) else ''}"
    return f"{type(exc).__name__}: {exc}"
