"""The embedded cluster's operators for the eight T9k job kinds (SPEC §12): one
replica engine (core/replicas.py), each kind's wiring (wiring.py), the addresses of
one machine (addresses.py), and the operator that acts through the Store
(operator.py)."""

from __future__ import annotations

from .operator import JOB_KINDS, T9kJobOperator

__all__ = ["JOB_KINDS", "T9kJobOperator"]
