"""Request authentication as BTCTurk does it (reference §3): HMAC over ``key + stamp``.

Implemented independently of the adapter's signer (so a bug there is not mirrored here).
Failure messages are BTCTurk's; the stamp must be within ±``window_ms`` (5000) of the
server clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping


def check(
    headers: Mapping[str, str],
    keys: Mapping[str, str],
    server_ms: int,
    window_ms: int = 5000,
) -> str | None:
    """``None`` when the request is authentic, else BTCTurk's failure message.

    ``headers`` must be case-insensitive (``http.client`` headers are); ``keys`` maps public
    key → base64 secret.
    """
    key = headers.get("X-PCK")
    stamp = headers.get("X-Stamp")
    signature = headers.get("X-Signature")
    if not key or not stamp or not signature:
        return "Unauthorized - Headers are missing"
    secret = keys.get(key)
    if secret is None:
        return "Unauthorized - Invalid Public key"
    if not stamp.isdigit() or abs(int(stamp) - server_ms) > window_ms:
        return "Unauthorized - Invalid Nonce"
    raw = base64.b64decode(secret)
    expected = base64.b64encode(
        hmac.new(raw, (key + stamp).encode("utf-8"), hashlib.sha256).digest()
    ).decode("ascii")
    if not hmac.compare_digest(expected, signature):
        return "Unauthorized - Invalid Signature"
    return None
