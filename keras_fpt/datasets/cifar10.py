"""CIFAR-10 from its Python or binary batches."""

import os
import pickle

import numpy as np

from keras_fpt.datasets.files import find_file

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
# ITU-R 601 luma weights, as PIL's greyscale conversion uses them.
GREY_WEIGHTS = (0.299, 0.587, 0.114)

_SOURCE = (
    "CIFAR-10 comes from https://www.cs.toronto.edu/~kriz/cifar.html: unpack "
    "cifar-10-python.tar.gz (the folder cifar-10-batches-py, with data_batch_1"
    "..5 and test_batch) or cifar-10-binary.tar.gz (cifar-10-batches-bin, with "
    "data_batch_1.bin..5 and test_batch.bin), and pass that folder, or no "
    "folder to download it with `keras.datasets.cifar10` when the machine has "
    "internet."
)


def load_cifar10(data_dir=None):
    """Loads CIFAR-10 as uint8 images `(n, 32, 32, 3)` and int32 labels.

    Args:
        data_dir: a `cifar-10-batches-py` folder (Python pickle batches) or
            a `cifar-10-batches-bin` folder (binary batches). If `None`,
            `keras.datasets.cifar10` downloads them into Keras' own cache.

    Returns:
        `((train_images, train_labels), (test_images, test_labels))`.
    """
    if data_dir is None:
        import keras

        try:
            (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
        except Exception as error:  # Download errors take many forms.
            raise ValueError(f"Could not download CIFAR-10 ({error}). {_SOURCE}") from error
        return (
            (x_train, y_train.reshape(-1).astype("int32")),
            (x_test, y_test.reshape(-1).astype("int32")),
        )
    names = [f"data_batch_{i}" for i in range(1, 6)]
    binary = not os.path.exists(os.path.join(data_dir, "data_batch_1"))
    read = _read_binary_batch if binary else _read_python_batch
    suffix = ".bin" if binary else ""
    train = [read(_find(data_dir, name, suffix)) for name in names]
    test = read(_find(data_dir, "test_batch", suffix))
    train_images = np.concatenate([images for images, _ in train])
    train_labels = np.concatenate([labels for _, labels in train])
    return (train_images, train_labels), test


def to_grey(images):
    """Turns uint8 RGB images into uint8 greyscale `(n, h, w, 1)`."""
    grey = images.astype("float32") @ np.asarray(GREY_WEIGHTS, "float32")
    return np.clip(np.round(grey), 0, 255).astype("uint8")[..., None]


def _find(data_dir, name, suffix):
    return find_file(data_dir, [name + suffix], "CIFAR-10", _SOURCE)


def _to_images(rows):
    # Each row is 1024 red, then 1024 green, then 1024 blue values.
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def _read_python_batch(path):
    with open(path, "rb") as file:
        batch = pickle.load(file, encoding="bytes")
    data = np.asarray(batch[b"data"], "uint8")
    labels = np.asarray(batch[b"labels"], "int32")
    return _to_images(data), labels


def _read_binary_batch(path):
    # Each record: one label byte, then 3072 pixel bytes.
    records = np.fromfile(path, "uint8")
    if records.size % 3073:
        raise ValueError(f"{path!r} is not a CIFAR-10 binary batch.")
    records = records.reshape(-1, 3073)
    return _to_images(records[:, 1:]), records[:, 0].astype("int32")
