"""The JWT vectors the C unit test (tests/unit/test_jwt.c) relies on, checked
independently with python3-cryptography: the PKCS#1 and PKCS#8 files hold the
same key, the JWK is its public half, and expected.jwt is that key's RS256
signature over claims.json (deterministic, so C must reproduce it exactly)."""
import base64
import json
import pathlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import pytest

FIX = pathlib.Path(__file__).resolve().parent / "fixtures" / "jwt"


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def key(name):
    return serialization.load_pem_private_key((FIX / name).read_bytes(), password=None)


def jwk_public(name):
    j = json.loads((FIX / name).read_text())
    n = int.from_bytes(unb64url(j["n"]), "big")
    e = int.from_bytes(unb64url(j["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def verify(pub, token):
    head, claims, sig = token.split(".")
    pub.verify(unb64url(sig), (head + "." + claims).encode(), padding.PKCS1v15(),
               hashes.SHA256())


def test_pkcs1_and_pkcs8_are_one_key():
    a, b = key("app-pkcs1.pem"), key("app-pkcs8.pem")
    assert a.private_numbers() == b.private_numbers()
    assert (FIX / "app-pkcs1.pem").read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert (FIX / "app-pkcs8.pem").read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_expected_token_is_the_keys_signature():
    token = (FIX / "expected.jwt").read_text().strip()
    head, claims, _ = token.split(".")
    assert json.loads(unb64url(head)) == {"alg": "RS256", "typ": "JWT"}
    assert unb64url(claims) == (FIX / "claims.json").read_bytes()
    verify(jwk_public("app.jwk.json"), token)
    verify(key("app-pkcs1.pem").public_key(), token)
    with pytest.raises(InvalidSignature):
        verify(jwk_public("other.jwk.json"), token)
    # deterministic: signing again gives the same bytes
    sig = key("app-pkcs8.pem").sign((head + "." + claims).encode(), padding.PKCS1v15(),
                                    hashes.SHA256())
    assert token.endswith("." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode())


def test_other_signed_and_forgeries():
    verify(jwk_public("other.jwk.json"), (FIX / "other-signed.jwt").read_text().strip())
    assert json.loads(unb64url((FIX / "hs256.jwt").read_text().split(".")[0]))["alg"] == "HS256"
    assert json.loads(unb64url((FIX / "none.jwt").read_text().split(".")[0]))["alg"] == "none"


def test_bad_keys_are_what_they_say():
    with pytest.raises(TypeError):  # encrypted: needs a password
        serialization.load_pem_private_key((FIX / "app-encrypted.pem").read_bytes(), None)
    assert not isinstance(key("ec.pem"), rsa.RSAPrivateKey)
    assert key("rsa1024.pem").key_size == 1024
