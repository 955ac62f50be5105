"""BTCTurk HMAC request signing (reference §3).

``X-Signature = base64(HMAC-SHA256(key=base64decode(secret), msg=utf8(api_key + stamp)))``
where ``stamp`` is the Unix time in **milliseconds** as a decimal string, identical in the
``X-Stamp`` header and in the signed message. The signature covers neither path nor body.

:class:`Credentials` keeps the key pair and never shows either part in ``repr``/``str``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from btcbot_core.errors import ConfigError


def sign(api_key: str, api_secret_b64: str, stamp_ms: int | str) -> str:
    """The ``X-Signature`` value for ``api_key`` at ``stamp_ms`` (Unix ms).

    Raises :class:`ConfigError` (without echoing the secret) when the secret is not base64.
    """
    stamp = str(stamp_ms)
    if not stamp.isdigit():
        raise ConfigError(f"stamp must be a decimal millisecond count, got {stamp!r}")
    try:
        key = base64.b64decode(api_secret_b64.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ConfigError(
            "BTCTURK_API_SECRET is not valid base64 (value withheld); copy it exactly as shown "
            "by BTCTurk"
        ) from None
    digest = hmac.new(key, (api_key + stamp).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def ws_login_signature(api_key: str, api_secret_b64: str, nonce: int = 3000) -> str:
    """Websocket login signature (§10.3): the same HMAC over ``api_key + str(nonce)``."""
    return sign(api_key, api_secret_b64, nonce)


class Credentials:
    """An API key pair. ``repr``/``str`` never show the key or the secret."""

    __slots__ = ("_key", "_secret")

    def __init__(self, api_key: str, api_secret_b64: str) -> None:
        if not api_key or not api_secret_b64:
            raise ConfigError("BTCTURK_API_KEY and BTCTURK_API_SECRET must both be set")
        sign(api_key, api_secret_b64, 0)  # validates the secret's encoding early
        self._key = api_key
        self._secret = api_secret_b64

    @property
    def api_key(self) -> str:
        return self._key

    def headers(self, stamp_ms: int) -> dict[str, str]:
        """The three auth headers for one request at ``stamp_ms`` (re-sign every attempt)."""
        stamp = str(stamp_ms)
        return {
            "X-PCK": self._key,
            "X-Stamp": stamp,
            "X-Signature": sign(self._key, self._secret, stamp),
        }

    def redact(self, text: str) -> str:
        """``text`` with any occurrence of the key or secret replaced by ``***``."""
        for secret in (self._secret, self._key):
            if secret:
                text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        return "Credentials(api_key=***, api_secret=***)"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("Credentials cannot be pickled")
