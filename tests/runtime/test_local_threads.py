"""The controller calls one LocalRuntime from several worker threads at once."""

from __future__ import annotations

import subprocess

from treadle.runtime.local import LocalRuntime


def test_two_threads_reaping_the_same_starter_do_not_collide(host_rt: LocalRuntime) -> None:
    done = subprocess.Popen(["true"])
    done.wait()
    reaped_meanwhile = False

    class Interleaved(subprocess.Popen[bytes]):
        def poll(self) -> int | None:
            # Another worker reaps the same child between this poll and the delete.
            nonlocal reaped_meanwhile
            if not reaped_meanwhile:
                reaped_meanwhile = True
                host_rt._children.pop("u", None)
            return 0

    child = Interleaved.__new__(Interleaved)
    host_rt._children["u"] = child
    host_rt._reap_children()
    assert "u" not in host_rt._children
