"""A sandboxed container's bind mounts, opened the moment it starts, not when planned.

`sandbox.bwrap_args` leaves one placeholder in bubblewrap's argv per mount and
describes the mount in a `Bind` record; right before spawning bubblewrap the
supervisor calls `open_binds`, which resolves each mount's source beneath its
volume (`runtime/beneath.py`: a subPath never follows a symlink out), makes what is
missing, and puts the fd in the placeholder's place: `--bind-fd N /dest`. The fd is
inherited by bubblewrap alone (the supervisor spawns one process at a time and
closes the fds after; bubblewrap closes them before the command runs), which mounts
the fd's directory and checks that what ended up mounted is that very directory,
refusing to start otherwise: whatever is renamed or swapped for a symlink after the
lookup cannot change what is mounted. A bubblewrap without `--bind-fd`
(an older one) gets the fd's path instead; there the window between the lookup and
bubblewrap's own is the one left open.

Mount points and a working dir inside another mount (`/data/inner` in `/data`)
are resolved and made beneath that mount's fd too: bubblewrap would otherwise make
them by path while it builds the sandbox, when a planted symlink could lead them
into the host's root. bubblewrap still looks them up by path afterwards, so a
container of the same pod running at that very moment could swap one in between;
what it gets is, at worst, an empty directory made where its symlink leads, or a
container that fails to start.

A `Bind` (plain dict, kept in the spawn record): `host` the volume's directory,
`sub` the subPath in it, `dest` the container path (for messages), and, for a mount
inside another one, `within` (that mount's index), `point` (the mount point relative
to it) and `make` (whether that mount is writable, so the point can be made).
The working dir record holds `within`, `point`, `make` and `dest` alike.
Standard library only: the supervisor imports this module.
"""

from __future__ import annotations

import errno
import os
import stat

from treadle.runtime import beneath

TYPE_CHECKING = False  # `typing` costs a short-lived process milliseconds to import
if TYPE_CHECKING:
    from typing import Any


class BindError(Exception):
    """A mount that cannot be opened safely; the message names it and says why."""


def placeholder(index: int) -> str:
    """What stands in bubblewrap's argv for bind `index` until it is opened."""
    return f"@bind:{index}"


def open_binds(
    wrapper: list[str],
    binds: list[dict[str, Any]],
    workdir: dict[str, Any] | None = None,
    *,
    by_fd: bool = True,
) -> tuple[list[str], list[int]]:
    """`wrapper` with every placeholder replaced, and the mounts' fds (inheritable
    when `by_fd`; the caller closes them once bubblewrap is spawned). Raises
    BindError."""
    argv = list(wrapper)
    fds: list[int] = []
    try:
        for i, b in enumerate(binds):
            fd = _source(b)
            fds.append(fd)
            if b.get("within") is not None:
                is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
                _point(fds[b["within"]], b, f'mount at "{b["dest"]}"', whole=is_dir)
            if by_fd:
                os.set_inheritable(fd, True)
                argv[argv.index(placeholder(i))] = str(fd)
            else:  # never inherited: bubblewrap would pass it on to the container
                argv[argv.index(placeholder(i))] = beneath.path_of(fd)
        if workdir is not None:
            _point(fds[workdir["within"]], workdir, f'workingDir "{workdir["dest"]}"', whole=True)
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return argv, fds


def _source(b: dict[str, Any]) -> int:
    what = f'mount at "{b["dest"]}"'
    try:
        root = os.open(b["host"], os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        raise BindError(f'{what}: host path "{b["host"]}": {e.strerror}') from None
    if not b["sub"]:
        return root
    try:
        return beneath.resolve(root, b["sub"], create=True, kernel=False)
    except OSError as e:
        raise BindError(f'{what}: subPath "{b["sub"]}" {beneath.describe(e)}') from None
    finally:
        os.close(root)


def _point(outer: int, rec: dict[str, Any], what: str, *, whole: bool) -> None:
    """Check (and make, where allowed) `rec["point"]` beneath mount fd `outer`: all of
    it for a directory, its parents for a file (bubblewrap makes the file itself)."""
    path = rec["point"]
    try:
        if whole:
            os.close(beneath.resolve(outer, path, create=rec["make"], kernel=False))
            return
        parent, name = beneath.open_parent(outer, path, create=rec["make"], kernel=False)
        try:
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return
        finally:
            os.close(parent)
        if stat.S_ISLNK(info.st_mode):
            raise OSError(errno.ELOOP, "symlink", path)  # bubblewrap would follow it
    except OSError as e:
        raise BindError(f'{what}: "{path}" {beneath.describe(e)}') from None
