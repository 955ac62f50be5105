"""The opaque fill cursor of :meth:`BtcturkAdapter.fills_since`.

Text form ``v1:<ms>:<id>,<id>…``: the time (Unix ms) of the newest fill delivered and the
trade ids delivered at exactly that millisecond. The next query asks for fills from that
millisecond on (``startDate``) and drops the ids already delivered, so a fill is delivered
once even when several share a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from btcbot_adapters.btcturk import convert
from btcbot_core.errors import ValidationError
from btcbot_core.orders import Fill


@attrs.frozen
class FillCursor:
    at_ms: int
    ids_at: frozenset[str]

    @classmethod
    def parse(cls, text: str | None) -> FillCursor | None:
        if text is None:
            return None
        parts = text.split(":")
        if len(parts) != 3 or parts[0] != "v1" or not parts[1].isdigit():
            raise ValidationError(f"fill cursor {text[:60]!r} is not a BTCTurk cursor (v1:ms:ids)")
        ids = frozenset(i for i in parts[2].split(",") if i)
        return cls(int(parts[1]), ids)

    def is_new(self, fill: Fill) -> bool:
        at = convert.dt_to_ms(fill.timestamp)
        return at > self.at_ms or (at == self.at_ms and fill.fill_id not in self.ids_at)

    @classmethod
    def after(cls, previous: FillCursor | None, fills: Sequence[Fill]) -> FillCursor | None:
        if not fills:
            return previous
        newest = max(convert.dt_to_ms(f.timestamp) for f in fills)
        ids = {f.fill_id for f in fills if convert.dt_to_ms(f.timestamp) == newest}
        if previous is not None and previous.at_ms == newest:
            ids |= previous.ids_at
        return cls(newest, frozenset(ids))

    def dump(self) -> str:
        return f"v1:{self.at_ms}:{','.join(sorted(self.ids_at))}"
