"""Data directories of older Treadles: their namespace tokens, kept in a table of
their own, become Secrets once, on the first open, and keep working as they were."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from treadle.api.objects import SYSTEM_NAMESPACE
from treadle.client.embedded import EmbeddedClient
from treadle.config import Home
from treadle.core.tokens import NamespaceToken
from treadle.server.tokens import TokenStore
from treadle.store.legacy_tokens import import_legacy_tokens
from treadle.store.sqlite import SqliteStore

OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    id          TEXT PRIMARY KEY,
    digest      TEXT NOT NULL UNIQUE,
    namespace   TEXT NOT NULL,
    access      TEXT NOT NULL,
    created     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
)
"""
"""The table as older Treadles made it, beside the store's in the same file."""

READER = NamespaceToken("1a2b3c4d", "team-a", "read", "2025-03-01T09:30:00Z", "dashboard")
WRITER = NamespaceToken("5e6f7a8b", "team-b", "write", "2025-04-02T10:00:00Z")


def write_old_tokens(database: Path, *tokens: tuple[str, NamespaceToken]) -> None:
    with closing(sqlite3.connect(database)) as db, db:
        db.execute(OLD_SCHEMA)
        for token, r in tokens:
            digest = hashlib.sha256(token.encode()).hexdigest()
            row = (r.id, digest, r.namespace, r.access, r.created, r.description)
            db.execute("INSERT OR IGNORE INTO api_tokens VALUES (?, ?, ?, ?, ?, ?)", row)


def has_old_table(database: Path) -> bool:
    with closing(sqlite3.connect(database)) as db:
        query = "SELECT 1 FROM sqlite_master WHERE name = 'api_tokens'"
        return db.execute(query).fetchone() is not None


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """A data directory an older Treadle served, with two namespace tokens."""
    home = Home(tmp_path / "home").ensure()
    SqliteStore(home.database).close()
    write_old_tokens(home.database, ("reader-token", READER), ("writer-token", WRITER))
    return home


@pytest.fixture
def client(home: Home) -> Iterator[EmbeddedClient]:
    c = EmbeddedClient(home)
    yield c
    c.close()


def test_old_tokens_work_after_the_first_open(client: EmbeddedClient) -> None:
    tokens = TokenStore(client.store)
    assert tokens.lookup("reader-token") == READER
    assert tokens.lookup("writer-token") == WRITER


def test_old_tokens_keep_their_ids_and_creation_times(client: EmbeddedClient) -> None:
    assert TokenStore(client.store).list() == [READER, WRITER]


def test_the_old_table_is_dropped(home: Home, client: EmbeddedClient) -> None:
    assert not has_old_table(home.database)


def test_a_token_revoked_after_the_import_stays_revoked(home: Home) -> None:
    with closing(EmbeddedClient(home)) as first:
        TokenStore(first.store).revoke(READER.id)
    with closing(EmbeddedClient(home)) as again:
        assert TokenStore(again.store).lookup("reader-token") is None


def test_an_import_cut_short_is_finished_without_duplicates(home: Home) -> None:
    with SqliteStore(home.database) as store:
        import_legacy_tokens(home.database, store)
        # As if the first import had written its Secrets and stopped before the drop.
        write_old_tokens(home.database, ("reader-token", READER), ("writer-token", WRITER))
        assert import_legacy_tokens(home.database, store) == 0
        assert TokenStore(store).list() == [READER, WRITER]
    assert not has_old_table(home.database)


def test_a_data_directory_without_old_tokens_is_left_alone(tmp_path: Path) -> None:
    database = tmp_path / "treadle.db"
    with SqliteStore(database) as store:
        assert import_legacy_tokens(database, store) == 0
        assert TokenStore(store).list() == []


@pytest.mark.parametrize("namespace", [SYSTEM_NAMESPACE, "Not_A_Namespace"])
def test_an_old_token_no_new_one_could_be_is_not_imported(home: Home, namespace: str) -> None:
    odd = NamespaceToken("9c9c9c9c", namespace, "write", "2025-05-01T00:00:00Z")
    write_old_tokens(home.database, ("odd-token", odd))
    with closing(EmbeddedClient(home)) as client:
        tokens = TokenStore(client.store)
        assert tokens.lookup("odd-token") is None
        assert tokens.list() == [READER, WRITER]
    assert not has_old_table(home.database)
