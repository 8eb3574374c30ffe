"""Fuzzing every operation in the server's OpenAPI document: no input may make it fail
with a 5xx. Bounded so it runs with the normal suite (well under two minutes).

Streams are not fuzzed: `watch` and `follow` are forced off (a watch never ends by
itself), and the terminal is a WebSocket, which OpenAPI does not describe.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Ok

from .conftest import Served, serve

EXAMPLES_PER_OPERATION = 100
"""Split between valid inputs (per the schema) and invalid ones."""
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("fuzz-home"), run_controller=False) as s:
        yield s


def test_no_input_makes_the_server_fail(fuzzed: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema describes every operation
        operations.append(result.ok())
    assert len(operations) > 20
    modes = list(schemathesis.GenerationMode)
    for operation, mode in [(o, m) for o in operations for m in modes]:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION // len(modes),
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: schemathesis.Case) -> None:
            if isinstance(case.query, dict):
                for stream in ("watch", "follow"):
                    if stream in case.query:
                        case.query[stream] = False
            response = case.call(timeout=30)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:500]}"
            )

        try:
            no_server_error()
        except Unsatisfiable:
            # Nothing about this operation can be made invalid (no parameters).
            assert mode is schemathesis.GenerationMode.NEGATIVE
