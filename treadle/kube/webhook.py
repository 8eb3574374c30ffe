"""The admission webhook over HTTPS: `POST` an AdmissionReview to any path, get the
judgement of kube/admission.py; `GET /healthz` for the readiness probe.

The templates a run refers to are read from the cluster (with the webhook's own
credentials), so a run is judged against its stored template as `treadle apply`
judges it.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kubernetes.client import ApiClient

from ..api.kinds import by_kind
from ..api.policy import Policy
from ..client.admission import TemplateSource
from ..errors import NotFound
from . import admission
from .apply import KubeError, request

log = logging.getLogger("treadle.webhook")

MAX_BODY = 16 * 1024 * 1024
"""Larger than any review of an object the API server stores (3 MiB a request)."""


class ClusterTemplates:
    """Stored objects read from the API server, as admission asks for them."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Any:
        info = by_kind(api_version, kind)
        if info is None:
            raise NotFound(f'{kind} "{name}" not found')
        url = f"/apis/{info.api_version}/namespaces/{namespace or 'default'}/{info.plural}/{name}"
        try:
            return request(self.api, "GET", url)
        except KubeError as exc:
            if exc.status == 404:
                raise NotFound(f'{kind} "{name}" not found') from None
            raise


class NoTemplates:
    """No cluster to read from: every template is taken as not stored (yet)."""

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Any:
        raise NotFound(f'{kind} "{name}" not found')


Judge = Callable[[bytes], dict[str, Any]]


def judge_with(templates: TemplateSource, policy: Policy) -> Judge:
    def judge(body: bytes) -> dict[str, Any]:
        try:
            return admission.review(body, templates, policy)
        except Exception:
            # A bug must not become a traceback for the API server (nor admit
            # anything): refuse, and keep the traceback in the log.
            log.exception("admission failed")
            return _internal_error(body)

    return judge


def _internal_error(body: bytes) -> dict[str, Any]:
    try:
        uid = str(json.loads(body)["request"]["uid"])
    except (ValueError, KeyError, TypeError):
        uid = ""
    return {
        "apiVersion": admission.API_VERSION,
        "kind": "AdmissionReview",
        "response": {
            "uid": uid,
            "allowed": False,
            "status": {"code": 500, "message": "the Treadle webhook failed; see its log"},
        },
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30
    """Seconds a connection may stay silent: the API server gives up after 10."""

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(200, b"ok\n", "text/plain")
        else:
            self._send(404, b"not found\n", "text/plain")

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._send(413, b"request body missing or too large\n", "text/plain")
            return
        body = self.rfile.read(length)
        answer = self.server.judge(body)
        self._send(200, json.dumps(answer).encode(), "application/json")

    def _send(self, code: int, data: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], judge: Judge, context: ssl.SSLContext) -> None:
        super().__init__(address, _Handler)
        self.judge = judge
        # The handshake happens in the connection's thread, so a client that never
        # finishes it holds only that thread, not the accepting loop.
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up or speaks plain HTTP: one line, not a traceback.
        log.info("connection from %s failed", client_address)


class WebhookServer:
    """The webhook listening on `host:port` (0: any free port) with the given
    certificate; `serve_forever` until `shutdown`."""

    def __init__(self, judge: Judge, cert: Path, key: Path, host: str, port: int) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(cert), str(key))
        self._server = _Server((host, port), judge, context)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"https://{shown}:{port}"

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.5)

    def shutdown(self) -> None:
        # From another thread: serve_forever returns, then the socket closes.
        threading.Thread(target=self._server.shutdown, daemon=True).start()

    def close(self) -> None:
        self._server.server_close()


__all__ = ["ClusterTemplates", "NoTemplates", "WebhookServer", "judge_with"]
