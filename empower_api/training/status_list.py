"""Revocation status as a W3C Bitstring Status List (Bitstring Status List v1.0).

Each credential gets one bit in a list of ``LIST_SIZE`` bits, at an index drawn at
random (§6.1 "herd privacy": a verifier fetching the list learns nothing about which
credential it checks). A list is closed to new credentials once half its bits are
taken, so random draws stay cheap. Bit 1 means revoked. The list is published as a
``BitstringStatusListCredential`` whose ``encodedList`` is the GZIP-compressed
bitstring, base64url without padding, with the multibase prefix ``u``; index 0 is
the left-most bit of the first byte.
"""

from __future__ import annotations

import base64
import gzip
import secrets
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.errors import NotFound
from empower_api.timefmt import rfc3339
from empower_api.training import issuer_keys
from empower_api.training.models import Credential, StatusList

# The specification's minimum for herd privacy (§6.1): 16 KB of bits.
LIST_SIZE = 131_072
STATUS_PURPOSE = "revocation"
_DRAWS = 32


def list_url(list_id: uuid.UUID) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/api/v1/credentials/status/{list_id}"


def allocate(session: Session) -> tuple[StatusList, int]:
    """A random free index in an open list (a new list when none is open).

    The unique constraint on (list, index) is the last word when two issuers draw the
    same index at the same moment (the request then fails with 409 and is retried).
    """
    open_list = session.scalar(
        select(StatusList).where(StatusList.purpose == STATUS_PURPOSE,
                                 StatusList.used < StatusList.size // 2)
        .order_by(StatusList.created_at).limit(1).with_for_update()
        .execution_options(populate_existing=True))
    if open_list is None:
        open_list = StatusList(id=uuid.uuid4(), purpose=STATUS_PURPOSE, size=LIST_SIZE, used=0)
        session.add(open_list)
        session.flush()
    for _ in range(_DRAWS):
        index = secrets.randbelow(open_list.size)
        taken = session.scalar(select(Credential.id).where(
            Credential.status_list_id == open_list.id, Credential.status_index == index))
        if taken is None:
            open_list.used += 1
            return open_list, index
    # Half the list is free, so 32 draws all taken happens with probability 2**-32.
    raise RuntimeError("no free status index found")


def entry(list_id: uuid.UUID, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of a credential (a ``BitstringStatusListEntry``)."""
    url = list_url(list_id)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE, "statusListIndex": str(index),
            "statusListCredential": url}


def encode_bits(size: int, set_indexes: list[int]) -> str:
    """``encodedList``: multibase base64url (no padding) of the GZIP-compressed bits."""
    bits = bytearray(size // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode_bit(encoded_list: str, index: int) -> bool:
    """Whether bit ``index`` of an ``encodedList`` is set (what a verifier does)."""
    raw = encoded_list[1:] if encoded_list.startswith("u") else encoded_list
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(session: Session, *, list_id: uuid.UUID) -> dict[str, Any]:
    """The published ``BitstringStatusListCredential`` for one list, as of now.

    The document changes only when a bit does (``validFrom`` is the list's creation),
    so its ETag lets verifiers re-fetch cheaply and still see a revocation at once.
    """
    status_list = session.get(StatusList, list_id)
    if status_list is None:
        raise NotFound("No such status list.")
    revoked = list(session.scalars(select(Credential.status_index).where(
        Credential.status_list_id == list_id, Credential.revoked_at.is_not(None))))
    url = list_url(list_id)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_keys.issuer_did(), "name": issuer_keys.issuer_name()},
        "validFrom": rfc3339(status_list.created_at),
        "credentialSubject": {
            "id": f"{url}#list", "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_bits(status_list.size, revoked),
        },
    }


def is_revoked(session: Session, *, list_url_value: str, index: int) -> bool:
    """Read one status bit from this issuer's lists (raises LookupError when the list
    is not one of ours, so the caller can say the status could not be checked)."""
    prefix = list_url(uuid.UUID(int=0))[: -len(str(uuid.UUID(int=0)))]
    if not list_url_value.startswith(prefix):
        raise LookupError("status list of another issuer")
    list_id = uuid.UUID(list_url_value[len(prefix):])
    status_list = session.get(StatusList, list_id)
    if status_list is None or not 0 <= index < status_list.size:
        raise LookupError("unknown status list entry")
    revoked_at = session.scalar(select(Credential.revoked_at).where(
        Credential.status_list_id == list_id, Credential.status_index == index))
    return revoked_at is not None
