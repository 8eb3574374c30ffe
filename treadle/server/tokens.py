"""API tokens: the admin token of a data directory or cluster, and namespace tokens.

A data directory's admin token lives in `home.token_file` (mode 600), generated on
the first start that needs one. A cluster's (`treadle server --kube`, which may run
as a Deployment with no disk of its own) lives in the Secret
`treadle-system/treadle-admin`, made by the first server to start: made only if
absent, so replicas starting together agree on one token. Namespace tokens
(`treadle token create NS --read|--write`) are kept through the Store, as Secrets
of the reserved namespace `treadle-system` (core/tokens.py has their shape), so a
cluster's API server can keep them as it keeps its own. Only a SHA-256 digest of
each is kept, so reading the store does not reveal a token. A token is shown once,
when it is created.

Who may read those Secrets: the admin token may, through the API like any Secret
(they hold digests only, and its holder owns the data directory anyway). A
namespace token may not: it is confined to its namespace, and none is made for
the reserved one. On a cluster, whoever may read Secrets of `treadle-system` may
read the admin token's, and so is the server's admin.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import hmac
import os
import secrets

from ..api.objects import SYSTEM_NAMESPACE
from ..config import Home
from ..core.names import label_value_errors, name_field_errors
from ..core.tokens import (
    ID_LABEL,
    Access,
    NamespaceToken,
    digest,
    keeps,
    secret_name,
    token_record,
    token_secret,
)
from ..errors import AlreadyExists, FieldError, NotFound, StorageError, ValidationError
from ..store.base import Obj, Store

ADMIN_SECRET = "treadle-admin"
"""The Secret of `SYSTEM_NAMESPACE` that keeps a cluster's admin token."""
ADMIN_SECRET_TYPE = "treadle.dev/admin-token"
ADMIN_KEY = "token"


def load_admin_token(home: Home) -> str | None:
    try:
        text = home.token_file.read_text().strip()
    except FileNotFoundError:
        return None
    return text or None


def ensure_admin_token(home: Home) -> tuple[str, bool]:
    """The admin token, created if missing; the flag says it was created just now
    (the caller prints it, once)."""
    existing = load_admin_token(home)
    if existing:
        return existing, False
    home.root.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    # O_EXCL: two servers starting at once must not each write a different token.
    try:
        fd = os.open(home.token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        again = load_admin_token(home)
        if again:
            return again, False
        raise
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token, True


def cluster_admin_token(store: Store) -> tuple[str, bool]:
    """The admin token of the cluster `store` is on, its Secret created if missing;
    the flag says it was created just now. Raises StorageError when the Secret is
    there but holds no token."""
    try:
        return _admin_token_of(store.get("v1", "Secret", SYSTEM_NAMESPACE, ADMIN_SECRET)), False
    except NotFound:
        pass
    token = secrets.token_urlsafe(32)
    try:
        store.create(admin_secret(token))
    except AlreadyExists:
        # Another replica made it first: its token is the one.
        secret = store.get("v1", "Secret", SYSTEM_NAMESPACE, ADMIN_SECRET)
        return _admin_token_of(secret), False
    return token, True


def admin_secret(token: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": ADMIN_SECRET_TYPE,
        "metadata": {
            "name": ADMIN_SECRET,
            "namespace": SYSTEM_NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "treadle"},
        },
        "data": {ADMIN_KEY: base64.b64encode(token.encode()).decode()},
    }


def _admin_token_of(secret: Obj) -> str:
    try:
        token = base64.b64decode((secret.get("data") or {})[ADMIN_KEY], validate=True).decode()
    except (KeyError, TypeError, ValueError, binascii.Error):
        token = ""
    if not token.strip():
        raise StorageError(
            f"Secret {SYSTEM_NAMESPACE}/{ADMIN_SECRET} holds no admin token (data.{ADMIN_KEY}):"
            " delete it, and the next server to start makes a new one"
        )
    return token.strip()


def same_token(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


class TokenStore:
    """Namespace tokens, kept as Secrets through `store` (which the caller owns and
    closes). Safe to share between threads as the store is."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def create(
        self, namespace: str, access: Access, description: str = ""
    ) -> tuple[str, NamespaceToken]:
        """A new token for `namespace`; returns (the token, its record). The token is
        not kept and cannot be shown again."""
        if access not in ("read", "write"):
            raise ValidationError(
                [FieldError("access", f'must be "read" or "write", not "{access}"')]
            )
        if not namespace:
            raise ValidationError([FieldError("namespace", "required")])
        # The namespace becomes a label value; a token for a name that is no
        # namespace could never be used.
        invalid = name_field_errors("namespace", namespace, label=True)
        if invalid:
            raise ValidationError(invalid)
        if namespace == SYSTEM_NAMESPACE:
            # Its Secrets are the tokens: write access to it would mint tokens.
            raise ValidationError(
                [FieldError("namespace", f'"{namespace}" is reserved for the server')]
            )
        token = secrets.token_urlsafe(32)
        record = NamespaceToken(self._unused_id(), namespace, access, "", description)
        stored = self._store.create(token_secret(record, digest(token), keep_created=False))
        made = token_record(stored)
        assert made is not None, "a token Secret reads back as its token"
        return token, made

    def lookup(self, token: str) -> NamespaceToken | None:
        """The record of `token`, or None when no namespace token is it: one get by
        the name its digest gives, then the whole digest compared."""
        wanted = digest(token)
        try:
            secret = self._store.get("v1", "Secret", SYSTEM_NAMESPACE, secret_name(wanted))
        except NotFound:
            return None
        return token_record(secret) if keeps(secret, wanted) else None

    def list(self) -> builtins.list[NamespaceToken]:
        """Every namespace token, by namespace, then oldest first."""
        found = (token_record(s) for s in self._secrets(ID_LABEL))
        records = [r for r in found if r is not None]
        return sorted(records, key=lambda r: (r.namespace, r.created, r.id))

    def revoke(self, token_id: str) -> None:
        """Raises NotFound for an unknown id."""
        revoked = False
        for secret in self._with_id(token_id):
            try:
                self._store.delete("v1", "Secret", SYSTEM_NAMESPACE, secret["metadata"]["name"])
            except NotFound:
                continue  # revoked at the same moment by another process
            revoked = True
        if not revoked:
            raise NotFound(f'token "{token_id}" not found')

    def _unused_id(self) -> str:
        # Ids are short, for people to type; uniqueness is checked, not assumed.
        while True:
            token_id = secrets.token_hex(4)
            if not self._with_id(token_id):
                return token_id

    def _with_id(self, token_id: str) -> builtins.list[Obj]:
        if not token_id or label_value_errors(token_id):
            return []  # no token has it, and it would not parse as a selector
        return [s for s in self._secrets(f"{ID_LABEL}={token_id}") if token_record(s) is not None]

    def _secrets(self, label_selector: str) -> builtins.list[Obj]:
        page = self._store.list("v1", "Secret", SYSTEM_NAMESPACE, label_selector=label_selector)
        return page.items


__all__ = [
    "ADMIN_SECRET",
    "Access",
    "NamespaceToken",
    "TokenStore",
    "admin_secret",
    "cluster_admin_token",
    "ensure_admin_token",
    "load_admin_token",
    "same_token",
]
