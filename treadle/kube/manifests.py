"""Everything `treadle install --kube` puts into a cluster, as plain manifests: the
CRDs, the namespace `treadle-system`, the controller's service account and RBAC,
the roles aggregated into `admin`/`edit`/`view`, the Deployments of the controller,
the server (API and console) and the admission webhook, and the webhook's
registration. `deploy/` holds them as generated here (`treadle install --kube
--print`), so `kubectl apply -f deploy/` installs the same thing.

The one part made per installation is the webhook's certificates (kube/certs.py):
`treadle install --kube` makes them and puts the CA into the registration; an
installation from `deploy/` gets them from the webhook's init container, which runs
the same code (`treadle webhook certs`) in the cluster.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from ..api.kinds import WORKFLOW_KINDS, KindInfo
from .crds import MANAGED_BY, all_crds, platform_kinds

if TYPE_CHECKING:
    # Only the type: making certificates (cryptography) is the install's business.
    from .certs import WebhookTLS

Obj = dict[str, Any]

NAMESPACE = "treadle-system"
SERVICE_ACCOUNT = "treadle-controller"
CONTROLLER_ROLE = "treadle-controller"
KUBECONFIG_MAP = "treadle-kubeconfig"
WEBHOOK = "treadle-webhook"
"""The webhook's Deployment, Service and ValidatingWebhookConfiguration."""
WEBHOOK_NAME = "validation.treadle.dev"
WEBHOOK_PATH = "/validate"
WEBHOOK_PORT = 8443
WEBHOOK_TLS_SECRET = "treadle-webhook-tls"
SERVER = "treadle-server"
SERVER_PORT = 8080
DEFAULT_IMAGE = "treadle:latest"

KUBECONFIG_DIR = "/etc/treadle/kubeconfig"
TLS_DIR = "/etc/treadle/webhook"

_SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
IN_CLUSTER_KUBECONFIG: Obj = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [
        {
            "name": "in-cluster",
            "cluster": {
                "server": "https://kubernetes.default.svc",
                "certificate-authority": f"{_SA_DIR}/ca.crt",
            },
        }
    ],
    "users": [{"name": SERVICE_ACCOUNT, "user": {"tokenFile": f"{_SA_DIR}/token"}}],
    "contexts": [
        {"name": "in-cluster", "context": {"cluster": "in-cluster", "user": SERVICE_ACCOUNT}}
    ],
    "current-context": "in-cluster",
}
"""The pod's own service account as a kubeconfig file: Treadle's commands act on a
cluster when given one (`TREADLE_KUBECONFIG`), in a pod as anywhere else."""


@dataclass(frozen=True)
class InstallOptions:
    image: str = DEFAULT_IMAGE
    platform_kinds: bool = False
    webhook_url: str | None = None
    """Where the API server calls the webhook, when it runs outside the cluster;
    None: the in-cluster Service."""
    deployments: bool = True


def manifests(options: InstallOptions, tls: WebhookTLS | None = None) -> list[Obj]:
    """Every object of an installation, in the order to apply them: the CRDs (and
    the namespace) first, the webhook's registration last, once what it calls is
    there. `tls`: the webhook's certificates, whose CA goes into the registration
    and which are stored in their Secret."""
    objects: list[Obj] = [*all_crds(platform=options.platform_kinds), namespace()]
    objects += rbac(options.platform_kinds)
    if tls is not None:
        objects.append(tls_secret(tls))
    if options.deployments:
        objects.append(kubeconfig_map())
        objects += controller(options)
        objects += server(options)
        objects += webhook(options)
    objects.append(webhook_configuration(options, tls))
    return objects


def _meta(name: str, namespace: str | None = NAMESPACE, **labels: str) -> Obj:
    meta: Obj = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = {**MANAGED_BY, **labels}
    return meta


def namespace() -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(NAMESPACE, None)}


# -- RBAC --------------------------------------------------------------------------------


def _resources(kinds: list[KindInfo]) -> dict[str, list[str]]:
    """API group -> the kinds' resources there, with their /status."""
    out: dict[str, list[str]] = {}
    for info in kinds:
        out.setdefault(info.group, []).extend([info.plural, f"{info.plural}/status"])
    return out


def _rules(kinds: list[KindInfo], verbs: list[str], *, status: bool = True) -> list[Obj]:
    return [
        {
            "apiGroups": [group],
            "resources": [r for r in resources if status or not r.endswith("/status")],
            "verbs": verbs,
        }
        for group, resources in _resources(kinds).items()
    ]


READ = ["get", "list", "watch"]
ALL = ["*"]


def controller_rules() -> list[Obj]:
    """What the controller (and the server and webhook, with its account) may do.
    A Resource template's manifest is created as the run's service account
    (impersonated), so no rights on arbitrary kinds; the T9k jobs and
    SimpleMLService are the platform's kinds a template runs directly."""
    kinds = [*WORKFLOW_KINDS, *platform_kinds()]
    return [
        *_rules(kinds, ALL),
        {"apiGroups": [""], "resources": ["pods", "persistentvolumeclaims"], "verbs": ALL},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get", "create"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ALL},
        {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ALL},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ALL},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": [*READ, "create"]},
        {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["get"]},
        {
            "apiGroups": ["apiextensions.k8s.io"],
            "resources": ["customresourcedefinitions"],
            "verbs": READ,
        },
        {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
        # The webhook's init container renews the CA in its own registration.
        {
            "apiGroups": ["admissionregistration.k8s.io"],
            "resources": ["validatingwebhookconfigurations"],
            "resourceNames": [WEBHOOK],
            "verbs": ["get", "update", "patch"],
        },
    ]


def _aggregated(name: str, to: list[str], rules: list[Obj]) -> Obj:
    labels = {f"rbac.authorization.k8s.io/aggregate-to-{role}": "true" for role in to}
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": _meta(name, None, **labels),
        "rules": rules,
    }


def rbac(platform: bool) -> list[Obj]:
    """The controller's account and role, its Secret rights in treadle-system, and
    roles aggregated into the built-in `admin`/`edit` (every verb) and `view` (read)
    for the workflow kinds (and the platform's, where Treadle installs them)."""
    workflow = list(WORKFLOW_KINDS)
    objects: list[Obj] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(SERVICE_ACCOUNT)},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _meta(CONTROLLER_ROLE, None),
            "rules": controller_rules(),
        },
        _binding("ClusterRoleBinding", CONTROLLER_ROLE, "ClusterRole", None),
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _meta(WEBHOOK_TLS_SECRET),
            # `create` cannot be limited to a name; this namespace holds only Treadle's.
            "rules": [
                {"apiGroups": [""], "resources": ["secrets"], "verbs": [*READ, "create", "update"]}
            ],
        },
        _binding("RoleBinding", WEBHOOK_TLS_SECRET, "Role", NAMESPACE),
        _aggregated("treadle-edit", ["admin", "edit"], _rules(workflow, ALL, status=False)),
        _aggregated("treadle-view", ["view"], _rules(workflow, READ)),
    ]
    if platform:
        kinds = platform_kinds()
        objects += [
            _aggregated(
                "treadle-platform-edit", ["admin", "edit"], _rules(kinds, ALL, status=False)
            ),
            _aggregated("treadle-platform-view", ["view"], _rules(kinds, READ)),
        ]
    return objects


def _binding(kind: str, role: str, role_kind: str, namespace: str | None) -> Obj:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": _meta(role, namespace),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}],
    }


# -- Deployments ----------------------------------------------------------------------------


def kubeconfig_map() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(KUBECONFIG_MAP),
        "data": {"kubeconfig": yaml.safe_dump(IN_CLUSTER_KUBECONFIG, sort_keys=False)},
    }


_KUBECONFIG_ENV = [{"name": "TREADLE_KUBECONFIG", "value": f"{KUBECONFIG_DIR}/kubeconfig"}]
_KUBECONFIG_MOUNT = [{"name": "kubeconfig", "mountPath": KUBECONFIG_DIR, "readOnly": True}]
_KUBECONFIG_VOLUME = {"name": "kubeconfig", "configMap": {"name": KUBECONFIG_MAP}}


def _container(name: str, image: str, args: list[str], **more: Any) -> Obj:
    return {
        "name": name,
        "image": image,
        "command": ["treadle"],
        "args": args,
        "env": _KUBECONFIG_ENV,
        **more,
        "volumeMounts": [*_KUBECONFIG_MOUNT, *more.get("volumeMounts", [])],
    }


def _deployment(name: str, containers: list[Obj], volumes: list[Obj], **pod: Any) -> Obj:
    labels = {"app.kubernetes.io/name": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, **labels),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": {**MANAGED_BY, **labels}},
                "spec": {
                    "serviceAccountName": SERVICE_ACCOUNT,
                    **pod,
                    "containers": containers,
                    "volumes": [_KUBECONFIG_VOLUME, *volumes],
                },
            },
        },
    }


def _service(name: str, port: int, target: int) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name),
        "spec": {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [
                {"name": "https" if port == 443 else "http", "port": port, "targetPort": target}
            ],
        },
    }


def controller(options: InstallOptions) -> list[Obj]:
    """The workflow controller: of several replicas one holds the lease and drives."""
    args = ["controller", *(["--platform-kinds"] if options.platform_kinds else [])]
    return [_deployment("treadle-controller", [_container("controller", options.image, args)], [])]


def server(options: InstallOptions) -> list[Obj]:
    """The API and console of the cluster (`server --kube`, through the pod's
    kubeconfig), without a controller of their own: the controller's Deployment
    drives. Its admin token is the Secret `treadle-admin` of this namespace, made
    by the first replica to start."""
    args = [
        "server",
        "--kube",
        "--host",
        "0.0.0.0",
        "--port",
        str(SERVER_PORT),
        "--no-controller",
        "--allowed-host",
        "*",
    ]
    container = _container(
        "server",
        options.image,
        args,
        ports=[{"name": "http", "containerPort": SERVER_PORT}],
        # Ready once it answers and its store (the API server) does.
        readinessProbe={"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 10},
        livenessProbe={"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 20},
    )
    return [_deployment(SERVER, [container], []), _service(SERVER, 80, SERVER_PORT)]


def webhook(options: InstallOptions) -> list[Obj]:
    """The admission webhook. Its init container makes (or reuses) the certificates
    in their Secret, puts the CA into the registration and writes the files the
    webhook serves with."""
    tls = [{"name": "tls", "mountPath": TLS_DIR}]
    certs = _container(
        "certs", options.image, ["webhook", "certs", "--out", TLS_DIR], volumeMounts=tls
    )
    serve = _container(
        "webhook",
        options.image,
        [
            "webhook",
            "serve",
            "--tls-cert",
            f"{TLS_DIR}/tls.crt",
            "--tls-key",
            f"{TLS_DIR}/tls.key",
            "--host",
            "0.0.0.0",
            "--port",
            str(WEBHOOK_PORT),
        ],
        ports=[{"name": "https", "containerPort": WEBHOOK_PORT}],
        readinessProbe={"httpGet": {"path": "/healthz", "port": WEBHOOK_PORT, "scheme": "HTTPS"}},
        volumeMounts=[{**tls[0], "readOnly": True}],
    )
    volumes = [{"name": "tls", "emptyDir": {}}]
    return [
        _deployment(WEBHOOK, [serve], volumes, initContainers=[certs]),
        _service(WEBHOOK, 443, WEBHOOK_PORT),
    ]


# -- the webhook's registration and certificates -----------------------------------------


def service_names(service: str, namespace: str) -> list[str]:
    """The DNS names a Service is called by from inside the cluster."""
    return [
        service,
        f"{service}.{namespace}",
        f"{service}.{namespace}.svc",
        f"{service}.{namespace}.svc.cluster.local",
    ]


def webhook_hosts(client_config: Obj) -> list[str]:
    """The names the API server calls the webhook by, for its certificate."""
    if "url" in client_config:
        host = urlsplit(str(client_config["url"])).hostname
        return [host] if host else []
    service = client_config.get("service") or {}
    return service_names(
        str(service.get("name", WEBHOOK)), str(service.get("namespace", NAMESPACE))
    )


def client_config(options: InstallOptions) -> Obj:
    if options.webhook_url:
        return {"url": options.webhook_url}
    return {"service": {"namespace": NAMESPACE, "name": WEBHOOK, "path": WEBHOOK_PATH, "port": 443}}


def webhook_configuration(options: InstallOptions, tls: WebhookTLS | None = None) -> Obj:
    """CREATE and UPDATE of Treadle's kinds go through the webhook; none is stored
    unless it answers (failurePolicy Fail)."""
    config = client_config(options)
    if tls is not None:
        config["caBundle"] = ca_bundle(tls)
    kinds = [*WORKFLOW_KINDS, *(platform_kinds() if options.platform_kinds else [])]
    groups: dict[str, list[str]] = {}
    for info in kinds:
        groups.setdefault(info.group, []).append(info.plural)
    versions = sorted({info.version for info in kinds})
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": _meta(WEBHOOK, None),
        "webhooks": [
            {
                "name": WEBHOOK_NAME,
                "clientConfig": config,
                "rules": [
                    {
                        "apiGroups": [group],
                        "apiVersions": versions,
                        "operations": ["CREATE", "UPDATE"],
                        "resources": plurals,
                        "scope": "Namespaced",
                    }
                    for group, plurals in groups.items()
                ],
                "failurePolicy": "Fail",
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
                "timeoutSeconds": 10,
            }
        ],
    }


def ca_bundle(tls: WebhookTLS) -> str:
    return base64.b64encode(tls.ca_cert.encode()).decode()


def tls_secret(tls: WebhookTLS) -> Obj:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _meta(WEBHOOK_TLS_SECRET),
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": b64(tls.cert), "tls.key": b64(tls.key), "ca.crt": b64(tls.ca_cert)},
    }


def tls_of_secret(secret: Obj | None) -> WebhookTLS | None:
    """The certificates stored in the webhook's Secret, or None."""
    from .certs import WebhookTLS

    data = (secret or {}).get("data") or {}
    try:
        return WebhookTLS(
            ca_cert=base64.b64decode(data["ca.crt"]).decode(),
            cert=base64.b64decode(data["tls.crt"]).decode(),
            key=base64.b64decode(data["tls.key"]).decode(),
        )
    except (KeyError, ValueError, TypeError):
        return None


# -- deploy/ -------------------------------------------------------------------------------

GENERATED = (
    "# Treadle's Kubernetes installation, generated by `treadle install --kube --print{flags}`:\n"
    "# regenerate it rather than edit it. The image is built from Treadle's repository.\n"
)


def render(options: InstallOptions) -> str:
    """The installation as one YAML stream, as `--print` writes it."""
    flags = "".join(
        [
            " --platform-kinds" if options.platform_kinds else "",
            f" --webhook-url {options.webhook_url}" if options.webhook_url else "",
            f" --image {options.image}" if options.image != DEFAULT_IMAGE else "",
            " --no-deployments" if not options.deployments else "",
        ]
    )
    docs = [yaml.safe_dump(obj, sort_keys=False, width=100) for obj in manifests(options)]
    return GENERATED.format(flags=flags) + "---\n" + "---\n".join(docs)


DEPLOY_FILES: dict[str, InstallOptions] = {
    "treadle.yaml": InstallOptions(),
    "platform-kinds/treadle.yaml": InstallOptions(platform_kinds=True),
}
"""deploy/'s files: `kubectl apply -f deploy/` installs what `treadle install --kube`
does; `kubectl apply -f deploy/platform-kinds/` what `--platform-kinds` adds."""


__all__ = [
    "DEFAULT_IMAGE",
    "DEPLOY_FILES",
    "NAMESPACE",
    "WEBHOOK",
    "WEBHOOK_TLS_SECRET",
    "InstallOptions",
    "ca_bundle",
    "client_config",
    "controller_rules",
    "manifests",
    "render",
    "tls_of_secret",
    "tls_secret",
    "webhook_configuration",
    "webhook_hosts",
]
