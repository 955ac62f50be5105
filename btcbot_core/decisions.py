"""Reasons: how every policy explains a "no" (or a noteworthy "yes").

A :class:`Reason` pairs a stable machine code (``UPPER_SNAKE``, never reworded once shipped,
so reports and alerts can match on it) with a human detail that carries the numbers.
"""

from __future__ import annotations

import attrs


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class Reason:
    """One explained decision: ``code`` is stable, ``detail`` is for humans."""

    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code
