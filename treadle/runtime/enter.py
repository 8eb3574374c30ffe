"""Running a command as in a running container of a local unit: the terminal's way in.

`LocalRuntime.exec` returns ``python -S -I supervisor.py exec <state dir> <container>
-- <argv>``; the supervisor program hands that to `run_exec`, which reads the unit's
state when it runs (not when the argv was made) and replaces itself with the command.
Standard library only.
"""

from __future__ import annotations

import json
import marshal
import os

from treadle.runtime import unitdir


def run_exec(state_dir: str, name: str, argv: list[str]) -> int:
    """Replace this process with `argv` run as in container `name` of the unit.

    It gets the container's environment (plus TERM=xterm on a terminal, unless that
    sets TERM) and working dir. Sandboxed, it joins the running sandbox (nsenter into
    its mount and pid namespaces: same mounts, same /tmp, same process list) or, where
    that is not permitted, starts a fresh sandbox with the same mounts."""
    with open(os.path.join(state_dir, unitdir.SPAWN_FILE), "rb") as f:
        spec = marshal.load(f)
    c = next(c for c in spec["init"] + spec["containers"] if c["name"] == name)
    env: dict[str, str] = dict(c["env"])
    if os.isatty(0):  # a terminal: as a container runtime does for a tty, name one
        env.setdefault("TERM", "xterm")
    if not spec["sandboxed"]:
        os.chdir(c["cwd"])
        exe = unitdir.find_executable(argv[0], env.get("PATH", os.defpath)) or argv[0]
        os.execve(exe, argv, env)
    inner = None
    try:
        with open(os.path.join(state_dir, unitdir.CONTAINERS_DIR, name + ".json")) as f:
            pid = int(json.load(f)["pid"])
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            inner = int(f.read().split()[0])
    except (OSError, LookupError, ValueError):
        pass
    nsenter = unitdir.find_executable("nsenter", os.environ.get("PATH", os.defpath))
    if inner is not None and nsenter is not None and os.access(f"/proc/{inner}/ns/mnt", os.R_OK):
        enter = [nsenter, "-t", str(inner), "-m", "-p", "-r", "-w"]
        if os.readlink(f"/proc/{inner}/ns/user") != os.readlink("/proc/self/ns/user"):
            enter += ["-U", "--preserve-credentials"]
        os.execve(nsenter, [*enter, "--", "env", "-C", c["workdir"], "--", *argv], env)
    wrapper = c["wrapper"]
    if c.get("binds") or c.get("workdir_in"):
        from treadle.runtime.binds import open_binds

        wrapper, _ = open_binds(wrapper, c["binds"], c.get("workdir_in"), by_fd=c["bind_fd"])
    os.execve(wrapper[0], [*wrapper, *argv], env)
    return 1  # pragma: no cover - execve does not return
