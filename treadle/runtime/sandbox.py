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
- in that `/tmp`, read-only at their own paths, the host directories under `/tmp`
  that the container's command names (`shown_programs`): an absolute command's
  directory, and those of its PATH, a `bin` with its prefix. A virtual environment
  kept under `/tmp` is then the `python` PATH finds, as it is anywhere else, not
  silently some other one;
- the directories in `hide` covered by empty tmpfs: the data directory (its database
  holds every namespace's secrets, its volumes every namespace's files) and the
  runtime's own state;
- each `Mount` bound at its `container_path`, parents before children, read-only when
  asked. Its source is opened when the container starts (`runtime/binds.py`): its
  `sub_path` resolved beneath its volume, never through a symlink out of it, and
  handed to bwrap as an fd (`--bind-fd`), so nothing renamed afterwards changes what
  is mounted. bwrap resolves bind sources in the host's root, so a volume inside a
  hidden directory is still mounted;
- its working dir (default `/`), created when missing: on the root or `/tmp` tmpfs
  (discarded with the sandbox) or inside a writable mount (kept on the host, made
  beneath the mount when the container starts).

A mount point that does not exist inside a read-only host directory (say
`/var/lib/t9k/model`) is made on a tmpfs put over the deepest directory of it the
host has, which shows that directory's entries bound one by one (`_split_for`). A
working dir there, or a mount point inside a read-only mount, cannot be created;
that is reported as a `MountError` naming the path. The sandbox isolates paths
and processes (`--unshare-pid`, `--die-with-parent`: nothing outlives the
supervisor); it is not a complete security boundary: the network, the user and the
host's files outside the data directory (read-only) are shared.

Unsandboxed, a container runs on the host: a mount can only be honoured where its
`container_path` is its `host_path` (with its `sub_path` resolved now), and
read-only is not enforced.
"""

from __future__ import annotations

import functools
import glob
import os
import posixpath
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from treadle.runtime import beneath
from treadle.runtime.base import ContainerPlan, Mount
from treadle.runtime.binds import placeholder

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
    bind: int | None = None
    """The index of the mount that shows it, for a `Mount`."""


@dataclass(frozen=True)
class BwrapArgs:
    """bwrap's options for one container, and what is opened when it starts."""

    args: list[str]
    """Ending with `--` (the command follows); each mount's source a placeholder."""
    binds: list[dict[str, Any]] = field(default_factory=list)
    """One `runtime/binds.py` Bind record per mount, in `args` order."""
    workdir: dict[str, Any] | None = None
    """The working dir, when it lies inside a mount: made beneath it at start."""


def shown_programs(argv: Sequence[str], path: str) -> list[str]:
    """The host directories under `/tmp` the command `argv` may run programs from,
    looked up in `path`: the directory of an absolute `argv[0]` (and of what its
    symlinks lead to), and each directory of `path`. A `bin` directory comes with
    its prefix: a venv's interpreter needs its `pyvenv.cfg` and `lib`. Only what
    exists; never `/tmp` itself."""
    named = [d for d in path.split(":") if d]
    if argv and posixpath.isabs(argv[0]):
        named[:0] = [posixpath.dirname(argv[0]), posixpath.dirname(os.path.realpath(argv[0]))]
    shown: list[str] = []
    for directory in named:
        d = posixpath.normpath(directory)
        if posixpath.basename(d) == "bin" and posixpath.dirname(d) != "/tmp":
            d = posixpath.dirname(d)
        if d.startswith("/tmp/") and d not in shown and os.path.isdir(d):
            shown.append(d)
    return shown


def bwrap_args(
    container: ContainerPlan,
    *,
    hide: Sequence[str] = (),
    show: Sequence[str] = (),
    layout: HostLayout | None = None,
    bind_fd: bool = True,
) -> BwrapArgs:
    """bwrap's options for `container`; `bind_fd`: this bwrap has `--bind-fd`;
    `show`: host directories under `/tmp` to show read-only (`shown_programs`).

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
    # Before `hide`, so that a hidden directory stays hidden inside a shown one.
    for d in sorted(show, key=_depth):
        if d.startswith("/tmp/") and _covering(d, layers).source is None:
            args += ["--ro-bind", d, d]
            layers.append(_Layer(d, d, True))
    for h in hide:
        if _covering(h, layers).source is not None:  # not already out of sight in a tmpfs
            args += ["--tmpfs", h]
            layers.append(_Layer(h, None, False))
    links = {link: target for target, link in layout.symlinks}
    mounts = sorted(container.mounts, key=lambda m: _depth(m.container_path))
    points = [
        _through_links(posixpath.normpath(m.container_path), links)
        for m in mounts
        if posixpath.isabs(m.container_path) and ".." not in m.container_path.split("/")
    ]
    # Before any bind: a tmpfs put down later would cover it.
    split, made = _splits(points, layers, hide)
    args += made
    binds: list[dict[str, Any]] = []
    for m in mounts:
        dest = _check_mount_path(m)
        sub = _check_sub_path(m, dest)
        if not os.path.exists(m.host_path):
            raise MountError(f'mount at "{dest}": host path "{m.host_path}" does not exist')
        seen = _through_links(dest, links)
        _check_creatable(seen, layers, f'mount at "{dest}"')
        record: dict[str, Any] = {"host": m.host_path, "sub": sub, "dest": dest, "within": None}
        outer = _covering(seen, layers)
        if outer.bind is not None:
            record.update(
                within=outer.bind,
                point=posixpath.relpath(seen, outer.path),
                make=not outer.read_only,
            )
        if bind_fd:
            flag = "--ro-bind-fd" if m.read_only else "--bind-fd"
        else:
            flag = "--ro-bind" if m.read_only else "--bind"
        args += [flag, placeholder(len(binds)), dest]
        source = posixpath.join(m.host_path, sub) if sub else m.host_path
        layers.append(_Layer(dest, source, m.read_only, len(binds)))
        binds.append(record)
    workdir = posixpath.normpath(container.working_dir or "/")
    if not workdir.startswith("/"):
        raise MountError(f'workingDir "{container.working_dir}": must be an absolute path')
    seen = _through_links(workdir, links)
    exists = _check_creatable(seen, layers, f'workingDir "{workdir}"')
    outer = _covering(seen, layers)
    inside = None
    if outer.bind is not None:
        inside = {
            "within": outer.bind,
            "point": posixpath.relpath(seen, outer.path),
            "make": not outer.read_only,
            "dest": workdir,
        }
    elif not exists:
        args += ["--dir", workdir]
    for at in split:  # read-only again, as the host directory it stands for
        args += ["--remount-ro", at]
    args += ["--chdir", workdir, "--"]
    return BwrapArgs(args, binds, inside)


def check_unsandboxed(container: ContainerPlan) -> None:
    """Without a sandbox a mount exists only where the host already has it: raise
    MountError for a mount whose container path is not its host path (its sub_path
    resolved beneath it, and made, now: without a sandbox there is no later moment
    that would be safer, nor a boundary to keep)."""
    for m in container.mounts:
        dest = _check_mount_path(m)
        host = posixpath.normpath(m.host_path)
        sub = _check_sub_path(m, dest)
        if sub:
            host = _resolved(m.host_path, sub, dest)
        if host != dest and os.path.realpath(host) != os.path.realpath(dest):
            shown = posixpath.join(m.host_path, sub) if sub else m.host_path
            raise MountError(
                f'mount at "{dest}": this host has no sandbox (bubblewrap), so a volume '
                f'can only appear at its host path "{shown}"'
            )


def _resolved(host: str, sub: str, dest: str) -> str:
    try:
        root = os.open(host, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        raise MountError(f'mount at "{dest}": host path "{host}": {e.strerror}') from None
    try:
        return beneath.made_path(root, sub)
    except OSError as e:
        raise MountError(f'mount at "{dest}": subPath "{sub}" {beneath.describe(e)}') from None
    finally:
        os.close(root)


@functools.lru_cache(maxsize=4)
def bwrap_binds_fds(bwrap: str) -> bool:
    """Whether `bwrap` has `--bind-fd` (newer bubblewraps do)."""
    try:
        done = subprocess.run(
            [bwrap, "--help"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return "--bind-fd" in done.stdout + done.stderr


@functools.lru_cache(maxsize=4)
def bwrap_works(bwrap: str) -> bool:
    """True if `bwrap` can run a command with the layout `bwrap_args` builds (it needs
    unprivileged user namespaces or setuid, and the right to mount /proc)."""
    try:
        args = bwrap_args(ContainerPlan(name="probe", argv=["true"])).args
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


def _check_sub_path(m: Mount, dest: str) -> str:
    """The mount's sub_path, normalised; a relative path that does not climb."""
    sub = m.sub_path
    names = [p for p in sub.split("/") if p not in ("", ".")]
    if "\x00" in sub or sub.startswith("/") or ".." in names:
        raise MountError(f'mount at "{dest}": subPath {sub!r} must be a relative path without ".."')
    return "/".join(names)


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
        # Reversed: of two layers at one path, the later (on top) is the first maximum.
        (
            la
            for la in reversed(layers)
            if path == la.path or path.startswith(la.path.rstrip("/") + "/")
        ),
        key=lambda la: len(la.path),
    )


def _split_at(path: str, layers: list[_Layer]) -> tuple[str, str] | None:
    """Where a tmpfs must go so that mount point `path` can be made, where the host
    lacks it inside a read-only host directory (the platform's `/var/lib/t9k/model`):
    (the deepest directory of it the host has, as the sandbox and the host spell it).
    None where the point exists, lies elsewhere, or the way to it on the host passes a
    symlink (then `_check_creatable` reports it): the host's spelling must be its own
    real path, so that what is hidden below it is recognised as such."""
    layer = _covering(path, layers)
    if layer.source is None or not layer.read_only or layer.bind is not None:
        return None
    rel = posixpath.relpath(path, layer.path)
    if rel == "." or os.path.lexists(posixpath.join(layer.source, rel)):
        return None
    at = posixpath.dirname(path)
    while True:
        on_host = posixpath.normpath(
            posixpath.join(layer.source, posixpath.relpath(at, layer.path))
        )
        if os.path.islink(on_host):
            return None
        if os.path.isdir(on_host):
            break
        if os.path.lexists(on_host) or at == layer.path:
            return None
        at = posixpath.dirname(at)
    if os.path.realpath(on_host) != on_host:
        return None
    return at, on_host


def _splits(
    points: Sequence[str], layers: list[_Layer], hide: Sequence[str]
) -> tuple[list[str], list[str]]:
    """bwrap's options that make the mount points `points` creatable (`_split_at`),
    and the tmpfs paths to remount read-only once they are made. Each such directory
    is shown as a tmpfs holding each of its host entries bound read-only on its own,
    as the root is, so the host's files there stay visible and unchanged while the
    missing directories are made on the tmpfs. What the tmpfs covers is gone from
    `layers`, and every directory of `hide` below it is hidden again, whatever hid it
    before. The shallowest split goes first, so a deeper one lands on top of it
    (two points in one read-only tree). Appends to `layers`."""
    args: list[str] = []
    split: list[str] = []
    while True:
        wanted = [w for w in (_split_at(p, layers) for p in points) if w is not None]
        if not wanted:
            return split, args
        at, on_host = min(wanted, key=lambda w: _depth(w[0]))
        try:
            entries = sorted(os.scandir(on_host), key=lambda e: e.name)
            shown = [(e, os.readlink(e.path) if e.is_symlink() else None) for e in entries]
        except OSError as exc:
            raise MountError(f'"{at}" cannot be shown to make a mount point in it: {exc}') from None
        under = at.rstrip("/") + "/"
        layers[:] = [la for la in layers if not la.path.startswith(under)]
        args += ["--tmpfs", at]
        layers.append(_Layer(at, None, False))
        for entry, target in shown:
            where = posixpath.join(at, entry.name)
            if target is not None:
                args += ["--symlink", target, where]
            else:
                # The entry is bound by name: whoever could swap it for a symlink
                # between this scan and bwrap could write the host's directory,
                # which no step can (the sandbox shows it read-only).
                args += ["--ro-bind", entry.path, where]
                layers.append(_Layer(where, entry.path, True))
        for h in {*hide, *(os.path.realpath(h) for h in hide)}:
            if h.startswith(under) and _covering(h, layers).source is not None:
                args += ["--tmpfs", h]
                layers.append(_Layer(h, None, False))
        split.append(at)


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
