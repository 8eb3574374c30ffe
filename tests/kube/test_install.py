"""`treadle install --kube`: what deploy/ holds is what the command installs, twice
is once, and it never stands beside the platform's own CRDs."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kube.test_webhook import registration_restored
from tests.kube_cluster import KubeCluster
from tests.support import ROOT, TREADLE
from treadle.kube import apply
from treadle.kube.certs import make_tls, serves
from treadle.kube.connect import api_client
from treadle.kube.manifests import (
    DEPLOY_FILES,
    WEBHOOK,
    InstallOptions,
    controller_rules,
    manifests,
    render,
    webhook_configuration,
)

DEPLOY = ROOT / "deploy"
INSTALL = ("install", "--kube", "--no-deployments", "--webhook-url", "https://127.0.0.1:1/validate")
"""Without Deployments: the session's cluster may have node agents that would run
a controller pod on this machine. Nothing answers at the webhook's address."""


def treadle(cluster: KubeCluster, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "TREADLE_NO_AUTOSTART": "1",
        "TREADLE_KUBECONFIG": str(cluster.kubeconfig),
    }
    return subprocess.run(
        [str(TREADLE), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def installed(kube_cluster: KubeCluster) -> Iterator[KubeCluster]:
    """A cluster `install` may register the webhook in; the registration is as before
    afterwards, since nothing answers this test's and it fails every write of the
    kinds."""
    with registration_restored(kube_cluster):
        yield kube_cluster


# --- deploy/ -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEPLOY_FILES)
def test_deploy_holds_the_generated_manifests(name: str) -> None:
    # Regenerate with `treadle install --kube --print [--platform-kinds] > deploy/…`.
    assert (DEPLOY / name).read_text() == render(DEPLOY_FILES[name])


def test_deploy_holds_no_other_manifests() -> None:
    found = {
        str(p.relative_to(DEPLOY))
        for p in DEPLOY.rglob("*")
        if p.suffix in (".yaml", ".yml", ".json")
    }
    assert found == set(DEPLOY_FILES)


def test_print_writes_deploy_s_manifests() -> None:
    printed = subprocess.run(
        [str(TREADLE), "install", "--kube", "--print"], capture_output=True, text=True, timeout=60
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == (DEPLOY / "treadle.yaml").read_text()


def test_every_object_is_labelled_as_installed_by_treadle() -> None:
    unlabelled = [
        f"{o['kind']}/{o['metadata']['name']}"
        for o in manifests(InstallOptions(platform_kinds=True))
        if o["metadata"]["labels"].get("app.kubernetes.io/managed-by") != "treadle"
    ]
    assert unlabelled == []


def test_the_image_is_configurable() -> None:
    images = {
        c["image"]
        for o in manifests(InstallOptions(image="registry.example/treadle:1.0"))
        if o["kind"] == "Deployment"
        for c in [
            *o["spec"]["template"]["spec"]["containers"],
            *o["spec"]["template"]["spec"].get("initContainers", []),
        ]
    }
    assert images == {"registry.example/treadle:1.0"}


def test_the_webhook_registration_judges_creates_and_updates_and_fails_closed() -> None:
    [hook] = webhook_configuration(InstallOptions())["webhooks"]
    assert (hook["failurePolicy"], hook["sideEffects"], hook["timeoutSeconds"]) == (
        "Fail",
        "None",
        10,
    )
    assert hook["admissionReviewVersions"] == ["v1"]
    assert hook["clientConfig"]["service"] == {
        "namespace": "treadle-system", "name": "treadle-webhook", "path": "/validate", "port": 443,
    }  # fmt: skip
    resources = {r for rule in hook["rules"] for r in rule["resources"]}
    assert resources == {
        "workflowtemplates",
        "workflowruns",
        "cronworkflowruns",
        "eventlisteners",
        "workflowtriggers",
    }
    assert all(rule["operations"] == ["CREATE", "UPDATE"] for rule in hook["rules"])


def test_the_webhook_registration_covers_the_platform_kinds_treadle_installs() -> None:
    [hook] = webhook_configuration(InstallOptions(platform_kinds=True))["webhooks"]
    resources = {r for rule in hook["rules"] for r in rule["resources"]}
    assert {"mpijobs", "simplemlservices"} <= resources


def test_a_webhook_url_registers_the_url() -> None:
    options = InstallOptions(webhook_url="https://127.0.0.1:8443/validate")
    [hook] = webhook_configuration(options)["webhooks"]
    assert hook["clientConfig"] == {"url": "https://127.0.0.1:8443/validate"}


# --- certificates --------------------------------------------------------------------------


def test_a_serving_certificate_covers_the_names_and_ips_it_was_made_for() -> None:
    tls = make_tls(["treadle-webhook.treadle-system.svc", "127.0.0.1"])
    assert serves(tls, ["127.0.0.1", "treadle-webhook.treadle-system.svc"])
    assert not serves(tls, ["10.0.0.1"])


def test_a_certificate_about_to_expire_is_not_kept() -> None:
    tls = make_tls(["127.0.0.1"])
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3640)
    assert not serves(tls, ["127.0.0.1"], now=later)


def test_a_certificate_of_another_ca_is_not_kept() -> None:
    one, other = make_tls(["127.0.0.1"]), make_tls(["127.0.0.1"])
    assert not serves(type(one)(ca_cert=other.ca_cert, cert=one.cert, key=one.key), ["127.0.0.1"])


# --- on a real API server ------------------------------------------------------------------


def test_a_second_install_changes_nothing_and_says_so(installed: KubeCluster) -> None:
    first = treadle(installed, *INSTALL)
    assert first.returncode == 0, first.stderr
    second = treadle(installed, *INSTALL)
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert all(line.endswith(" unchanged") for line in lines[:-1]), second.stdout
    assert lines[-1].startswith("nothing to change")


def test_install_registers_the_webhook_with_its_ca(installed: KubeCluster) -> None:
    assert treadle(installed, *INSTALL).returncode == 0
    registration = json.loads(
        installed.kubectl("get", "validatingwebhookconfiguration", WEBHOOK, "-o", "json").stdout
    )
    secret = json.loads(
        installed.kubectl(
            "get", "secret", "treadle-webhook-tls", "-n", "treadle-system", "-o", "json"
        ).stdout
    )
    assert registration["webhooks"][0]["clientConfig"]["caBundle"] == secret["data"]["ca.crt"]


def test_the_api_server_accepts_the_whole_installation(installed: KubeCluster) -> None:
    # The namespace must exist for a server dry run of what goes into it; the
    # registration of a webhook outside the cluster (a url, not the Service) must
    # not, or the dry run's merge would give it both.
    assert treadle(installed, *INSTALL).returncode == 0
    installed.kubectl("delete", "validatingwebhookconfiguration", WEBHOOK)
    done = installed.kubectl(
        "apply", "--dry-run=server", "-f", str(DEPLOY / "treadle.yaml"), check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_built_in_edit_and_view_roles_reach_the_workflow_kinds(installed: KubeCluster) -> None:
    assert treadle(installed, *INSTALL).returncode == 0
    installed.kubectl("create", "namespace", "install-roles", check=False)
    for user, role in (("editor", "edit"), ("viewer", "view")):
        installed.kubectl(
            "create", "rolebinding", user, f"--clusterrole={role}", f"--user={user}", "-n", "install-roles",
            check=False,
        )  # fmt: skip
    assert can(installed, "editor", "create", "workflowruns")
    assert can(installed, "viewer", "list", "workflowtemplates")
    assert not can(installed, "viewer", "create", "workflowruns", wait=False)


def can(cluster: KubeCluster, user: str, verb: str, resource: str, *, wait: bool = True) -> bool:
    """`kubectl auth can-i` as `user`; with `wait`, until the controller-manager has
    aggregated the roles (it does so shortly after they are created)."""
    deadline = time.monotonic() + (30 if wait else 0)
    while True:
        done = cluster.kubectl(
            "auth", "can-i", verb, resource, "-n", "install-roles", f"--as={user}", check=False
        )
        if done.stdout.strip() == "yes" or time.monotonic() >= deadline:
            return done.stdout.strip() == "yes"
        time.sleep(0.2)


def test_the_controller_impersonates_rather_than_holding_rights_on_every_kind() -> None:
    rules = controller_rules()
    assert {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]} in rules
    assert not any("*" in r["resources"] or "*" in r["apiGroups"] for r in rules)
    assert not any("deployments" in r["resources"] for r in rules)


def test_platform_kinds_are_refused_beside_the_platform_s_own_crds(installed: KubeCluster) -> None:
    name = "beamjobs.batch.tensorstack.dev"
    with platform_s_own_crd(installed, name):
        done = treadle(installed, *INSTALL, "--platform-kinds")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"the cluster already has the platform's own CRDs for {name}" in done.stderr
    assert "Traceback" not in done.stderr


class platform_s_own_crd:
    """A CRD of `name` not installed by Treadle, as the platform's operators bring;
    the cluster is as before afterwards."""

    def __init__(self, cluster: KubeCluster, name: str) -> None:
        self.cluster, self.name = cluster, name
        self.relabelled = False

    def __enter__(self) -> None:
        api = api_client(self.cluster.kubeconfig)
        try:
            stored = apply.get(
                api, "apiextensions.k8s.io/v1", "CustomResourceDefinition", self.name
            )
        finally:
            api.close()
        if stored is not None:
            self.relabelled = True
            self.cluster.kubectl("label", "crd", self.name, "app.kubernetes.io/managed-by-")
            return
        plural, group = self.name.split(".", 1)
        self.cluster.kubectl("apply", "-f", "-", input=json.dumps(foreign_crd(plural, group)))

    def __exit__(self, *exc: object) -> None:
        if self.relabelled:
            self.cluster.kubectl("label", "crd", self.name, "app.kubernetes.io/managed-by=treadle")
        else:
            self.cluster.kubectl("delete", "crd", self.name, "--wait=false")


def foreign_crd(plural: str, group: str) -> dict[str, object]:
    kind = {"beamjobs": "BeamJob"}[plural]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural},
            "versions": [
                {
                    "name": "v1beta1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def test_no_deployments_without_the_webhook_s_address_is_refused_before_anything_changes(
    tmp_path: Path,
) -> None:
    # The kubeconfig names no reachable cluster: the refusal comes before connecting.
    done = subprocess.run(
        [str(TREADLE), "install", "--kube", "--no-deployments"],
        env={**os.environ, "TREADLE_KUBECONFIG": str(tmp_path / "absent")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--webhook-url" in done.stderr and "outside the cluster" in done.stderr


def test_an_unreachable_cluster_is_one_line_and_exit_1(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    done = subprocess.run(
        [str(TREADLE), "install", "--kube", "--kubeconfig", str(kubeconfig)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot reach the API server at https://127.0.0.1:9")
    assert done.stderr.count("\n") == 1, done.stderr


def test_a_crd_that_is_not_established_in_time_is_named(kube_cluster: KubeCluster) -> None:
    api = api_client(kube_cluster.kubeconfig)
    try:
        with pytest.raises(
            apply.KubeError, match=r"not Established after 0\.2s: nothing\.example\.com"
        ):
            apply.wait_established(api, ["nothing.example.com"], 0.2)
    finally:
        api.close()
