"""The figures ``python3 dev.py mutate`` prints are read from mutmut's verdicts as they are."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "MUTANTS", tmp_path)
    return module


def write_verdicts(root: Path, module: str, codes: list[int | None]) -> None:
    folder = root / "src" / "detoxdesk" / "clinical"
    folder.mkdir(parents=True, exist_ok=True)
    verdicts = {f"detoxdesk.clinical.{module}.x_f__mutmut_{n}": c for n, c in enumerate(codes)}
    (folder / f"{module}.py.meta").write_text(json.dumps({"exit_code_by_key": verdicts}))


def test_a_mutant_no_test_reaches_counts_against_the_score(dev, tmp_path):
    # killed 1 and 3, survived 0, no tests 33 and 5, timed out 36, not run None
    write_verdicts(tmp_path, "taper", [1, 1, 3, 0, 33, 5, 36, None])
    table = dev.mutation_table(["taper"])
    row = next(line for line in table if line.startswith("taper"))
    assert row.split() == ["taper", "8", "3", "1", "2", "1", "1", "57.1%"]


def test_survivors_are_the_mutants_no_test_killed(dev, tmp_path):
    write_verdicts(tmp_path, "mme", [1, 0, 33, 5, 36, None])
    assert dev.survivors(["mme"]) == [
        "detoxdesk.clinical.mme.x_f__mutmut_1",
        "detoxdesk.clinical.mme.x_f__mutmut_2",
        "detoxdesk.clinical.mme.x_f__mutmut_3",
    ]


def test_the_total_adds_up_the_modules(dev, tmp_path):
    write_verdicts(tmp_path, "mme", [1, 1, 1, 0])
    write_verdicts(tmp_path, "scales", [1, 0])
    table = dev.mutation_table(["mme", "scales"])
    total = next(line for line in table if line.startswith("total"))
    assert total.split() == ["total", "6", "4", "2", "0", "0", "0", "66.7%"]
