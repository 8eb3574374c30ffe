"""The object bodies of the API, checked before any route reads them
(docs/admission.md).

A create, replace or patch under `/api/` and `/apis/` carries one object as JSON.
Its body may be at most `MAX_OBJECT_BYTES` (413 otherwise, refused from its
Content-Length before it is read, or as soon as more arrives), and must be JSON
that names each key of an object once and nests at most `MAX_DEPTH` levels: the
same refusals a YAML file gets from the CLI. The value parsed here is the one the
routes use (`object_body`): a body is parsed once, by the rules above, and no route
can read it by other rules. Event-listener posts (`/t9k/…`) have a limit of their
own (triggers.py); volume file uploads are not objects.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ..api.documents import parse_json
from ..api.limits import MAX_OBJECT_BYTES, MAX_OBJECT_SIZE
from ..errors import BadRequest, TreadleError
from .refusal import ASGIApp, Message, Receive, Scope, Send, header_values
from .status import error_response

OBJECT_PREFIXES = ("/api/", "/apis/")
_WRITES = ("POST", "PUT", "PATCH")
BODY_KEY = "treadle.object_body"
"""Where in the ASGI scope the parsed body waits for the route."""

OBJECT_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}
"""The request body of an object route for the OpenAPI document (the route takes
the body from `object_body`, which FastAPI cannot see)."""


class BodyTooLarge(TreadleError):
    http_status = 413
    reason = "RequestEntityTooLarge"


def _too_large(size: str) -> BodyTooLarge:
    return BodyTooLarge(
        f"the request body is {size}; at most {MAX_OBJECT_SIZE} ({MAX_OBJECT_BYTES} bytes), "
        "the most an object may hold"
    )


class ObjectBodies:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") not in _WRITES
            or not str(scope.get("path", "")).startswith(OBJECT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        try:
            body = await _read(scope, receive)
            if body.strip():  # an empty body is the route's to refuse
                scope[BODY_KEY] = parse_json(body)
        except TreadleError as exc:
            await error_response(exc)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def object_body(request: Request) -> Any:
    """The dependency of routes that take an object (or a merge patch): the body as
    ObjectBodies parsed it."""
    if BODY_KEY not in request.scope:
        raise BadRequest("the request has no body: send the object as JSON")
    return request.scope[BODY_KEY]


async def _read(scope: Scope, receive: Receive) -> bytes:
    for declared in header_values(scope, b"content-length"):
        if declared.strip().isdigit() and int(declared) > MAX_OBJECT_BYTES:
            raise _too_large(f"{int(declared)} bytes")
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the route sees a short body
        body += message.get("body", b"")
        if len(body) > MAX_OBJECT_BYTES:
            raise _too_large(f"more than {MAX_OBJECT_BYTES} bytes")
        if not message.get("more_body", False):
            break
    return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read here, once, then whatever else the client sends (a disconnect)."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


__all__ = ["OBJECT_BODY_DOC", "OBJECT_PREFIXES", "BodyTooLarge", "ObjectBodies", "object_body"]
