"""A pod's container logs as the cluster's API serves them (`pods/log`): what the
run-log readers (client/runlogs.py) get on Kubernetes in place of the local runtime."""

from __future__ import annotations

from urllib.parse import quote

from ..client.runlogs import LogSource
from ..errors import BadRequest, NotFound
from ..runtime.base import LogLine
from .transport import Transport, decode_status


def parse_log(container: str, body: str) -> list[LogLine]:
    """Lines of a `timestamps=true` log: each starts with its RFC 3339 time."""
    lines = []
    for raw in body.splitlines():
        stamp, _, text = raw.partition(" ")
        lines.append(LogLine(container, stamp, text))
    return lines


class PodLogs:
    """Reads logs through the store's connection to the API server."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def read(self, source: LogSource, since_time: str | None = None) -> list[LogLine]:
        namespace, pod = source.pod
        if not pod:
            raise NotFound(f"no pod for {source.label}")
        path = f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(pod)}/log"
        query = [("container", source.container), ("timestamps", "true")]
        if since_time:
            query.append(("sinceTime", since_time))
        response = self.transport.open("GET", path, query, accept="*/*")
        if response.status >= 400:
            message = str(decode_status(response.status, response.data).get("message"))
            # A container that has not started has no log yet: the API says 400.
            if response.status in (400, 404):
                raise NotFound(message)
            raise BadRequest(f"cannot read the log of pod {pod}: {message}")
        return parse_log(source.container, response.data.decode("utf-8", errors="replace"))
