import numpy as np
import pytest
from data_fixtures import LISTOPS_ROWS
from data_fixtures import write_cifar_binary
from data_fixtures import write_cifar_python
from data_fixtures import write_homology_json
from data_fixtures import write_homology_lmdb
from data_fixtures import write_listops
from data_fixtures import write_mnist

from keras_fpt import datasets
from keras_fpt.datasets import listops
from keras_fpt.datasets import remote_homology


def test_bit_xor_targets_are_the_xor_of_the_inputs():
    data = datasets.BitXOR(batch_size=64, steps=3, seed=1)
    x, y = data[2]
    assert x.shape == (64, 10, 1) and y.shape == (64, 5)
    assert set(np.unique(x)) <= {0.0, 1.0}
    first, second = x[:, :5, 0].astype(int), x[:, 5:, 0].astype(int)
    np.testing.assert_array_equal(y, (first + second) % 2)
    # Same seed, same data; a new epoch, new data.
    np.testing.assert_array_equal(datasets.BitXOR(batch_size=64, seed=1)[2][0], x)
    data.on_epoch_end()
    assert not np.array_equal(data[2][0], x)


def test_bit_memory_query_is_a_masked_copy_of_the_target():
    data = datasets.BitMemory(batch_size=16, seed=3)
    x, y = data[0]
    assert x.shape == (16, 120, 50) and y.shape == (16, 20, 50)
    bits = x.reshape(16, 6, 1000)
    strings, query = bits[:, :5], bits[:, 5]
    target = np.where(y.reshape(16, 1000) == 1, 1.0, -1.0)
    # The target is one of the five strings, and the query is that string
    # with some bits zeroed.
    assert all(any(np.array_equal(target[i], s) for s in strings[i]) for i in range(16))
    kept = query != 0
    np.testing.assert_array_equal(query[kept], target[kept])
    assert abs((~kept).mean() - 0.5) < 0.02
    assert set(np.unique(strings)) == {-1.0, 1.0}


def test_bit_memory_evaluation_set_is_fixed_and_apart():
    data = datasets.BitMemory(seed=0)
    x1, _ = data.evaluation_set(8)
    x2, _ = datasets.BitMemory(seed=0).evaluation_set(8)
    np.testing.assert_array_equal(x1, x2)
    assert not np.array_equal(x1, data[0][0][:8])


@pytest.mark.parametrize("channels,patch", [(1, 4), (3, 4), (1, 1)])
def test_patches_reassemble_into_the_image(rng, channels, patch):
    images = rng.integers(0, 256, (3, 32, 32, channels), dtype=np.uint8)
    patches = datasets.patchify(images, patch)
    assert patches.shape == (3, (32 // patch) ** 2, patch * patch * channels)
    np.testing.assert_array_equal(datasets.unpatchify(patches, 32, 32, channels), images)
    # The first patch is the top-left corner, the second the one to its right.
    np.testing.assert_array_equal(patches[0, 1], images[0, :patch, patch : 2 * patch].reshape(-1))


def test_image_patches_standardise_and_augment_training_only(rng):
    images = rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(10)
    plain = datasets.ImagePatches(images, labels, patch_size=4, batch_size=4, mean=0.5, std=0.25)
    x, y = plain[0]
    assert x.shape == (4, 64, 48) and len(plain) == 3
    np.testing.assert_allclose(
        datasets.unpatchify(x, 32, 32, 3), (images[:4] / 255.0 - 0.5) / 0.25, atol=1e-6
    )
    augmented = datasets.ImagePatches(images, labels, patch_size=4, batch_size=4, augment=True)
    assert not np.array_equal(augmented[0][0], datasets.ImagePatches(images, labels, patch_size=4, batch_size=4)[0][0])
    np.testing.assert_array_equal(augmented[0][1], labels[:4])


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_reads_idx_files(tmp_path, gz):
    written = write_mnist(tmp_path / "mnist", gz=gz)
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(tmp_path / "mnist")
    assert x_train.shape == (64, 28, 28, 1) and x_test.shape == (32, 28, 28, 1)
    np.testing.assert_array_equal(x_train[..., 0], written["train"][0])
    np.testing.assert_array_equal(y_test, written["t10k"][1])
    assert y_train.dtype == np.int32


def test_mnist_missing_files_say_what_is_expected(tmp_path):
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.*yann.lecun"):
        datasets.load_mnist(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        datasets.load_mnist(tmp_path / "nowhere")


def test_mnist_truncated_file_is_an_error(tmp_path):
    write_mnist(tmp_path, gz=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated"):
        datasets.load_mnist(tmp_path)


@pytest.mark.parametrize("writer", [write_cifar_python, write_cifar_binary])
def test_cifar10_reads_python_and_binary_batches(tmp_path, writer):
    written = writer(tmp_path / "cifar")
    (x_train, y_train), (x_test, y_test) = datasets.load_cifar10(tmp_path / "cifar")
    assert x_train.shape == (40, 32, 32, 3) and x_test.shape == (8, 32, 32, 3)
    data, labels = written["data_batch_2"]
    # Rows are 1024 red, 1024 green, 1024 blue values of a 32x32 image.
    np.testing.assert_array_equal(x_train[8, :, :, 0].reshape(-1), data[0, :1024])
    np.testing.assert_array_equal(x_train[8, 5, 7, 2], data[0, 2048 + 5 * 32 + 7])
    np.testing.assert_array_equal(y_train[8:16], labels)
    np.testing.assert_array_equal(y_test, written["test_batch"][1])


def test_cifar10_grey_is_luma(rng):
    images = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    grey = datasets.to_grey(images)
    assert grey.shape == (2, 32, 32, 1) and grey.dtype == np.uint8
    r, g, b = (images[0, 3, 4].astype(float))
    assert abs(int(grey[0, 3, 4, 0]) - (0.299 * r + 0.587 * g + 0.114 * b)) <= 0.5


def test_cifar10_missing_files_say_where_to_get_them(tmp_path):
    with pytest.raises(ValueError, match="data_batch_1.*cifar-10-python.tar.gz"):
        datasets.load_cifar10(tmp_path)


@pytest.mark.parametrize(
    "expression,value",
    [
        ("[MAX 2 9 [MIN 4 7 ] 0 ]", 9),
        ("[MIN 2 9 [MAX 4 7 ] 0 ]", 0),
        ("[MED 1 5 3 ]", 3),
        ("[MED 1 4 ]", 2),  # The median, 2.5, rounded down.
        ("[SM 9 8 7 ]", 4),
        ("[SM [MAX 3 5 ] [MED 9 1 2 ] 6 ]", 3),
        ("( ( [MAX 2 ) 9 ) ]", 9),
    ],
)
def test_listops_evaluates_hand_written_expressions(expression, value):
    assert listops.evaluate(expression) == value


def python_value(tokens):
    """An independent evaluation: turn the expression into Python and eval it."""
    functions = {
        "MAX": max, "MIN": min, "SM": lambda *v: sum(v) % 10,
        "MED": lambda *v: sorted(v)[len(v) // 2] if len(v) % 2 else (sorted(v)[len(v) // 2 - 1] + sorted(v)[len(v) // 2]) // 2,
    }
    code = []
    for token in tokens:
        if token.startswith("["):
            code.append(f"{token[1:]}(")
        elif token == "]":
            code.append("),")
        else:
            code.append(f"{token},")
    return eval("".join(code).rstrip(","), functions)


def test_listops_generated_values_match_an_independent_evaluation():
    sequences, labels = datasets.generate_listops(300, seed=5, max_length=400)
    assert max(len(s) for s in sequences) <= 400
    assert any(sum(t.startswith("[") for t in s) > 3 for s in sequences)  # Nested.
    for tokens, label in zip(sequences, labels):
        assert python_value(tokens) == label
    # Every class appears: the task is not degenerate.
    assert len(np.unique(labels)) == 10


def test_listops_reads_lra_tsv_keeping_brackets(tmp_path):
    write_listops(tmp_path)
    sequences, labels, left_out = datasets.load_listops_tsv(tmp_path, "test")
    assert left_out == 0
    np.testing.assert_array_equal(labels, [t for _, t in LISTOPS_ROWS])
    assert sequences[0] == ["[MAX", "2", "9", "[MIN", "4", "7", "]", "]"]
    assert [listops.evaluate(s) for s in sequences] == list(labels)
    _, _, left_out = datasets.load_listops_tsv(tmp_path, "train", max_length=6)
    assert left_out == 3


def test_padded_sequences_pad_right_and_mask():
    ids = listops.encode([["[MAX", "2", "]"], ["[MIN", "1", "2", "3", "]"]])
    data = datasets.PaddedSequences(ids, np.array([2, 1]), batch_size=2, pad_to_multiple=4)
    inputs, labels = data[0]
    assert inputs["inputs"].shape == (2, 8)
    np.testing.assert_array_equal(inputs["padding_mask"].sum(axis=1), [3, 5])
    np.testing.assert_array_equal(inputs["inputs"][0, 3:], 0)
    np.testing.assert_array_equal(inputs["inputs"][1, :5], ids[1])
    capped = datasets.PaddedSequences(ids, np.array([2, 1]), batch_size=2, pad_to_multiple=4, max_length=6)
    assert capped[0][0]["inputs"].shape == (2, 6)


def test_remote_homology_reads_json_and_clips_long_sequences(tmp_path):
    written = write_homology_json(tmp_path, max_length=40)
    sequences, labels, clipped = datasets.load_remote_homology(tmp_path, "test_fold_holdout", max_length=20)
    records = written["test_fold_holdout"]
    assert len(sequences) == len(records)  # Clipped, never dropped.
    assert clipped == sum(len(r["primary"]) > 20 for r in records) > 0
    np.testing.assert_array_equal(labels, [r["fold_label"] for r in records])
    letters = remote_homology.AMINO_ACIDS
    assert [letters[i - 1] for i in sequences[0]] == list(records[0]["primary"][:20])


def test_remote_homology_reads_tape_lmdb(tmp_path):
    records = write_homology_json(tmp_path / "json")["valid"]
    write_homology_lmdb(tmp_path, "valid", records)
    sequences, labels, _ = datasets.load_remote_homology(tmp_path, "valid")
    np.testing.assert_array_equal(labels, [r["fold_label"] for r in records])
    assert sequences[3] == remote_homology.encode(records[3]["primary"])


def test_remote_homology_errors(tmp_path):
    with pytest.raises(ValueError, match="remote_homology_train.json.*songlab-cal/tape"):
        datasets.load_remote_homology(tmp_path, "train")
    with pytest.raises(ValueError, match="Unknown remote homology split"):
        datasets.load_remote_homology(tmp_path, "test")
