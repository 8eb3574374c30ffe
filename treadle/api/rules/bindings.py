"""What a run or a DAG node gives to the template it uses: every required param,
a binding for every non-optional workspace, and no workspace the template does not
declare (SPEC §3.5, §3.6). A param the template does not declare is accepted with
a warning, as the platform accepts it (SPEC §13)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ...errors import FieldError, FieldWarning
from ..template import WorkflowTemplateSpec
from .common import Named

RefResolver = Callable[[str], WorkflowTemplateSpec | None]
"""A template name (in the namespace being validated) -> its spec, or None when
it does not exist (yet)."""


def against_template(
    params: Sequence[Named],
    workspaces: Sequence[Named],
    template: WorkflowTemplateSpec,
    path: str,
    template_name: str | None = None,
) -> list[FieldError]:
    """`params` and `workspaces` (at `path`) checked against what `template` declares."""
    of = f' of template "{template_name}"' if template_name else ""
    by = f' by template "{template_name}"' if template_name else ""
    errors: list[FieldError] = []
    declared = {p.name for p in template.params}
    given = {p.name for p in params}
    for i, p in enumerate(params):
        if p.name not in declared:
            errors.append(
                FieldWarning(
                    f"{path}.params[{i}].name",
                    f'param "{p.name}" is not declared{by}',
                    "accepted: substituted only where the template references it",
                )
            )
    for decl in template.params:
        if decl.required and decl.name not in given:
            errors.append(FieldError(f"{path}.params", f'missing required param "{decl.name}"{of}'))
    spaces = {w.name for w in template.workspaces}
    bound = {w.name for w in workspaces}
    for i, w in enumerate(workspaces):
        if w.name not in spaces:
            errors.append(
                FieldError(
                    f"{path}.workspaces[{i}].name", f'workspace "{w.name}" is not declared{by}'
                )
            )
    for space in template.workspaces:
        if not space.optional and space.name not in bound:
            errors.append(
                FieldError(
                    f"{path}.workspaces", f'missing binding for workspace "{space.name}"{of}'
                )
            )
    return errors
