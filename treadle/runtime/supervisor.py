"""The supervisor program: runs one unit of the local runtime, outliving the controller.

    python -S -I supervisor.py <state dir>
    python -S -I supervisor.py exec <state dir> <container> -- <argv>

`LocalRuntime.start` launches the first in a new session with stdin from /dev/null;
`LocalRuntime.exec` returns the second, for a terminal. Every unit pays this
program's start-up time, so it runs without site-packages (``-S``) and imports only
the standard library's cheap modules, and the runtime's own stdlib-only modules
(`unitrun`, `unitdir`, `memlimit`, `binds`, `beneath`, `enter`), whose bytecode
Python caches, unlike that of a script it runs.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # Not on sys.path under -S -I: the installation (or checkout) this file is in.
    sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from treadle.runtime.unitrun import main

    sys.exit(main(sys.argv[1:]))
