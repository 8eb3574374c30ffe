"""WorkflowRun actions and logs (docs/api.md, WorkflowRun extensions): stop, rerun,
events, log sources and logs. The terminal lives in `terminal.py`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from ..api.objects import GROUP_VERSION
from ..client.runlogs import log_sources
from .logstream import check_step, log_lines, log_response, since_time
from .state import ServerState, server_state
from .status import JSONResponse

RUN_PATH = "/apis/batch.tensorstack.dev/v1beta1/namespaces/{namespace}/workflowruns/{name}"

router = APIRouter(tags=["workflowruns"])


def _run(state: ServerState, namespace: str, name: str) -> dict[str, object]:
    return state.store.get(GROUP_VERSION, "WorkflowRun", namespace, name)


@router.post(RUN_PATH + "/stop", summary="Stop a running run (it ends Failed, Cancelled)")
def stop_run(namespace: str, name: str, state: ServerState = Depends(server_state)) -> Response:
    return JSONResponse(state.client.stop_run(namespace, name))


@router.post(RUN_PATH + "/rerun", status_code=201, summary="Create a new run with the same spec")
def rerun(namespace: str, name: str, state: ServerState = Depends(server_state)) -> Response:
    return JSONResponse(state.client.rerun(namespace, name), status_code=201)


@router.get(RUN_PATH + "/events", summary="The run's events, oldest first")
def run_events(namespace: str, name: str, state: ServerState = Depends(server_state)) -> Response:
    run = _run(state, namespace, name)
    return JSONResponse(
        {"apiVersion": "v1", "kind": "EventList", "items": state.client.events_for(run)}
    )


@router.get(RUN_PATH + "/logsources", summary="Where the run's logs come from, in order")
def run_log_sources(
    namespace: str, name: str, state: ServerState = Depends(server_state)
) -> Response:
    run = _run(state, namespace, name)
    items = [
        {"source": s.label, "pod": s.pod_uid, "container": s.container, "kind": s.kind}
        for s in log_sources(state.store, run)
    ]
    return JSONResponse({"items": items})


@router.get(RUN_PATH + "/logs", summary="Log lines as JSON lines {source, time, text, kind}")
def run_logs(
    namespace: str,
    name: str,
    step: str | None = Query(None, description="a source label (node/step) or a step name"),
    follow: bool = Query(False, description="keep streaming until the run ends"),
    tail_lines: int | None = Query(None, alias="tailLines", ge=0),
    since_seconds: int | None = Query(None, alias="sinceSeconds", ge=0),
    state: ServerState = Depends(server_state),
) -> Response:
    run = _run(state, namespace, name)
    check_step(state.store, run, step)
    since = since_time(since_seconds)

    return log_response(
        lambda stopped: log_lines(
            state.store,
            state.client.read_logs,
            namespace,
            name,
            step=step,
            follow=follow,
            tail_lines=tail_lines,
            since=since,
            stopped=stopped,
        ),
        state.closing,
        name="treadle-api-logs",
    )


__all__ = ["RUN_PATH", "router"]
