"""Treadle's Kubernetes home."""
