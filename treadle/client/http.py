"""The client for a Treadle server: the `Client` protocol over its HTTP API (docs/api.md).

Every CLI command works the same with `--server URL`: errors come back as the same
exceptions the embedded client raises (a 422 Status becomes a `ValidationError`
with its field causes, 409 `Conflict` or `AlreadyExists`, …), and the server drives
runs, so `ensure_controller` has nothing to do.
"""

from __future__ import annotations

import builtins
import ipaddress
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..api.kinds import KindInfo, by_kind
from ..api.objects import GROUP_VERSION
from ..api.validate import kind_of
from ..errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    DiskFull,
    FieldError,
    Forbidden,
    Gone,
    NotFound,
    TreadleError,
    Unauthorized,
    ValidationError,
)
from ..store.base import Obj, Page, WatchEvent
from .admission import merge_applied, name_to_replace, refuse_generated_name
from .base import Applied, FieldValidation, RunLogLine, Verb, Written
from .warning_header import WARNING_HEADER, as_field_warning, parse_warning_values

DEFAULT_TIMEOUT = 30.0
_Objs = list[Obj]  # `HttpClient.list` hides the builtin inside the class body
_ERRORS: dict[int, type[TreadleError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    410: Gone,
}


class ServerError(TreadleError):
    """The server failed (5xx), or could not be reached."""


NO_TOKEN_HINT = (
    "no token was sent: pass --token or set TREADLE_TOKEN; on the server's own machine "
    "the CLI reads the admin token from the data directory (--home / TREADLE_HOME)"
)


def is_loopback_url(url: str) -> bool:
    """Whether `url` names this machine (loopback), where the owner's tokens may go."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ns(namespace: str | None) -> str:
    return namespace or "default"


def _segment(text: str) -> str:
    return quote(text, safe="")


def collection_path(info: KindInfo, namespace: str | None) -> str:
    """The list/create path of a kind: cluster-wide when `namespace` is None."""
    base = f"/apis/{info.api_version}" if info.group else f"/api/{info.version}"
    if not info.namespaced or namespace is None:
        return f"{base}/{info.plural}"
    return f"{base}/namespaces/{_segment(namespace)}/{info.plural}"


def error_from_status(code: int, body: Any, fallback: str) -> TreadleError:
    """The exception a Status (or any error answer) stands for."""
    status = body if isinstance(body, dict) and body.get("kind") == "Status" else {}
    message = str(status.get("message") or fallback or f"HTTP {code}")
    reason = status.get("reason")
    details = status.get("details") or {}
    if code == 422 or reason == "Invalid":
        causes = [
            FieldError(str(c.get("field") or ""), str(c.get("message") or ""))
            for c in details.get("causes") or []
            if isinstance(c, dict)
        ]
        kind, name = details.get("kind"), details.get("name")
        subject = f'{kind} "{name}"' if kind and name else ""
        return ValidationError(causes or [FieldError("", message)], subject)
    if code == 409:
        return AlreadyExists(message) if reason == "AlreadyExists" else Conflict(message)
    error = _ERRORS.get(code)
    if error is not None:
        return error(message)
    if code == 507:
        return DiskFull(message)
    if 400 <= code < 500:
        # 413 too large, 415 not JSON, 421 not this server's name …: the request was
        # refused, the server did not fail, and its message says why.
        return BadRequest(message)
    return ServerError(f"the server answered {code}: {message}")


class HttpClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._has_token = bool(token)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    # -- transport -------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as e:
            raise ServerError(f"cannot reach the Treadle server at {self.base_url}: {e}") from e
        self._check(response)
        return response

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        return response.json() if response.content else None

    def _write(
        self, method: str, path: str, doc: Any, dry_run: bool, validation: FieldValidation
    ) -> Written:
        """A create or replace with Kubernetes' write parameters; the object answered
        and the warnings of its `Warning` headers."""
        params: dict[str, str] = {"fieldValidation": validation}
        if dry_run:
            params["dryRun"] = "All"
        response = self._send(method, path, json=doc, params=params)
        values = [
            value.decode("utf-8", "replace")
            for name, value in response.headers.raw
            if name.lower() == WARNING_HEADER.encode()
        ]
        warnings = [as_field_warning(text) for text in parse_warning_values(values)]
        return Written(dict(response.json()), warnings)

    def _check(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        try:
            body = response.json()
        except ValueError:
            body = None
        error = error_from_status(response.status_code, body, response.text.strip())
        if isinstance(error, Unauthorized) and not self._has_token:
            raise Unauthorized(f"{error}; {NO_TOKEN_HINT}")
        raise error

    def _lines(
        self,
        path: str,
        params: dict[str, Any],
        read_timeout: float | None,
        *,
        idle_ends: bool = False,
    ) -> Iterator[Any]:
        """JSON lines of a streamed answer. When `read_timeout` passes without a line
        the stream ends quietly if `idle_ends`, else it is an error."""
        timeout = httpx.Timeout(DEFAULT_TIMEOUT, read=read_timeout)
        try:
            with self._http.stream("GET", path, params=params, timeout=timeout) as response:
                if not response.is_success:
                    response.read()
                    self._check(response)
                for line in response.iter_lines():
                    if line.strip():
                        yield json.loads(line)
        except httpx.ReadTimeout as e:
            if idle_ends:
                return
            raise ServerError(f"{self.base_url} stopped answering: {e}") from e
        except httpx.TransportError as e:
            raise ServerError(f"the stream from {self.base_url} broke: {e}") from e

    # -- objects ---------------------------------------------------------------------

    def _object_path(self, info: KindInfo, namespace: str | None, name: str) -> str:
        ns = _ns(namespace) if info.namespaced else None
        return f"{collection_path(info, ns)}/{_segment(name)}"

    def create(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Written:
        info = _kind_info(doc)
        ns = _ns((doc.get("metadata") or {}).get("namespace") or namespace)
        path = collection_path(info, ns if info.namespaced else None)
        return self._write("POST", path, doc, dry_run, validation)

    def apply(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Applied:
        refuse_generated_name(doc)
        info = _kind_info(doc)
        meta = doc.get("metadata") or {}
        name = meta.get("name")
        if not name:
            # The server names what is missing, as for any create.
            obj, warnings = self.create(doc, namespace, dry_run=dry_run, validation=validation)
            return Applied(obj, "created", warnings)
        ns = meta.get("namespace") or namespace
        path = self._object_path(info, ns, name)
        try:
            existing = self.get(info, ns, name)
        except NotFound:
            obj, warnings = self.create(doc, namespace, dry_run=dry_run, validation=validation)
            return Applied(obj, "created", warnings)
        merged = merge_applied(existing, doc)
        verb: Verb = "unchanged" if merged == existing else "configured"
        # Apply means "make it so", as kubectl's patch: no resourceVersion
        # precondition, so a status the controller writes meanwhile is no conflict
        # (the server keeps the stored status whatever a PUT carries). The uid stays,
        # so an object deleted and made again since the read is one. Sent even when
        # nothing changes: the server's admission decides and says its warnings, as
        # the embedded client does; an update that changes nothing stores nothing.
        merged["metadata"].pop("resourceVersion", None)
        updated, warnings = self._write("PUT", path, merged, dry_run, validation)
        return Applied(updated, verb, warnings)

    def replace(
        self,
        doc: Any,
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        validation: FieldValidation = "Warn",
    ) -> Written:
        info = _kind_info(doc)
        name = name_to_replace(doc)
        ns = namespace or doc["metadata"].get("namespace")
        return self._write("PUT", self._object_path(info, ns, name), doc, dry_run, validation)

    def get(self, info: KindInfo, namespace: str | None, name: str) -> Obj:
        return dict(self._request("GET", self._object_path(info, namespace, name)))

    def list(
        self,
        info: KindInfo,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        newest_first: bool = False,
        name_contains: str | None = None,
    ) -> Page:
        params = {
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "limit": limit,
            "continue": continue_token,
            "order": "newest" if newest_first else None,
            "nameContains": name_contains,
        }
        body = self._request(
            "GET",
            collection_path(info, namespace),
            params={k: v for k, v in params.items() if v not in (None, "")},
        )
        meta = body.get("metadata") or {}
        return Page(
            list(body.get("items") or []),
            str(meta.get("resourceVersion", "")),
            meta.get("continue") or None,
        )

    def delete(self, info: KindInfo, namespace: str | None, name: str) -> Obj:
        return dict(self._request("DELETE", self._object_path(info, namespace, name)))

    def watch(
        self,
        info: KindInfo,
        namespace: str | None,
        *,
        since: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[WatchEvent]:
        """Changes after `since` (None: from now) until `timeout` seconds pass without one."""
        return self._watch(info, namespace, since, timeout)

    def _watch(
        self, info: KindInfo, namespace: str | None, since: str | None, timeout: float | None
    ) -> Iterator[WatchEvent]:
        if not since:
            since = self.list(info, namespace, limit=1).resource_version
        params = {"watch": "true", "resourceVersion": since}
        for line in self._lines(collection_path(info, namespace), params, timeout, idle_ends=True):
            if line.get("type") == "ERROR":
                status = line.get("object") or {}
                raise error_from_status(int(status.get("code") or 500), status, "watch failed")
            obj = line.get("object") or {}
            rv = str((obj.get("metadata") or {}).get("resourceVersion", ""))
            yield WatchEvent(line["type"], obj, rv)

    def events_for(self, obj: Obj) -> _Objs:
        meta = obj["metadata"]
        ns = _ns(meta.get("namespace"))
        if obj.get("apiVersion") == GROUP_VERSION and obj.get("kind") == "WorkflowRun":
            body = self._request("GET", f"{self._run_path(ns, meta['name'])}/events")
            return list(body.get("items") or [])
        event_info = by_kind("v1", "Event")
        assert event_info is not None
        items: _Objs = []
        token = None
        while True:
            page = self.list(
                event_info,
                ns,
                field_selector=f"involvedObject.uid={meta['uid']}",
                limit=500,
                continue_token=token,
            )
            items += page.items
            token = page.continue_token
            if not token:
                break
        items.sort(key=lambda e: (e.get("firstTimestamp", ""), e.get("lastTimestamp", "")))
        return items

    # -- runs ------------------------------------------------------------------------

    def _run_path(self, namespace: str | None, name: str) -> str:
        return (
            f"/apis/{GROUP_VERSION}/namespaces/{_segment(_ns(namespace))}/workflowruns/"
            f"{_segment(name)}"
        )

    def stop_run(self, namespace: str | None, name: str, reason: str = "stopped by user") -> Obj:
        return dict(self._request("POST", f"{self._run_path(namespace, name)}/stop"))

    def rerun(self, namespace: str | None, name: str) -> Obj:
        return dict(self._request("POST", f"{self._run_path(namespace, name)}/rerun"))

    def run_logs(
        self,
        namespace: str | None,
        name: str,
        *,
        step: str | None = None,
        follow: bool = False,
        tail_lines: int | None = None,
    ) -> Iterator[RunLogLine]:
        path = f"{self._run_path(namespace, name)}/logs"
        return self._log_lines(path, step=step, follow=follow, tail_lines=tail_lines)

    def object_logs(
        self,
        info: KindInfo,
        namespace: str | None,
        name: str,
        *,
        step: str | None = None,
        follow: bool = False,
        tail_lines: int | None = None,
    ) -> Iterator[RunLogLine]:
        path = f"{self._object_path(info, namespace, name)}/logs"
        return self._log_lines(path, step=step, follow=follow, tail_lines=tail_lines)

    def _log_lines(
        self, path: str, *, step: str | None, follow: bool, tail_lines: int | None
    ) -> Iterator[RunLogLine]:
        """The JSON lines of a logs endpoint (a run's, or an object's pods')."""
        params: dict[str, Any] = {"follow": "true" if follow else "false"}
        if step is not None:
            params["step"] = step
        if tail_lines is not None:
            params["tailLines"] = tail_lines
        for line in self._lines(path, params, None if follow else DEFAULT_TIMEOUT):
            kind = str(line.get("kind") or "container")  # older servers send none
            yield RunLogLine(str(line["source"]), str(line["time"]), str(line["text"]), kind)

    # -- volumes ---------------------------------------------------------------------

    def _volumes_path(self, namespace: str | None) -> str:
        return f"/treadle/v1/namespaces/{_segment(_ns(namespace))}/volumes"

    def list_volumes(self, namespace: str | None) -> builtins.list[dict[str, Any]]:
        return list(self._request("GET", self._volumes_path(namespace))["items"])

    def volume_files(
        self, namespace: str | None, claim: str, path: str = ""
    ) -> builtins.list[dict[str, Any]]:
        where = f"{self._volumes_path(namespace)}/{_segment(claim)}/files/{path.lstrip('/')}"
        try:
            body = self._request("GET", where)
        except ValueError:  # the body of a file, not JSON
            body = None
        if not isinstance(body, dict) or "items" not in body:
            raise BadRequest(f'"{path}" is a file, not a directory')
        return list(body["items"])

    def delete_volume(self, namespace: str | None, claim: str) -> None:
        self._request("DELETE", f"{self._volumes_path(namespace)}/{_segment(claim)}")

    def volume_path(self, namespace: str | None, claim: str) -> str:
        """The volume's files URL (created if missing): on a server a volume is not a
        directory this machine can open."""
        base = f"/treadle/v1/namespaces/{_segment(_ns(namespace))}/volumes"
        try:
            self._request("POST", base, json={"name": claim})
        except AlreadyExists:
            pass
        return f"{self.base_url}{base}/{_segment(claim)}/files/"

    def ensure_controller(self) -> None:
        """Nothing to do: the server drives runs."""
        return None


def _kind_info(doc: Any) -> KindInfo:
    info = kind_of(doc)
    found = by_kind(info.api_version, info.kind)
    assert found is not None
    return found


__all__ = [
    "HttpClient",
    "ServerError",
    "collection_path",
    "error_from_status",
    "is_loopback_url",
]
