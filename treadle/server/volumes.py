"""Embedded volumes (docs/api.md, Volumes): the directories behind PVC names, at
`Home.volume(namespace, name)`, listed, created, browsed, filled and emptied.

A file path is relative to its volume and may not leave it: `..` segments, absolute
paths, backslashes, NUL bytes and symlinks that lead outside the volume are refused
with 400. Every file operation works from fds of the volume's directories (see
`client/volumes.py`), so swapping a path for a symlink while a request runs cannot
make it read or write anything outside; such races end in 4xx errors.

A server of a Kubernetes cluster has no such directories: a volume there is a
PersistentVolumeClaim on the cluster's storage, whose files the server cannot
reach. Every route here then answers 501, saying where claims are instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from ..client.volumes import OpenFile, Volumes
from .state import ServerState, server_state
from .status import JSONResponse, NotOnThisHome

CHUNK = 1 << 16
"""Bytes read from a file per chunk of a download."""

VOLUMES = "/treadle/v1/namespaces/{namespace}/volumes"
ONE = VOLUMES + "/{name}"

router = APIRouter(tags=["volumes"])


def _volumes(state: ServerState, namespace: str) -> Volumes:
    """The data directory's volumes; on a cluster, 501."""
    if state.home is None:
        raise NotOnThisHome(
            "on a Kubernetes cluster a volume is a PersistentVolumeClaim on the cluster's "
            "storage, and this server does not reach its files: the claims are at "
            f"/api/v1/namespaces/{namespace}/persistentvolumeclaims; reach their files "
            "from a pod that mounts them (a run's step, or kubectl cp)"
        )
    return Volumes(state.home)


@router.get(VOLUMES, summary="List volumes")
def list_volumes(namespace: str, state: ServerState = Depends(server_state)) -> Response:
    return JSONResponse({"items": _volumes(state, namespace).in_namespace(namespace)})


@router.post(VOLUMES, status_code=201, summary='Create a volume: body {"name": "x"}')
def create_volume(
    namespace: str, body: dict[str, Any] = Body(...), state: ServerState = Depends(server_state)
) -> Response:
    return JSONResponse(
        _volumes(state, namespace).create(namespace, body.get("name")), status_code=201
    )


@router.delete(ONE, summary="Delete a volume and all its files")
def delete_volume(
    namespace: str, name: str, state: ServerState = Depends(server_state)
) -> Response:
    _volumes(state, namespace).delete(namespace, name)
    return JSONResponse(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Success",
            "details": {"name": name, "kind": "volumes"},
        }
    )


@router.get(ONE + "/files", summary="List the volume's top directory")
@router.get(ONE + "/files/{path:path}", summary="List a directory, or read a file")
def read_path(
    namespace: str,
    name: str,
    path: str = "",
    download: bool = Query(False, description="ask the browser to save the file"),
    state: ServerState = Depends(server_state),
) -> Response:
    found = _volumes(state, namespace).read(namespace, name, path)
    if not isinstance(found, OpenFile):
        return JSONResponse({"items": found})
    disposition = "attachment" if download else "inline"
    if download:
        quoted = quote(found.name)
        disposition += (
            f'; filename="{found.name}"' if quoted == found.name else f"; filename*=utf-8''{quoted}"
        )
    return StreamingResponse(
        _chunks(os.fdopen(found.fd, "rb", buffering=0), found.size),
        media_type="application/octet-stream",
        headers={"content-length": str(found.size), "content-disposition": disposition},
    )


def _chunks(f: Any, size: int) -> Iterator[bytes]:
    """At most `size` bytes of the open file, which this closes: no more than the
    length announced, even if the file grows meanwhile."""
    with f:
        while size > 0:
            data = f.read(min(CHUNK, size))
            if not data:
                return
            size -= len(data)
            yield data


@router.put(
    ONE + "/files/{path:path}",
    summary="Upload the request body as this file",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def write_file(
    namespace: str,
    name: str,
    path: str,
    request: Request,
    state: ServerState = Depends(server_state),
) -> Response:
    upload = await run_in_threadpool(_volumes(state, namespace).upload, namespace, name, path)
    try:
        async for chunk in request.stream():
            await run_in_threadpool(upload.write, chunk)
    except BaseException:
        upload.abort()
        raise
    written = await run_in_threadpool(upload.commit)
    return JSONResponse(written, status_code=200 if upload.existed else 201)


@router.delete(ONE + "/files/{path:path}", summary="Delete a file or a directory")
def delete_path(
    namespace: str, name: str, path: str, state: ServerState = Depends(server_state)
) -> Response:
    _volumes(state, namespace).remove(namespace, name, path)
    return JSONResponse(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Success",
            "details": {"name": path, "kind": "files"},
        }
    )


__all__ = ["router"]
