"""The Kubernetes home's tests share the session's cluster, node agent and Treadle
on it: their fixtures are in tests/conftest.py (node_fixture.py, workflow_fixture.py),
where the console's tests of a cluster's server find them too."""
