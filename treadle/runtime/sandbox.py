"""Where a container's paths come from: the bubblewrap (bwrap) layout, or the host's own.

Sandboxed, a container sees:

- bwrap's own root, an empty tmpfs, on which new mount points (`/t9k/workspaces/x`,
  `/data`) can be created;
- every top-level directory of the host bound read-only on its own (`/usr`, `/etc`,
  `/home`, `/work` …; top-level symlinks such as `/bin -> usr/bin` copied as symlinks),
  so programs and the project itself stay reachable; `/t9k`, `/proc`, `/dev`, `/tmp`
  and `/lost+found` are not taken from the host;
- a fresh `/dev` (plus the host's GPU devices), a `/proc` of its own pid namespace and
  a fresh, writable tmpfs `/tmp`;
- the directories in `hide` (the runtime's own state) covered by empty tmpfs;
- each `Mount` bound at its `container_path`, parents before children, read-only when
  asked;
- its working dir (default `/`), created when missing: on the root or `/tmp` tmpfs
  (discarded with the sandbox) or inside a writable mount (kept on the host).

A mount point or working dir that does not exist inside a read-only host directory
(say `/usr/share/x`) cannot be created; that is reported as a `MountError` naming the
path. The sandbox isolates paths and processes (`--unshare-pid`, `--die-with-parent`:
nothing outlives the supervisor); it is not a security boundary: the network, the
user and the host's files (read-only) are shared.

Unsandboxed, a container runs on the host: a mount can only be honoured where its
`container_path` is its `host_path`, and read-only is not enforced.
"""

from __future__ import annotations

import functools
import glob
import os
import posixpath
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from treadle.runtime.base import ContainerPlan, Mount

NOT_FROM_HOST = frozenset({"proc", "dev", "tmp", "t9k", "lost+found"})
"""Top-level names bwrap provides itself, or that the API reserves (`/t9k`)."""
GPU_DEVICES = ("/dev/nvidia*", "/dev/nvidia-caps", "/dev/dri", "/dev/kfd")
"""Host devices added to the sandbox's minimal /dev, where present."""


class MountError(Exception):
    """A mount or working dir that cannot be provided; the message names the path."""


@dataclass(frozen=True)
class HostLayout:
    """What of the host's root a sandbox shows."""

    dirs: tuple[str, ...]
    symlinks: tuple[tuple[str, str], ...]
    """(target, path) of each top-level symlink."""
    devices: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def host_layout() -> HostLayout:
    dirs: list[str] = []
    links: list[tuple[str, str]] = []
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        if entry.name in NOT_FROM_HOST:
            continue
        if entry.is_symlink():
            links.append((os.readlink(entry.path), entry.path))
        elif entry.is_dir():
            dirs.append(entry.path)
    devices = sorted({p for pattern in GPU_DEVICES for p in glob.glob(pattern)})
    return HostLayout(tuple(dirs), tuple(links), tuple(devices))


@dataclass(frozen=True)
class _Layer:
    path: str
    source: str | None
    """The host path shown at `path`; None for an empty tmpfs."""
    read_only: bool


def bwrap_args(
    container: ContainerPlan, *, hide: Sequence[str] = (), layout: HostLayout | None = None
) -> list[str]:
    """bwrap's options for `container`, ending with `--` (the command follows).

    Raises MountError for a mount or working dir the sandbox cannot provide."""
    layout = layout or host_layout()
    args = ["--die-with-parent", "--unshare-pid"]
    layers = [_Layer("/", None, False)]
    for d in layout.dirs:
        args += ["--ro-bind", d, d]
        layers.append(_Layer(d, d, True))
    for target, link in layout.symlinks:
        args += ["--symlink", target, link]
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    layers += [_Layer("/dev", None, False), _Layer("/tmp", None, False)]
    for dev in layout.devices:
        args += ["--dev-bind", dev, dev]
    for h in hide:
        if _covering(h, layers).source is not None:  # not already out of sight in a tmpfs
            args += ["--tmpfs", h]
            layers.append(_Layer(h, None, False))
    links = {link: target for target, link in layout.symlinks}
    for m in sorted(container.mounts, key=lambda m: _depth(m.container_path)):
        dest = _check_mount_path(m)
        if not os.path.exists(m.host_path):
            raise MountError(f'mount at "{dest}": host path "{m.host_path}" does not exist')
        _check_creatable(_through_links(dest, links), layers, f'mount at "{dest}"')
        args += ["--ro-bind" if m.read_only else "--bind", m.host_path, dest]
        layers.append(_Layer(dest, m.host_path, m.read_only))
    workdir = posixpath.normpath(container.working_dir or "/")
    if not workdir.startswith("/"):
        raise MountError(f'workingDir "{container.working_dir}": must be an absolute path')
    if not _check_creatable(_through_links(workdir, links), layers, f'workingDir "{workdir}"'):
        args += ["--dir", workdir]
    args += ["--chdir", workdir, "--"]
    return args


def check_unsandboxed(container: ContainerPlan) -> None:
    """Without a sandbox a mount exists only where the host already has it: raise
    MountError for a mount whose container path is not its host path."""
    for m in container.mounts:
        dest = _check_mount_path(m)
        host = posixpath.normpath(m.host_path)
        if host != dest and os.path.realpath(host) != os.path.realpath(dest):
            raise MountError(
                f'mount at "{dest}": this host has no sandbox (bubblewrap), so a volume '
                f'can only appear at its host path "{m.host_path}"'
            )


@functools.lru_cache(maxsize=4)
def bwrap_works(bwrap: str) -> bool:
    """True if `bwrap` can run a command with the layout `bwrap_args` builds (it needs
    unprivileged user namespaces or setuid, and the right to mount /proc)."""
    try:
        args = bwrap_args(ContainerPlan(name="probe", argv=["true"]))
        done = subprocess.run(
            [bwrap, *args, "true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, MountError):
        return False
    return done.returncode == 0


def _depth(path: str) -> int:
    return len([p for p in posixpath.normpath(path).split("/") if p])


def _check_mount_path(m: Mount) -> str:
    dest = posixpath.normpath(m.container_path)
    if not dest.startswith("/") or ".." in m.container_path.split("/"):
        raise MountError(f'mount at "{m.container_path}": must be an absolute path without ".."')
    if dest in ("/", "/proc", "/dev"):
        raise MountError(f'mount at "{dest}": the path is reserved by the sandbox')
    return dest


def _through_links(path: str, links: dict[str, str]) -> str:
    """`path` with a leading top-level symlink resolved (`/bin/x` -> `/usr/bin/x`)."""
    top = "/" + path.split("/")[1]
    if top in links:
        target = links[top]
        return posixpath.normpath(posixpath.join("/", target) + path[len(top) :])
    return path


def _covering(path: str, layers: list[_Layer]) -> _Layer:
    """The layer that shows `path`: the last, deepest one at or above it."""
    return max(
        (la for la in layers if path == la.path or path.startswith(la.path.rstrip("/") + "/")),
        key=lambda la: len(la.path),
    )


def _check_creatable(path: str, layers: list[_Layer], what: str) -> bool:
    """Whether `path` already exists in the sandbox; raise MountError if it does not and
    cannot be created there because the layer it would be created in is read-only."""
    layer = _covering(path, layers)
    if layer.source is None:
        return path == layer.path
    on_host = posixpath.join(layer.source, posixpath.relpath(path, layer.path))
    if os.path.exists(on_host):
        return True
    if layer.read_only:
        raise MountError(
            f"{what}: {path} cannot be created in the sandbox: it does not exist on the "
            f"host and {layer.path} is mounted read-only"
        )
    return False
