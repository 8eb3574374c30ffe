"""Rules for a DAG template (SPEC §3.5): nodes, dependencies, cycles, `when`,
`retries`, workspace mappings, and, when the templates the nodes use can be
found, what each node gives them."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.dag import find_cycle
from ...core.substitution import parse_reference, references
from ...errors import FieldError
from ..template import MAX_RETRIES, DagNode, DagSpec, WorkflowTemplateSpec
from .bindings import RefResolver, against_template
from .common import label_names, non_empty, relative_subpath, template_ref, unique_names


def validate_dag(
    dag: DagSpec, spec: WorkflowTemplateSpec, path: str, resolve: RefResolver | None = None
) -> list[FieldError]:
    where = f"{path}.templates"
    errors = non_empty(dag.templates, where, "templates")
    errors += unique_names(dag.templates, where, "node")
    errors += label_names(dag.templates, where, "node")
    names = {n.name for n in dag.templates}
    workspaces = {w.name for w in spec.workspaces}
    for i, node in enumerate(dag.templates):
        errors += _node(node, f"{where}[{i}]", names, workspaces)
    errors += _cycle(dag, where)
    if resolve is not None:
        errors += _against_templates(dag, spec, path, resolve)
    return errors


def _node(node: DagNode, at: str, names: set[str], workspaces: set[str]) -> list[FieldError]:
    errors = template_ref(node.workflow_template_ref, f"{at}.workflowTemplateRef")
    for j, dep in enumerate(node.dependencies):
        if dep == node.name:
            errors.append(FieldError(f"{at}.dependencies[{j}]", "a node cannot depend on itself"))
        elif dep not in names:
            errors.append(FieldError(f"{at}.dependencies[{j}]", f'unknown node "{dep}"'))
    errors += unique_names(node.params, f"{at}.params", "param")
    errors += unique_names(node.workspaces, f"{at}.workspaces", "workspace")
    for j, ws in enumerate(node.workspaces):
        if ws.workspace not in workspaces:
            errors.append(
                FieldError(
                    f"{at}.workspaces[{j}].workspace",
                    f'undeclared workspace "{ws.workspace}" of the DAG',
                )
            )
        errors += relative_subpath(ws.sub_path, f"{at}.workspaces[{j}].subPath")
    for j, expr in enumerate(node.when):
        errors += non_empty(expr.values, f"{at}.when[{j}].values", "values")
    if node.retries < 0:
        errors.append(FieldError(f"{at}.retries", f"must not be negative, got {node.retries}"))
    elif node.retries > MAX_RETRIES:
        errors.append(
            FieldError(f"{at}.retries", f"must be at most {MAX_RETRIES}, got {node.retries}")
        )
    return errors


def _cycle(dag: DagSpec, where: str) -> list[FieldError]:
    """A cycle, named. A node listing itself is already reported at its
    dependency, so such self-loops are left out of the search."""
    if any(node.name in node.dependencies for node in dag.templates):
        dag = DagSpec(
            templates=[
                n.model_copy(update={"dependencies": [d for d in n.dependencies if d != n.name]})
                for n in dag.templates
            ]
        )
    cycle = find_cycle(dag)
    if not cycle:
        return []
    return [FieldError(where, f"dependency cycle: {' -> '.join(cycle)}")]


def _against_templates(
    dag: DagSpec, spec: WorkflowTemplateSpec, path: str, resolve: RefResolver
) -> list[FieldError]:
    """Each node against the template it references, where that template exists
    now (a missing one is reported when a run starts: it may be created later)."""
    errors: list[FieldError] = []
    used: dict[str, tuple[str, WorkflowTemplateSpec]] = {}
    for i, node in enumerate(dag.templates):
        template = resolve(node.workflow_template_ref) if node.workflow_template_ref else None
        if template is None:
            continue
        used[node.name] = (node.workflow_template_ref, template)
        at = f"{path}.templates[{i}]"
        errors += against_template(
            node.params, node.workspaces, template, at, node.workflow_template_ref
        )
    for where, text in _result_reading_texts(dag, spec, path):
        for key in references(text):
            ref = parse_reference(key)
            if ref.kind != "templates" or ref.name not in used:
                continue
            name, template = used[ref.name]
            if ref.result not in {r.name for r in template.results}:
                errors.append(
                    FieldError(
                        where,
                        f'node "{ref.name}" has no result "{ref.result}" '
                        f'(template "{name}" does not declare it) in $({key})',
                    )
                )
    return errors


def _result_reading_texts(
    dag: DagSpec, spec: WorkflowTemplateSpec, path: str
) -> Iterator[tuple[str, str]]:
    """(field path, text) of every field that may read node results."""
    for i, node in enumerate(dag.templates):
        at = f"{path}.templates[{i}]"
        for j, param in enumerate(node.params):
            yield f"{at}.params[{j}].value", param.value
        for j, expr in enumerate(node.when):
            yield f"{at}.when[{j}].input", expr.input
            for k, value in enumerate(expr.values):
                yield f"{at}.when[{j}].values[{k}]", value
    results_path = path.rsplit(".", 1)[0] + ".results"
    for i, result in enumerate(spec.results):
        if result.value is not None:
            yield f"{results_path}[{i}].value", result.value
