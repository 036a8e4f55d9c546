"""MNIST from its IDX files."""

import gzip
import os

import numpy as np

from keras_fpt.datasets.files import find_file

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_SOURCE = (
    "MNIST comes as four IDX files (train-images-idx3-ubyte, "
    "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; "
    "raw or gzipped) from https://yann.lecun.com/exdb/mnist/ or any mirror. "
    "Pass their folder, or no folder to download MNIST with "
    "`keras.datasets.mnist` when the machine has internet."
)


def load_mnist(data_dir=None):
    """Loads MNIST as uint8 images `(n, 28, 28, 1)` and int32 labels.

    Args:
        data_dir: a folder with the four IDX files, raw or gzipped. If
            `None`, `keras.datasets.mnist` downloads them (into Keras' own
            cache, never into a data folder of yours).

    Returns:
        `((train_images, train_labels), (test_images, test_labels))`.
    """
    if data_dir is None:
        import keras

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        except Exception as error:  # Download errors take many forms.
            raise ValueError(f"Could not download MNIST ({error}). {_SOURCE}") from error
        return (
            (x_train[..., None], y_train.astype("int32")),
            (x_test[..., None], y_test.astype("int32")),
        )
    splits = []
    for split in ("train", "test"):
        images_name, labels_name = _FILES[split]
        images = read_idx(_find(data_dir, images_name))
        labels = read_idx(_find(data_dir, labels_name))
        if images.ndim != 3 or len(images) != len(labels):
            raise ValueError(
                f"MNIST {split} files in {data_dir!r} do not match: images "
                f"{images.shape}, labels {labels.shape}."
            )
        splits.append((images[..., None], labels.astype("int32")))
    return tuple(splits)


def _find(data_dir, name):
    return find_file(data_dir, [name, name + ".gz"], "MNIST", _SOURCE)


_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Reads an IDX file (raw or gzipped) into a numpy array."""
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "rb") as file:
        data = file.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path!r} is not an IDX file.")
    rank = data[3]
    shape = tuple(
        int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)
    )
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    offset = 4 + 4 * rank
    expected = offset + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"{path!r} is truncated or corrupt: {len(data)} bytes for an IDX "
            f"array of shape {shape} ({expected} expected)."
        )
    return np.frombuffer(data, dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))
