"""Namespace tokens kept through the Store: one Secret each, in the reserved
namespace, holding a digest and never the token; found by one get; revoked at once."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from treadle.api.objects import SYSTEM_NAMESPACE
from treadle.core.tokens import ACCESS_LABEL, ID_LABEL, NAMESPACE_LABEL, TOKEN_TYPE, digest
from treadle.errors import NotFound, ValidationError
from treadle.server.tokens import TokenStore
from treadle.store.base import Obj, Page, Store
from treadle.store.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "treadle.db") as s:
        yield s


@pytest.fixture
def tokens(store: SqliteStore) -> TokenStore:
    return TokenStore(store)


def token_secrets(store: Store) -> list[Obj]:
    return store.list("v1", "Secret", SYSTEM_NAMESPACE).items


class Reads:
    """A real store that notes which reads it is asked for."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: list[str] = []

    def get(self, *args: Any) -> Obj:
        self.calls.append("get")
        return self.store.get(*args)

    def list(self, *args: Any, **options: Any) -> Page:
        self.calls.append("list")
        return self.store.list(*args, **options)


def test_a_token_is_one_secret_of_the_reserved_namespace(
    tokens: TokenStore, store: SqliteStore
) -> None:
    _, record = tokens.create("team-a", "write", "nightly")
    [secret] = token_secrets(store)
    assert secret["type"] == TOKEN_TYPE
    assert secret["metadata"]["labels"] == {
        ID_LABEL: record.id,
        NAMESPACE_LABEL: "team-a",
        ACCESS_LABEL: "write",
    }


def test_the_secret_holds_the_tokens_digest_and_never_the_token(
    tokens: TokenStore, store: SqliteStore
) -> None:
    token, _ = tokens.create("team-a", "read")
    [secret] = token_secrets(store)
    assert base64.b64decode(secret["data"]["sha256"]).decode() == digest(token)
    assert token not in json.dumps(secret)


def test_a_token_is_found_with_its_scope(tokens: TokenStore) -> None:
    token, made = tokens.create("team-a", "read", "for the dashboard")
    assert tokens.lookup(token) == made
    assert (made.namespace, made.access, made.description) == (
        "team-a",
        "read",
        "for the dashboard",
    )
    assert made.created.endswith("Z")


def test_another_string_is_no_token(tokens: TokenStore) -> None:
    tokens.create("team-a", "write")
    assert tokens.lookup("not-a-token") is None


def test_checking_a_token_is_one_get_and_no_list(store: SqliteStore) -> None:
    token, _ = TokenStore(store).create("team-a", "read")
    reads = Reads(store)
    counted = TokenStore(cast(Store, reads))
    assert counted.lookup(token) is not None
    assert counted.lookup("not-a-token") is None
    assert reads.calls == ["get", "get"]


def test_a_secret_whose_digest_differs_from_its_name_lets_no_one_in(
    tokens: TokenStore, store: SqliteStore
) -> None:
    token, _ = tokens.create("team-a", "write")
    [secret] = token_secrets(store)
    forged = base64.b64encode(digest("another token").encode()).decode()
    store.update({**secret, "data": {"sha256": forged}})
    assert tokens.lookup(token) is None


def test_a_secret_of_another_type_is_no_token(tokens: TokenStore, store: SqliteStore) -> None:
    token, _ = tokens.create("team-a", "write")
    [secret] = token_secrets(store)
    store.update({**secret, "type": "Opaque"})
    assert tokens.lookup(token) is None
    assert tokens.list() == []


def test_tokens_are_listed_by_namespace(tokens: TokenStore) -> None:
    for namespace in ("team-b", "team-a", "team-c"):
        tokens.create(namespace, "read")
    assert [r.namespace for r in tokens.list()] == ["team-a", "team-b", "team-c"]


def test_a_revoked_token_is_refused_at_once(tokens: TokenStore, store: SqliteStore) -> None:
    token, record = tokens.create("team-a", "write")
    tokens.revoke(record.id)
    assert tokens.lookup(token) is None
    assert token_secrets(store) == []


def test_revoking_keeps_the_other_tokens(tokens: TokenStore) -> None:
    kept, _ = tokens.create("team-a", "write")
    _, revoked = tokens.create("team-a", "write")
    tokens.revoke(revoked.id)
    assert tokens.lookup(kept) is not None


@pytest.mark.parametrize("token_id", ["0badc0de", "", "no,such=id"])
def test_revoking_an_unknown_id_is_not_found(tokens: TokenStore, token_id: str) -> None:
    with pytest.raises(NotFound, match=f'token "{token_id}" not found'):
        tokens.revoke(token_id)


def test_no_token_is_made_for_the_reserved_namespace(
    tokens: TokenStore, store: SqliteStore
) -> None:
    with pytest.raises(ValidationError, match="reserved"):
        tokens.create(SYSTEM_NAMESPACE, "write")
    assert token_secrets(store) == []


def test_no_token_is_made_for_a_name_that_is_no_namespace(tokens: TokenStore) -> None:
    with pytest.raises(ValidationError, match="namespace"):
        tokens.create("Team_A", "read")


def test_a_token_made_by_hand_for_the_reserved_namespace_lets_no_one_in(
    tokens: TokenStore, store: SqliteStore
) -> None:
    token, _ = tokens.create("team-a", "write")
    [secret] = token_secrets(store)
    labels = {**secret["metadata"]["labels"], NAMESPACE_LABEL: SYSTEM_NAMESPACE}
    store.update({**secret, "metadata": {**secret["metadata"], "labels": labels}})
    assert tokens.lookup(token) is None
