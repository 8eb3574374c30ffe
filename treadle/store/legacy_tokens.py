"""The one-shot import of namespace tokens from where older Treadles kept them.

They kept each token's SHA-256 digest in a table of its own, `api_tokens`, in the
data directory's database beside the store's tables. Now a token is a Secret of
the store (core/tokens.py). `import_legacy_tokens` writes one Secret per row,
keeping the token's id, scope, description and creation time, then drops the
table: every token keeps working, with the same id, and nothing else reads the
table. Dropped rather than kept: a table left behind would bring a token revoked
since back to life under an older Treadle, which still reads it.

Idempotent: a Secret already there (an import cut short) is left as it is, and a
database without the table is left alone. A store that cannot be written (a full
disk, a read-only data directory) leaves the table for the next start.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path

from ..api.objects import SYSTEM_NAMESPACE
from ..core.names import name_field_errors
from ..core.tokens import NamespaceToken, token_secret
from ..errors import AlreadyExists, StorageError, ValidationError
from .base import Store

log = logging.getLogger("treadle.store")

TABLE = "api_tokens"


def import_legacy_tokens(database: Path, store: Store) -> int:
    """Move the tokens of the old table of `database` into `store` as Secrets; the
    number of Secrets written by this call (0 when there is no table, or when the
    import could not finish and is left for the next start)."""
    try:
        with closing(sqlite3.connect(database, timeout=10.0, isolation_level=None)) as conn:
            if not _has_table(conn):
                return 0
            rows = conn.execute(
                f"SELECT id, digest, namespace, access, created, description FROM {TABLE}"
            ).fetchall()
            written = sum(_write(store, *row) for row in rows)
            conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    except (sqlite3.Error, OSError, StorageError) as exc:
        log.warning("namespace tokens of %s not imported yet: %s", database, exc)
        return 0
    if rows:
        log.info(
            "imported %d of %d namespace tokens of %s as Secrets", written, len(rows), database
        )
    return written


def _has_table(conn: sqlite3.Connection) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).fetchone()
    return found is not None


def _write(
    store: Store, token_id: str, digest: str, namespace: str, access: str, created: str, about: str
) -> bool:
    # What a new token may not be is not imported either: a name that is no
    # namespace was never usable (older Treadles took any), and access to the
    # reserved namespace would mint tokens.
    invalid = name_field_errors("namespace", namespace, label=True)
    if invalid or namespace == SYSTEM_NAMESPACE:
        reason = invalid[0].message if invalid else "it is reserved for the server"
        log.warning('token %s of namespace "%s" is not imported: %s', token_id, namespace, reason)
        return False
    record = NamespaceToken(
        token_id, namespace, "write" if access == "write" else "read", created, about
    )
    try:
        store.create(token_secret(record, digest, keep_created=True))
    except AlreadyExists:
        return False  # imported by an earlier start that was cut short
    except ValidationError as exc:  # an id that is no label value, say
        log.warning("token %s is not imported: %s", token_id, exc)
        return False
    return True


__all__ = ["import_legacy_tokens"]
