"""Paths resolved beneath a directory fd: what is followed, what is refused, and
that a racing symlink never leads a lookup out. Each behaviour holds for both the
kernel's openat2 and the walk."""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from treadle.runtime import beneath


@pytest.fixture(params=[True, False], ids=["openat2", "walk"])
def kernel(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """root/ (the volume) and outside/ beside it, each with a file."""
    root = tmp_path / "root"
    (root / "run-3").mkdir(parents=True)
    (root / "run-3" / "f").write_text("inside")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "f").write_text("outside")
    return root


@pytest.fixture
def root_fd(tree: Path) -> Iterator[int]:
    fd = os.open(tree, os.O_PATH | os.O_DIRECTORY)
    yield fd
    os.close(fd)


def same(fd: int, path: Path) -> bool:
    a, b = os.fstat(fd), os.stat(path, follow_symlinks=False)
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def fails(code: int, fn: object, *args: object, **kwargs: object) -> None:
    with pytest.raises(OSError) as err:
        fn(*args, **kwargs)  # type: ignore[operator]
    assert err.value.errno == code, err.value


def test_a_nested_path_resolves_to_its_file(root_fd: int, tree: Path, kernel: bool) -> None:
    fd = beneath.resolve(root_fd, "run-3/f", kernel=kernel)
    assert same(fd, tree / "run-3" / "f")
    os.close(fd)


def test_the_empty_path_is_the_root_itself(root_fd: int, tree: Path, kernel: bool) -> None:
    fd = beneath.resolve(root_fd, "", kernel=kernel)
    assert same(fd, tree)
    os.close(fd)


@pytest.mark.parametrize("path", ["/etc", "..", "../outside", "run-3/../../outside/f"])
def test_absolute_paths_and_climbing_dot_dots_leave_the_root(
    root_fd: int, kernel: bool, path: str
) -> None:
    fails(errno.EXDEV, beneath.resolve, root_fd, path, kernel=kernel)


def test_a_dot_dot_that_stays_beneath_is_fine(root_fd: int, tree: Path, kernel: bool) -> None:
    fd = beneath.resolve(root_fd, "run-3/../run-3/./f", kernel=kernel)
    assert same(fd, tree / "run-3" / "f")
    os.close(fd)


def test_a_nul_byte_is_invalid(root_fd: int, kernel: bool) -> None:
    fails(errno.EINVAL, beneath.resolve, root_fd, "run-3\x00/f", kernel=kernel)


@pytest.mark.parametrize("target", ["ABSOLUTE", "../outside", "run-3/../../outside"])
def test_a_symlink_out_of_the_root_is_refused(
    root_fd: int, tree: Path, kernel: bool, target: str
) -> None:
    (tree / "esc").symlink_to(str(tree.parent / "outside") if target == "ABSOLUTE" else target)
    fails(errno.EXDEV, beneath.resolve, root_fd, "esc/f", kernel=kernel)
    fails(errno.EXDEV, beneath.resolve, root_fd, "esc", kernel=kernel)


def test_symlinks_that_stay_beneath_are_followed(root_fd: int, tree: Path, kernel: bool) -> None:
    (tree / "latest").symlink_to("run-3")
    (tree / "run-3" / "up").symlink_to("../latest/f")
    fd = beneath.resolve(root_fd, "latest/up", kernel=kernel)
    assert same(fd, tree / "run-3" / "f")
    os.close(fd)


def test_without_symlinks_even_one_inside_is_refused(
    root_fd: int, tree: Path, kernel: bool
) -> None:
    (tree / "latest").symlink_to("run-3")
    fails(errno.ELOOP, beneath.resolve, root_fd, "latest/f", symlinks=False, kernel=kernel)


def test_not_following_the_last_symlink_gives_the_link(
    root_fd: int, tree: Path, kernel: bool
) -> None:
    (tree / "esc").symlink_to("/etc")
    fd = beneath.resolve(root_fd, "esc", follow=False, kernel=kernel)
    assert stat.S_ISLNK(os.fstat(fd).st_mode)
    os.close(fd)


def test_a_symlink_loop_fails(root_fd: int, tree: Path, kernel: bool) -> None:
    (tree / "a").symlink_to("b")
    (tree / "b").symlink_to("a")
    fails(errno.ELOOP, beneath.resolve, root_fd, "a", kernel=kernel)


def test_a_file_in_the_middle_is_not_a_directory(root_fd: int, kernel: bool) -> None:
    fails(errno.ENOTDIR, beneath.resolve, root_fd, "run-3/f/g", kernel=kernel)


def test_a_missing_component_is_not_found(root_fd: int, kernel: bool) -> None:
    fails(errno.ENOENT, beneath.resolve, root_fd, "run-4/f", kernel=kernel)


def test_create_makes_missing_directories_beneath(root_fd: int, tree: Path, kernel: bool) -> None:
    fd = beneath.resolve(root_fd, "new/deeper", create=True, kernel=kernel)
    assert same(fd, tree / "new" / "deeper") and (tree / "new" / "deeper").is_dir()
    os.close(fd)


def test_create_never_makes_anything_through_a_symlink_out(
    root_fd: int, tree: Path, kernel: bool
) -> None:
    (tree / "esc").symlink_to(tree.parent / "outside")
    fails(errno.EXDEV, beneath.resolve, root_fd, "esc/made", create=True, kernel=kernel)
    assert os.listdir(tree.parent / "outside") == ["f"]


def test_open_file_reads_a_regular_file(root_fd: int, kernel: bool) -> None:
    fd = beneath.open_file(root_fd, "run-3/f", kernel=kernel)
    assert os.read(fd, 100) == b"inside"
    os.close(fd)


def test_open_file_refuses_a_fifo_without_waiting_on_it(
    root_fd: int, tree: Path, kernel: bool
) -> None:
    os.mkfifo(tree / "pipe")
    fails(errno.EINVAL, beneath.open_file, root_fd, "pipe", kernel=kernel)
    fails(errno.EISDIR, beneath.open_file, root_fd, "run-3", kernel=kernel)


def test_open_dir_lists_a_directory_and_refuses_a_file(root_fd: int, kernel: bool) -> None:
    fd = beneath.open_dir(root_fd, "run-3", kernel=kernel)
    assert [e.name for e in os.scandir(fd)] == ["f"]
    os.close(fd)
    fails(errno.ENOTDIR, beneath.open_dir, root_fd, "run-3/f", kernel=kernel)


def test_open_parent_gives_the_directory_and_the_last_name(
    root_fd: int, tree: Path, kernel: bool
) -> None:
    fd, name = beneath.open_parent(root_fd, "run-3/f", kernel=kernel)
    assert same(fd, tree / "run-3") and name == "f"
    os.close(fd)
    for path in ("", "run-3/..", "."):
        fails(errno.EINVAL, beneath.open_parent, root_fd, path, kernel=kernel)


def test_remove_tree_deletes_a_link_not_what_it_points_to(root_fd: int, tree: Path) -> None:
    (tree / "run-3" / "deep" / "er").mkdir(parents=True)
    (tree / "run-3" / "esc").symlink_to(tree.parent / "outside")
    beneath.remove_tree(root_fd, "run-3")
    assert os.listdir(tree) == []
    assert os.listdir(tree.parent / "outside") == ["f"]


def test_an_open_fd_stays_on_the_directory_it_resolved(root_fd: int, tree: Path) -> None:
    fd = beneath.resolve(root_fd, "run-3")
    os.rename(tree / "run-3", tree / "parked")
    (tree / "run-3").symlink_to(tree.parent / "outside")
    listing = beneath.reopen(fd, os.O_RDONLY | os.O_DIRECTORY)
    assert os.listdir(listing) == ["f"] and same(fd, tree / "parked")
    os.close(listing)
    os.close(fd)


def test_a_racing_symlink_never_leads_a_lookup_out(tree: Path, root_fd: int, kernel: bool) -> None:
    outside = tree.parent / "outside"
    foreign = {(s.st_dev, s.st_ino) for s in (os.stat(outside), os.stat(outside / "f"))}
    d, parked = tree / "run-3", tree / "parked"
    stop = threading.Event()

    def flip() -> None:
        while not stop.is_set():
            os.rename(d, parked)
            os.symlink(outside, d)
            time.sleep(0)
            os.unlink(d)
            os.rename(parked, d)

    thread = threading.Thread(target=flip)
    thread.start()
    reached = set()
    try:
        for _ in range(2000):
            for path in ("run-3", "run-3/f"):
                try:
                    fd = beneath.resolve(root_fd, path, kernel=kernel)
                except OSError:
                    continue  # found the symlink, or nothing, while it was swapped
                st = os.fstat(fd)
                reached.add((st.st_dev, st.st_ino))
                os.close(fd)
    finally:
        stop.set()
        thread.join()
    assert reached and not reached & foreign
