import json
import os
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest
from conftest import compile_for_classes
from conftest import tiny_backbone
from conftest import weights_by_path

from keras_fpt import FPTModel

BACKENDS = ("tensorflow", "jax", "torch")


def trained_model(tmp_path):
    model = FPTModel.from_backbone(
        tiny_backbone(), input_dim=4, output_dim=3, dropout=0.0,
        trainable={"layernorm", "output", "input"},
    )
    compile_for_classes(model)
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    return model, x, y


def data():
    rng = np.random.default_rng(0)
    return rng.random((16, 8, 4), dtype="float32"), rng.integers(0, 3, 16)


def test_save_and_load_round_trip(tmp_path):
    model, x, y = trained_model(tmp_path)
    path = tmp_path / "fpt.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode=True by default.

    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.predict(x, verbose=0)),
        keras.ops.convert_to_numpy(model.predict(x, verbose=0)),
    )
    assert loaded.trainable_parts == model.trainable_parts
    assert [w.path for w in loaded.trainable_weights] == [
        w.path for w in model.trainable_weights
    ]
    # The optimizer comes back with its state, so fit goes on from there.
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    for ours, theirs in zip(
        loaded.optimizer.variables, model.optimizer.variables, strict=True
    ):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(theirs)
        )
    before = weights_by_path(loaded)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0)
    after = weights_by_path(loaded)
    trained = {w.path for w in loaded.trainable_weights}
    for path in before:
        changed = not np.array_equal(before[path], after[path])
        assert changed == (path in trained), path


def test_artifact_holds_no_token_embedding(tmp_path):
    vocabulary = 4099  # A size no FPT weight has.
    model = FPTModel.from_backbone(
        tiny_backbone(vocabulary_size=vocabulary), input_dim=4, output_dim=3
    )
    path = tmp_path / "fpt.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = archive.read("config.json").decode()
        weights_size = archive.getinfo("model.weights.h5").file_size
    assert "token_embedding" not in config
    parameters = sum(int(np.prod(w.shape)) for w in model.weights)
    # float32 weights plus HDF5 overhead, far below a vocabulary x hidden table.
    assert weights_size < 4 * parameters + 200_000
    assert 4 * vocabulary * model.hidden_dim > 4 * parameters
    assert all(vocabulary not in w.shape for w in model.weights)


LOAD_AND_TRAIN = """
import sys, numpy as np, keras, keras_fpt
path, expected = sys.argv[1], np.load(sys.argv[2])
model = keras.saving.load_model(path)
x = np.random.default_rng(0).random((16, 8, 4), dtype="float32")
y = np.random.default_rng(0).integers(0, 3, 16)
np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)
steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
frozen = [keras.ops.convert_to_numpy(w) for w in model.non_trainable_weights]
model.fit(x, y, epochs=1, batch_size=8, verbose=0)
after = [keras.ops.convert_to_numpy(w) for w in model.non_trainable_weights]
assert all(np.array_equal(a, b) for a, b in zip(frozen, after))
assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == steps + 2
print("loaded and trained under", keras.backend.backend())
"""


@pytest.mark.parametrize("target", BACKENDS)
def test_artifact_trains_under_every_backend(tmp_path, target):
    """Saved under this run's backend, loaded and trained under `target`."""
    model, x, _ = trained_model(tmp_path)
    model.save(tmp_path / "fpt.keras")
    np.save(tmp_path / "expected.npy", model.predict(x, verbose=0))
    script = tmp_path / "load_and_train.py"
    script.write_text(LOAD_AND_TRAIN)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "fpt.keras"),
         str(tmp_path / "expected.npy")],
        env={**os.environ, "KERAS_BACKEND": target},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"loaded and trained under {target}" in result.stdout
    saved_under = keras.backend.backend()
    compile_config = json.loads(
        zipfile.ZipFile(tmp_path / "fpt.keras").read("config.json")
    )["compile_config"]
    # No backend-private optimizer class may leak into the artifact.
    assert compile_config["optimizer"]["module"] == "keras.optimizers", (
        saved_under
    )


def test_artifact_records_the_jit_compile_argument_not_its_resolution(tmp_path):
    # "auto" resolves to True on JAX and TensorFlow; recorded as True, it
    # would make a PyTorch load run the slow `torch.compile`.
    model, _, _ = trained_model(tmp_path)
    model.save(tmp_path / "auto.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "auto.keras").read("config.json"))
    assert config["compile_config"]["jit_compile"] == "auto"
    # A value that is not this backend's "auto" is kept.
    not_auto = not model._resolve_auto_jit_compile()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=not_auto)
    model.save(tmp_path / "explicit.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "explicit.keras").read("config.json"))
    assert config["compile_config"]["jit_compile"] is not_auto
    assert keras.saving.load_model(tmp_path / "explicit.keras").jit_compile is not_auto
