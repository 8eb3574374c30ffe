"""The WebSocket channel protocols of `pods/exec`, as a kubelet speaks them.

Every message starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 the
command's status, 4 terminal resizes (`{"Width": W, "Height": H}`, JSON objects one
after another). `channel.k8s.io` puts the channel in a byte before the raw data;
`base64.channel.k8s.io` sends text: the channel as a digit, then the data in
base64. A client asking for no subprotocol gets `channel.k8s.io`.

The `v4.` variants say how the command ended as a v1 Status in JSON, success
included, with the exit code of a failure in its `ExitCode` cause; the older
ones send only a failure's message, as text.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

STDIN, STDOUT, STDERR, ERROR, RESIZE = range(5)


@dataclass(frozen=True)
class Subprotocol:
    name: str
    base64: bool
    v4: bool
    """Statuses as JSON, success included (else only a failure's message)."""


SUBPROTOCOLS = {
    p.name: p
    for p in (
        Subprotocol("v4.channel.k8s.io", base64=False, v4=True),
        Subprotocol("v4.base64.channel.k8s.io", base64=True, v4=True),
        Subprotocol("channel.k8s.io", base64=False, v4=False),
        Subprotocol("base64.channel.k8s.io", base64=True, v4=False),
    )
}
PLAIN = SUBPROTOCOLS["channel.k8s.io"]
"""What a client that names no subprotocol speaks."""


def negotiate(offered: list[str]) -> Subprotocol | None:
    """The first offered subprotocol this node speaks (a client's order is its
    preference); `channel.k8s.io` when none is offered; None when none fits."""
    if not offered:
        return PLAIN
    return next((SUBPROTOCOLS[p] for p in offered if p in SUBPROTOCOLS), None)


def offered_subprotocols(header_values: list[str]) -> list[str]:
    """The names in `Sec-WebSocket-Protocol` headers (comma-separated, maybe several)."""
    return [p.strip() for value in header_values for p in value.split(",") if p.strip()]


def encode(protocol: Subprotocol, channel: int, data: bytes) -> bytes | str:
    """One message carrying `data` on `channel`: a binary frame, or a text one."""
    if protocol.base64:
        return str(channel) + base64.b64encode(data).decode("ascii")
    return bytes([channel]) + data


def decode(protocol: Subprotocol, message: bytes | str) -> tuple[int, bytes] | None:
    """The channel and data of a client's message; None for one that carries none
    (empty, or not valid base64), which a kubelet skips too."""
    raw = message.encode() if isinstance(message, str) else message
    if not raw:
        return None
    if protocol.base64:
        channel = raw[0] - ord("0")
        try:
            return channel, base64.b64decode(raw[1:], validate=True)
        except (binascii.Error, ValueError):
            return None
    return raw[0], raw[1:]


def success() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exited(code: int) -> dict[str, Any]:
    """How a command that ended with `code` is reported."""
    if code == 0:
        return success()
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: exit status {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def internal_error(message: str) -> dict[str, Any]:
    """A command that could not be run at all."""
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"Internal error occurred: {message}",
        "reason": "InternalError",
        "details": {"causes": [{"message": message}]},
        "code": 500,
    }


def status_message(protocol: Subprotocol, status: dict[str, Any]) -> bytes | None:
    """What the status channel carries for `status`; None: nothing (a success, in
    the older protocols)."""
    if protocol.v4:
        return json.dumps(status, separators=(",", ":")).encode()
    if status.get("status") == "Success":
        return None
    return str(status.get("message", "")).encode()


class ResizeReader:
    """Terminal sizes out of the resize channel's bytes: JSON objects one after
    another, which a message may split or join."""

    def __init__(self) -> None:
        self._pending = ""
        self._decoder = json.JSONDecoder()

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        """The (cols, rows) of every object completed by `data`. Objects without a
        positive whole Width and Height are skipped."""
        self._pending += data.decode("utf-8", "replace")
        sizes: list[tuple[int, int]] = []
        while True:
            text = self._pending.lstrip()
            if not text:
                self._pending = ""
                return sizes
            try:
                value, end = self._decoder.raw_decode(text)
            except ValueError:
                if len(text) > 4096:  # never a size: drop what cannot become one
                    text = ""
                self._pending = text
                return sizes
            self._pending = text[end:]
            if isinstance(value, dict):
                width, height = value.get("Width"), value.get("Height")
                if (
                    isinstance(width, int)
                    and isinstance(height, int)
                    and not isinstance(width, bool)
                    and not isinstance(height, bool)
                    and width > 0
                    and height > 0
                ):
                    sizes.append((width, height))
