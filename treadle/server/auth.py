"""Who may call the API (docs/api.md, Auth; README, Security).

Every API request needs `Authorization: Bearer <token>` (or `?token=` on a GET, a
WebSocket or an event-listener POST, which cannot always set headers), on every
address: loopback too, because every process of this machine (a step, another
user's program) and every web page the owner's browser opens can reach loopback.
Policy `none` (`treadle server --auth none`) is the owner's explicit opt-out.

Tokens: the admin token may do anything. A namespace token may read (`read`), or
read and write (`write`), one namespace: the paths under `…/namespaces/<ns>/…`,
`/treadle/v1/namespaces/<ns>/…` and `/t9k/workflow/triggers/<ns>/…`, plus the
namespace list (which then shows only its namespace) and the read-only server
info and schemas. Cluster-wide lists and metrics are the admin's.

Open to all: `/healthz`, `/readyz`, the API docs and the console's static files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from ..config import Home
from ..errors import TreadleError
from ..store.base import Store
from .refusal import ASGIApp, Message, Receive, Scope, Send, refuse
from .tokens import (
    TokenStore,
    cluster_admin_token,
    ensure_admin_token,
    load_admin_token,
    same_token,
)

TokenPolicy = Literal["required", "none"]

API_PREFIXES = ("/api/", "/apis/", "/treadle/", "/t9k/", "/metrics")
"""Paths that belong to the API; everything else is public (console files, docs)."""
_OPEN_API_PATHS = ("/api", "/apis")
_NAMESPACED = (
    re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/.+"),
    re.compile(r"^/apis/[^/]+/[^/]+/namespaces/(?P<ns>[^/]+)(/.*)?$"),
    re.compile(r"^/treadle/v1/namespaces/(?P<ns>[^/]+)(/.*)?$"),
    re.compile(r"^/t9k/workflow/triggers/(?P<ns>[^/]+)(/.*)?$"),
)
_NAMESPACE_OBJECT = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/?$")
_READ_ANYWHERE = re.compile(r"^/treadle/v1/(info|schemas/[^/]+)$")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: the admin, or a namespace token's holder."""

    admin: bool
    namespace: str | None = None
    write: bool = True

    def may_read(self, namespace: str) -> bool:
        return self.admin or namespace == self.namespace

    def may_write(self, namespace: str) -> bool:
        return self.admin or (namespace == self.namespace and self.write)


ADMIN = Principal(admin=True)


class AuthPolicy:
    """Whether tokens are needed, and what each token may do."""

    def __init__(
        self,
        required: bool,
        admin_token: str | None,
        tokens: TokenStore | None,
        *,
        generated: bool = False,
    ) -> None:
        self.required = required
        self.admin_token = admin_token
        self.tokens = tokens
        self.generated = generated
        """True when the admin token was created by this start (the first one)."""

    @classmethod
    def load(cls, home: Home, store: Store, policy: TokenPolicy = "required") -> AuthPolicy:
        """The policy of `home`'s server, whose namespace tokens `store` keeps; its
        admin token is made on the first start."""
        if policy == "none":
            return cls(False, load_admin_token(home), None)
        token, generated = ensure_admin_token(home)
        return cls(True, token, TokenStore(store), generated=generated)

    @classmethod
    def for_cluster(cls, store: Store, policy: TokenPolicy = "required") -> AuthPolicy:
        """The policy of a cluster's server: namespace tokens and the admin token
        are Secrets of the cluster (tokens.py), so every replica answers alike."""
        if policy == "none":
            return cls(False, None, None)
        token, generated = cluster_admin_token(store)
        return cls(True, token, TokenStore(store), generated=generated)

    def authenticate(self, token: str | None) -> Principal | None:
        """The principal of `token`; None when a token is needed and this is not one.
        A namespace token costs one get from the store, so a revoked token is
        refused at once, also when another process revoked it."""
        if not self.required:
            return ADMIN
        if not token:
            return None
        if self.admin_token and same_token(token, self.admin_token):
            return ADMIN
        record = self.tokens.lookup(token) if self.tokens else None
        if record is None:
            return None
        return Principal(admin=False, namespace=record.namespace, write=record.access == "write")


def decide(principal: Principal, method: str, path: str) -> str | None:
    """Why `principal` may not make this request, or None if it may."""
    if principal.admin:
        return None
    writing = method not in _SAFE_METHODS
    if _READ_ANYWHERE.match(path) and not writing:
        return None
    if path.rstrip("/") == "/api/v1/namespaces" and not writing:
        return None  # the route shows a namespace token only its own namespace
    whole = _NAMESPACE_OBJECT.match(path)
    if whole:
        if writing:
            return "only the admin token may change or delete namespaces"
        namespace = whole["ns"]
    else:
        namespace = next((m["ns"] for p in _NAMESPACED if (m := p.match(path))), None)
    if namespace is None:
        return "a namespace token may only use the API of its namespace"
    if not principal.may_read(namespace):
        return f'this token is for namespace "{principal.namespace}", not "{namespace}"'
    if writing and not principal.may_write(namespace):
        return f'this token may only read namespace "{namespace}"'
    return None


def _token_of(scope: Scope) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == b"authorization":
            text = value.decode("latin-1")
            scheme, _, credentials = text.partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    if values and _query_token_allowed(scope):
        return values[0]
    return None


def _query_token_allowed(scope: Scope) -> bool:
    method = scope.get("method", "GET")
    return (
        scope["type"] == "websocket"
        or method in _SAFE_METHODS
        or scope.get("path", "").startswith("/t9k/workflow/triggers/")
    )


class AuthMiddleware:
    """Checks every API request against the policy; puts the `Principal` in
    `request.state.principal`."""

    def __init__(self, app: ASGIApp, policy: AuthPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        state = scope.setdefault("state", {})
        if not (path.startswith(API_PREFIXES) or path in _OPEN_API_PATHS):
            state["principal"] = ADMIN if not self.policy.required else None
            await self.app(scope, receive, send)
            return
        try:
            principal = self.policy.authenticate(_token_of(scope))
        except TreadleError as exc:
            # The store could not be read (a full disk, a broken data directory):
            # said as what it is, not as a bad token.
            await refuse(scope, send, exc.http_status, str(exc) or exc.reason, reason=exc.reason)
            return
        if principal is None:
            await refuse(
                scope,
                send,
                401,
                "a valid token is required: send 'Authorization: Bearer <token>'",
                headers=[(b"www-authenticate", b'Bearer realm="treadle"')],
            )
            return
        method = "GET" if scope["type"] == "websocket" else scope.get("method", "GET")
        if scope["type"] == "websocket" and not principal.admin:
            method = "POST"  # a terminal writes
        reason = decide(principal, method, path)
        if reason is not None:
            await refuse(scope, send, 403, reason)
            return
        state["principal"] = principal
        await self.app(scope, receive, send)


__all__ = [
    "ADMIN",
    "API_PREFIXES",
    "ASGIApp",
    "AuthMiddleware",
    "AuthPolicy",
    "Message",
    "Principal",
    "Receive",
    "Scope",
    "Send",
    "TokenPolicy",
    "decide",
]
