"""The tiny GPT-2 that ships with keras-fpt, and the recipe that makes it."""

import json
import runpy
import sys

import keras
import keras_hub
import numpy as np

from keras_fpt import FPTModel
from keras_fpt.presets import EMBEDDED_PRESETS
from keras_fpt.presets import load_gpt2_backbone

NAME = "gpt2_tiny_en_offline"
# Genesis 1:1-5 (public domain), English the preset has seen, and a modern
# sentence it has not.
TEXT = (
    "In the beginning God created the heaven and the earth. And the earth was "
    "without form, and void; and darkness was upon the face of the deep. And "
    "the Spirit of God moved upon the face of the waters. And God said, Let "
    "there be light: and there was light. And God saw the light, that it was "
    "good: and God divided the light from the darkness. The train to the city "
    "leaves the station at nine in the morning and arrives before noon."
)


def next_byte_loss(backbone, text=TEXT):
    ids = np.frombuffer(text.encode(), "uint8").astype("int32")[None]
    hidden = backbone({"token_ids": ids[:, :-1], "padding_mask": np.ones_like(ids[:, :-1])})
    logits = backbone.token_embedding(hidden, reverse=True)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return float(keras.ops.convert_to_numpy(loss(ids[:, 1:], logits)))


def test_embedded_preset_loads_offline_with_its_metadata():
    model = FPTModel.from_preset(NAME, input_dim=16, output_dim=10)
    assert model.hidden_dim == 128 and model.num_layers == 4
    assert model.max_sequence_length == 1024
    with open(f"{EMBEDDED_PRESETS[NAME]}/pretraining.json") as file:
        metadata = json.load(file)
    assert metadata["data"] == "kjv.txt.gz" and metadata["steps"] > 0
    assert metadata["held_out_loss"] < 2.0


def test_embedded_preset_is_pretrained_on_english():
    pretrained = load_gpt2_backbone(NAME)
    assert pretrained.vocabulary_size == 256
    config = {k: v for k, v in pretrained.get_config().items() if k not in ("name", "trainable", "dtype")}
    random = keras_hub.models.GPT2Backbone(**config)
    pretrained_loss, random_loss = next_byte_loss(pretrained), next_byte_loss(random)
    # A random model is near log(256) = 5.5 nats per byte.
    assert random_loss > 5.0
    assert pretrained_loss < 0.5 * random_loss, (pretrained_loss, random_loss)


def test_fpt_on_the_embedded_preset_learns_bit_xor():
    from keras_fpt.datasets import BitXOR
    from keras_fpt.datasets.bit_xor import make_bit_xor

    model = FPTModel.from_preset(NAME, input_dim=1, readout=5, output_dim=2, dropout=0.0)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    x_test, y_test = make_bit_xor(np.random.default_rng(1), 1000)
    accuracy = 0.0
    for epoch in range(30):
        model.fit(BitXOR(batch_size=32, steps=50, seed=epoch), verbose=0)
        accuracy = model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]
        if accuracy >= 0.99:
            break
    assert accuracy >= 0.99, accuracy


def test_pretrain_recipe_writes_a_preset_that_fpt_loads(monkeypatch, tmp_path):
    text = tmp_path / "text.txt"
    text.write_text(TEXT * 20)
    monkeypatch.setattr(sys, "argv", [
        "recipes/pretrain.py", "--text", str(text), "--output-dir", str(tmp_path / "run"),
        "--steps", "4", "--eval-every", "2", "--batch-size", "4", "--sequence-length", "32",
        "--num-layers", "1", "--hidden-dim", "16", "--intermediate-dim", "32",
        "--num-heads", "2",
    ])
    runpy.run_module("recipes.pretrain", run_name="__main__")
    preset = tmp_path / "run" / "preset"
    metadata = json.loads((preset / "pretraining.json").read_text())
    assert metadata["steps"] == 4 and metadata["data"] == "text.txt"
    assert np.isfinite(metadata["held_out_loss"])
    model = FPTModel.from_preset(str(preset), input_dim=3, output_dim=2)
    backbone = load_gpt2_backbone(str(preset))
    for ours, theirs in zip(model.transformer_layers[0].weights, backbone.transformer_layers[0].weights):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(theirs)
        )
    assert not (tmp_path / "run" / "backup").exists()  # Cleaned up once done.


def test_pretrain_recipe_on_bit_memory_saves_the_trained_blocks(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", [
        "recipes/pretrain.py", "--task", "bit_memory", "--output-dir", str(tmp_path / "run"),
        "--steps", "2", "--eval-every", "1", "--batch-size", "4",
        "--num-layers", "1", "--hidden-dim", "16", "--intermediate-dim", "32",
        "--num-heads", "2", "--max-sequence-length", "128",
    ])
    runpy.run_module("recipes.pretrain", run_name="__main__")
    preset = tmp_path / "run" / "preset"
    assert json.loads((preset / "pretraining.json").read_text())["task"] == "bit_memory"
    saved = load_gpt2_backbone(str(preset))
    # The blocks trained on bit memory were copied into the preset: the final
    # LayerNorm, initialised to ones, has moved.
    gamma = keras.ops.convert_to_numpy(saved.layer_norm.gamma)
    assert not np.allclose(gamma, 1.0, rtol=0, atol=1e-5)
