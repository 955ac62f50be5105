"""Incremental indicators: O(1) per bar, exact, allocation-free on the common path.

Closes are ``Decimal`` prices. Internally they are held as integers at a common scale
``10**exponent`` (start: 8 decimal places, grown automatically and exactly when a finer
price arrives), so running sums never round and never drift, whatever the caller's decimal
context is.
"""

from __future__ import annotations

from decimal import Decimal
from math import gcd
from typing import Final

from btcbot_core.errors import ValidationError

CROSS_UP: Final = 1
CROSS_DOWN: Final = -1
NO_CROSS: Final = 0
_START_EXPONENT: Final = 0
_WARMING: Final = 3  # prev-sign sentinel: fewer than ``slow`` bars seen
_UNDEFINED: Final = 2  # prev-sign sentinel: slow[i-1] undefined (bar i = slow - 1 just seen)


class SmaCross:
    """Fast/slow simple-moving-average cross detector for one series.

    ``update(close)`` consumes bar ``i`` (0-based count of bars seen) and returns:

    * ``CROSS_UP`` (+1) when ``i >= slow`` and ``fast[i] > slow[i]`` and
      ``fast[i−1] <= slow[i−1]``;
    * ``CROSS_DOWN`` (−1) when ``i >= slow`` and ``fast[i] < slow[i]`` and
      ``fast[i−1] >= slow[i−1]`` (the mirror image);
    * ``NO_CROSS`` (0) otherwise, including while ``i < slow`` (``slow[i−1]`` undefined).

    ``fast[i]`` is the mean of closes ``i−fast+1..i``; comparisons are exact (the sign of
    ``(sum_fast × slow − sum_slow × fast) / gcd(fast, slow)``, an integer kept up to date
    bar by bar).
    """

    __slots__ = (
        "_buf",
        "_diff",
        "_fast_weight",
        "_k",
        "_laps",
        "_mults",
        "_pos",
        "_prev_sign",
        "_scale",
        "_slow_weight",
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
        # Weights: slow and fast divided by their gcd. Same sign, smaller integers: for 20/50
        # (weights 5 and 2) the products of a 2-decimal close near 600,000 stay within one
        # 30-bit digit, CPython's fast path for int arithmetic.
        common = gcd(fast, slow)
        self._slow_weight = slow // common
        self._fast_weight = fast // common
        self._k = self._slow_weight - self._fast_weight
        self._buf = [0] * slow  # ring buffer of the last ``slow`` scaled closes
        self._pos = 0  # where the next close goes
        self._laps = 0  # times the ring wrapped: count = laps × slow + pos
        # sum_fast × slow_weight − sum_slow × fast_weight, kept instead of the two sums (one
        # running integer, whose sign is fast_mean − slow_mean's; the sums are rebuilt on
        # demand).
        self._diff = 0
        self._prev_sign = _WARMING
        self.exponent = _START_EXPONENT
        self._scale = 10**_START_EXPONENT
        # denominator of ``close.as_integer_ratio()`` -> scale // denominator (only the
        # divisors of 10**exponent, so small; reset when the scale grows).
        self._mults: dict[int, int] = {1: self._scale}

    @property
    def count(self) -> int:
        """Bars consumed so far."""
        return self._laps * self.slow + self._pos

    def _last_sum(self, n: int) -> int:
        """Sum of the last ``n`` scaled closes (unwritten slots hold 0)."""
        buf, pos = self._buf, self._pos
        return sum(buf[pos - j] for j in range(1, n + 1))

    def fast_sma(self) -> Decimal | None:
        """Exact ``fast`` SMA of the last closes (``None`` until ``fast`` bars were seen)."""
        if self.count < self.fast:
            return None
        return Decimal(self._last_sum(self.fast)).scaleb(-self.exponent) / self.fast

    def slow_sma(self) -> Decimal | None:
        """Exact ``slow`` SMA of the last closes (``None`` until ``slow`` bars were seen)."""
        if self.count < self.slow:
            return None
        return Decimal(sum(self._buf)).scaleb(-self.exponent) / self.slow

    def _rescale(self, denominator: int) -> None:  # rare: a finer price arrived
        exponent = self.exponent
        while (10**exponent) % denominator:
            exponent += 1
            if exponent > 60:
                raise ValidationError("close has more than 60 decimal places")
        factor = 10 ** (exponent - self.exponent)
        self._buf = [v * factor for v in self._buf]
        self._diff *= factor
        self.exponent = exponent
        self._scale = 10**exponent
        self._mults = {}

    def update(self, close: Decimal) -> int:
        """Consume the next close (a positive finite ``Decimal``); return the cross signal."""
        num, den = close.as_integer_ratio()
        try:
            value = num * self._mults[den]
        except KeyError:  # a denominator not seen at this scale (or a finer price)
            if self._scale % den:
                self._rescale(den)
            mult = self._mults[den] = self._scale // den
            value = num * mult
        buf = self._buf
        pos = self._pos
        # Slots not written yet hold 0, so warm-up needs no special case (fast < slow):
        # sum_fast gains value and loses buf[pos - fast]; sum_slow loses buf[pos].
        diff = self._diff = (
            self._diff
            + value * self._k
            - buf[pos - self.fast] * self._slow_weight
            + buf[pos] * self._fast_weight
        )
        buf[pos] = value
        pos += 1
        if pos == self.slow:
            pos = 0
            self._laps += 1
            if self._prev_sign == _WARMING:  # bar slow-1: slow[i] exists, slow[i-1] not
                self._prev_sign = _UNDEFINED
        self._pos = pos
        # Most bars keep the sign: one comparison of diff and one of prev, then return.
        prev = self._prev_sign
        if diff > 0:
            if prev == 1 or prev == _WARMING:
                return NO_CROSS
            self._prev_sign = 1
            return NO_CROSS if prev == _UNDEFINED else CROSS_UP  # prev in (0, -1)
        if diff < 0:
            if prev == -1 or prev == _WARMING:
                return NO_CROSS
            self._prev_sign = -1
            return NO_CROSS if prev == _UNDEFINED else CROSS_DOWN  # prev in (0, 1)
        if prev != _WARMING:
            self._prev_sign = 0
        return NO_CROSS


__all__ = ["CROSS_DOWN", "CROSS_UP", "NO_CROSS", "SmaCross"]
