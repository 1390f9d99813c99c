"""The benchmark script runs end to end and reports every figure (never judged against goals)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

FIGURES = {
    "generate": ("runs", "p50_ms", "p90_ms", "first_ms", "server_pipeline_p50_ms"),
    "bare_noop": ("runs", "p50_ms", "p90_ms"),
    "bare_write": ("runs", "p50_ms", "p90_ms"),
    "code_action_under_load": (
        "runs",
        "p50_ms",
        "p99_ms",
        "concurrent_generations",
        "generations_completed",
    ),
    "code_action_idle": ("runs", "p50_ms", "p99_ms"),
    "bare_code_action": ("runs", "p50_ms", "p99_ms"),
    "startup_openv0": ("runs", "p50_ms", "p90_ms"),
    "startup_bare": ("runs", "p50_ms", "p90_ms"),
    "rss": (
        "openv0_after_initialize_kib",
        "openv0_after_generations_kib",
        "generations",
        "bare_after_initialize_kib",
        "bare_after_writes_kib",
    ),
}


def run_quick_benchmark(script: str = "lsp_benchmark.py") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(REPO / "benchmarks" / script), "--quick", "--json"]
    with subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.terminate()  # the script stops its servers and removes its temp dir
            stdout, stderr = process.communicate(timeout=30)
            raise AssertionError(f"the benchmark took over 120 s\n{stderr[-3000:]}") from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def test_a_quick_benchmark_run_reports_every_figure_as_json():
    done = run_quick_benchmark()
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)

    for section, names in FIGURES.items():
        for name in names:
            value = figures[section][name]
            assert isinstance(value, int | float) and value > 0, (section, name, value)
    assert figures["generate"]["server_step_p50_ms"].keys() >= {"plan", "validate", "write"}
    assert figures["code_action_under_load"]["min_in_flight"] == 5
    assert [goal["figure"] for goal in figures["goals"]] == [
        "generate p50 (ms)",
        "codeAction p99 under load / bare p99",
        "start→initialize p50 / bare p50",
    ]
    for goal in figures["goals"]:
        assert goal["actual"] > 0 and isinstance(goal["ok"], bool)


def test_a_quick_model_benchmark_run_streams_from_the_fake_and_every_generation_is_right():
    done = run_quick_benchmark("model_benchmark.py")
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)

    concurrent = figures["concurrent"]
    generations = figures["settings"]["concurrent"]
    assert concurrent["generations"] == generations
    assert concurrent["correct"] == concurrent["unique_paths"] == generations, concurrent
    assert concurrent["repair_requests"] == 0 and concurrent["problems"] == []
    for value in (
        figures["overhead"]["p50_ms"],
        figures["overhead"]["p90_ms"],
        concurrent["max_loop_lag_ms"],
    ):
        assert isinstance(value, int | float) and value >= 0, figures
    assert figures["overhead"]["runs"] == figures["settings"]["runs"]
    assert figures["settings"]["event_loop"] == "uvloop"  # the server's, as users run it here
    assert figures["overhead"]["stream_p50_ms"] > 0
    for section in ("code_action_idle", "code_action_under_load"):
        assert figures[section]["runs"] > 0 and figures[section]["p99_ms"] > 0, section
    assert [goal["figure"] for goal in figures["goals"]] == [
        "overhead p50 (ms)",
        "overhead p90 (ms)",
        "concurrent generations correct",
        "max event-loop lag under load (ms)",
    ]
    assert all(isinstance(goal["ok"], bool) for goal in figures["goals"])
