"""What keeps other web pages from using the server through the owner's browser
(README, Security; docs/api.md, Auth).

A browser sends whatever a page asks it to, to any address, this machine's loopback
included; it only keeps the page from *reading* answers of another origin. So before
a token is looked at, every request is checked three ways:

- **Host**: the name the request was sent to must be one this server answers to: an
  IP address, `localhost`, the name it was bound to, this machine's host name, or a
  name the owner allows (`--allowed-host NAME`; `*` for any). DNS rebinding points
  a name the attacker owns at this machine, so the browser treats the server as the
  attacker's site, same-origin and readable; such a request carries the attacker's
  name and is refused (421). An address cannot be rebound, so any address is fine,
  also on a wildcard bind, where the server is reached by whatever address a
  client has for it.
- **Origin**: a request that may change something (any method but GET and HEAD) and
  every WebSocket handshake must come from this server's own pages, or from no page
  at all (the CLI, curl, webhooks send no Origin). Refused (403): an `Origin` other
  than the request's own scheme, host and port (or a host the owner allowed, for a
  proxy that rewrites Host), an opaque `Origin: null`, or `Sec-Fetch-Site:
  cross-site`. A page on another port of this machine is a different origin.
- **Content-Type**: a body sent to the API must be JSON (`application/json`, or
  `application/merge-patch+json` for a PATCH); anything else, no type included, is
  415. A page may send text/plain, form or untyped bodies anywhere without asking
  the server first; a JSON type makes the browser ask (a CORS preflight), and the
  server never allows it. A volume file upload (PUT) takes bytes of any type: no
  page can send a PUT elsewhere without asking first. A request without a body
  (run actions such as stop) needs no type.

There is no CORS: no `Access-Control-Allow-*` header is ever sent, and a preflight
from another origin is an OPTIONS with a foreign Origin, refused like any other.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .auth import API_PREFIXES
from .refusal import ASGIApp, Receive, Scope, Send, header_values, refuse

ANY_NAME = "*"
JSON_TYPES = ("application/json", "application/merge-patch+json")
_READS = ("GET", "HEAD")
_WILDCARD_BINDS = ("", "0.0.0.0", "::", "[::]")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_RAW_UPLOAD = re.compile(r"^/treadle/v1/namespaces/[^/]+/volumes/[^/]+/files/")
"""treadle/server/volumes.py: `PUT …/files/{path}` takes the file's bytes as they are."""


def split_host(text: str) -> tuple[str, int | None] | None:
    """`name[:port]` of a Host header as (lower-case name without IPv6 brackets,
    port); None when it is not one."""
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        name, rest = text[1:end], text[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:]
    else:
        name, _, port_text = text.partition(":")
        if ":" in port_text:
            return None
    if not name or (port_text and not port_text.isdigit()):
        return None
    return name.lower(), int(port_text) if port_text else None


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class HostPolicy:
    """The names a server answers to, besides any IP address."""

    names: frozenset[str]
    trusted: frozenset[str]
    """The owner's `--allowed-host` names: their pages may also write, on any port."""
    any_name: bool = False

    @classmethod
    def for_bind(cls, bind: str, allowed: Iterable[str] = ()) -> HostPolicy:
        owners = {a.strip().lower() for a in allowed if a.strip()}
        names = {"localhost", socket.gethostname().lower(), *owners}
        bound = bind.strip().lower()
        if bound not in _WILDCARD_BINDS and not is_address(bound.strip("[]")):
            names.add(bound)
        return cls(
            frozenset(names - {ANY_NAME}), frozenset(owners - {ANY_NAME}), ANY_NAME in owners
        )

    def refusal(self, host: str | None) -> str | None:
        """Why a request with this Host header is not for this server, or None."""
        if host is None:
            return None  # HTTP/1.0 without Host: not a browser
        parsed = split_host(host)
        if parsed is None:
            return f'"{host}" is not a host name'
        name = parsed[0]
        if self.any_name or is_address(name) or name in self.names:
            return None
        return (
            f'this server does not answer to the name "{name}" (it answers to '
            f"{', '.join(sorted(self.names))} and IP addresses); if that name is "
            f"yours, start the server with --allowed-host {name}"
        )

    def trusts_origin(self, origin: str) -> bool:
        parts = urlsplit(origin)
        return parts.scheme in _DEFAULT_PORTS and (parts.hostname or "") in self.trusted


def same_origin(origin: str, host: str | None) -> bool:
    """Whether `Origin` names the scheme-host-port the request was sent to."""
    if host is None:
        return False
    parts = urlsplit(origin)
    sent_to = split_host(host)
    if parts.scheme not in _DEFAULT_PORTS or sent_to is None:
        return False
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return False
    name, host_port = sent_to
    # Without a port in Host, the client used its scheme's default one.
    return (parts.hostname or "") == name and (host_port or _DEFAULT_PORTS[parts.scheme]) == port


def origin_refusal(scope: Scope, host: str | None, hosts: HostPolicy) -> str | None:
    """Why this request may not come from where it comes from, or None."""
    sites = [s.strip().lower() for s in header_values(scope, b"sec-fetch-site")]
    if "cross-site" in sites:
        return "a page of another site may not change anything here (Sec-Fetch-Site: cross-site)"
    origins = header_values(scope, b"origin")
    if not origins:
        return None
    origin = origins[0].strip()
    if len(origins) == 1 and (same_origin(origin, host) or hosts.trusts_origin(origin)):
        return None
    return (
        f'the page at "{origin}" may not change anything here or open a terminal: '
        f'only the pages of this server ("{host}") may'
    )


def content_type_refusal(scope: Scope) -> str | None:
    """Why the body of this API request is not one the API takes, or None."""
    method, path = scope.get("method", "GET"), scope.get("path", "")
    if method in (*_READS, "OPTIONS") or not path.startswith(API_PREFIXES):
        return None
    lengths = header_values(scope, b"content-length")
    chunked = bool(header_values(scope, b"transfer-encoding"))
    if not chunked and all(v.strip() == "0" for v in lengths):
        return None  # no body: an action, or a DELETE
    if method == "PUT" and _RAW_UPLOAD.match(path):
        return None
    types = header_values(scope, b"content-type")
    media = types[0].split(";")[0].strip().lower() if types else ""
    if media in JSON_TYPES and len(types) == 1:
        return None
    what = f'Content-Type "{media}"' if media else "a body without a Content-Type"
    return (
        f"{what} is not accepted: send application/json "
        "(or application/merge-patch+json for a PATCH)"
    )


class WebGuard:
    """The Host, Origin and Content-Type checks, in front of everything else."""

    def __init__(self, app: ASGIApp, hosts: HostPolicy) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        hosts = header_values(scope, b"host")
        host = hosts[0] if hosts else None
        why = "more than one Host header" if len(hosts) > 1 else self.hosts.refusal(host)
        if why is not None:
            await refuse(scope, send, 421, why, reason="MisdirectedRequest")
            return
        websocket = scope["type"] == "websocket"
        if websocket or scope.get("method") not in _READS:
            why = origin_refusal(scope, host, self.hosts)
            if why is not None:
                await refuse(scope, send, 403, why)
                return
        why = None if websocket else content_type_refusal(scope)
        if why is not None:
            await refuse(scope, send, 415, why)
            return
        await self.app(scope, receive, send)


__all__ = [
    "ANY_NAME",
    "JSON_TYPES",
    "HostPolicy",
    "WebGuard",
    "content_type_refusal",
    "origin_refusal",
    "same_origin",
    "split_host",
]
