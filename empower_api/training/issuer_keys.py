"""The credential issuer's identity and Ed25519 signing keys (JWKS and did:web).

``CREDENTIAL_SIGNING_KEYS`` holds comma-separated base64url Ed25519 private keys
(32-byte seeds): the first signs, every one still verifies (retired keys stay so
credentials they signed keep verifying). In development the value is generated once
into ``instance/secrets.json``; in production it comes from the environment.

A key's ``kid`` is the issuer's DID URL with the key's RFC 7638 JWK thumbprint as
fragment (``did:web:example.org#<thumbprint>``), the same string in every JWS
header, in ``/.well-known/jwks.json`` and in ``/.well-known/did.json``, so a
standard did:web resolver finds the key a credential names.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import Flask, current_app

CONFIG_KEY = "CREDENTIAL_SIGNING_KEYS"
DEFAULT_ISSUER_NAME = "Skills Credential Issuer"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def generate_secret() -> str:
    """A new private key as stored in ``CREDENTIAL_SIGNING_KEYS`` (base64url seed)."""
    return _b64url(Ed25519PrivateKey.generate().private_bytes_raw())


def did_web_for(base_url: str) -> str:
    """``did:web`` of a host (W3C did:web: the port's colon percent-encoded)."""
    host = urlsplit(base_url).netloc or "localhost"
    return "did:web:" + quote(host, safe="")


def issuer_did() -> str:
    return current_app.config.get("CREDENTIAL_ISSUER_DID") or did_web_for(
        current_app.config["PUBLIC_BASE_URL"])


def issuer_name() -> str:
    return current_app.config.get("CREDENTIAL_ISSUER_NAME") or DEFAULT_ISSUER_NAME


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        """The public key as an RFC 8037 OKP JWK."""
        return {"kty": "OKP", "crv": "Ed25519", "x": _public_x(self.public_key),
                "kid": self.kid, "alg": "EdDSA", "use": "sig"}


def _public_x(public_key: Ed25519PublicKey) -> str:
    return _b64url(public_key.public_bytes_raw())


def thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of an Ed25519 public key."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _public_x(public_key)},
                           separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def _parse(value: str, did: str) -> list[SigningKey]:
    keys = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        private_key = Ed25519PrivateKey.from_private_bytes(_b64url_decode(part))
        keys.append(SigningKey(kid=f"{did}#{thumbprint(private_key.public_key())}",
                               private_key=private_key))
    return keys


_parsed: dict[tuple[str, str], list[SigningKey]] = {}


def key_ring() -> list[SigningKey]:
    """Every configured key, current first. Raises RuntimeError when there is none."""
    value, did = current_app.config.get(CONFIG_KEY) or "", issuer_did()
    if (value, did) not in _parsed:
        _parsed[(value, did)] = _parse(value, did)
    keys = _parsed[(value, did)]
    if not keys:
        raise RuntimeError(f"{CONFIG_KEY} holds no signing key")
    return keys


def current_key() -> SigningKey:
    return key_ring()[0]


def public_key_for(kid: str) -> Ed25519PublicKey | None:
    """The public key published under ``kid`` (current or retired), or None."""
    for key in key_ring():
        if key.kid == kid:
            return key.public_key
    return None


def jwks() -> dict[str, Any]:
    """RFC 7517 JWK Set of the current and retired public keys."""
    return {"keys": [key.public_jwk() for key in key_ring()]}


def did_document() -> dict[str, Any]:
    """The issuer's did:web document: each key as a JsonWebKey2020 assertion method."""
    did = issuer_did()
    methods = [{"id": key.kid, "type": "JsonWebKey2020", "controller": did,
                "publicKeyJwk": {k: v for k, v in key.public_jwk().items()
                                 if k in ("kty", "crv", "x")}}
               for key in key_ring()]
    ids = [method["id"] for method in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1",
                     "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


@dataclass(frozen=True)
class Rotation:
    kid: str
    value: str  # the new CREDENTIAL_SIGNING_KEYS value, new key first
    written_to: Path | None  # instance/secrets.json when the keys live there


def rotate(app: Flask) -> Rotation:
    """Put a new signing key first and keep the others for verification.

    When the keys came from ``instance/secrets.json`` (development) the file is
    rewritten; when they came from the environment, the caller prints the new value
    for the operator to deploy (the environment cannot be written from here).
    """
    value = ",".join([generate_secret(), app.config.get(CONFIG_KEY) or ""]).rstrip(",")
    written_to = None
    if CONFIG_KEY in app.config.get("SECRETS_FROM_INSTANCE", ()):
        written_to = Path(app.instance_path) / "secrets.json"
        stored = json.loads(written_to.read_text()) if written_to.exists() else {}
        stored[CONFIG_KEY] = value
        written_to.parent.mkdir(parents=True, exist_ok=True)
        written_to.write_text(json.dumps(stored, indent=2))
        written_to.chmod(0o600)
    app.config[CONFIG_KEY] = value
    with app.app_context():
        kid = current_key().kid
    return Rotation(kid=kid, value=value, written_to=written_to)
