"""The test cluster: a real kube-apiserver, kube-controller-manager and
kube-scheduler on etcd, started by `scripts/kube-cluster` once per test session.

Every test that needs a Kubernetes API server takes the `kube_cluster` fixture
(tests/conftest.py). The first session on a machine builds the binaries (minutes,
cached outside the checkout); a machine that cannot build them fails those tests
with the build's own message, never skips them silently.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support import ROOT

SCRIPT = ROOT / "scripts" / "kube-cluster"


@dataclass(frozen=True)
class KubeCluster:
    dir: Path
    kubeconfig: Path
    bin: Path
    """Where kube-apiserver, kubectl … are."""

    @property
    def kubectl_path(self) -> Path:
        return self.bin / "kubectl"

    @property
    def server(self) -> str:
        config = yaml.safe_load(self.kubeconfig.read_text())
        return str(config["clusters"][0]["cluster"]["server"])

    @property
    def token(self) -> str:
        config = yaml.safe_load(self.kubeconfig.read_text())
        return str(config["users"][0]["user"]["token"])

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run the cluster's own kubectl (the same version as the API server)."""
        return subprocess.run(
            [str(self.kubectl_path), "--kubeconfig", str(self.kubeconfig), *args],
            input=input,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )


def start_cluster(directory: Path) -> KubeCluster:
    built = subprocess.run([str(SCRIPT), "build"], capture_output=True, text=True)
    if built.returncode != 0:
        raise RuntimeError(f"the test cluster could not be built:\n{built.stderr}")
    up = subprocess.run([str(SCRIPT), "up", str(directory)], capture_output=True, text=True)
    if up.returncode != 0:
        raise RuntimeError(f"the test cluster did not start:\n{up.stderr}")
    return KubeCluster(directory, directory / "kubeconfig", Path(built.stdout.strip()))


def stop_cluster(cluster: KubeCluster) -> None:
    subprocess.run([str(SCRIPT), "down", str(cluster.dir)], capture_output=True, text=True)
