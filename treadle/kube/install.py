"""Installing Treadle into a cluster: the manifests of kube/manifests.py applied in
order (the CRDs awaited until Established), the webhook's certificates made once
and kept, and the refusal to stand beside the platform's own CRDs.
"""

from __future__ import annotations

from collections.abc import Callable

from kubernetes.client import ApiClient

from .apply import KubeError, Obj, Outcome, apply, get, request, wait_established
from .certs import WebhookTLS, make_tls, serves
from .crds import MANAGED_BY, MANAGED_BY_LABEL, platform_crds
from .manifests import (
    NAMESPACE,
    WEBHOOK,
    WEBHOOK_TLS_SECRET,
    InstallOptions,
    ca_bundle,
    client_config,
    manifests,
    tls_of_secret,
    tls_secret,
    webhook_hosts,
)

CRD = ("apiextensions.k8s.io/v1", "CustomResourceDefinition")
VWC = ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration")

Report = Callable[[Obj, Outcome], None]


def describe(obj: Obj) -> str:
    """`customresourcedefinition/workflowruns.batch.tensorstack.dev`, as kubectl says."""
    return f"{obj['kind'].lower()}/{obj['metadata']['name']}"


def foreign_platform_crds(api: ApiClient) -> list[str]:
    """The platform's kinds this cluster already has CRDs for that Treadle did not
    install: the platform's operators run those, and two operators must not."""
    found = []
    for wanted in platform_crds():
        name = wanted["metadata"]["name"]
        stored = get(api, *CRD, name)
        labels = ((stored or {}).get("metadata") or {}).get("labels") or {}
        if stored is not None and labels.get(MANAGED_BY_LABEL) != MANAGED_BY[MANAGED_BY_LABEL]:
            found.append(name)
    return found


def install(
    api: ApiClient, options: InstallOptions, report: Report, *, timeout: float = 60.0
) -> list[Outcome]:
    """Create or update every object of the installation; what became of each."""
    if options.platform_kinds:
        foreign = foreign_platform_crds(api)
        if foreign:
            raise KubeError(
                "the cluster already has the platform's own CRDs for "
                + ", ".join(foreign)
                + " (not installed by Treadle): its operators run these kinds; "
                "install without --platform-kinds"
            )
    tls, _ = stored_tls(api, webhook_hosts(client_config(options)))
    outcomes: list[Outcome] = []
    crds: list[str] = []
    for obj in manifests(options, tls):
        is_crd = (obj["apiVersion"], obj["kind"]) == CRD
        if crds and not is_crd:
            # Objects of these kinds may come next (and the webhook judges them).
            wait_established(api, crds, timeout)
            crds = []
        if is_crd:
            crds.append(obj["metadata"]["name"])
        outcome = apply(api, obj)
        report(obj, outcome)
        outcomes.append(outcome)
    wait_established(api, crds, timeout)
    return outcomes


def stored_tls(api: ApiClient, hosts: list[str]) -> tuple[WebhookTLS, bool]:
    """The webhook's certificates from their Secret when they serve `hosts`; else
    new ones (to be stored). The second value: whether they are new."""
    tls = tls_of_secret(get(api, "v1", "Secret", WEBHOOK_TLS_SECRET, NAMESPACE))
    if tls is not None and serves(tls, hosts):
        return tls, False
    return make_tls(hosts), True


def renew_registration(api: ApiClient) -> WebhookTLS:
    """What the webhook's init container does: certificates for the names the
    registration calls the webhook by (kept when they serve them), stored in their
    Secret, and their CA in the registration."""
    registration = get(api, *VWC, WEBHOOK)
    hooks = (registration or {}).get("webhooks") or [{}]
    config = hooks[0].get("clientConfig") or client_config(InstallOptions())
    tls, new = stored_tls(api, webhook_hosts(config))
    if new:
        try:
            apply(api, tls_secret(tls))
        except KubeError as exc:
            if exc.status != 409:
                raise
            # Another replica stored its own first: serve those.
            tls, _ = stored_tls(api, webhook_hosts(config))
    if registration is not None:
        bundle = ca_bundle(tls)
        if any(h.get("clientConfig", {}).get("caBundle") != bundle for h in hooks):
            for hook in hooks:
                hook.setdefault("clientConfig", {})["caBundle"] = bundle
            url = f"/apis/{VWC[0]}/validatingwebhookconfigurations/{WEBHOOK}"
            request(api, "PUT", url, registration)
    return tls


__all__ = ["describe", "foreign_platform_crds", "install", "renew_registration", "stored_tls"]
