"""The cluster that runs on this machine: what stands in for Kubernetes in embedded mode.

The workflow controller (`treadle.controller`) sees only a Store and creates Pods and
other objects as it would on Kubernetes. Here is what acts on them on one machine:
the kubelet that runs Pods as local processes through the Runtime, the batch/v1 Job
controller, the kinds this host can honestly run, and the assembly of all of it with
the SQLite store and local runtime of a data directory (`home.manager_for_home`).

In the Kubernetes home a real cluster replaces this package: its kubelets and Job
controller do this work, and nothing here is loaded.
"""
