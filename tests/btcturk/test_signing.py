"""Signing: the reference's known-answer vectors (§3.3) and secret hygiene."""

from __future__ import annotations

import pytest

from btcbot_adapters.btcturk.signing import Credentials, sign, ws_login_signature
from btcbot_core.errors import ConfigError

VECTORS = [
    (
        "a7ed8d90-1111-4222-8333-444455556666",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "1700000000000",
        "bXFboQktNSznGtRo2KppqTdReLLwFzohoUYqbQImFDE=",
    ),
    (
        "test-public-key",
        "c2VjcmV0LWtleS1mb3ItdGVzdHM=",
        "1609459200000",
        "8V/R7IEPA3mnsIe2fxD9mPUkuSVEoc8N/OjJcSe8wos=",
    ),
    (
        "PUBKEY123",
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
        "1735689600123",
        "3z4kC1FAvEgxnUf0x6/SyN4DykIzFjAsyhV2d/iabH0=",
    ),
]
NEGATIVE = {
    0: {
        "NxcWmqAZ9WT8qQwBj9vf3g0mdoToLMgEvoY96iwXehA=",
        "YlhGYm9Ra3ROU3puR3RSbzJLcHBxVGRSZUxMd0Z6b2hvVVlxYlFJbUZERT0=",
    },
    1: {"WKqJaGEPvsABU1r6SheBmJxhTjEfmPc5N4ManPyl4A4="},
    2: {"LZBioL+k5dBinG/pyMk2z50YF3pN8OYc5E/0owiPvLk="},
}


@pytest.mark.parametrize(("index", "vector"), list(enumerate(VECTORS)))
def test_known_answer_vectors(index: int, vector: tuple[str, str, str, str]) -> None:
    key, secret, stamp, expected = vector
    assert sign(key, secret, stamp) == expected
    assert sign(key, secret, int(stamp)) == expected
    assert sign(key, secret, stamp) not in NEGATIVE[index]
    assert len(expected) == 44


def test_websocket_login_vector() -> None:
    key, secret, _, _ = VECTORS[0]
    assert ws_login_signature(key, secret) == "Ak2iFq/r7NPItG04mzfX9v593e65vPMz/gLF00ONRow="


def test_headers_carry_the_same_stamp_as_the_signature() -> None:
    key, secret, stamp, expected = VECTORS[0]
    headers = Credentials(key, secret).headers(int(stamp))
    assert headers == {"X-PCK": key, "X-Stamp": stamp, "X-Signature": expected}


def test_bad_secret_is_a_config_error_that_does_not_echo_it() -> None:
    with pytest.raises(ConfigError) as info:
        Credentials("key", "not base64 !!! s3cr3t")
    assert "s3cr3t" not in str(info.value)


def test_stamp_must_be_digits() -> None:
    with pytest.raises(ConfigError):
        sign("k", VECTORS[0][1], "17e11")


def test_credentials_never_show_key_or_secret() -> None:
    key, secret, _, _ = VECTORS[0]
    creds = Credentials(key, secret)
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert key not in text and secret not in text
    assert creds.redact(f"x {key} y {secret}") == "x *** y ***"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(creds)


def test_missing_credentials_are_a_config_error() -> None:
    with pytest.raises(ConfigError):
        Credentials("", VECTORS[0][1])
