"""The security suites attack the same servers the API tests use."""

from tests.server.conftest import http, ns, served

__all__ = ["http", "ns", "served"]
