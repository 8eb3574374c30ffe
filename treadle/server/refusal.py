"""Turning a request away before any route sees it, as a `Status`, over HTTP or a
WebSocket handshake (the middlewares of auth.py and webguard.py share it)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .status import status_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def refuse(
    scope: Scope,
    send: Send,
    code: int,
    message: str,
    *,
    reason: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps(status_body(code, message, reason)).encode()
    all_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": code, "headers": all_headers})
        await send({"type": "http.response.body", "body": body})
        return
    if "websocket.http.response" in (scope.get("extensions") or {}):
        start = {"type": "websocket.http.response.start", "status": code, "headers": all_headers}
        await send(start)
        await send({"type": "websocket.http.response.body", "body": body})
        return
    # Without the extension a handshake can only be closed before it is accepted.
    await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})


def header_values(scope: Scope, name: bytes) -> list[str]:
    """Every value of header `name` (lower case) in the request."""
    return [v.decode("latin-1") for k, v in scope.get("headers") or () if k == name]


__all__ = ["ASGIApp", "Message", "Receive", "Scope", "Send", "header_values", "refuse"]
