"""Deterministic identifiers.

A client order id is a pure function of (run id, cycle, pair, side, intent index): the same
inputs always give the same id (so a retried submit reuses it), different inputs give
different ids (a 120-bit digest: collisions are not a practical concern). Ids are at most
36 characters of ``[A-Za-z0-9_-]``, which BTCTurk's ``newOrderClientId`` accepts.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from btcbot_core.errors import ValidationError
from btcbot_core.orders import Side
from btcbot_core.pair import Pair

CLIENT_ID_MAX_LEN: Final = 36
CLIENT_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_PREFIX: Final = "bb"
_BLAKE2B: Final = hashlib.blake2b
#: Side -> (id head ``bb`` + side letter, the side's value as hashed): one lookup instead of
#: a conditional, a concatenation and an enum ``.value`` on every id.
_SIDE_PARTS: Final = {
    Side.BUY: (_PREFIX + "b", Side.BUY.value),
    Side.SELL: (_PREFIX + "s", Side.SELL.value),
}


def _digest(*parts: str, length: int) -> str:
    text = "\x1f".join(parts).encode("utf-8")
    return hashlib.blake2b(text, digest_size=20).hexdigest()[:length]


def client_order_id(run_id: str, cycle: int, pair: Pair, side: Side, intent_index: int) -> str:
    """The client order id of intent ``intent_index`` of ``cycle`` in run ``run_id``.

    Format ``bb{s}{digest}``: ``s`` is ``b``/``s`` for the side (so a human can read it) and
    the digest is 30 hex characters of BLAKE2b over all inputs; 33 characters in total.
    """
    if cycle < 0 or intent_index < 0:
        raise ValidationError("cycle and intent_index must be >= 0")
    if not run_id:
        raise ValidationError("run_id must not be empty")
    parts = _SIDE_PARTS.get(side)
    if parts is None:  # not a Side member: the general spelling (and its errors)
        side_char = "b" if side is Side.BUY else "s"
        digest = _digest(run_id, str(cycle), pair.symbol, side.value, str(intent_index), length=30)
        return f"{_PREFIX}{side_char}{digest}"
    head, side_value = parts
    # The same bytes as ``_digest`` hashes ("\x1f".join of the five parts), built in one
    # f-string: about a third cheaper, and the ids are persisted, so they must not change.
    text = f"{run_id}\x1f{cycle!s}\x1f{pair.symbol}\x1f{side_value}\x1f{intent_index!s}"
    return head + _BLAKE2B(text.encode(), digest_size=20).hexdigest()[:30]


def simulated_fill_id(exchange_order_id: str, sequence: int) -> str:
    """Deterministic id of the ``sequence``-th fill of a simulated order."""
    return f"sf-{exchange_order_id}-{sequence}"


def validate_client_order_id(value: str) -> str:
    """Return ``value`` if it is a valid client order id, else raise ``ValidationError``."""
    if not CLIENT_ID_PATTERN.match(value):
        raise ValidationError(
            f"client order id {value!r} must be 1-36 characters of letters, digits, _ and -"
        )
    return value
