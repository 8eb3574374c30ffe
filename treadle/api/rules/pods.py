"""Rules for a pod spec wherever one appears: a Pod or SeqPod template, a T9k job's
replica groups, a `v1` Pod, a `batch/v1` Job, a Resource template's manifest.

What a pod names must stay inside what it is given: volume, claim, ConfigMap and
Secret names are Kubernetes names (so never `..` or a path), mount and item paths
cannot climb out of their volume, and a `hostPath` volume is the owner's choice
(api/policy.py). Values are checked for what they become: environment names,
absolute paths, resource quantities.

Some text is substituted before it is used: `workingDir` always (SPEC §4), and
every string of a job template or manifest. A value that holds a `$(…)` reference
there is checked after substitution, when the run starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ...core.names import (
    config_key_errors,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    env_var_name_errors,
)
from ...core.quantity import MAX_BYTES, parse_quantity
from ...core.substitution import REF_PATTERN
from ...errors import FieldError
from ..k8s import (
    ConfigMapSource,
    Container,
    EmptyDirSource,
    KeyToPath,
    PersistentVolumeClaimSource,
    PodSpec,
    ResourceRequirements,
    SecretSource,
    Volume,
)
from ..policy import DEFAULT_POLICY, HOST_PATH_REFUSED, Policy
from .common import label_names, non_empty, relative_subpath, unique_names


@dataclass(frozen=True)
class Scope:
    """How to read the pod spec being checked."""

    policy: Policy = DEFAULT_POLICY
    templated: bool = False
    """Every string is substituted before use (job templates, manifests)."""

    def later(self, value: str, *, substituted: bool = False) -> bool:
        """Whether `value` can only be judged after substitution: it holds a
        reference, and it is text that gets substituted (every string of a
        templated spec; `substituted` fields, such as `workingDir`, anywhere)."""
        return (self.templated or substituted) and REF_PATTERN.search(value) is not None


LITERAL = Scope()


class VolumeSources(Protocol):
    """A pod volume or a run's workspace binding: either names its source."""

    @property
    def persistent_volume_claim(self) -> PersistentVolumeClaimSource | None: ...
    @property
    def empty_dir(self) -> EmptyDirSource | None: ...
    @property
    def config_map(self) -> ConfigMapSource | None: ...
    @property
    def secret(self) -> SecretSource | None: ...


def pod_errors(pod: PodSpec, path: str, scope: Scope = LITERAL) -> list[FieldError]:
    """A pod that runs `containers` (a Pod template, a replica group, a Pod object)."""
    errors = non_empty(pod.containers, f"{path}.containers", "containers")
    errors += _containers(pod.containers, f"{path}.containers", "container", scope)
    errors += _mounts_known(pod, pod.containers, f"{path}.containers")
    errors += _not_init_names(pod, pod.containers, path, "containers", "container")
    return errors + _shared(pod, path, scope)


def seq_pod_errors(
    pod: PodSpec, steps: Sequence[Container], path: str, scope: Scope = LITERAL
) -> list[FieldError]:
    """A SeqPod: `steps` instead of containers."""
    errors = non_empty(steps, f"{path}.steps", "steps")
    if pod.containers:
        errors.append(FieldError(f"{path}.containers", "a SeqPod has steps, not containers"))
    errors += _containers(list(steps), f"{path}.steps", "step", scope)
    errors += _mounts_known(pod, list(steps), f"{path}.steps")
    errors += _not_init_names(pod, steps, path, "steps", "step")
    return errors + _shared(pod, path, scope)


def _not_init_names(
    pod: PodSpec, containers: Sequence[Container], path: str, field: str, what: str
) -> list[FieldError]:
    """Names are unique across the whole pod, as in Kubernetes: a step (or container)
    may not share one with an init container, whose logs and status it would take."""
    init: dict[str, int] = {}
    for i, c in enumerate(pod.init_containers):
        init.setdefault(c.name, i)
    return [
        FieldError(
            f"{path}.{field}[{i}].name",
            f'duplicate {what} name "{c.name}" (also the name of '
            f"{path}.initContainers[{init[c.name]}])",
        )
        for i, c in enumerate(containers)
        if c.name in init
    ]


def _shared(pod: PodSpec, path: str, scope: Scope) -> list[FieldError]:
    """What a Pod and a SeqPod have alike: volumes and init containers."""
    errors = unique_names(pod.volumes, f"{path}.volumes", "volume")
    for i, volume in enumerate(pod.volumes):
        errors += volume_errors(volume, f"{path}.volumes[{i}]", scope)
    init = f"{path}.initContainers"
    errors += _containers(pod.init_containers, init, "init container", scope)
    errors += _mounts_known(pod, pod.init_containers, init)
    return errors


def volume_errors(volume: Volume, path: str, scope: Scope = LITERAL) -> list[FieldError]:
    errors = _named(volume.name, f"{path}.name", "volume", dns1123_label_errors, scope)
    if volume.host_path is not None and not scope.policy.allow_host_path:
        errors.append(FieldError(f"{path}.hostPath", HOST_PATH_REFUSED))
    return errors + source_errors(volume, path, scope)


def source_errors(owner: VolumeSources, path: str, scope: Scope = LITERAL) -> list[FieldError]:
    """The names and paths a volume source gives: a claim, a ConfigMap or a Secret
    is found by name, and its items become files of the volume."""
    errors: list[FieldError] = []
    if owner.persistent_volume_claim is not None:
        errors += _named(
            owner.persistent_volume_claim.claim_name,
            f"{path}.persistentVolumeClaim.claimName",
            "claim",
            dns1123_subdomain_errors,
            scope,
        )
    if owner.config_map is not None:
        at = f"{path}.configMap"
        errors += _named(
            owner.config_map.name, f"{at}.name", "ConfigMap", dns1123_subdomain_errors, scope
        )
        errors += _items(owner.config_map.items, f"{at}.items", scope)
    if owner.secret is not None:
        at = f"{path}.secret"
        errors += _named(
            owner.secret.secret_name, f"{at}.secretName", "Secret", dns1123_subdomain_errors, scope
        )
        errors += _items(owner.secret.items, f"{at}.items", scope)
    if owner.empty_dir is not None and owner.empty_dir.size_limit is not None:
        errors += quantity_errors(owner.empty_dir.size_limit, f"{path}.emptyDir.sizeLimit", scope)
    return errors


def _named(
    name: str, path: str, what: str, rule: Callable[[str], list[str]], scope: Scope
) -> list[FieldError]:
    if scope.later(name):
        return []
    return [FieldError(path, f'invalid {what} name "{name}": {reason}') for reason in rule(name)]


def _items(items: Sequence[KeyToPath], path: str, scope: Scope) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, item in enumerate(items):
        at = f"{path}[{i}]"
        if not scope.later(item.key):
            errors += [
                FieldError(f"{at}.key", f'invalid key "{item.key}": {reason}')
                for reason in config_key_errors(item.key)
            ]
        if not scope.later(item.path):
            errors += file_path_errors(item.path, f"{at}.path")
    return errors


def file_path_errors(value: str, path: str) -> list[FieldError]:
    """A file inside a volume (a ConfigMap or Secret item): relative, and no `..`."""
    if not value:
        return [FieldError(path, "must not be empty")]
    if value.startswith("/"):
        return [FieldError(path, f'must be a relative path, got absolute "{value}"')]
    if ".." in value.split("/"):
        return [FieldError(path, f'must not contain "..", got "{value}"')]
    return []


def absolute_path_errors(value: str, path: str) -> list[FieldError]:
    if value.startswith("/"):
        return []
    return [FieldError(path, f'must be an absolute path, got "{value}"')]


def _containers(
    containers: list[Container], path: str, what: str, scope: Scope
) -> list[FieldError]:
    errors = unique_names(containers, path, what)
    errors += label_names(containers, path, what)
    for i, c in enumerate(containers):
        errors += container_errors(c, f"{path}[{i}]", scope)
    return errors


def container_errors(c: Container, path: str, scope: Scope = LITERAL) -> list[FieldError]:
    errors: list[FieldError] = []
    if not c.image:
        errors.append(FieldError(f"{path}.image", "required field is missing"))
    if c.working_dir is not None and not scope.later(c.working_dir, substituted=True):
        errors += absolute_path_errors(c.working_dir, f"{path}.workingDir")
    for j, env in enumerate(c.env):
        if not scope.later(env.name):
            errors += [
                FieldError(f"{path}.env[{j}].name", f'invalid name "{env.name}": {reason}')
                for reason in env_var_name_errors(env.name)
            ]
    for j, mount in enumerate(c.volume_mounts):
        at = f"{path}.volumeMounts[{j}]"
        errors += _named(mount.name, f"{at}.name", "volume", dns1123_label_errors, scope)
        if not scope.later(mount.mount_path):
            errors += absolute_path_errors(mount.mount_path, f"{at}.mountPath")
        if mount.sub_path is not None and not scope.later(mount.sub_path):
            errors += relative_subpath(mount.sub_path, f"{at}.subPath")
    if c.resources is not None:
        errors += resources_errors(c.resources, f"{path}.resources", scope)
    return errors


def resources_errors(
    resources: ResourceRequirements, path: str, scope: Scope = LITERAL
) -> list[FieldError]:
    errors: list[FieldError] = []
    for field, amounts in (("limits", resources.limits), ("requests", resources.requests)):
        for name, amount in amounts.items():
            errors += quantity_errors(amount, f"{path}.{field}.{name}", scope)
    return errors


def quantity_errors(text: str, path: str, scope: Scope = LITERAL) -> list[FieldError]:
    """A Kubernetes quantity (`500m`, `2Gi`), not negative, small enough to store."""
    if scope.later(text):
        return []
    try:
        value = parse_quantity(text)
    except ValueError as exc:
        return [FieldError(path, str(exc))]
    if value < 0:
        return [FieldError(path, f'invalid quantity "{text}": must not be negative')]
    if value > MAX_BYTES:
        return [FieldError(path, f'invalid quantity "{text}": larger than {MAX_BYTES}')]
    return []


def _mounts_known(pod: PodSpec, containers: list[Container], path: str) -> list[FieldError]:
    volumes = {v.name for v in pod.volumes}
    return [
        FieldError(f"{path}[{i}].volumeMounts[{j}].name", f'unknown volume "{m.name}"')
        for i, c in enumerate(containers)
        for j, m in enumerate(c.volume_mounts)
        if m.name not in volumes and not dns1123_label_errors(m.name)
    ]


__all__ = [
    "LITERAL",
    "Scope",
    "absolute_path_errors",
    "container_errors",
    "file_path_errors",
    "pod_errors",
    "quantity_errors",
    "seq_pod_errors",
    "source_errors",
    "volume_errors",
]
