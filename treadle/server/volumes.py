"""Embedded volumes (docs/api.md, Volumes): the directories behind PVC names, at
`home.volume(namespace, name)`, listed, created, browsed, filled and emptied.

A file path is relative to its volume and may not leave it: `..` segments, absolute
paths and symlinks that resolve outside the volume are refused with 400.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from ..core.names import is_dns1123_label, is_dns1123_subdomain, name_field_errors
from ..errors import AlreadyExists, BadRequest, FieldError, NotFound, ValidationError
from .state import ServerState, server_state
from .status import JSONResponse

VOLUMES = "/treadle/v1/namespaces/{namespace}/volumes"
ONE = VOLUMES + "/{name}"

router = APIRouter(tags=["volumes"])


def _root(state: ServerState, namespace: str, name: str) -> Path:
    """The volume's directory. Raises NotFound (also for names that cannot be one)."""
    if not (is_dns1123_label(namespace) and is_dns1123_subdomain(name)):
        raise NotFound(f'volume "{name}" not found in namespace "{namespace}"')
    root = state.home.volume(namespace, name)
    if not root.is_dir():
        raise NotFound(f'volume "{name}" not found in namespace "{namespace}"')
    return root


def resolve_inside(root: Path, relative: str) -> Path:
    """`relative` under `root`. Raises BadRequest when it would leave the volume."""
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if relative.startswith("/") or ".." in parts or "\x00" in relative:
        raise BadRequest(f'path "{relative}" must stay inside the volume (no "..", not absolute)')
    path = root.joinpath(*parts)
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        raise BadRequest(f'path "{relative}" leaves the volume (through a symlink)')
    return path


def _usage(root: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            files += 1
            try:
                size += os.lstat(os.path.join(dirpath, n)).st_size
            except OSError:
                pass
    return files, size


def _entry(path: Path) -> dict[str, Any]:
    info = path.lstat()
    kind = "dir" if path.is_dir() else "file"
    modified = datetime.fromtimestamp(info.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "name": path.name,
        "type": kind,
        "size": info.st_size if kind == "file" else 0,
        "modified": modified,
    }


def _volume(name: str, root: Path) -> dict[str, Any]:
    files, size = _usage(root)
    return {"name": name, "files": files, "bytes": size}


@router.get(VOLUMES, summary="List volumes")
def list_volumes(namespace: str, state: ServerState = Depends(server_state)) -> Response:
    base = state.home.volumes / namespace
    items = []
    if is_dns1123_label(namespace) and base.is_dir():
        items = [_volume(d.name, d) for d in sorted(base.iterdir()) if d.is_dir()]
    return JSONResponse({"items": items})


@router.post(VOLUMES, status_code=201, summary='Create a volume: body {"name": "x"}')
def create_volume(
    namespace: str, body: dict[str, Any] = Body(...), state: ServerState = Depends(server_state)
) -> Response:
    name = body.get("name")
    errors = name_field_errors("metadata.namespace", namespace, label=True)
    if not isinstance(name, str) or not name:
        errors.append(FieldError("name", "required"))
    else:
        errors += name_field_errors("name", name)
    if errors:
        raise ValidationError(errors, f'volume "{name}"' if isinstance(name, str) else "")
    assert isinstance(name, str)
    root = state.home.volume(namespace, name)
    root.parent.mkdir(parents=True, exist_ok=True)
    try:
        root.mkdir()
    except FileExistsError:
        raise AlreadyExists(f'volume "{name}" already exists in namespace "{namespace}"') from None
    return JSONResponse(_volume(name, root), status_code=201)


@router.delete(ONE, summary="Delete a volume and all its files")
def delete_volume(
    namespace: str, name: str, state: ServerState = Depends(server_state)
) -> Response:
    root = _root(state, namespace, name)
    shutil.rmtree(root)
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
        return JSONResponse({"items": [_entry(p) for p in entries]})
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
    entry = await run_in_threadpool(_entry, target)
    return JSONResponse(entry, status_code=200 if existed else 201)


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
