"""The logs of an object other than a WorkflowRun (docs/api.md): a pod's containers,
or those of the pods an object controls: a T9k job's replicas, a SimpleMLService's.
The same JSON lines `{source, time, text, kind}` as a run's logs, sources labelled
`<pod>/<container>`; `treadle logs <kind> <name>` reads them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from ..api.kinds import KindInfo, by_plural
from ..client.runlogs import object_sources
from ..errors import NotFound
from .logstream import log_response, object_log_lines, since_time, wanted
from .state import ServerState, server_state

router = APIRouter(tags=["logs"])


def _kind(group: str, version: str, plural: str) -> KindInfo:
    info = by_plural(group, version, plural)
    if info is None or not info.namespaced:
        where = f"{group}/{version}" if group else version
        raise NotFound(f'the server has no namespaced resource "{plural}" in {where}')
    return info


def _logs(
    state: ServerState,
    info: KindInfo,
    namespace: str,
    name: str,
    step: str | None,
    follow: bool,
    tail_lines: int | None,
    since_seconds: int | None,
) -> Response:
    obj = state.store.get(info.api_version, info.kind, namespace, name)
    if step is not None:
        sources = object_sources(state.store, obj)
        if sources and not any(wanted(s, step) for s in sources):
            known = ", ".join(s.label for s in sources)
            raise NotFound(f'{info.kind} "{name}" has no pod or container "{step}" ({known})')
    since = since_time(since_seconds)

    return log_response(
        lambda stopped: object_log_lines(
            state.store,
            state.client.read_logs,
            info.api_version,
            info.kind,
            namespace,
            name,
            step=step,
            follow=follow,
            tail_lines=tail_lines,
            since=since,
            stopped=stopped,
        ),
        state.closing,
        name="treadle-api-object-logs",
    )


STEP = Query(None, description="a pod name, or a `<pod>/<container>` label")
FOLLOW = Query(False, description="keep streaming until the object ends or is deleted")


@router.get(
    "/apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}/logs",
    summary="Log lines of the pods an object controls, as JSON lines",
)
def group_object_logs(
    group: str,
    version: str,
    namespace: str,
    plural: str,
    name: str,
    step: str | None = STEP,
    follow: bool = FOLLOW,
    tail_lines: int | None = Query(None, alias="tailLines", ge=0),
    since_seconds: int | None = Query(None, alias="sinceSeconds", ge=0),
    state: ServerState = Depends(server_state),
) -> Response:
    info = _kind(group, version, plural)
    return _logs(state, info, namespace, name, step, follow, tail_lines, since_seconds)


@router.get(
    "/api/{version}/namespaces/{namespace}/{plural}/{name}/logs",
    summary="Log lines of a pod's containers (or of the pods an object controls)",
)
def core_object_logs(
    version: str,
    namespace: str,
    plural: str,
    name: str,
    step: str | None = STEP,
    follow: bool = FOLLOW,
    tail_lines: int | None = Query(None, alias="tailLines", ge=0),
    since_seconds: int | None = Query(None, alias="sinceSeconds", ge=0),
    state: ServerState = Depends(server_state),
) -> Response:
    info = _kind("", version, plural)
    return _logs(state, info, namespace, name, step, follow, tail_lines, since_seconds)


__all__ = ["router"]
