"""Start and stop a loopback Kubernetes control plane (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler) whose state lives in one directory.

Called by `scripts/kube-cluster`; standard library only, so it runs before the
project's virtual environment exists. What `up` leaves in DIR:

    kubeconfig      the cluster admin's (a static token of group system:masters),
                    trusting the cluster's own CA
    ca.crt/ca.key   that CA: it signs the API server's serving certificate and the
                    client certificate the API server shows a node (node.crt/key are
                    for a node to serve with)
    ports.json      the ports chosen
    logs/           one log per program
    pids            the programs' process ids, for `down`
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(d: Path) -> None:
    """A CA, the API server's serving certificate (loopback names), the client
    certificate the API server presents to nodes, a node serving certificate, and
    the service-account signing key pair."""
    if (d / "ca.crt").exists():
        return
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-subj",
        "/CN=treadle-test-cluster-ca",
        cwd=d,
    )

    def signed(name: str, subject: str, sans: str | None) -> None:
        openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            subject,
            cwd=d,
        )
        ext = d / f"{name}.ext"
        ext.write_text(f"subjectAltName={sans}\n" if sans else "basicConstraints=CA:FALSE\n")
        openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.crt",
            "-days",
            "3650",
            "-extfile",
            ext.name,
            cwd=d,
        )
        (d / f"{name}.csr").unlink()
        ext.unlink()

    signed(
        "apiserver",
        "/CN=kube-apiserver",
        "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc",
    )
    signed("kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", None)
    signed("node", "/CN=treadle-node", "IP:127.0.0.1,DNS:localhost")
    openssl("genrsa", "-out", "sa.key", "2048", cwd=d)
    openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=d)
    for key in d.glob("*.key"):
        key.chmod(0o600)


def write_kubeconfig(d: Path, port: int, token: str) -> None:
    import base64

    ca = base64.b64encode((d / "ca.crt").read_bytes()).decode()
    text = f"""apiVersion: v1
kind: Config
clusters:
- name: treadle-test
  cluster:
    server: https://127.0.0.1:{port}
    certificate-authority-data: {ca}
users:
- name: admin
  user:
    token: {token}
contexts:
- name: treadle-test
  context: {{cluster: treadle-test, user: admin}}
current-context: treadle-test
"""
    path = d / "kubeconfig"
    path.write_text(text)
    path.chmod(0o600)


def start(d: Path, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
    log = open(d / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
    proc = subprocess.Popen(
        argv,
        cwd=d,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    with open(d / "pids", "a") as f:
        f.write(f"{proc.pid} {name}\n")
    return proc


def wait_until(
    what: str, check: Callable[[], bool], d: Path, proc: subprocess.Popen[bytes], log: str
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    tail = (d / "logs" / f"{log}.log").read_text(errors="replace").splitlines()[-20:]
    sys.stderr.write("\n".join(tail) + "\n")
    if proc.poll() is not None:
        raise SystemExit(f"kube-cluster: {what} exited with {proc.returncode} (logs: {d}/logs)")
    raise SystemExit(f"kube-cluster: {what} not ready within {READY_TIMEOUT:g} s (logs: {d}/logs)")


def up(d: Path, bin_dir: Path) -> None:
    d = d.resolve()
    if (d / "pids").exists():
        raise SystemExit(f"kube-cluster: a cluster already runs in {d} (down it first)")
    (d / "logs").mkdir(parents=True, exist_ok=True)
    make_certificates(d)
    token = secrets.token_hex(24)
    (d / "tokens.csv").write_text(f'{token},admin,admin,"system:masters"\n')
    (d / "tokens.csv").chmod(0o600)
    ports = {"etcd": free_port(), "etcd_peer": free_port(), "apiserver": free_port()}
    (d / "ports.json").write_text(json.dumps(ports))
    write_kubeconfig(d, ports["apiserver"], token)
    etcd = f"http://127.0.0.1:{ports['etcd']}"
    peer = f"http://127.0.0.1:{ports['etcd_peer']}"
    start(
        d,
        "etcd",
        [
            "etcd",
            "--data-dir",
            str(d / "etcd"),
            "--listen-client-urls",
            etcd,
            "--advertise-client-urls",
            etcd,
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
            "--initial-cluster",
            f"default={peer}",
            "--log-level",
            "warn",
        ],
    )
    apiserver = start(
        d,
        "kube-apiserver",
        [
            str(bin_dir / "kube-apiserver"),
            "--etcd-servers",
            etcd,
            "--bind-address",
            "127.0.0.1",
            "--advertise-address",
            "127.0.0.1",
            "--secure-port",
            str(ports["apiserver"]),
            "--insecure-port",
            "0",
            "--tls-cert-file",
            "apiserver.crt",
            "--tls-private-key-file",
            "apiserver.key",
            "--client-ca-file",
            "ca.crt",
            "--token-auth-file",
            "tokens.csv",
            "--authorization-mode",
            "Node,RBAC",
            "--service-account-issuer",
            "https://kubernetes.default.svc",
            "--service-account-key-file",
            "sa.pub",
            "--service-account-signing-key-file",
            "sa.key",
            "--service-cluster-ip-range",
            "10.0.0.0/24",
            "--kubelet-client-certificate",
            "kubelet-client.crt",
            "--kubelet-client-key",
            "kubelet-client.key",
            "--kubelet-certificate-authority",
            "ca.crt",
            "--kubelet-preferred-address-types",
            "InternalIP",
            "--allow-privileged=true",
            "-v",
            "1",
        ],
    )
    context = ssl.create_default_context(cafile=str(d / "ca.crt"))
    base = f"https://127.0.0.1:{ports['apiserver']}"

    def get(path: str) -> bytes:
        req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, context=context, timeout=5) as resp:
            return bytes(resp.read())

    wait_until("kube-apiserver", lambda: get("/readyz") == b"ok", d, apiserver, "kube-apiserver")
    kubeconfig = str(d / "kubeconfig")
    manager = start(
        d,
        "kube-controller-manager",
        [
            str(bin_dir / "kube-controller-manager"),
            "--kubeconfig",
            kubeconfig,
            "--service-account-private-key-file",
            "sa.key",
            "--root-ca-file",
            "ca.crt",
            "--use-service-account-credentials=true",
            "--leader-elect=false",
            "--port",
            "0",
            "--secure-port",
            "0",
            "--controllers",
            "*,-nodeipam,-cloud-node-lifecycle",
            "-v",
            "1",
        ],
    )
    start(
        d,
        "kube-scheduler",
        [
            str(bin_dir / "kube-scheduler"),
            "--kubeconfig",
            kubeconfig,
            "--leader-elect=false",
            "--port",
            "0",
            "--secure-port",
            "0",
            "-v",
            "1",
        ],
    )

    def default_account() -> bool:
        try:
            body = json.loads(get("/api/v1/namespaces/default/serviceaccounts/default"))
        except urllib.error.HTTPError:
            return False
        return bool(body.get("secrets"))  # its token exists: pods may be admitted

    wait_until(
        "the service-account controller", default_account, d, manager, "kube-controller-manager"
    )
    print(kubeconfig)


def down(d: Path) -> None:
    pids_file = d / "pids"
    if not pids_file.exists():
        return
    pids = [int(line.split()[0]) for line in pids_file.read_text().splitlines() if line.strip()]
    for pid in reversed(pids):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    pids_file.unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--bin", type=Path)
    args = parser.parse_args()
    if args.command == "up":
        if args.bin is None:
            parser.error("up needs --bin")
        up(args.dir, args.bin)
    else:
        down(args.dir)


if __name__ == "__main__":
    main()
