"""The layers of docs/architecture.md, held by their imports.

Every import statement of a module counts, also one inside a function or under
TYPE_CHECKING: each is a dependency someone would have to cut to run the layer
elsewhere (the workflow controller against a real cluster, the API types in a
browser's schema). Only direct imports are judged, module by module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "treadle"

Rule = tuple[tuple[str, ...], frozenset[str]]
"""(forbidden module prefixes, modules allowed although a prefix covers them)"""

CONTROLLER: Rule = (
    (
        "treadle.localcluster",
        "treadle.store",
        "treadle.runtime",
        "treadle.server",
        "treadle.cli",
        "treadle.client",
    ),
    # The two interfaces (and Events, written through the Store interface) are all
    # the workflow controller may know of the backends.
    frozenset({"treadle.store.base", "treadle.store.events", "treadle.runtime.base"}),
)
PURE: Rule = (
    (
        "treadle.controller",
        "treadle.localcluster",
        "treadle.store",
        "treadle.runtime",
        "treadle.server",
        "treadle.cli",
        "treadle.client",
    ),
    frozenset(),
)
FACES = ("treadle.server", "treadle.cli", "treadle.client")
BACKEND: Rule = (("treadle.controller", "treadle.localcluster", *FACES), frozenset())
# The server speaks to the Store interface (and the client) only, so that a
# Kubernetes backend can stand where the embedded SQLite store stands today.
SERVER: Rule = (("treadle.store.sqlite", "treadle.store._db", "sqlite3"), frozenset())
RULES: dict[str, Rule] = {
    "treadle.api": PURE,
    "treadle.core": PURE,
    "treadle.controller": CONTROLLER,
    # The embedded cluster sits beside the workflow controller, below the faces.
    "treadle.localcluster": (FACES, frozenset()),
    "treadle.store": BACKEND,
    "treadle.runtime": BACKEND,
    "treadle.server": SERVER,
}

KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()
"""(importing module, imported module) pairs that break a rule today, each with why
and what removes it. The list only shrinks: a pair that no longer occurs fails too."""


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    # Names are resolved against the real package, also for a module in a copy.
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path, root: Path = PACKAGE) -> Iterator[str]:
    """The modules `path` (a file of the package at `root`) imports, relative imports
    resolved; `from package import module` counts as importing the module, not the
    package's __init__."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                yield sub if _is_module(sub) else source


def _covered(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(rules: dict[str, Rule] = RULES, root: Path = PACKAGE) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for layer, (forbidden, allowed) in rules.items():
        directory = root.parent.joinpath(*layer.split("."))
        for path in sorted(directory.rglob("*.py")):
            module = _module_name(path, root)
            for imported in imports_of(path, root):
                if imported in allowed:
                    continue
                if any(_covered(imported, prefix) for prefix in forbidden):
                    found.add((module, imported))
    return found


def test_each_layer_imports_only_what_it_may() -> None:
    new = violations() - KNOWN_EXCEPTIONS
    assert not new, "imports across layers (see docs/architecture.md): " + ", ".join(
        f"{module} imports {imported}" for module, imported in sorted(new)
    )


def test_every_known_exception_still_exists() -> None:
    gone = KNOWN_EXCEPTIONS - violations()
    assert not gone, "no longer imported, so strike from KNOWN_EXCEPTIONS: " + ", ".join(
        f"{module} -> {imported}" for module, imported in sorted(gone)
    )


@pytest.mark.parametrize(
    ("source", "seen"),
    [
        ("from ..localcluster.kubelet import Kubelet\n", "treadle.localcluster.kubelet"),
        ("from ..runtime import unitdir\n", "treadle.runtime.unitdir"),
        ("import treadle.store.sqlite\n", "treadle.store.sqlite"),
        ("def f() -> None:\n    from ..server import app\n", "treadle.server.app"),
        ("from .. import client\n", "treadle.client"),
    ],
)
def test_a_new_crossing_is_seen(tmp_path: Path, source: str, seen: str) -> None:
    """The walk itself: a module written into a copy of the controller's place is
    caught however it spells the import."""
    controller = tmp_path / "treadle" / "controller"
    controller.mkdir(parents=True)
    (controller / "__init__.py").write_text("")
    (controller / "bad.py").write_text(source)
    found = {imported for module, imported in violations(RULES, tmp_path / "treadle")}
    assert seen in found
