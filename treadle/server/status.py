"""Errors as Kubernetes `Status` objects, and the JSON responses every route returns.

Every error leaves the server through `status_response`, so a client sees one shape
(docs/api.md): `{"kind": "Status", "code", "reason", "message", "details"}`, with
`details.causes` naming each invalid field.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from ..errors import TreadleError, ValidationError, format_path, storage_error

log = logging.getLogger("treadle.server")

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "InternalError",
    501: "NotImplemented",
    503: "ServiceUnavailable",
    507: "InsufficientStorage",
}


class NotOnThisHome(TreadleError):
    """What the API offers in one home only (the embedded home's volume files on a
    cluster, say): 501, with a message naming why and what to use instead."""

    http_status = 501
    reason = "NotImplemented"


class JSONResponse(Response):
    """JSON without FastAPI's `jsonable_encoder`: stored objects are plain JSON
    already, and encoding a page of 500 runs through it would cost more than the
    query that produced it."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def status_body(
    code: int, message: str, reason: str | None = None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason or _REASONS.get(code, "Unknown"),
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def status_response(
    code: int,
    message: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        status_body(code, message, reason, details), status_code=code, headers=headers
    )


def error_body(exc: TreadleError) -> dict[str, Any]:
    """The Status of one of our errors; a ValidationError carries its causes."""
    details: dict[str, Any] = {}
    if isinstance(exc, ValidationError):
        kind, _, name = exc.subject.partition(" ")
        if name:
            details["name"] = name.strip('"')
        if kind:
            details["kind"] = kind
        details["causes"] = [
            {"field": c.path, "message": c.message, "reason": "FieldValueInvalid"}
            for c in exc.causes
        ]
        message = str(exc) or "invalid"
    else:
        message = str(exc) or exc.reason
    return status_body(exc.http_status, message, exc.reason, details)


def error_response(exc: TreadleError) -> JSONResponse:
    return JSONResponse(error_body(exc), status_code=exc.http_status)


def install_error_handlers(app: FastAPI, not_found: Any = None) -> None:
    """Map every exception to a Status. `not_found(request)` may answer a 404 for a
    path no route matched (the console's files) before it becomes a Status."""

    @app.exception_handler(TreadleError)
    async def _treadle(request: Request, exc: TreadleError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> Response:
        # Only query, path and body *shape* are declared to FastAPI; the content of
        # an object is validated by admission and reported as 422 there.
        causes = [
            {
                "field": format_path(
                    p if isinstance(p, int) else str(p) for p in err.get("loc", ())
                ),
                "message": str(err.get("msg", "invalid")),
                "reason": "FieldValueInvalid",
            }
            for err in exc.errors()
        ]
        message = "; ".join(f"{c['field']}: {c['message']}" for c in causes) or "bad request"
        return status_response(400, message, details={"causes": causes})

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and not_found is not None:
            answer = await not_found(request)
            if answer is not None:
                return answer
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"the server could not find the requested resource ({request.url.path})"
        headers = dict(exc.headers or {})
        return status_response(exc.status_code, message, headers=headers or None)

    async def _storage(request: Request, exc: Exception) -> Response:
        # A full disk or a read-only data directory met outside the store (a volume
        # upload, a log file). The store says its own as StorageErrors, so no
        # sqlite3 error reaches a route.
        home = getattr(getattr(request.app.state, "treadle", None), "home", None)
        explained = storage_error(exc, getattr(home, "root", None))
        if explained is None:
            return await _unexpected(request, exc)
        log.error("%s %s failed: %s", request.method, request.url.path, explained)
        return error_response(explained)

    app.add_exception_handler(OSError, _storage)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        return status_response(500, f"internal error: {type(exc).__name__}: {exc}")


__all__ = [
    "JSONResponse",
    "NotOnThisHome",
    "error_body",
    "error_response",
    "install_error_handlers",
    "status_body",
    "status_response",
]
