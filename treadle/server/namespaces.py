"""Namespaces (projects): `/api/v1/namespaces`.

In embedded mode a namespace needs no object to exist: creating anything in `x`
makes `x` a namespace, as the CLI has always done. So a namespace exists when a
Namespace object names it, when any object lives in it, or when it is `default`;
the list shows all of these. Creating a Namespace object is still allowed (for its
labels, or to show an empty project in the console).

Deleting a namespace deletes every object in it (of every kind, cascading) and its
Namespace object; it is refused with 409 while runs in it have not finished, unless
`?force=true`, which stops them first. Volumes are data, not objects: they stay, and
are deleted through the volumes API.

On a Kubernetes cluster a namespace is its Namespace object, nothing else (the
store creates one on first use), so only those are listed and found; deleting one
stops its runs as above and leaves the rest to the cluster's namespace controller,
which deletes what the namespace holds (its claims too).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from ..api.kinds import KindInfo, by_kind
from ..api.objects import GROUP_VERSION
from ..client import namespaces
from ..client.base import Written, refuse_deleting_system_namespace
from ..client.storeinfo import all_objects, kinds_in
from ..errors import BadRequest, Conflict, NotFound
from ..store.base import Obj, current_resource_version
from ..store.fields import object_filter
from .auth import Principal
from .bodies import OBJECT_BODY_DOC, object_body
from .resources import (
    ListParams,
    list_params,
    merge_patch,
    patch_object,
    typed,
    update_object,
)
from .state import ServerState, server_state
from .status import JSONResponse
from .watch import watch_response
from .writes import WriteOptions, no_dry_run, write_options, written

NAMESPACE = by_kind("v1", "Namespace")
assert NAMESPACE is not None
_INFO: KindInfo = NAMESPACE
_FINAL = ("Succeeded", "Failed")
_SHOWN_RUNNING = 5

router = APIRouter(tags=["namespaces"])


@router.get("/api/v1/namespaces", summary="List namespaces (stored and implicit)")
def list_namespaces(
    request: Request,
    params: ListParams = Depends(list_params),
    state: ServerState = Depends(server_state),
) -> Response:
    if params.watch:
        return watch_response(
            state,
            _INFO,
            None,
            params.label_selector,
            params.field_selector,
            params.resource_version,
            params.timeout_seconds,
        )
    items = _all(state, params.label_selector, params.field_selector)
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None and not principal.admin:
        items = [o for o in items if o["metadata"]["name"] == principal.namespace]
    return JSONResponse(
        {
            "apiVersion": "v1",
            "kind": "NamespaceList",
            # Where `?watch=true` of this list starts: it follows v1 Namespace
            # objects (implicit namespaces have no changes to follow).
            "metadata": {
                "resourceVersion": current_resource_version(state.store, "v1", "Namespace")
            },
            "items": items,
        }
    )


@router.post(
    "/api/v1/namespaces",
    status_code=201,
    summary="Create a Namespace object",
    openapi_extra=OBJECT_BODY_DOC,
)
def create_namespace(
    body: Any = Depends(object_body),
    options: WriteOptions = Depends(write_options),
    state: ServerState = Depends(server_state),
) -> Response:
    created, warnings = _create(state, typed(body, _INFO), options)
    return written(namespaces.shown(created), warnings, status_code=201)


def _all(state: ServerState, label_selector: str | None, field_selector: str | None) -> list[Obj]:
    if state.mode == "embedded":
        return namespaces.all_namespaces(state.store, label_selector, field_selector)
    matches = object_filter("v1", "Namespace", label_selector, field_selector)
    found = (namespaces.shown(o) for o in all_objects(state.store, "v1", "Namespace", None))
    return sorted((o for o in found if matches(o)), key=lambda o: o["metadata"]["name"])


def _find(state: ServerState, name: str) -> Obj:
    """The namespace as an object. Raises NotFound."""
    if state.mode == "embedded":
        return namespaces.find_namespace(state.store, name)
    stored = namespaces.stored_namespace(state.store, name)
    if stored is None:
        raise NotFound(f'namespace "{name}" not found')
    return namespaces.shown(stored)


def _create(state: ServerState, doc: Obj, options: WriteOptions) -> Written:
    return state.client.create(doc, dry_run=options.dry_run, validation=options.validation)


@router.get("/api/v1/namespaces/{name}", summary="Read a namespace")
def read_namespace(name: str, state: ServerState = Depends(server_state)) -> Response:
    return JSONResponse(_find(state, name))


@router.put(
    "/api/v1/namespaces/{name}",
    summary="Replace a namespace's object",
    openapi_extra=OBJECT_BODY_DOC,
)
def replace_namespace(
    name: str,
    body: Any = Depends(object_body),
    options: WriteOptions = Depends(write_options),
    state: ServerState = Depends(server_state),
) -> Response:
    doc = typed(body, _INFO)
    if namespaces.stored_namespace(state.store, name) is None:
        _find(state, name)
        doc["metadata"] = {**doc["metadata"], "name": name}
        doc["metadata"].pop("resourceVersion", None)
        created, warnings = _create(state, doc, options)
    else:
        created, warnings = update_object(state, _INFO, None, name, doc, options)
    return written(namespaces.shown(created), warnings)


@router.patch(
    "/api/v1/namespaces/{name}",
    summary="Merge-patch a namespace's object",
    openapi_extra=OBJECT_BODY_DOC,
)
def patch_namespace(
    name: str,
    body: Any = Depends(object_body),
    options: WriteOptions = Depends(write_options),
    state: ServerState = Depends(server_state),
) -> Response:
    if namespaces.stored_namespace(state.store, name) is None:
        base = _find(state, name)
        base.pop("status", None)
        doc = typed(merge_patch(base, body if isinstance(body, dict) else {}), _INFO)
        doc["metadata"]["name"] = name
        doc["metadata"].pop("resourceVersion", None)
        created, warnings = _create(state, doc, options)
    else:
        created, warnings = patch_object(state, _INFO, None, name, body, options)
    return written(namespaces.shown(created), warnings)


@router.delete(
    "/api/v1/namespaces/{name}",
    summary="Delete a namespace and everything in it",
    dependencies=[Depends(no_dry_run)],
)
def delete_namespace(
    name: str,
    force: bool = Query(False, description="stop unfinished runs first"),
    state: ServerState = Depends(server_state),
) -> Response:
    refuse_deleting_system_namespace(name)  # before its contents go
    found = _find(state, name)
    unfinished = [
        r["metadata"]["name"]
        for r in all_objects(state.store, GROUP_VERSION, "WorkflowRun", name)
        if (r.get("status") or {}).get("phase") not in _FINAL
    ]
    if unfinished and not force:
        shown = ", ".join(unfinished[:_SHOWN_RUNNING])
        more = (
            f" and {len(unfinished) - _SHOWN_RUNNING} more"
            if len(unfinished) > _SHOWN_RUNNING
            else ""
        )
        raise Conflict(
            f'namespace "{name}" has {len(unfinished)} unfinished WorkflowRuns '
            f"({shown}{more}); stop them, or delete with ?force=true"
        )
    if state.mode == "embedded":
        delete_contents(state, name)
    else:
        _stop_runs(state, name)
    stored = namespaces.stored_namespace(state.store, name)
    if stored is not None:
        state.client.delete(_INFO, None, name)
    return JSONResponse({**found, "status": {"phase": "Terminating"}})


def _stop_runs(state: ServerState, namespace: str) -> None:
    """Stop every unfinished run of `namespace`, before its Namespace object goes
    and the cluster deletes the rest."""
    for run in list(all_objects(state.store, GROUP_VERSION, "WorkflowRun", namespace)):
        if (run.get("status") or {}).get("phase") in _FINAL:
            continue
        try:
            state.client.stop_run(namespace, run["metadata"]["name"], "namespace deleted")
        except (NotFound, BadRequest):
            pass  # gone, or finished meanwhile


def delete_contents(state: ServerState, namespace: str) -> None:
    """Delete every object in `namespace`: runs first (stopping unfinished ones), so
    what they own goes with them, then everything else that is left."""
    client = state.client
    run_info = by_kind(GROUP_VERSION, "WorkflowRun")
    assert run_info is not None
    for run in list(all_objects(state.store, GROUP_VERSION, "WorkflowRun", namespace)):
        try:
            client.delete(run_info, namespace, run["metadata"]["name"])
        except NotFound:
            pass  # owned by a run deleted just before
    for api_version, kind in kinds_in(state.store, namespace):
        info = by_kind(api_version, kind)
        for obj in list(all_objects(state.store, api_version, kind, namespace)):
            name = obj["metadata"]["name"]
            try:
                if info is not None:
                    client.delete(info, namespace, name)
                else:
                    # A kind the API does not serve (a listener's queued
                    # ListenerEvents, server/triggers.py): the client only writes
                    # registered kinds, and these must go with the namespace too.
                    state.store.delete(api_version, kind, namespace, name)
            except NotFound:
                pass


__all__ = ["delete_contents", "router"]
