"""The Treadle API server: Kubernetes-style REST, watch, logs, terminal, auth, metrics."""

from .app import create_app, create_cluster_app

__all__ = ["create_app", "create_cluster_app"]
