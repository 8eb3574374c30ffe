"""HTTP to the API server with plain JSON dicts, and its answers in Treadle's
errors.

Requests go through the official client's configuration (credentials, CA, token
refresh, impersonation headers) and its connection pool, but objects stay the
wire-form dicts the Store speaks: no generated models in between.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import urllib3
from kubernetes.client import ApiClient

from ..errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    Gone,
    NotFound,
    StorageError,
    TreadleError,
    Unauthorized,
    ValidationError,
)

Query = Sequence[tuple[str, str]]

REQUEST_SECONDS = 60.0
"""How long one request (not a watch) may take before the API server counts as
unreachable."""


RETRY_SECONDS = 30.0
"""How long a request is repeated while the API server answers "retry after"."""


def _retry_after(code: int, status: dict[str, Any]) -> float | None:
    """Seconds to wait before asking again, when the answer says the request was not
    acted on and may be repeated (ServerTimeout, TooManyRequests); else None."""
    if code not in (429, 500, 503, 504) or status.get("reason") not in (
        "ServerTimeout",
        "TooManyRequests",
        "Timeout",
    ):
        return None
    seconds = (status.get("details") or {}).get("retryAfterSeconds")
    return min(float(seconds), 5.0) if isinstance(seconds, int | float) and seconds > 0 else 1.0


def status_error(code: int, status: dict[str, Any], what: str = "") -> TreadleError:
    """The error an API server's Status stands for. `what` names the object the
    request was about, for the messages of 404 and 409."""
    message = str(status.get("message") or f"HTTP {code}")
    reason = str(status.get("reason") or "")
    details = status.get("details") or {}
    if code == 404:
        return NotFound(f"{what} not found" if what else message)
    if code == 409:
        if reason == "AlreadyExists":
            return AlreadyExists(f"{what} already exists" if what else message)
        return Conflict(message)
    if code == 410:
        return Gone(message)
    if code == 422:
        causes = [
            FieldError(str(c.get("field") or ""), str(c.get("message") or ""))
            for c in details.get("causes") or []
        ]
        return ValidationError(causes or [FieldError("", message)], what)
    if code == 400:
        return BadRequest(message)
    if code == 401:
        return Unauthorized(message)
    if code == 403:
        return Forbidden(message)
    return StorageError(f"the API server answered {code}: {message}")


def decode_status(code: int, data: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except ValueError:
        return {"message": data.decode("utf-8", "replace").strip()[:500] or f"HTTP {code}"}
    return doc if isinstance(doc, dict) else {"message": str(doc)}


class Transport:
    """Requests to one API server as one user. Thread-safe (the pool is)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.server = str(api.configuration.host)

    def open(
        self,
        method: str,
        path: str,
        query: Query = (),
        body: Any = None,
        *,
        timeout: urllib3.Timeout | float | None = REQUEST_SECONDS,
        preload: bool = True,
        accept: str = "application/json",
    ) -> urllib3.BaseHTTPResponse:
        """Send one request; the raw response, whatever its status. Raises
        StorageError when the API server cannot be reached."""
        headers: dict[str, str] = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = "application/json"
        _, url, headers, _, _ = self.api.param_serialize(
            method,
            path,
            query_params=list(query),
            header_params=headers,
            auth_settings=["BearerToken"],
        )
        payload = json.dumps(body).encode() if body is not None else None
        try:
            return self.api.rest_client.pool_manager.request(
                method,
                url,
                body=payload,
                headers=headers,
                timeout=timeout,
                preload_content=preload,
                retries=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise StorageError(f"cannot reach the API server at {self.server}: {exc}") from None

    def request(
        self,
        method: str,
        path: str,
        query: Query = (),
        body: Any = None,
        *,
        what: str = "",
    ) -> dict[str, Any]:
        """Send one request and read its JSON answer; a failure status raises the
        error it stands for."""
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            response = self.open(method, path, query, body)
            data = response.data
            if response.status < 400:
                break
            status = decode_status(response.status, data)
            wait = _retry_after(response.status, status)
            if wait is None or time.monotonic() + wait > deadline:
                raise status_error(response.status, status, what)
            # The API server did not act and says when to ask again (a new
            # namespace's service account without its token yet, a busy server).
            time.sleep(wait)
        try:
            doc = json.loads(data) if data else {}
        except ValueError:
            raise StorageError(f"the API server at {self.server} sent no JSON") from None
        return doc if isinstance(doc, dict) else {}

    def close(self) -> None:
        self.api.close()
