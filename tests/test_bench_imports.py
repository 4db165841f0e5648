"""Every bench script imports against today's qa: a module moved or renamed in qa/ breaks a
bench silently otherwise, as the move into subpackages broke bench/summaries.py
(`qa.resources.SEEDS`), found only when the bench was next run."""

import importlib
from pathlib import Path

import pytest

BENCHES = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "bench").glob("*.py")
                 if p.stem != "__init__")


@pytest.mark.parametrize("name", BENCHES)
def test_the_bench_script_imports(name):
    importlib.import_module(f"bench.{name}")
