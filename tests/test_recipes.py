"""Every recipe, end to end for a few steps on a tiny GPT-2 preset folder."""

import csv
import json
import os
import pathlib
import runpy
import subprocess
import sys

import keras
import pytest
from conftest import tiny_backbone
from data_fixtures import write_cifar_python
from data_fixtures import write_homology_json
from data_fixtures import write_listops
from data_fixtures import write_mnist

import keras_fpt  # noqa: F401 (registers the model classes for load_model)

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    """A tiny GPT-2 saved as a keras-hub preset folder, 1024 positions."""
    folder = tmp_path_factory.mktemp("preset") / "tiny_gpt2"
    tiny_backbone(max_sequence_length=1024).save_to_preset(str(folder))
    return str(folder)


def run_recipe(monkeypatch, name, *options):
    monkeypatch.setattr(sys, "argv", [f"recipes/{name}.py", *map(str, options)])
    runpy.run_module(f"recipes.{name}", run_name="__main__")


def check_run(folder, task, evaluations, backend=None):
    results = json.loads((folder / "results.json").read_text())
    assert results["task"] == task
    assert results["backend"] == (backend or keras.backend.backend())
    assert 0.0 <= results["test_accuracy"] <= 1.0
    assert 0 < results["trainable_params"] <= results["total_params"]
    for key in ("preset", "trainable", "init", "seed", "steps", "wall_time_s"):
        assert key in results
    with open(folder / "metrics.csv") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == evaluations and "val_accuracy" in rows[0]
    assert (folder / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = keras.saving.load_model(folder / "model.keras")
    assert model.count_params() == results["total_params"]
    return results


def data_options(task, tmp_path):
    """Writes the task's fixture files in their real formats."""
    if task == "mnist":
        write_mnist(tmp_path / "data", train=12, test=8)
    elif task in ("cifar10", "cifar10_lra"):
        write_cifar_python(tmp_path / "data", per_batch=2)
    elif task == "listops":
        write_listops(tmp_path / "data")
    elif task == "remote_homology":
        write_homology_json(tmp_path / "data", count=6)
    else:
        return []
    return ["--data-dir", tmp_path / "data"]


TASKS = ["bit_xor", "bit_memory", "mnist", "cifar10", "cifar10_lra", "listops", "remote_homology"]


@pytest.mark.parametrize("task", TASKS)
def test_recipe_runs_end_to_end(monkeypatch, tmp_path, preset, task):
    out = tmp_path / "run"
    run_recipe(
        monkeypatch, task, "--preset", preset, "--steps", 2, "--eval-every", 1,
        "--batch-size", 4, "--output-dir", out, *data_options(task, tmp_path),
    )
    results = check_run(out, task, evaluations=2)
    assert results["steps"] == 2
    assert results["trainable"] == ["input", "layernorm", "output", "position"]
    assert results["preset"] == preset


def test_recipe_baselines_lstm_and_full_fine_tuning(monkeypatch, tmp_path, preset):
    common = ["--steps", 2, "--eval-every", 2, "--batch-size", 4]
    run_recipe(monkeypatch, "bit_xor", "--model", "lstm", "--lstm-units", 8,
               "--dtype", "mixed_bfloat16", "--output-dir", tmp_path / "lstm", *common)
    results = check_run(tmp_path / "lstm", "bit_xor", 1)
    assert results["model"] == "lstm" and results["dtype"] == "mixed_bfloat16"
    lstm = keras.saving.load_model(tmp_path / "lstm" / "model.keras")
    assert lstm.lstm_layers[0].compute_dtype == "bfloat16"
    run_recipe(monkeypatch, "mnist", "--preset", preset, "--trainable", "all",
               "--init", "random", "--dtype", "mixed_bfloat16", "--output-dir", tmp_path / "full",
               *data_options("mnist", tmp_path), *common)
    results = check_run(tmp_path / "full", "mnist", 1)
    assert results["trainable_params"] == results["total_params"]
    assert results["init"] == "random"
    fpt = keras.saving.load_model(tmp_path / "full" / "model.keras")
    assert fpt.transformer_layers[0].compute_dtype == "bfloat16"
    assert fpt.input_layer.kernel.dtype == "float32"


def test_recipe_never_overwrites_a_run_unless_asked(monkeypatch, tmp_path, preset):
    options = ["--preset", preset, "--steps", 1, "--batch-size", 4, "--output-dir", tmp_path / "run"]
    run_recipe(monkeypatch, "bit_xor", *options)
    before = (tmp_path / "run" / "results.json").read_text()
    with pytest.raises(SystemExit, match="already holds an earlier run.*--overwrite"):
        run_recipe(monkeypatch, "bit_xor", *options)
    assert (tmp_path / "run" / "results.json").read_text() == before
    run_recipe(monkeypatch, "bit_xor", *options, "--overwrite", "--seed", 1)
    assert json.loads((tmp_path / "run" / "results.json").read_text())["seed"] == 1


def test_recipe_with_missing_data_names_the_files(monkeypatch, tmp_path, preset):
    with pytest.raises(ValueError, match="train-images-idx3-ubyte"):
        run_recipe(monkeypatch, "mnist", "--preset", preset, "--steps", 1,
                   "--data-dir", tmp_path, "--output-dir", tmp_path / "run")


def test_recipe_trains_data_parallel_on_four_devices(tmp_path, preset):
    env = {**os.environ, "KERAS_BACKEND": "jax",
           "XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    result = subprocess.run(
        [sys.executable, "-m", "recipes.bit_xor", "--preset", preset, "--steps", "2",
         "--batch-size", "8", "--distribute", "data", "--output-dir", str(tmp_path / "run")],
        env=env, capture_output=True, text=True,
        timeout=600, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = check_run(tmp_path / "run", "bit_xor", 1, backend="jax")
    assert results["distribute"] == "data" and results["devices"] == 4


def test_recipe_distribute_on_this_backend(monkeypatch, tmp_path, preset):
    options = ["--preset", preset, "--steps", 1, "--distribute", "data",
               "--output-dir", tmp_path / "run"]
    if keras.backend.backend() != "jax":
        # Keras supports distribution on JAX only; the error says so.
        with pytest.raises(ValueError, match="KERAS_BACKEND=jax"):
            run_recipe(monkeypatch, "bit_xor", *options)
        return
    try:
        run_recipe(monkeypatch, "bit_xor", *options)
    finally:
        keras.distribution.set_distribution(None)
    assert check_run(tmp_path / "run", "bit_xor", 1)["distribute"] == "data"
