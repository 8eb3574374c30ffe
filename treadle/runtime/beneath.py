"""Paths resolved beneath a directory: no component, symlink or `..` leads out of it.

Every lookup starts from an open directory (the root fd) and goes on from fds, never
from path strings, so renaming a component or swapping it for a symlink while a
lookup runs cannot redirect it outside: at worst the lookup fails. What the caller
gets is an fd, and what it then does (bind-mount it, read it, create a file next to
it) acts on that fd, not on a path that could have changed since.

Symlinks are followed as openat2's RESOLVE_BENEATH follows them: one that stays
beneath the root is fine, one that is absolute or climbs above the root fails with
EXDEV, as does a `..` above it; with `symlinks=False` every symlink fails with ELOOP.
Errors are OSError: EXDEV (leaves the root), ELOOP (a symlink refused, or too many),
ENOENT, ENOTDIR, EISDIR, EINVAL (not a plain name, or not a regular file).

Two implementations with one meaning:

- the kernel's openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (Linux 5.6+,
  called through ctypes), where it exists;
- a walk, one component at a time with O_PATH | O_NOFOLLOW relative to the directory
  before, reading each symlink with readlinkat and resolving it against the walk's
  own stack of directory fds, so that `..` is never looked up by the kernel and never
  climbs above the root. It also makes missing directories (mkdirat).

`kernel=False` asks for the walk: ctypes costs a short-lived process milliseconds to
import. Standard library only: the supervisor imports this module.
"""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False  # `typing` costs a short-lived process milliseconds to import
if TYPE_CHECKING:
    from collections.abc import Callable

MAX_SYMLINKS = 40
"""As the kernel's limit: more symlinks than this in one lookup fail with ELOOP."""
MAX_RETRIES = 40
"""Lookups redone because a component changed under them before giving up."""

_PATH = os.O_PATH | os.O_CLOEXEC
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_BENEATH = 0x08
SYS_OPENAT2 = {"x86_64": 437, "aarch64": 437, "riscv64": 437, "ppc64le": 437, "s390x": 437}
"""openat2's number where the generic syscall table is used; elsewhere, the walk."""


def parts(path: str) -> list[str]:
    """The components of relative `path`, without empty ones and `.`; `..` kept.
    Raises EXDEV for an absolute path, EINVAL for one with a NUL."""
    if "\x00" in path:
        raise OSError(errno.EINVAL, "path contains a NUL byte", path)
    if path.startswith("/"):
        raise OSError(errno.EXDEV, "path is absolute", path)
    return [p for p in path.split("/") if p not in ("", ".")]


def resolve(
    root: int,
    path: str,
    *,
    follow: bool = True,
    symlinks: bool = True,
    create: bool = False,
    kernel: bool = True,
) -> int:
    """An O_PATH fd of `path` beneath directory fd `root` (the caller closes it).

    `follow`: a symlink as the last component is followed (else the fd is the
    symlink's). `symlinks=False`: any symlink fails. `create`: missing components are
    made as directories, each relative to the one before."""
    names = parts(path)
    if kernel and not create:
        fd = _kernel_open(root, names, follow=follow, symlinks=symlinks)
        if fd is not None:
            return fd
    return _walk(root, names, follow=follow, symlinks=symlinks, create=create)


def reopen(fd: int, flags: int) -> int:
    """What O_PATH `fd` refers to, opened with `flags`: through its /proc magic
    link, which names the open file itself, not a path that could have changed."""
    return os.open(f"/proc/self/fd/{fd}", flags | os.O_CLOEXEC)


def path_of(fd: int) -> str:
    """The path `fd` has now: for messages, and for tools that only take paths."""
    return os.readlink(f"/proc/self/fd/{fd}")


def made_path(root: int, path: str) -> str:
    """The path of `path` beneath `root`, made if missing: for tools that only take
    paths (the directories themselves were found without leaving `root`)."""
    fd = resolve(root, path, create=True)
    try:
        return path_of(fd)
    finally:
        os.close(fd)


def open_dir(
    root: int, path: str, *, create: bool = False, symlinks: bool = True, kernel: bool = True
) -> int:
    """A readable directory fd of `path` beneath `root` (ENOTDIR if it is not one)."""
    fd = resolve(root, path, create=create, symlinks=symlinks, kernel=kernel)
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.ENOTDIR, "not a directory", path)
        return reopen(fd, os.O_RDONLY | os.O_DIRECTORY)
    finally:
        os.close(fd)


def open_file(root: int, path: str, *, kernel: bool = True) -> int:
    """A read-only fd of regular file `path` beneath `root`: EISDIR for a directory,
    EINVAL for anything else (a FIFO is never opened, so never waited on)."""
    fd = resolve(root, path, kernel=kernel)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise OSError(errno.EISDIR, "is a directory", path)
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        return reopen(fd, os.O_RDONLY)
    finally:
        os.close(fd)


def open_parent(
    root: int, path: str, *, create: bool = False, kernel: bool = True
) -> tuple[int, str]:
    """(O_PATH fd of the directory holding `path`'s last component, that component),
    for acting on the last component itself (create, rename, unlink) relative to the
    fd, so that a symlink there is replaced or removed, never followed. EINVAL when
    the last component is not a plain name (empty, `..`)."""
    names = parts(path)
    if not names or names[-1] == "..":
        raise OSError(errno.EINVAL, "does not end in a name", path)
    fd = resolve(root, "/".join(names[:-1]), create=create, kernel=kernel)
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.ENOTDIR, "not a directory", path)
    except BaseException:
        os.close(fd)
        raise
    return fd, names[-1]


def remove_tree(parent: int, name: str) -> None:
    """Delete `name` in directory fd `parent` and, if it is a directory, everything
    in it, never following a symlink and never opening anything but directories.
    Depth costs one fd per level, not a Python stack frame."""
    try:
        os.unlink(name, dir_fd=parent)
        return
    except IsADirectoryError:
        pass
    stack = [(parent, name, _subdir(parent, name))]
    try:
        while stack:
            fd = stack[-1][2]
            deeper = None
            with os.scandir(fd) as entries:
                for entry in entries:
                    try:
                        os.unlink(entry.name, dir_fd=fd)
                    except IsADirectoryError:
                        deeper = entry.name
                        break
            if deeper is not None:
                stack.append((fd, deeper, _subdir(fd, deeper)))
                continue
            above, below, fd = stack.pop()
            os.close(fd)
            os.rmdir(below, dir_fd=above)
    finally:
        for _, _, fd in stack:
            os.close(fd)


def _subdir(parent: int, name: str) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent)


def describe(err: OSError) -> str:
    """What went wrong, in words for a message that already names the path."""
    if err.errno == errno.EXDEV:
        return "leads out of its volume (through a symlink or '..')"
    if err.errno == errno.ELOOP:
        return "goes through a symlink that is not allowed here, or through too many"
    if err.errno == errno.ENOTDIR:
        return "goes through something that is not a directory"
    if err.errno == errno.EINVAL:
        return str(err.strerror)
    return os.strerror(err.errno) if err.errno else str(err)


# -- the walk -----------------------------------------------------------------------


def _walk(root: int, names: list[str], *, follow: bool, symlinks: bool, create: bool) -> int:
    stack: list[int] = []  # directories opened below the root, innermost last
    todo = names[::-1]  # the components still to look up, next one last
    links = retries = 0
    try:
        while todo:
            name = todo.pop()
            if name == "..":
                if not stack:
                    raise OSError(errno.EXDEV, "climbs above its root", "/".join(names))
                os.close(stack.pop())
                continue
            here = stack[-1] if stack else root
            try:
                fd = os.open(name, _PATH | os.O_NOFOLLOW, dir_fd=here)
            except FileNotFoundError:
                if not create or retries >= MAX_RETRIES:
                    raise
                retries += 1
                try:
                    os.mkdir(name, dir_fd=here)
                except FileExistsError:
                    pass  # made meanwhile by someone else: look at what is there now
                todo.append(name)
                continue
            mode = os.fstat(fd).st_mode
            last = not todo
            if stat.S_ISLNK(mode) and (follow or not last):
                try:
                    target = os.readlink("", dir_fd=fd)
                finally:
                    os.close(fd)
                links += 1
                if not symlinks or links > MAX_SYMLINKS:
                    raise OSError(errno.ELOOP, "symlink refused", "/".join(names))
                if target.startswith("/"):
                    raise OSError(errno.EXDEV, "absolute symlink", "/".join(names))
                todo.extend(p for p in reversed(target.split("/")) if p not in ("", "."))
                continue
            if not last and not stat.S_ISDIR(mode):
                os.close(fd)
                raise OSError(errno.ENOTDIR, "not a directory", "/".join(names))
            stack.append(fd)
        if not stack:
            return os.open(".", _PATH | os.O_DIRECTORY, dir_fd=root)
        return stack.pop()
    finally:
        for fd in stack:
            os.close(fd)


# -- openat2 ---------------------------------------------------------------------------

_openat2: Callable[[int, bytes, int, int], int] | None = None
_probed = False


def _kernel_open(root: int, names: list[str], *, follow: bool, symlinks: bool) -> int | None:
    """The O_PATH fd openat2 gives, or None where there is no openat2 to ask."""
    call = _load_openat2()
    if call is None:
        return None
    flags = _PATH | (0 if follow else os.O_NOFOLLOW)
    how = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | (0 if symlinks else RESOLVE_NO_SYMLINKS)
    path = ("/".join(names) or ".").encode()
    for _ in range(MAX_RETRIES):
        try:
            return call(root, path, flags, how)
        except BlockingIOError:
            continue  # EAGAIN: a rename raced a `..`; the kernel asks to try again
    return None


def _load_openat2() -> Callable[[int, bytes, int, int], int] | None:
    global _openat2, _probed
    if _probed:
        return _openat2
    _probed = True
    number = SYS_OPENAT2.get(os.uname().machine)
    if number is None:
        return None
    try:
        import ctypes
    except ImportError:  # pragma: no cover - Pythons built without it
        return None

    class OpenHow(ctypes.Structure):
        _fields_ = [
            ("flags", ctypes.c_uint64),
            ("mode", ctypes.c_uint64),
            ("resolve", ctypes.c_uint64),
        ]

    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long

    def call(root: int, path: bytes, flags: int, resolve: int) -> int:
        how = OpenHow(flags, 0, resolve)
        fd = syscall(
            ctypes.c_long(number),
            ctypes.c_int(root),
            ctypes.c_char_p(path),
            ctypes.byref(how),
            ctypes.c_size_t(ctypes.sizeof(how)),
        )
        if fd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), path.decode(errors="replace"))
        return int(fd)

    # A kernel without openat2, or a seccomp filter refusing it: the walk it is.
    top = os.open("/", _PATH)
    try:
        os.close(call(top, b".", _PATH, RESOLVE_BENEATH))
    except OSError:
        return None
    finally:
        os.close(top)
    _openat2 = call
    return call
