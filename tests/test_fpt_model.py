import keras
import keras_hub
import numpy as np
import pytest
from conftest import TINY_GPT2
from conftest import compile_for_classes
from conftest import tiny_backbone

from keras_fpt import FPT_PARTS
from keras_fpt import PARTS
from keras_fpt import FPTModel


def tiny_fpt(**kwargs):
    kwargs = {"input_dim": 4, "output_dim": 3, "dropout": 0.0, **kwargs}
    return FPTModel.from_backbone(tiny_backbone(), **kwargs)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


@pytest.mark.parametrize(
    "readout, expected", [("last", (2, 3)), (5, (2, 5, 3)), ("all", (2, 7, 3))]
)
def test_readout_shapes(rng, readout, expected):
    model = tiny_fpt(readout=readout)
    x = rng.random((2, 7, 4), dtype="float32")
    assert tuple(model(x).shape) == expected


def test_readouts_take_the_final_tokens(rng):
    model = tiny_fpt(readout="all")
    x = rng.random((2, 7, 4), dtype="float32")
    every = numpy(model(x))
    last = FPTModel.from_config({**model.get_config(), "readout": "last"})
    last.set_weights(model.get_weights())
    np.testing.assert_allclose(numpy(last(x)), every[:, -1], atol=1e-6)
    three = FPTModel.from_config({**model.get_config(), "readout": 3})
    three.set_weights(model.get_weights())
    np.testing.assert_allclose(numpy(three(x)), every[:, -3:], atol=1e-6)


def test_padding_mask_reads_the_last_real_token(rng):
    # With right padding, "last" is the last real token, and the causal mask
    # keeps padding from changing it: it equals the unpadded sequence's output.
    model = tiny_fpt()
    x = rng.random((2, 9, 4), dtype="float32")
    mask = np.array([[1] * 9, [1] * 6 + [0] * 3], dtype="int32")
    padded = numpy(model({"inputs": x, "padding_mask": mask}))
    np.testing.assert_allclose(padded[0], numpy(model(x[:1]))[0], atol=1e-5)
    np.testing.assert_allclose(padded[1], numpy(model(x[1:, :6]))[0], atol=1e-5)


def test_discrete_inputs(rng):
    model = FPTModel.from_backbone(
        tiny_backbone(), vocabulary_size=20, output_dim=4, readout=2
    )
    ids = rng.integers(0, 20, size=(3, 11)).astype("int32")
    assert tuple(model(ids).shape) == (3, 2, 4)
    assert model.input_layer.name == "input_embedding"


def test_trainable_count_matches_the_paper_formula():
    config = dict(TINY_GPT2)
    h, layers, positions = (
        config["hidden_dim"],
        config["num_layers"],
        config["max_sequence_length"],
    )
    model = tiny_fpt(input_dim=16, output_dim=10)
    expected = (16 * h + h) + (h * 10 + 10) + (4 * h * layers + 2 * h)
    expected += positions * h
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == expected


def test_gpt2_base_counts_without_download():
    # gpt2_base_en's architecture, built without weights: the FPT set trains
    # exactly the paper's formula, and the backbone holds keras-hub's
    # published parameter count less the token embedding, which FPT drops.
    model = FPTModel(
        num_layers=12,
        num_heads=12,
        hidden_dim=768,
        intermediate_dim=3072,
        max_sequence_length=1024,
        input_dim=16,
        output_dim=10,
    )
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == (
        (16 * 768 + 768)
        + (768 * 10 + 10)
        + (4 * 768 * 12 + 2 * 768)
        + 1024 * 768
    )
    backbone_params = sum(
        int(np.prod(w.shape)) for layer in model.backbone_layers
        for w in layer.weights
    )
    published = keras_hub.models.GPT2Backbone.presets["gpt2_base_en"][
        "metadata"
    ]["params"]
    assert backbone_params == published - 50257 * 768


def test_summary_shows_trainable_and_frozen_counts():
    model = tiny_fpt()
    lines = []
    model.summary(print_fn=lambda line, **_: lines.append(line))
    text = "\n".join(lines)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert f"Trainable params: {trainable:,}" in text
    assert f"Non-trainable params: {frozen:,}" in text
    assert frozen > 0


def test_get_config_round_trip():
    model = tiny_fpt(readout=4, trainable={"layernorm", "attention"})
    config = model.get_config()
    assert config["trainable"] == ["attention", "layernorm"]
    clone = FPTModel.from_config(config)
    assert clone.get_config() == config
    assert clone.trainable_parts == {"layernorm", "attention"}


def test_trainable_names():
    assert tiny_fpt().trainable_parts == FPT_PARTS
    assert tiny_fpt(trainable="all").trainable_parts == set(PARTS)
    assert tiny_fpt(trainable="output").trainable_parts == {"output"}


def test_mixed_bfloat16_trains(rng):
    model = compile_for_classes(tiny_fpt(dtype="mixed_bfloat16"))
    assert model.input_layer.compute_dtype == "bfloat16"
    assert model.input_layer.kernel.dtype == "float32"
    x = rng.random((8, 6, 4), dtype="float32")
    y = rng.integers(0, 3, size=(8,))
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert keras.backend.standardize_dtype(model(x).dtype) == "float32"


def test_output_dim_as_a_shape(rng, tmp_path):
    model = tiny_fpt(readout=3, output_dim=(5, 2))
    flat = FPTModel.from_config({**model.get_config(), "output_dim": 10})
    flat.set_weights(model.get_weights())
    x = rng.random((2, 7, 4), dtype="float32")
    shaped = numpy(model(x))
    assert shaped.shape == (2, 3, 5, 2)
    np.testing.assert_allclose(shaped, numpy(flat(x)).reshape(2, 3, 5, 2), atol=1e-6)
    model.save(tmp_path / "shaped.keras")
    loaded = keras.saving.load_model(tmp_path / "shaped.keras")
    assert loaded.output_dim == (5, 2)
    np.testing.assert_allclose(numpy(loaded(x)), shaped, atol=1e-6)


@pytest.mark.parametrize("output_dim", [0, (3, 0), "10", 2.5])
def test_bad_output_dim(output_dim):
    with pytest.raises(ValueError, match="output_dim"):
        tiny_fpt(output_dim=output_dim)
