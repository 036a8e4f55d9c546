"""FPTModel against independent GPT-2 implementations, with the same weights."""

import keras
import numpy as np
import pytest
import torch
import transformers
from conftest import tiny_backbone

from keras_fpt import FPTModel


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory):
    """A random tiny GPT-2 saved by `transformers`, with no trivial weights."""
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=50, n_positions=64, n_embd=32, n_layer=2, n_head=4
    )
    reference = transformers.GPT2Model(config)
    with torch.no_grad():
        for parameter in reference.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    folder = tmp_path_factory.mktemp("hf_gpt2")
    reference.save_pretrained(folder)
    return folder


def hf_hidden_states(folder, embeddings, attention_mask=None):
    reference = transformers.GPT2Model.from_pretrained(folder).eval()
    with torch.no_grad():
        out = reference(
            inputs_embeds=torch.tensor(embeddings),
            attention_mask=None
            if attention_mask is None
            else torch.tensor(attention_mask),
        )
    return out.last_hidden_state.numpy()


def test_hidden_states_match_transformers(hf_folder):
    model = FPTModel.from_preset(hf_folder, input_dim=5, output_dim=3)
    x = np.random.default_rng(0).random((4, 20, 5), dtype="float32")
    embeddings = keras.ops.convert_to_numpy(model.input_layer(x))
    ours = keras.ops.convert_to_numpy(model.encode(x))
    np.testing.assert_allclose(
        ours, hf_hidden_states(hf_folder, embeddings), atol=1e-5, rtol=0
    )


def test_padded_hidden_states_match_transformers(hf_folder):
    model = FPTModel.from_preset(hf_folder, input_dim=5, output_dim=3)
    x = np.random.default_rng(1).random((2, 10, 5), dtype="float32")
    mask = np.array([[1] * 10, [1] * 7 + [0] * 3], dtype="int32")
    embeddings = keras.ops.convert_to_numpy(model.input_layer(x))
    ours = keras.ops.convert_to_numpy(
        model.encode({"inputs": x, "padding_mask": mask})
    )
    theirs = hf_hidden_states(hf_folder, embeddings, mask)
    real = mask.astype(bool)
    np.testing.assert_allclose(ours[real], theirs[real], atol=1e-5, rtol=0)


def test_keras_hub_preset_folder_matches_the_backbone(tmp_path):
    # Fed GPT-2's own token embeddings, FPT's blocks give exactly the hidden
    # states of the keras-hub backbone it was loaded from.
    backbone = tiny_backbone()
    backbone.save_to_preset(tmp_path / "preset")
    model = FPTModel.from_preset(
        tmp_path / "preset", vocabulary_size=50, output_dim=2
    )
    model.input_layer.set_weights(backbone.token_embedding.get_weights())
    ids = np.random.default_rng(2).integers(0, 50, size=(3, 12)).astype("int32")
    expected = backbone(
        {"token_ids": ids, "padding_mask": np.ones_like(ids)}, training=False
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model.encode(ids)),
        keras.ops.convert_to_numpy(expected),
        atol=1e-5,
        rtol=0,
    )
