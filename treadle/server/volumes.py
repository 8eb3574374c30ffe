"""Embedded volumes (docs/api.md, Volumes): the directories behind PVC names, at
`home.volume(namespace, name)`, listed, created, browsed, filled and emptied.

A file path is relative to its volume and may not leave it: `..` segments, absolute
paths and symlinks that resolve outside the volume are refused with 400.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from ..client.volumes import Volumes, entry, resolve_inside
from ..errors import BadRequest, NotFound
from .state import ServerState, server_state
from .status import JSONResponse

VOLUMES = "/treadle/v1/namespaces/{namespace}/volumes"
ONE = VOLUMES + "/{name}"

router = APIRouter(tags=["volumes"])


def _root(state: ServerState, namespace: str, name: str) -> Path:
    return Volumes(state.home).root(namespace, name)


@router.get(VOLUMES, summary="List volumes")
def list_volumes(namespace: str, state: ServerState = Depends(server_state)) -> Response:
    return JSONResponse({"items": Volumes(state.home).in_namespace(namespace)})


@router.post(VOLUMES, status_code=201, summary='Create a volume: body {"name": "x"}')
def create_volume(
    namespace: str, body: dict[str, Any] = Body(...), state: ServerState = Depends(server_state)
) -> Response:
    return JSONResponse(Volumes(state.home).create(namespace, body.get("name")), status_code=201)


@router.delete(ONE, summary="Delete a volume and all its files")
def delete_volume(
    namespace: str, name: str, state: ServerState = Depends(server_state)
) -> Response:
    Volumes(state.home).delete(namespace, name)
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
    target = resolve_inside(_root(state, namespace, name), path)
    if target.is_dir():
        entries = sorted(target.iterdir(), key=lambda p: (not p.is_dir(), p.name))
        return JSONResponse({"items": [entry(p) for p in entries]})
    if not target.is_file():
        raise NotFound(f'"{path}" not found in volume "{name}"')
    return FileResponse(
        target,
        filename=target.name if download else None,
        content_disposition_type="attachment" if download else "inline",
        media_type="application/octet-stream",
    )


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
    target, existed = await run_in_threadpool(_upload_target, state, namespace, name, path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            async for chunk in request.stream():
                await run_in_threadpool(f.write, chunk)
        await run_in_threadpool(os.replace, tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    written = await run_in_threadpool(entry, target)
    return JSONResponse(written, status_code=200 if existed else 201)


def _upload_target(state: ServerState, namespace: str, name: str, path: str) -> tuple[Path, bool]:
    """Where an upload goes (parents made), and whether a file is there already."""
    root = _root(state, namespace, name)
    target = resolve_inside(root, path)
    if not path.strip("/") or target.is_dir():
        raise BadRequest(f'"{path}" is a directory; name a file to upload to')
    _make_parents(root, target)
    return target, target.exists()


def _make_parents(root: Path, target: Path) -> None:
    for parent in reversed(target.relative_to(root).parents):
        directory = root / parent
        if directory.exists() and not directory.is_dir():
            raise BadRequest(f'"{parent}" is a file, not a directory')
    target.parent.mkdir(parents=True, exist_ok=True)


@router.delete(ONE + "/files/{path:path}", summary="Delete a file or a directory")
def delete_path(
    namespace: str, name: str, path: str, state: ServerState = Depends(server_state)
) -> Response:
    root = _root(state, namespace, name)
    target = resolve_inside(root, path)
    if target == root:
        raise BadRequest(
            "name a file or directory; delete the volume itself with "
            f"DELETE {VOLUMES.format(namespace=namespace)}/{name}"
        )
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists() or target.is_symlink():
        target.unlink()
    else:
        raise NotFound(f'"{path}" not found in volume "{name}"')
    return JSONResponse(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Success",
            "details": {"name": path, "kind": "files"},
        }
    )


__all__ = ["resolve_inside", "router"]
