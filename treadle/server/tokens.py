"""API tokens: the admin token of a data directory, and namespace tokens.

The admin token lives in `home.token_file` (mode 600), generated on the first start
that needs one. Namespace tokens (`treadle token create NS --read|--write`) live in
the data directory's database, in their own table beside the store's: only a
SHA-256 digest of each is kept, so reading the database does not reveal a token.
A token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import Home
from ..errors import FieldError, NotFound, ValidationError

Access = Literal["read", "write"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    id          TEXT PRIMARY KEY,
    digest      TEXT NOT NULL UNIQUE,
    namespace   TEXT NOT NULL,
    access      TEXT NOT NULL,
    created     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
)
"""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def same_token(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class NamespaceToken:
    id: str
    namespace: str
    access: Access
    created: str
    description: str = ""


class TokenStore:
    """Namespace tokens in the SQLite file at `database`. Safe to share between threads."""

    def __init__(self, database: Path) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            database, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA busy_timeout = 10000")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute(_SCHEMA)

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
        token = secrets.token_urlsafe(32)
        record = NamespaceToken(
            secrets.token_hex(4),
            namespace,
            access,
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            description,
        )
        with self._lock:
            self._conn.execute(
                "INSERT INTO api_tokens (id, digest, namespace, access, created, description)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (record.id, _digest(token), namespace, access, record.created, description),
            )
        return token, record

    def lookup(self, token: str) -> NamespaceToken | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, namespace, access, created, description FROM api_tokens"
                " WHERE digest = ?",
                (_digest(token),),
            ).fetchone()
        return None if row is None else _record(row)

    def list(self) -> list[NamespaceToken]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, namespace, access, created, description FROM api_tokens"
                " ORDER BY namespace, created"
            ).fetchall()
        return [_record(r) for r in rows]

    def revoke(self, token_id: str) -> None:
        """Raises NotFound for an unknown id."""
        with self._lock:
            cursor = self._conn.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,))
        if cursor.rowcount == 0:
            raise NotFound(f'token "{token_id}" not found')

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _record(row: tuple[str, str, str, str, str]) -> NamespaceToken:
    access: Access = "write" if row[2] == "write" else "read"
    return NamespaceToken(row[0], row[1], access, row[3], row[4])


__all__ = [
    "Access",
    "NamespaceToken",
    "TokenStore",
    "ensure_admin_token",
    "load_admin_token",
    "same_token",
]
