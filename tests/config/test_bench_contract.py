"""bench/run.py's stable contract: its arguments and the exact keys of its JSON (not timings)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["bench_run"]


def measured(histories):
    return {
        "raw_insert_commit_per_s": {"1": 1500.0, "8": 4000.0},
        "record_form_per_s": {"1": 80.25, "8": 150.0},
        "record_api_per_s": {"1": 320.0, "8": 600.0},
        "chart_p50_ms": {str(n): 50.0 for n in histories},
        "chart_statements": {str(n): 20 for n in histories},
        "census_p95_ms": {"unit": 40.0, "network": 75.0},
        "census_statements": {"unit": 9, "network": 9},
    }


def test_the_arguments(bench):
    args = bench.parse_args(["--quick", "--json", "out.json"])
    assert args.quick is True
    assert args.json == Path("out.json")
    assert bench.parse_args([]).quick is False
    with pytest.raises(SystemExit):
        bench.parse_args(["--workers", "0"])


def test_the_json_has_exactly_the_contract_keys(bench):
    result = bench.build_result(measured(bench.QUICK_HISTORIES), bench.QUICK_HISTORIES)
    assert result.keys() == {
        "raw_insert_commit_per_s",
        "record_form_per_s",
        "record_api_per_s",
        "chart_p50_ms",
        "chart_statements",
        "census_p95_ms",
        "census_statements",
    }
    for key in ("raw_insert_commit_per_s", "record_form_per_s", "record_api_per_s"):
        assert result[key].keys() == {"1", "8"}
    assert result["chart_p50_ms"].keys() == {"20", "3000", "32000"}
    assert result["chart_statements"].keys() == {"20", "3000", "32000"}
    assert result["census_p95_ms"].keys() == {"unit", "network"}
    assert result["census_statements"].keys() == {"unit", "network"}
    assert result["record_form_per_s"]["1"] in (80.2, 80.3)  # rounded to one decimal


def test_the_full_run_adds_the_largest_history(bench):
    plan = bench.plan_for(False, 4)
    assert plan.histories == (20, 3000, 32000, 100000)
    assert plan.big_table_rows == 10_000_000
    result = bench.build_result(measured(plan.histories), plan.histories)
    assert result["chart_p50_ms"].keys() == {"20", "3000", "32000", "100000"}


def test_a_missing_figure_is_an_error_not_a_gap(bench):
    values = measured(bench.QUICK_HISTORIES)
    del values["census_p95_ms"]["network"]
    with pytest.raises(ValueError, match="census_p95_ms lacks network"):
        bench.build_result(values, bench.QUICK_HISTORIES)


def test_the_quick_plan_is_three_repeats_with_a_warm_up(bench):
    plan = bench.plan_for(True, 4)
    assert (plan.repeats, plan.quick) == (3, True)
    assert plan.warmup_s > 0 and plan.window_s > 0


def test_the_full_run_reads_the_five_year_report_from_its_own_process(bench, monkeypatch):
    seen = {}

    def fake_run(command, **kwargs):
        seen["command"], seen["env"] = command, kwargs["env"]
        return subprocess.CompletedProcess(command, 0, "seeded {...} in 80.1 s\nreport_5y_ms 957\n")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    assert bench.REPORT_KEY == "report_5y_ms"
    assert bench.report_five_years("postgres://postgres@127.0.0.1:5432/") == 957.0
    assert seen["command"][-1].endswith("bench/reports_5y.py")
    assert seen["env"]["BENCH_PG_URL"] == "postgres://postgres@127.0.0.1:5432/postgres"
    monkeypatch.setattr(
        bench.subprocess, "run", lambda c, **k: subprocess.CompletedProcess(c, 0, "nothing\n")
    )
    with pytest.raises(SystemExit, match="report_5y_ms"):
        bench.report_five_years("postgres://postgres@127.0.0.1:5432/")


def test_the_recording_by_history_is_a_figure_beside_the_contract(bench):
    values = measured(bench.QUICK_HISTORIES)
    values[bench.HISTORY_KEY] = {"20": 300.0, "32000": 298.0}
    result = bench.build_result(values, bench.QUICK_HISTORIES)
    assert bench.HISTORY_KEY == "record_api_by_history_per_s"
    assert bench.FLOOR_KEY == "api_refusal_per_s"
    assert bench.HISTORY_KEY not in result  # added by the run beside the contract's keys
    assert result["record_api_per_s"] == {"1": 320, "8": 600}


def test_the_recording_in_process_is_timed_whole_and_with_the_database(bench, unit):
    """``in_process`` records through the API here and returns two rates; the database's is
    higher (its time is part of the whole); the commit's timer is taken off afterwards."""
    from django.db import connection

    from detoxdesk.api import tokens
    from detoxdesk.monitoring.models import Assessment

    assert (bench.IN_PROCESS_KEY, bench.DATABASE_KEY) == (
        "record_api_in_process_per_s",
        "record_api_database_only_per_s",
    )
    secret = tokens.do_create_token(
        owner=unit.nurse, name="bench", scopes=["record"], acting_user=None
    ).secret
    plan = bench.Plan(True, warmup_s=0.0, window_s=0.01, repeats=2, min_samples=3)
    whole, database = bench.in_process(secret, str(unit.episode.uuid), plan)
    assert 0 < whole < database
    assert Assessment.objects.filter(episode=unit.episode).count() >= 2 * 3
    assert "_commit" not in vars(connection._connections[connection._alias])


def test_the_recording_in_process_stops_at_a_refusal(bench, unit):
    plan = bench.Plan(True, warmup_s=0.0, window_s=0.01, repeats=1, min_samples=1)
    with pytest.raises(SystemExit, match="answered 401 in process"):
        bench.in_process("not-a-token", str(unit.episode.uuid), plan)
