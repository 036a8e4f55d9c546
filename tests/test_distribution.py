"""keras.distribution on 4 simulated CPU devices (JAX, in a subprocess)."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_fpt.distribution import make_distribution

SCRIPT = """
import sys
import keras, numpy as np
from keras_fpt import FPTModel
from keras_fpt.distribution import make_distribution

out = sys.argv[1]
assert len(keras.distribution.list_devices()) == 4
config = dict(num_layers=2, num_heads=4, hidden_dim=16, intermediate_dim=32,
              output_dim=3, input_dim=4, dropout=0.0, max_sequence_length=32)
rng = np.random.default_rng(0)
x = rng.random((16, 8, 4), dtype="float32")
y = rng.integers(0, 3, 16)

def compiled(model):
    model.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model

def trained_copy(distribution, reference):
    with distribution.scope():
        model = compiled(FPTModel(**config))
    model.set_weights(reference.get_weights())
    outputs = np.asarray(model.predict(x, verbose=0))
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model, outputs

# One device: the reference.
single = compiled(FPTModel(**config))
initial = single.get_weights()
single_outputs = np.asarray(single.predict(x, verbose=0))
single.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
expected = [np.asarray(w) for w in single.get_weights()]

for kind in ("data", "model"):
    reference = compiled(FPTModel(**config))
    reference.set_weights(initial)
    model, outputs = trained_copy(make_distribution(kind), reference)
    np.testing.assert_allclose(outputs, single_outputs, atol=1e-5)
    for w, e in zip(model.weights, expected):
        np.testing.assert_allclose(np.asarray(w.value), e, atol=2e-5, err_msg=w.path)
    specs = {w.path: tuple(w.value.sharding.spec) for w in model.weights}
    sharded = {p for p, spec in specs.items() if "model" in spec}
    if kind == "data":
        assert not sharded
    else:
        # Every frozen attention and feed-forward kernel is sharded; every
        # trainable weight is replicated.
        frozen_kernels = {w.path for w in model.non_trainable_weights if w.path.endswith("kernel")}
        assert frozen_kernels and frozen_kernels <= sharded, frozen_kernels - sharded
        assert not sharded & {w.path for w in model.trainable_weights}
        # Attention by heads, the feed-forward network by its inner width.
        assert specs["transformer_layer_0/self_attention/query/kernel"][:2] == (None, "model")
        assert specs["transformer_layer_1/feedforward_output_dense/kernel"][0] == "model"
        model.save(out + "/sharded.keras")
        np.save(out + "/x.npy", x)
        np.save(out + "/predictions.npy", np.asarray(model.predict(x, verbose=0)))
    print("checked", kind)
"""


def test_data_and_model_parallel_match_one_device(tmp_path):
    script = tmp_path / "distributed.py"
    script.write_text(SCRIPT)
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
    }
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "checked data" in result.stdout and "checked model" in result.stdout

    # The artifact of the sharded run loads and predicts here, on one device
    # and under this run's backend.
    import keras_fpt  # noqa: F401 (registers FPTModel for loading)

    model = keras.saving.load_model(tmp_path / "sharded.keras")
    predictions = keras.ops.convert_to_numpy(model.predict(np.load(tmp_path / "x.npy"), verbose=0))
    np.testing.assert_allclose(predictions, np.load(tmp_path / "predictions.npy"), atol=1e-5)


@pytest.mark.parametrize("kind", ["data", "model"])
def test_distribution_needs_a_supported_backend(kind):
    if keras.backend.backend() == "jax":
        distribution = make_distribution(kind)
        assert isinstance(distribution, (keras.distribution.DataParallel, keras.distribution.ModelParallel))
        assert distribution.device_mesh.devices.size == len(keras.distribution.list_devices())
    else:
        with pytest.raises(ValueError, match="KERAS_BACKEND=jax"):
            make_distribution(kind)


def test_unknown_distribution_kind():
    with pytest.raises(ValueError, match="Unknown distribution 'pipeline'"):
        make_distribution("pipeline")
