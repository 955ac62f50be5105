"""Incremental indicators: O(1) per bar, exact, allocation-free on the common path.

Closes are ``Decimal`` prices. Internally they are held as integers at a common scale
``10**exponent`` (start: 8 decimal places, grown automatically and exactly when a finer
price arrives), so running sums never round and never drift, whatever the caller's decimal
context is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from btcbot_core.errors import ValidationError

CROSS_UP: Final = 1
CROSS_DOWN: Final = -1
NO_CROSS: Final = 0
_START_EXPONENT: Final = 0


class SmaCross:
    """Fast/slow simple-moving-average cross detector for one series.

    ``update(close)`` consumes bar ``i`` (0-based count of bars seen) and returns:

    * ``CROSS_UP`` (+1) when ``i >= slow`` and ``fast[i] > slow[i]`` and
      ``fast[i−1] <= slow[i−1]``;
    * ``CROSS_DOWN`` (−1) when ``i >= slow`` and ``fast[i] < slow[i]`` and
      ``fast[i−1] >= slow[i−1]`` (the mirror image);
    * ``NO_CROSS`` (0) otherwise, including while ``i < slow`` (``slow[i−1]`` undefined).

    ``fast[i]`` is the mean of closes ``i−fast+1..i``; comparisons are exact
    (``sum_fast × slow`` against ``sum_slow × fast`` in integers).
    """

    __slots__ = (
        "_buf",
        "_count",
        "_fast_weight",
        "_pos",
        "_prev_sign",
        "_scale",
        "_slow_weight",
        "_sum_fast",
        "_sum_slow",
        "exponent",
        "fast",
        "slow",
    )

    def __init__(self, fast: int = 20, slow: int = 50) -> None:
        if not (isinstance(fast, int) and isinstance(slow, int) and 1 <= fast < slow <= 100_000):
            raise ValidationError(
                f"SMA windows fast={fast!r}, slow={slow!r}: need integers 1 <= fast < slow <= "
                "100000"
            )
        self.fast = fast
        self.slow = slow
        self._fast_weight = slow  # fast_mean > slow_mean  <=>  sum_fast*slow > sum_slow*fast
        self._slow_weight = fast
        self._buf = [0] * slow  # ring buffer of the last ``slow`` scaled closes
        self._pos = 0
        self._count = 0
        self._sum_fast = 0
        self._sum_slow = 0
        self._prev_sign = 2  # "undefined" until slow[i] exists
        self.exponent = _START_EXPONENT
        self._scale = 10**_START_EXPONENT

    @property
    def count(self) -> int:
        """Bars consumed so far."""
        return self._count

    def fast_sma(self) -> Decimal | None:
        """Exact ``fast`` SMA of the last closes (``None`` until ``fast`` bars were seen)."""
        if self._count < self.fast:
            return None
        return Decimal(self._sum_fast).scaleb(-self.exponent) / self.fast

    def slow_sma(self) -> Decimal | None:
        """Exact ``slow`` SMA of the last closes (``None`` until ``slow`` bars were seen)."""
        if self._count < self.slow:
            return None
        return Decimal(self._sum_slow).scaleb(-self.exponent) / self.slow

    def _rescale(self, denominator: int) -> None:  # rare: a finer price arrived
        exponent = self.exponent
        while (10**exponent) % denominator:
            exponent += 1
            if exponent > 60:
                raise ValidationError("close has more than 60 decimal places")
        factor = 10 ** (exponent - self.exponent)
        self._buf = [v * factor for v in self._buf]
        self._sum_fast *= factor
        self._sum_slow *= factor
        self.exponent = exponent
        self._scale = 10**exponent

    def update(self, close: Decimal) -> int:
        """Consume the next close (a positive finite ``Decimal``); return the cross signal."""
        num, den = close.as_integer_ratio()
        if den == 1:
            value = num * self._scale
        else:
            scale = self._scale
            if scale % den:
                self._rescale(den)
                scale = self._scale
            value = num * (scale // den)
        buf = self._buf
        pos = self._pos
        # Slots not written yet hold 0, so warm-up needs no special case (fast < slow).
        sum_fast = self._sum_fast = self._sum_fast + value - buf[pos - self.fast]
        sum_slow = self._sum_slow = self._sum_slow + value - buf[pos]
        buf[pos] = value
        pos += 1
        self._pos = 0 if pos == self.slow else pos
        count = self._count = self._count + 1
        if count < self.slow:
            return NO_CROSS
        diff = sum_fast * self._fast_weight - sum_slow * self._slow_weight
        sign = (diff > 0) - (diff < 0)
        prev = self._prev_sign
        if sign == prev:
            return NO_CROSS
        self._prev_sign = sign
        if prev == 2:
            return NO_CROSS
        if sign > 0:
            return CROSS_UP  # prev in (0, -1): fast[i-1] <= slow[i-1]
        if sign < 0:
            return CROSS_DOWN  # prev in (0, 1): fast[i-1] >= slow[i-1]
        return NO_CROSS


__all__ = ["CROSS_DOWN", "CROSS_UP", "NO_CROSS", "SmaCross"]
