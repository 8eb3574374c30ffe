"""Reading user files: multi-document YAML (or JSON) from files, directories or stdin,
and the JSON bodies of API requests.

Whatever the source, a document is refused before it is built when building it
would be the attack: a key given twice in one mapping (the second silently wins in
most readers, so what a reviewer reads is not what runs), anchors and aliases that
expand a small file into more than an object may hold (a "billion laughs"), an alias
inside itself, or nesting deeper than `MAX_DEPTH` (docs/admission.md).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from ..errors import BadRequest, FieldError, ValidationError, format_path
from .limits import MAX_DEPTH, MAX_OBJECT_BYTES, MAX_OBJECT_SIZE, depth_of

YAML_SUFFIXES = (".yaml", ".yml", ".json")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML has it (several times faster), the same rules."""
_MERGE_TAG = "tag:yaml.org,2002:merge"


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


def yaml_documents(text: str, loader: type[yaml.SafeLoader] = _Loader) -> Iterator[tuple[int, Any]]:
    """(1-based start line, data) of every non-empty document of a YAML stream.
    Raises yaml.YAMLError, with a mark where one helps, for bad syntax and for the
    documents this module refuses. `loader` composes the text (both have the same
    rules; their syntax errors point at slightly different places)."""
    for node in yaml.compose_all(text, Loader=loader):
        if node is None:
            continue
        _check_graph(node)
        data = _construct(node)
        if data is not None:
            yield node.start_mark.line + 1, data


def parse_documents(text: str, source: str = "-") -> list[Document]:
    """Every non-empty document of a YAML stream. A syntax error is a BadRequest
    naming the source, line and column."""
    docs: list[Document] = []
    try:
        for line, data in yaml_documents(text):
            docs.append(Document(source, len(docs) + 1, line, data))
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


def _check_graph(root: yaml.Node) -> None:
    """Refuse `root` before it is built: a repeated key, an alias inside itself,
    nesting deeper than MAX_DEPTH, or aliases that expand it past MAX_OBJECT_BYTES.

    Aliases make the node graph a DAG whose shared parts a builder repeats, so each
    node's expanded size and height are computed once (memoised) from its
    children's: the cost follows the text, not what it expands to."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    inside: set[int] = set()
    shared = False
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        kids = _children(node)
        if children_done:
            inside.discard(key)
            size[key] = _own_size(node) + sum(size[id(k)] for k in kids)
            collection = not isinstance(node, yaml.ScalarNode)
            height[key] = collection + max((height[id(k)] for k in kids), default=0)
            continue
        if key in size:
            shared = True
            continue
        if key in inside:
            raise ConstructorError(
                None, None, "an alias refers to a node it is part of", node.start_mark
            )
        inside.add(key)
        if isinstance(node, yaml.MappingNode):
            _refuse_repeated_keys(node)
        stack.append((node, True))
        stack.extend((k, False) for k in kids)
    if height[id(root)] > MAX_DEPTH:
        raise ConstructorError(
            None, None, f"nested more than {MAX_DEPTH} levels deep", root.start_mark
        )
    if shared and size[id(root)] > MAX_OBJECT_BYTES:
        raise ConstructorError(
            None,
            None,
            f"the document's aliases (*name) expand it to more than {MAX_OBJECT_SIZE}, "
            f"the most an object may hold",
            root.start_mark,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _own_size(node: yaml.Node) -> int:
    """About what the node adds to compact JSON besides its children: a scalar's
    text, quotes and separator; a collection's brackets."""
    return len(node.value) + 3 if isinstance(node, yaml.ScalarNode) else 2


def _refuse_repeated_keys(node: yaml.MappingNode) -> None:
    first: dict[tuple[str, str], yaml.Node] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        key = (key_node.tag, key_node.value)
        if key in first:
            raise ConstructorError(
                None,
                None,
                f'duplicate key "{key_node.value}" '
                f"(first at line {first[key].start_mark.line + 1})",
                key_node.start_mark,
            )
        first[key] = key_node


class _Repeated(dict[str, Any]):
    """A JSON object that named some key more than once."""

    repeated: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    out = _Repeated(obj)
    out.repeated = []
    for key, _ in pairs:
        if key in seen and key not in out.repeated:
            out.repeated.append(key)
        seen.add(key)
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes | str) -> Any:
    """A JSON document with the same refusals as YAML: a repeated key is a
    ValidationError naming where (`spec.params[0]: duplicate key "name"`), bad
    syntax or nesting deeper than MAX_DEPTH a BadRequest."""
    try:
        data = json.loads(raw, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except RecursionError:
        raise BadRequest(f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"invalid JSON: {exc}") from None
    if depth_of(data) > MAX_DEPTH:
        raise BadRequest(f"the JSON is nested more than {MAX_DEPTH} levels deep")
    causes = list(_repeated_keys(data))
    if causes:
        raise ValidationError(causes)
    return data


def _repeated_keys(data: Any) -> Iterator[FieldError]:
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, _Repeated):
            for key in value.repeated:
                yield FieldError(format_path(loc), f'duplicate key "{key}"')
        if isinstance(value, dict):
            stack.extend(((*loc, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(value))))


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
