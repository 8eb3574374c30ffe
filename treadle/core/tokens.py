"""Namespace API tokens as v1 Secrets, the shape a cluster's API server would keep.

Each token is one Secret in the reserved namespace (`api.objects.SYSTEM_NAMESPACE`),
of type `treadle.dev/api-token`, holding only the SHA-256 digest of the token. Its
name is derived from that digest, so checking a token is one get by name, not a
list. Labels carry the token's id (what `treadle token revoke` names) and its
scope: the namespace it is confined to and whether it may write there.

Pure: no I/O; the store and the clock belong to the caller (server/tokens.py, and
the one-shot import of older data directories, store/legacy_tokens.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Literal

from ..api.objects import SYSTEM_NAMESPACE

Access = Literal["read", "write"]

TOKEN_TYPE = "treadle.dev/api-token"
ID_LABEL = "treadle.dev/token-id"
NAMESPACE_LABEL = "treadle.dev/token-namespace"
ACCESS_LABEL = "treadle.dev/token-access"
DESCRIPTION_ANNOTATION = "treadle.dev/description"
CREATED_ANNOTATION = "treadle.dev/created"
"""When the token was made, for tokens made before they were Secrets (their
creationTimestamp is when they were imported)."""
DIGEST_KEY = "sha256"
_NAME_PREFIX = "api-token-"
_NAME_DIGITS = 32
"""Hex digits of the digest in the name: 128 bits cannot collide by chance, and the
name stays short enough to read in a list. The whole digest is compared."""


@dataclass(frozen=True)
class NamespaceToken:
    """What is known of a namespace token besides the token itself."""

    id: str
    namespace: str
    access: Access
    created: str
    description: str = ""


def digest(token: str) -> str:
    """The SHA-256 digest (hex) of `token`: what is kept instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def secret_name(token_digest: str) -> str:
    """The name of the Secret of the token with digest `token_digest`."""
    return _NAME_PREFIX + token_digest[:_NAME_DIGITS]


def token_secret(
    record: NamespaceToken, token_digest: str, *, keep_created: bool
) -> dict[str, Any]:
    """The Secret that keeps the token with digest `token_digest`. `keep_created`
    records `record.created` (a token older than its Secret); otherwise the Secret's
    creationTimestamp says when the token was made."""
    annotations: dict[str, str] = {}
    if record.description:
        annotations[DESCRIPTION_ANNOTATION] = record.description
    if keep_created:
        annotations[CREATED_ANNOTATION] = record.created
    metadata: dict[str, Any] = {
        "name": secret_name(token_digest),
        "namespace": SYSTEM_NAMESPACE,
        "labels": {
            ID_LABEL: record.id,
            NAMESPACE_LABEL: record.namespace,
            ACCESS_LABEL: record.access,
        },
    }
    if annotations:
        metadata["annotations"] = annotations
    encoded = base64.b64encode(token_digest.encode()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": TOKEN_TYPE,
        "metadata": metadata,
        "data": {DIGEST_KEY: encoded},
    }


def token_record(secret: Any) -> NamespaceToken | None:
    """The token a Secret keeps; None when it is not a token Secret of the reserved
    namespace (another Secret, or one without an id or a namespace), or names the
    reserved namespace itself, for which no token may be."""
    if not isinstance(secret, dict) or secret.get("type") != TOKEN_TYPE:
        return None
    meta = secret.get("metadata") or {}
    if meta.get("namespace") != SYSTEM_NAMESPACE:
        return None
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    token_id, namespace = labels.get(ID_LABEL), labels.get(NAMESPACE_LABEL)
    if not token_id or not namespace or namespace == SYSTEM_NAMESPACE:
        return None
    access: Access = "write" if labels.get(ACCESS_LABEL) == "write" else "read"
    created = annotations.get(CREATED_ANNOTATION) or meta.get("creationTimestamp") or ""
    return NamespaceToken(
        str(token_id),
        str(namespace),
        access,
        str(created),
        str(annotations.get(DESCRIPTION_ANNOTATION) or ""),
    )


def keeps(secret: Any, token_digest: str) -> bool:
    """Whether `secret` keeps the token with digest `token_digest`, compared in
    constant time. Reads `data` (base64), as a cluster's API server hands it back."""
    data = (secret.get("data") if isinstance(secret, dict) else None) or {}
    try:
        stored = base64.b64decode(str(data.get(DIGEST_KEY) or ""), validate=True)
    except ValueError:
        return False
    return bool(stored) and hmac.compare_digest(stored, token_digest.encode())


__all__ = [
    "ACCESS_LABEL",
    "CREATED_ANNOTATION",
    "DESCRIPTION_ANNOTATION",
    "DIGEST_KEY",
    "ID_LABEL",
    "NAMESPACE_LABEL",
    "TOKEN_TYPE",
    "Access",
    "NamespaceToken",
    "digest",
    "keeps",
    "secret_name",
    "token_record",
    "token_secret",
]
