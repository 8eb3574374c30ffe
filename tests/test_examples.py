"""Every example in examples/ runs as is and ends as its `# expect:` line says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.support import ROOT, Engine

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_to_its_expected_phase(engine: Engine, path: Path) -> None:
    text = path.read_text()
    expected = re.search(r"^# expect: (\w+)", text, re.M)
    assert expected, "each example states the phase its run ends in"
    engine.apply(text)
    runs = [
        d["metadata"]["name"] for d in yaml.safe_load_all(text) if d and d["kind"] == "WorkflowRun"
    ]
    assert runs
    for name in runs:
        status = engine.wait(name, timeout=60)["status"]
        assert status["phase"] == expected.group(1), status.get("message")
