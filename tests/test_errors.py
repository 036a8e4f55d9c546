"""Every bad input gets a ValueError that names the problem and the fix."""

import keras_hub
import numpy as np
import pytest
from conftest import tiny_backbone

from keras_fpt import FPTModel


@pytest.fixture(scope="module")
def continuous():
    return FPTModel.from_backbone(tiny_backbone(), input_dim=4, output_dim=3)


def test_wrong_feature_size(continuous):
    with pytest.raises(ValueError, match=r"\(batch, tokens, 4\).*input_dim"):
        continuous(np.zeros((2, 5, 6), "float32"))


def test_wrong_rank(continuous):
    with pytest.raises(ValueError, match="Received shape \\(2, 5\\)"):
        continuous(np.zeros((2, 5), "float32"))


def test_too_many_tokens(continuous):
    with pytest.raises(ValueError, match="33 tokens.*position table holds 32"):
        continuous(np.zeros((1, 33, 4), "float32"))


def test_float_token_ids():
    model = FPTModel.from_backbone(
        tiny_backbone(), vocabulary_size=10, output_dim=3
    )
    with pytest.raises(ValueError, match="integer token ids.*float32"):
        model(np.zeros((2, 5), "float32"))


def test_padding_mask_shape(continuous):
    with pytest.raises(ValueError, match="padding_mask"):
        continuous({"inputs": np.zeros((2, 5, 4), "float32"),
                    "padding_mask": np.ones((2, 4), "int32")})


def test_unknown_input_key(continuous):
    with pytest.raises(ValueError, match="'inputs'"):
        continuous({"features": np.zeros((2, 5, 4), "float32")})


@pytest.mark.parametrize("kwargs", [{}, {"input_dim": 4, "vocabulary_size": 9}])
def test_both_or_neither_input_kind(kwargs):
    with pytest.raises(ValueError, match="exactly one of `input_dim`"):
        FPTModel.from_backbone(tiny_backbone(), output_dim=3, **kwargs)


def test_unknown_part_names():
    with pytest.raises(ValueError, match=r"\['attn'\].*feedforward"):
        FPTModel.from_backbone(
            tiny_backbone(), input_dim=4, output_dim=3, trainable={"attn"}
        )


def test_unknown_init():
    with pytest.raises(ValueError, match="Unknown init 'pretrain'"):
        FPTModel.from_backbone(
            tiny_backbone(), init="pretrain", input_dim=4, output_dim=3
        )


@pytest.mark.parametrize("readout", [0, "first", 33, True])
def test_bad_readout(readout):
    with pytest.raises(ValueError, match="`readout` must be"):
        FPTModel.from_backbone(
            tiny_backbone(), input_dim=4, output_dim=3, readout=readout
        )


def test_readout_longer_than_input():
    model = FPTModel.from_backbone(
        tiny_backbone(), input_dim=4, output_dim=3, readout=6
    )
    with pytest.raises(ValueError, match="last 6 tokens.*only 5"):
        model(np.zeros((1, 5, 4), "float32"))


def test_backbone_that_is_not_gpt2(tmp_path):
    bert = keras_hub.models.BertBackbone(
        vocabulary_size=20, num_layers=1, num_heads=1, hidden_dim=4,
        intermediate_dim=8, max_sequence_length=8,
    )
    with pytest.raises(ValueError, match="needs a `keras_hub.models.GPT2"):
        FPTModel.from_backbone(bert, input_dim=4, output_dim=3)
    bert.save_to_preset(tmp_path / "bert")
    with pytest.raises(ValueError, match="needs a `keras_hub.models.GPT2"):
        FPTModel.from_preset(tmp_path / "bert", input_dim=4, output_dim=3)


def test_preset_that_cannot_be_downloaded():
    # This machine has no network: the download fails, and the message says
    # that a local folder works offline.
    with pytest.raises(ValueError, match="gpt2_base_en.*Local folders work"):
        FPTModel.from_preset("gpt2_base_en", input_dim=4, output_dim=3)


def test_unknown_preset_name():
    with pytest.raises(ValueError, match="gpt2_base_en"):
        FPTModel.from_preset("gpt2_tiny_xx", input_dim=4, output_dim=3)


def test_missing_preset_folder(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        FPTModel.from_preset(tmp_path / "nowhere", input_dim=4, output_dim=3)


def test_folder_that_is_not_a_preset(tmp_path):
    with pytest.raises(ValueError, match="not a loadable GPT-2 preset"):
        FPTModel.from_preset(tmp_path, input_dim=4, output_dim=3)
