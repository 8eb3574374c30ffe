"""Reading user files: multi-document YAML (or JSON) from files, directories or stdin."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import BadRequest

YAML_SUFFIXES = (".yaml", ".yml", ".json")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML has it (several times faster), the same rules."""


@dataclass(frozen=True)
class Document:
    source: str
    """The file it came from (`-` for standard input)."""
    index: int
    """1-based position among the file's non-empty documents."""
    line: int
    """1-based line where the document starts."""
    data: Any

    @property
    def where(self) -> str:
        return f"{self.source} (document {self.index}, line {self.line})"


def parse_documents(text: str, source: str = "-") -> list[Document]:
    """Every non-empty document of a YAML stream. A syntax error is a BadRequest
    naming the source, line and column."""
    docs: list[Document] = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            data = _construct(node)
            if data is None:
                continue
            docs.append(Document(source, len(docs) + 1, node.start_mark.line + 1, data))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadRequest(f"{source}{where}: invalid YAML: {problem}") from None
    return docs


def _construct(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def files_in(target: str) -> Iterator[Path]:
    """A file as given; a directory's YAML/JSON files, recursively, sorted."""
    path = Path(target)
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
    elif path.exists():
        yield path
    else:
        raise BadRequest(f"{target}: no such file or directory")


def read_documents(targets: list[str]) -> list[Document]:
    """All documents of `-f` arguments, in order."""
    docs: list[Document] = []
    for target in targets:
        if target == "-":
            docs += parse_documents(sys.stdin.read(), "-")
            continue
        for path in files_in(target):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise BadRequest(f"{path}: cannot read: {exc}") from None
            docs += parse_documents(text, str(path))
    return docs


def dump_yaml(obj: Any) -> str:
    return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True, width=100)
