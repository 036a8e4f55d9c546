import numpy as np
import pytest
from conftest import compile_for_classes
from conftest import tiny_backbone
from conftest import weights_by_path

from keras_fpt import FPTModel


def part_of(model, path):
    for part in ("input", "position", "layernorm", "attention", "feedforward",
                 "output"):
        for layer in model.layers_of_part(part):
            if any(w.path == path for w in layer.weights):
                return part
    raise AssertionError(f"{path} belongs to no part")


@pytest.mark.parametrize(
    "trainable",
    [
        None,  # The paper's FPT set.
        {"layernorm", "output"},
        {"input", "attention", "output"},
        {"feedforward", "position"},
    ],
)
def test_frozen_weights_are_bit_identical_after_fit(rng, trainable):
    model = FPTModel.from_backbone(
        tiny_backbone(), input_dim=4, output_dim=3, trainable=trainable
    )
    compile_for_classes(model, learning_rate=1e-2)
    before = weights_by_path(model)
    x = rng.random((16, 8, 4), dtype="float32")
    y = rng.integers(0, 3, size=(16,))
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    after = weights_by_path(model)

    trained = {w.path for w in model.trainable_weights}
    assert trained, "nothing is trainable"
    for path, value in before.items():
        if part_of(model, path) in model.trainable_parts:
            assert path in trained
            assert not np.array_equal(value, after[path]), f"{path} unchanged"
        else:
            assert path not in trained
            np.testing.assert_array_equal(value, after[path], err_msg=path)


def test_decoder_layernorms_stay_trainable_while_blocks_freeze():
    # Freezing a whole TransformerDecoder would freeze its LayerNorms too.
    model = FPTModel.from_backbone(tiny_backbone(), input_dim=4, output_dim=3)
    for decoder in model.transformer_layers:
        assert decoder.trainable
        norms = [w for w in decoder.trainable_weights]
        assert len(norms) == 4  # Two LayerNorms, gamma and beta each.
        assert all("layer_norm" in w.path for w in norms)
