"""Operations endpoints: health, readiness, metrics, server info and kind schemas."""

from __future__ import annotations

import functools
from importlib import metadata
from typing import Any

from fastapi import APIRouter, Depends
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from ..api.kinds import lookup
from ..api.objects import GROUP_VERSION
from ..api.schema import json_schema
from ..errors import NotFound
from ..store.base import ChangeFeed, current_resource_version
from .state import ServerState, server_state
from .status import JSONResponse, status_response

router = APIRouter(tags=["operations"])


def version() -> str:
    try:
        return metadata.version("treadle")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@router.get("/healthz", summary="The process is up")
async def healthz() -> Response:
    return PlainTextResponse("ok")


@router.get("/readyz", summary="The store answers; says who drives runs")
def readyz(state: ServerState = Depends(server_state)) -> Response:
    """`resourceVersion` is the store's newest change where it is a ChangeFeed (the
    embedded store), otherwise where a WorkflowRun list is taken: either way the
    store answered a read."""
    store = state.store
    try:
        if isinstance(store, ChangeFeed):
            rv = store.head()
        else:
            rv = current_resource_version(store, GROUP_VERSION, "WorkflowRun")
    except Exception as exc:
        return status_response(503, f"the store does not answer: {exc}")
    return JSONResponse(
        {
            "status": "ok",
            "store": "ok",
            "resourceVersion": rv,
            "controller": state.controller_state(),
        }
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
async def metrics(state: ServerState = Depends(server_state)) -> Response:
    body = await run_in_threadpool(generate_latest, state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/treadle/v1/info", summary="Version, mode (embedded or kubernetes), sandboxing and controller"
)
def info(state: ServerState = Depends(server_state)) -> Response:
    return JSONResponse(
        {
            "version": version(),
            "mode": state.mode,
            "sandboxed": bool(getattr(state.client.runtime, "sandboxed", False)),
            "controller": state.controller_state(),
            "auth": "token" if state.auth.required else "none",
        }
    )


@router.get("/treadle/v1/schemas/{kind}", summary="The JSON Schema of a kind, for editors")
def schema(kind: str) -> Response:
    info = lookup(kind)
    if info is None or info.model is None:
        raise NotFound(
            f'no schema for kind "{kind}" (workflow kinds have one: '
            "WorkflowTemplate, WorkflowRun, CronWorkflowRun, EventListener, "
            "WorkflowTrigger)"
        )
    return JSONResponse(_schema(info.kind))


@functools.cache
def _schema(kind: str) -> dict[str, Any]:
    info = lookup(kind)
    assert info is not None
    return json_schema(info)


__all__ = ["router", "version"]
