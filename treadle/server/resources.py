"""The Kubernetes-style REST API of every kind in the registry (docs/api.md, Resources).

Paths are generic, as on a Kubernetes API server: `/api/v1/…` for core kinds and
`/apis/{group}/{version}/…` for the rest; `{plural}` picks the kind. Both trees are
served by the same handlers. Writes go through admission (`client/admission.py`),
so the server accepts exactly what the CLI accepts, and a rejected object is never
stored.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from ..api.kinds import KindInfo, by_plural
from ..client.base import Written
from ..errors import BadRequest, Conflict, FieldError, Forbidden, NotFound, ValidationError
from ..store.base import Obj, Page
from .bodies import OBJECT_BODY_DOC, object_body
from .state import ServerState, server_state
from .status import JSONResponse
from .watch import watch_response
from .writes import PLAIN_WRITE, WriteOptions, no_dry_run, write_options, written

PATCH_ATTEMPTS = 8
MAX_PAGE = 2**31
"""A larger `limit` lists everything just the same; the store's integers stay small."""
MAX_WATCH_SECONDS = 366 * 24 * 3600
"""A longer watch `timeoutSeconds` is a watch that does not end by itself."""


@dataclass(frozen=True)
class ListParams:
    label_selector: str | None
    field_selector: str | None
    limit: int | None
    continue_token: str | None
    watch: bool
    resource_version: str | None
    timeout_seconds: int | None


def list_params(
    label_selector: str | None = Query(None, alias="labelSelector"),
    field_selector: str | None = Query(None, alias="fieldSelector"),
    limit: int | None = Query(None, ge=0, description="page size; 0 or absent: everything"),
    continue_token: str | None = Query(None, alias="continue"),
    watch: bool = Query(False, description="stream changes as JSON lines instead"),
    resource_version: str | None = Query(None, alias="resourceVersion"),
    timeout_seconds: int | None = Query(None, alias="timeoutSeconds", ge=0),
) -> ListParams:
    return ListParams(
        label_selector,
        field_selector,
        None if limit is None else min(limit, MAX_PAGE),
        continue_token,
        watch,
        resource_version,
        None if timeout_seconds is None else min(timeout_seconds, MAX_WATCH_SECONDS),
    )


NEWEST = "newest"


@dataclass(frozen=True)
class ListExtensions:
    """Treadle's own list parameters (docs/api.md, Resources): not Kubernetes', and
    not for watches. The client serves them above the Store (client/listing.py), so
    any Store can stand behind them."""

    newest_first: bool = False
    name_contains: str | None = None


def list_extensions(
    order: str | None = Query(
        None,
        description='Treadle extension: "newest" lists by creation, newest first '
        "(absent: by namespace and name); for lists, not watches",
        json_schema_extra={"enum": [NEWEST]},
    ),
    name_contains: str | None = Query(
        None,
        alias="nameContains",
        description="Treadle extension: only objects whose name contains this text "
        "(case-sensitive); for lists, not watches",
    ),
) -> ListExtensions:
    if order is not None and order != NEWEST:
        raise BadRequest(
            f'unsupported order "{order}": the only order is "{NEWEST}" '
            "(leave order out to list by namespace and name)"
        )
    return ListExtensions(newest_first=order == NEWEST, name_contains=name_contains or None)


def _kind(group: str, version: str, plural: str, *, namespaced: bool | None) -> KindInfo:
    info = by_plural(group, version, plural)
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    if info is None or (namespaced is not None and info.namespaced != namespaced):
        raise NotFound(f'the server has no resource "{plural}" at {prefix}')
    return info


def core_kind(version: str, plural: str) -> KindInfo:
    return _kind("", version, plural, namespaced=True)


def group_kind(group: str, version: str, plural: str) -> KindInfo:
    return _kind(group, version, plural, namespaced=True)


def list_body(info: KindInfo, page: Page) -> Obj:
    meta: Obj = {"resourceVersion": page.resource_version}
    if page.continue_token:
        meta["continue"] = page.continue_token
    return {
        "apiVersion": info.api_version,
        "kind": f"{info.kind}List",
        "metadata": meta,
        "items": page.items,
    }


def typed(body: Any, info: KindInfo) -> Obj:
    """The request body as an object of `info`'s kind: apiVersion and kind may be left
    out, but not contradict the path."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    doc = copy.deepcopy(body)
    for field, expected in (("apiVersion", info.api_version), ("kind", info.kind)):
        given = doc.get(field)
        if given in (None, ""):
            doc[field] = expected
        elif given != expected:
            raise BadRequest(
                f'{field} "{given}" in the body does not match the path ("{expected}")'
            )
    if doc.get("metadata") is None:
        doc["metadata"] = {}
    if not isinstance(doc["metadata"], dict):
        raise ValidationError([FieldError("metadata", "must be an object")])
    return doc


def list_objects(
    state: ServerState,
    info: KindInfo,
    namespace: str | None,
    params: ListParams,
    extensions: ListExtensions | None = None,
) -> Response:
    extensions = extensions or ListExtensions()
    if params.watch:
        if extensions.newest_first or extensions.name_contains:
            raise BadRequest("order and nameContains apply to lists, not to watch=true")
        return watch_response(
            state,
            info,
            namespace,
            params.label_selector,
            params.field_selector,
            params.resource_version,
            params.timeout_seconds,
        )
    page = state.client.list(
        info,
        namespace,
        label_selector=params.label_selector,
        field_selector=params.field_selector,
        limit=params.limit,
        continue_token=params.continue_token,
        newest_first=extensions.newest_first,
        name_contains=extensions.name_contains,
    )
    return JSONResponse(list_body(info, page))


def create_object(
    state: ServerState,
    info: KindInfo,
    namespace: str | None,
    body: Any,
    options: WriteOptions = PLAIN_WRITE,
) -> Written:
    return state.client.create(
        typed(body, info), namespace, dry_run=options.dry_run, validation=options.validation
    )


def update_object(
    state: ServerState,
    info: KindInfo,
    namespace: str | None,
    name: str,
    doc: Obj,
    options: WriteOptions = PLAIN_WRITE,
) -> Written:
    """Validate `doc` as the new version of the stored object and store it (with a
    dry run: answer as if); a given metadata.resourceVersion must match (Conflict)."""
    meta = doc["metadata"]
    if meta.get("name") not in (None, "", name):
        raise BadRequest(f'metadata.name "{meta["name"]}" does not match the path ("{name}")')
    meta["name"] = name
    meta.pop("generateName", None)
    # The client reads the stored object first (NotFound), then admits and stores
    # `doc` exactly as the CLI's writes are: one path for every face.
    return state.client.replace(
        doc,
        namespace if info.namespaced else None,
        dry_run=options.dry_run,
        validation=options.validation,
    )


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, null removes a key,
    anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def patch_object(
    state: ServerState,
    info: KindInfo,
    namespace: str | None,
    name: str,
    patch: Any,
    options: WriteOptions = PLAIN_WRITE,
) -> Written:
    """Apply a merge patch. Without a resourceVersion in the patch it applies to the
    newest version (retried if the object changes meanwhile), as Kubernetes does.
    Other patch types never get here: the web guard answers them 415 (webguard.py)."""
    if not isinstance(patch, dict):
        raise BadRequest("a merge patch must be a JSON object")
    pinned = isinstance(patch.get("metadata"), dict) and patch["metadata"].get("resourceVersion")
    for _ in range(PATCH_ATTEMPTS):
        existing = state.client.get(info, namespace, name)
        doc = typed(merge_patch(existing, patch), info)
        if not pinned:
            doc["metadata"]["resourceVersion"] = existing["metadata"].get("resourceVersion")
        try:
            return update_object(state, info, namespace, name, doc, options)
        except Conflict:
            if pinned:
                raise
    raise Conflict(f'{info.kind} "{name}" kept changing; the patch was not applied')


STATUS_IS_THE_CONTROLLERS = "status is written by the controller alone"


def register(router: APIRouter, prefix: str, resolve: Callable[..., KindInfo]) -> None:
    """The routes of one API tree (`/api/{version}` or `/apis/{group}/{version}`)."""
    ns_path = prefix + "/namespaces/{namespace}/{plural}"
    one = ns_path + "/{name}"
    tag = "core" if prefix.startswith("/api/") else "groups"

    @router.get(prefix + "/{plural}", tags=[tag], summary="List across all namespaces")
    def list_all(
        info: KindInfo = Depends(resolve),
        params: ListParams = Depends(list_params),
        extensions: ListExtensions = Depends(list_extensions),
        state: ServerState = Depends(server_state),
    ) -> Response:
        return list_objects(state, info, None, params, extensions)

    @router.get(ns_path, tags=[tag], summary="List (or watch) one namespace")
    def list_namespaced(
        namespace: str,
        info: KindInfo = Depends(resolve),
        params: ListParams = Depends(list_params),
        extensions: ListExtensions = Depends(list_extensions),
        state: ServerState = Depends(server_state),
    ) -> Response:
        return list_objects(state, info, namespace, params, extensions)

    @router.post(
        ns_path, tags=[tag], summary="Create", status_code=201, openapi_extra=OBJECT_BODY_DOC
    )
    def create(
        namespace: str,
        body: Any = Depends(object_body),
        info: KindInfo = Depends(resolve),
        options: WriteOptions = Depends(write_options),
        state: ServerState = Depends(server_state),
    ) -> Response:
        obj, warnings = create_object(state, info, namespace, body, options)
        return written(obj, warnings, status_code=201)

    @router.get(one, tags=[tag], summary="Read")
    def read(
        namespace: str,
        name: str,
        info: KindInfo = Depends(resolve),
        state: ServerState = Depends(server_state),
    ) -> Response:
        return JSONResponse(state.client.get(info, namespace, name))

    @router.put(
        one,
        tags=[tag],
        summary="Replace (metadata.resourceVersion must match)",
        openapi_extra=OBJECT_BODY_DOC,
    )
    def replace(
        namespace: str,
        name: str,
        body: Any = Depends(object_body),
        info: KindInfo = Depends(resolve),
        options: WriteOptions = Depends(write_options),
        state: ServerState = Depends(server_state),
    ) -> Response:
        doc = typed(body, info)
        obj, warnings = update_object(state, info, namespace, name, doc, options)
        return written(obj, warnings)

    @router.patch(one, tags=[tag], summary="JSON merge patch", openapi_extra=OBJECT_BODY_DOC)
    def patch(
        namespace: str,
        name: str,
        body: Any = Depends(object_body),
        info: KindInfo = Depends(resolve),
        options: WriteOptions = Depends(write_options),
        state: ServerState = Depends(server_state),
    ) -> Response:
        obj, warnings = patch_object(state, info, namespace, name, body, options)
        return written(obj, warnings)

    @router.delete(
        one,
        tags=[tag],
        summary="Delete, with everything it owns",
        dependencies=[Depends(no_dry_run)],
    )
    def delete(
        namespace: str,
        name: str,
        info: KindInfo = Depends(resolve),
        state: ServerState = Depends(server_state),
    ) -> Response:
        return JSONResponse(state.client.delete(info, namespace, name))

    @router.get(one + "/status", tags=[tag], summary="Read with status")
    def read_status(
        namespace: str,
        name: str,
        info: KindInfo = Depends(resolve),
        state: ServerState = Depends(server_state),
    ) -> Response:
        return JSONResponse(state.client.get(info, namespace, name))

    @router.put(one + "/status", tags=[tag], summary="Forbidden: the controller writes status")
    def replace_status(namespace: str, name: str, info: KindInfo = Depends(resolve)) -> Response:
        raise Forbidden(STATUS_IS_THE_CONTROLLERS)

    @router.patch(one + "/status", tags=[tag], summary="Forbidden: the controller writes status")
    def patch_status(namespace: str, name: str, info: KindInfo = Depends(resolve)) -> Response:
        raise Forbidden(STATUS_IS_THE_CONTROLLERS)


def resources_router() -> APIRouter:
    router = APIRouter()
    register(router, "/api/{version}", core_kind)
    register(router, "/apis/{group}/{version}", group_kind)
    return router


__all__ = [
    "ListExtensions",
    "ListParams",
    "list_body",
    "list_extensions",
    "list_params",
    "merge_patch",
    "resources_router",
    "typed",
    "update_object",
]
