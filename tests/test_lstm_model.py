import keras
import numpy as np
import pytest
from conftest import compile_for_classes

from keras_fpt import LSTMModel


def test_lstm_reads_out_like_fpt_and_round_trips(rng, tmp_path):
    model = LSTMModel(output_dim=(5, 2), input_dim=1, readout=5, hidden_dim=8)
    x = rng.integers(0, 2, (6, 10, 1)).astype("float32")
    assert tuple(model(x).shape) == (6, 5, 5, 2)
    compile_for_classes(model)
    model.fit(x, rng.integers(0, 2, (6, 5, 5)), epochs=1, verbose=0)
    assert len(model.trainable_weights) == len(model.weights)
    model.save(tmp_path / "lstm.keras")
    loaded = keras.saving.load_model(tmp_path / "lstm.keras")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6
    )


def test_lstm_padding_mask_reads_the_last_real_token(rng):
    model = LSTMModel(output_dim=3, vocabulary_size=12, hidden_dim=8)
    ids = rng.integers(1, 12, (2, 7)).astype("int32")
    mask = np.array([[1] * 7, [1] * 4 + [0] * 3])
    padded = keras.ops.convert_to_numpy(model({"inputs": ids, "padding_mask": mask}))
    np.testing.assert_allclose(padded[1], keras.ops.convert_to_numpy(model(ids[1:, :4]))[0], atol=1e-5)


def test_lstm_rejects_a_bad_output_dim():
    with pytest.raises(ValueError, match="output_dim"):
        LSTMModel(output_dim=(5, 0), input_dim=1)
