"""Shared fixtures: tiny GPT-2s built here, so that no test needs a network."""

import keras
import keras_hub
import numpy as np
import pytest

TINY_GPT2 = dict(
    vocabulary_size=50,
    num_layers=2,
    num_heads=2,
    hidden_dim=16,
    intermediate_dim=32,
    max_sequence_length=32,
)


def tiny_backbone(**overrides):
    """A randomly initialised `GPT2Backbone` with a tiny config."""
    return keras_hub.models.GPT2Backbone(**{**TINY_GPT2, **overrides})


def weights_by_path(model):
    """Maps each variable path to a numpy copy of its value."""
    return {
        v.path: np.array(keras.ops.convert_to_numpy(v.value))
        for v in model.weights
    }


def compile_for_classes(model, learning_rate=1e-2):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def seeded():
    keras.utils.set_random_seed(0)
