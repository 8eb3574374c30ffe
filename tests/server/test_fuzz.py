"""Fuzzing every operation in the server's OpenAPI document: no input may make it fail
with a 5xx, and every status code it answers with is one the document lists.

Request bodies are generated from each kind's own schema (server/openapi.py), so
fuzzed creates are real objects and some of them are stored: the test checks that
they are, or it would only ever exercise the error paths. Bounded so it runs with the
normal suite.

Streams are not fuzzed: `watch` and `follow` are forced off (a watch never ends by
itself), and the terminal is a WebSocket, which OpenAPI does not describe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import status_code_conformance

from treadle.api.kinds import WORKFLOW_KINDS
from treadle.server.tokens import load_admin_token

from .conftest import Served, serve

EXAMPLES_PER_OPERATION = 24
"""Split between valid inputs (per the schema) and invalid ones."""
EXAMPLES_PER_OTHER_KIND = 6
"""For the paths of kinds other than the workflow kinds: the same handlers again."""
pytestmark = pytest.mark.timeout(600)

WORKFLOW_PLURALS = {k.plural for k in WORKFLOW_KINDS}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("fuzz-home"), run_controller=False) as s:
        yield s


def _headers(served: Served) -> dict[str, str]:
    token = load_admin_token(served.home)
    return {"Authorization": f"Bearer {token}"} if token else {}


def _examples(path: str) -> int:
    parts = path.split("/")
    if path.startswith(("/api/", "/apis/")) and not WORKFLOW_PLURALS & set(parts):
        if "namespaces" in parts and parts[-1] != "namespaces" and len(parts) > 5:
            return EXAMPLES_PER_OTHER_KIND
    return EXAMPLES_PER_OPERATION


def test_no_input_makes_the_server_fail_or_answer_undocumented(fuzzed: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json", headers=_headers(fuzzed))
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema describes every operation
        operations.append(result.ok())
    assert len(operations) > 100
    headers = _headers(fuzzed)
    created: Counter[str] = Counter()

    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=30)
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
        if case.method == "POST" and response.status_code == 201:
            created[case.operation.path.rsplit("/", 1)[-1]] += 1

    # The document's example of each kind first: a real object that must be stored.
    for operation in operations:
        media = operation.definition.raw.get("requestBody", {}).get("content", {})
        example = media.get("application/json", {}).get("example")
        if operation.method.upper() == "POST" and example is not None:
            check(
                operation.Case(
                    path_parameters={"namespace": "fuzz-examples"},
                    body=example,
                    media_type="application/json",
                )
            )
    examples = dict(created)
    missing = sorted(WORKFLOW_PLURALS - set(examples))
    assert not missing, f"the documented examples of {missing} were not stored"
    modes = list(schemathesis.GenerationMode)
    for operation, mode in [(o, m) for o in operations for m in modes]:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=max(1, _examples(operation.path) // len(modes)),
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            if isinstance(case.query, dict):
                for stream in ("watch", "follow"):
                    if stream in case.query:
                        case.query[stream] = False
            check(case)

        try:
            conforms()
        except Unsatisfiable:
            # Nothing about this operation can be made invalid (no parameters).
            assert mode is schemathesis.GenerationMode.NEGATIVE
    fuzzed_creates = created - Counter(examples)
    # Generated objects pass admission too, not just the hand-written examples: the
    # kinds whose schema says most of their rules (templates, runs) are stored.
    assert fuzzed_creates["workflowtemplates"] + fuzzed_creates["workflowruns"] > 0, dict(created)
