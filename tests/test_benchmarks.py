"""The benchmark script keeps working: one tiny step per mode, this backend."""

import json
import subprocess
import sys

import keras


def test_train_step_benchmark_runs_and_writes_its_figures(tmp_path):
    backend = keras.backend.backend()
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.train_step", "--size", "tiny",
         "--rounds", "1", "--steps", "1", "--warmup", "1", "--backends", backend,
         "--jit", "on", "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [json_path] = tmp_path.glob("train_step_tiny_*.json")
    figures = json.loads(json_path.read_text())
    rows = {row["mode"]: row for row in figures["timings"]}
    assert set(rows) == {"fpt", "full", "inference"}
    for row in rows.values():
        assert row["backend"] == backend and row["jit_compile"] is True
        for who in ("keras", "reference"):
            assert row[who]["median_s"] > 0 and row[who]["samples"] == 1
            assert row[who]["peak_memory_bytes"] > 0
            assert row[who]["tflops_per_s"] > 0
        assert row["speedup_vs_reference"] > 0
    [table] = tmp_path.glob("train_step_tiny_*.md")
    assert "speed-up vs reference" in table.read_text()


def test_profile_step_lists_the_costliest_operations():
    backend = keras.backend.backend()
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.profile_step", "--size", "tiny",
         "--steps", "2", "--top", "30"],
        capture_output=True, text=True, timeout=600,
    )
    if backend == "tensorflow":
        assert result.returncode != 0
        assert "TensorBoard" in result.stderr
        return
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if "ms/step" in line]
    assert len(lines) == 30
    if backend == "jax":
        # Each XLA operation is traced back to its Keras layer.
        assert any("transformer_layer_N" in line for line in lines)
        assert any("transpose(jvp(" in line for line in lines)
    else:
        assert any("aten::" in line for line in lines)
