"""fakeoidc: a local GitHub Actions OIDC issuer for the provenance tests.

Modelled on GitHub's OpenID Connect reference
(https://docs.github.com/en/actions/reference/security/oidc): the issuer
serves `{issuer}/.well-known/openid-configuration` with `issuer` and
`jwks_uri`, and the JWKS (RSA keys with `kid`, `n`, `e`); ID tokens are
RS256 JWTs whose header names the `kid` and whose claims carry `iss`, `aud`,
`sub`, `exp`, `nbf`, `iat`, `jti`, `repository`, `repository_owner`, `ref`,
`sha`, `workflow_ref`, `job_workflow_ref`, `event_name`, `run_id`,
`run_number`, `run_attempt`.  It also plays the runner's token request
endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): `GET /idtoken?api-version=2.0&audience=AUD`
with `Authorization: bearer <request token>` answers {"value": "<jwt>"}
(actions/toolkit's core.getIDToken), 401 without the right token.

The JWKS holds two keys: "current", which signs, and "rotated", an older key
still published.  `mint()` makes any token the tests need (other keys, kids,
algorithms, headers); `key_unpublished` signs tokens no JWKS key verifies.
127.0.0.1 only, a free port; started and stopped by the test (a context
manager).  Uses Debian's python3-cryptography.
"""
import base64
import contextlib
import json
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import fakehttp

REQUEST_TOKEN = "fake-id-token-request-T0ken-0123456789"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(n):
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


_KEYS = []


def shared_keys():
    """Three 2048-bit RSA keys, made once per process (making them is slow)."""
    while len(_KEYS) < 3:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS


class _Handler(fakehttp.Handler):
    def do_GET(self):
        status, body = self.server.fake._answer(self)
        self.send_json(status, body)


class FakeOIDC(fakehttp.FakeServer):
    handler = _Handler
    cert_name = "fakeoidc"

    def __init__(self, issuer_path=""):
        super().__init__()
        current, rotated, unpublished = shared_keys()
        self.keys = {"current": current, "rotated": rotated}
        self.key_unpublished = unpublished
        self.issuer_path = issuer_path  # GHES: "/_services/token"
        self.requests = []
        self.claims = {}  # overrides for the tokens the request endpoint makes

    @property
    def issuer(self):
        return self.url + self.issuer_path

    @property
    def request_url(self):
        return self.url + "/idtoken?api-version=2.0"

    # -- the issuer --------------------------------------------------------
    def jwk(self, kid, key=None):
        pub = (key or self.keys[kid]).public_key().public_numbers()
        return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
                "n": _uint(pub.n), "e": _uint(pub.e)}

    def _answer(self, h):
        split = urllib.parse.urlsplit(h.path)
        query = urllib.parse.parse_qs(split.query)
        self.requests.append({"path": split.path, "query": query,
                              "authorization": h.headers.get("Authorization")})
        if split.path == self.issuer_path + "/.well-known/openid-configuration":
            return 200, {"issuer": self.issuer,
                         "jwks_uri": self.issuer + "/.well-known/jwks",
                         "subject_types_supported": ["public", "pairwise"],
                         "response_types_supported": ["id_token"],
                         "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf",
                                              "ref", "sha", "repository", "job_workflow_ref"],
                         "id_token_signing_alg_values_supported": ["RS256"],
                         "scopes_supported": ["openid"]}
        if split.path == self.issuer_path + "/.well-known/jwks":
            return 200, {"keys": [self.jwk(k) for k in self.keys]}
        if split.path == "/idtoken":
            auth = h.headers.get("Authorization", "")
            scheme, _, value = auth.partition(" ")
            if scheme.lower() != "bearer" or value != REQUEST_TOKEN:
                return 401, {"message": "Unauthorized"}
            aud = (query.get("audience") or [None])[0]
            claims = dict(self.claims)
            if aud is not None:
                claims.setdefault("aud", aud)
            return 200, {"value": self.mint(**claims)}
        return 404, {"message": "Not Found"}

    def default_claims(self, now=None):
        now = int(time.time()) if now is None else now
        return {"iss": self.issuer, "aud": "https://github.com/org/gitops",
                "sub": "repo:org/product-service:ref:refs/heads/sandbox",
                "jti": "0b1e2a3c-0000-4000-8000-000000000000",
                "iat": now - 5, "nbf": now - 5, "exp": now + 300,
                "repository": "org/product-service", "repository_owner": "org",
                "ref": "refs/heads/sandbox", "ref_type": "branch",
                "sha": "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920",
                "workflow_ref": "org/product-service/.github/workflows/deploy.yml@refs/heads/sandbox",
                "job_workflow_ref":
                    "org/product-service/.github/workflows/deploy.yml@refs/heads/sandbox",
                "event_name": "push", "run_id": "4242", "run_number": "17", "run_attempt": "1"}

    def mint(self, kid="current", key=None, alg="RS256", header=None, drop=(), hmac_key=None,
             **claims):
        """A JWT: the default claims with `claims` over them (None deletes one)."""
        body = self.default_claims()
        body.update(claims)
        for k in list(drop) + [k for k, v in claims.items() if v is None]:
            body.pop(k, None)
        head = {"alg": alg, "typ": "JWT", "kid": kid}
        head.update(header or {})
        head = {k: v for k, v in head.items() if v is not None}
        signing = (b64url(json.dumps(head).encode()) + "." +
                   b64url(json.dumps(body).encode())).encode()
        if alg == "none":
            return signing.decode() + "."
        if alg == "HS256":
            mac = hmac.HMAC(hmac_key, hashes.SHA256())
            mac.update(signing)
            return signing.decode() + "." + b64url(mac.finalize())
        k = key or self.keys.get(kid) or self.key_unpublished
        sig = k.sign(signing, padding.PKCS1v15(), hashes.SHA256())
        return signing.decode() + "." + b64url(sig)

    def public_pem(self, kid="current"):
        return self.keys[kid].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@contextlib.contextmanager
def fake_oidc(**kw):
    with FakeOIDC(**kw) as f:
        yield f
