import keras
import numpy as np
from conftest import tiny_backbone
from conftest import weights_by_path

from keras_fpt import FPTModel


def backbone_with_distinct_statistics():
    """A 'pretrained' backbone whose tensors have non-trivial mean and std."""
    backbone = tiny_backbone(hidden_dim=64, intermediate_dim=256)
    rng = np.random.default_rng(0)
    for i, weight in enumerate(backbone.weights):
        weight.assign(
            rng.normal(
                (-1) ** i * (0.1 + 0.05 * (i % 4)),
                0.05 + 0.01 * (i % 3),
                weight.shape,
            )
        )
    return backbone


def backbone_weights(model):
    return [
        keras.ops.convert_to_numpy(w.value)
        for layer in model.backbone_layers
        for w in layer.weights
    ]


def test_pretrained_copies_every_backbone_weight():
    backbone = backbone_with_distinct_statistics()
    model = FPTModel.from_backbone(backbone, input_dim=4, output_dim=2)
    source = [
        backbone.position_embedding,
        *backbone.transformer_layers,
        backbone.layer_norm,
    ]
    expected = [w for layer in source for w in layer.get_weights()]
    for ours, theirs in zip(backbone_weights(model), expected, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_statistics_init_redraws_each_tensor_with_its_statistics():
    backbone = backbone_with_distinct_statistics()
    pretrained = backbone_weights(
        FPTModel.from_backbone(backbone, input_dim=4, output_dim=2)
    )
    model = FPTModel.from_backbone(
        backbone, init="statistics", seed=1, input_dim=4, output_dim=2
    )
    redrawn = backbone_weights(model)
    large = 0
    for before, after in zip(pretrained, redrawn, strict=True):
        assert before.shape == after.shape
        assert not np.array_equal(before, after)
        if before.size >= 10_000:
            large += 1
            assert abs(after.mean() - before.mean()) <= 0.05 * abs(before.mean())
            assert abs(after.std() - before.std()) <= 0.05 * before.std()
            # A fresh draw, not a shuffle or copy of the pretrained values.
            assert abs(np.corrcoef(before.ravel(), after.ravel())[0, 1]) < 0.05
    assert large >= 4


def test_statistics_init_is_seeded():
    backbone = backbone_with_distinct_statistics()
    first, second = (
        backbone_weights(
            FPTModel.from_backbone(
                backbone, init="statistics", seed=7, input_dim=4, output_dim=2
            )
        )
        for _ in range(2)
    )
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_random_init_ignores_the_pretrained_weights():
    backbone = backbone_with_distinct_statistics()
    model = FPTModel.from_backbone(
        backbone, init="random", input_dim=4, output_dim=2
    )
    weights = weights_by_path(model)
    for part in ("attention", "feedforward"):
        for layer in model.layers_of_part(part):
            kernel = weights[layer.weights[0].path]
            # GPT-2's initialisation: normal, std 0.02, mean 0.
            assert abs(kernel.std() - 0.02) < 0.005
    for layer in model.layers_of_part("layernorm"):
        gamma, beta = (weights[w.path] for w in layer.weights)
        np.testing.assert_array_equal(gamma, 1.0)
        np.testing.assert_array_equal(beta, 0.0)


def test_random_preset_reads_no_weights(tmp_path):
    backbone = backbone_with_distinct_statistics()
    backbone.save_to_preset(tmp_path / "preset")
    model = FPTModel.from_preset(
        tmp_path / "preset", init="random", input_dim=4, output_dim=2
    )
    assert model.num_layers == backbone.num_layers
    assert model.hidden_dim == 64
    positions = keras.ops.convert_to_numpy(model.position_embedding.weights[0])
    assert abs(positions.std() - 0.02) < 0.005
