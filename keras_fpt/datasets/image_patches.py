"""Images as sequences of patches."""

import keras
import numpy as np


def patchify(images, patch_size):
    """Cuts images into a sequence of flattened square patches.

    Args:
        images: array of shape `(batch, height, width, channels)`.
        patch_size: int. The side of each square patch; it must divide the
            height and the width.

    Returns:
        An array of shape `(batch, tokens, patch_size * patch_size *
        channels)`, with patches in row-major order (left to right, then top
        to bottom) and each patch flattened as `(row, column, channel)`.
    """
    batch, height, width, channels = images.shape
    if height % patch_size or width % patch_size:
        raise ValueError(
            f"patch_size={patch_size} must divide the image size "
            f"{height}x{width}."
        )
    rows, columns = height // patch_size, width // patch_size
    patches = images.reshape(batch, rows, patch_size, columns, patch_size, channels)
    patches = patches.transpose(0, 1, 3, 2, 4, 5)
    return patches.reshape(batch, rows * columns, patch_size * patch_size * channels)


def unpatchify(patches, height, width, channels):
    """Reassembles images from `patchify()`'s output."""
    batch, tokens, size = patches.shape
    patch_size = int(round((size / channels) ** 0.5))
    rows, columns = height // patch_size, width // patch_size
    if rows * columns != tokens or patch_size**2 * channels != size:
        raise ValueError(
            f"{tokens} patches of {size} values do not make a "
            f"{height}x{width}x{channels} image."
        )
    images = patches.reshape(batch, rows, columns, patch_size, patch_size, channels)
    return images.transpose(0, 1, 3, 2, 4, 5).reshape(batch, height, width, channels)


class ImagePatches(keras.utils.PyDataset):
    """Batches of images as patch sequences, with optional augmentation.

    Images are scaled to [0, 1], standardised with `mean` and `std`, cut
    into patches by `patchify()`, and paired with their labels. With
    `augment=True` each batch is randomly cropped (after padding by 4
    pixels) and flipped left to right, as for CIFAR-10 training.

    Args:
        images: uint8 array `(examples, height, width, channels)`.
        labels: int array `(examples,)`.
        patch_size: int. The side of each square patch.
        batch_size: int. Examples per batch.
        mean: float or per-channel sequence, on the [0, 1] scale.
        std: float or per-channel sequence, on the [0, 1] scale.
        shuffle: bool. Reshuffle the examples every epoch.
        augment: bool. Random crop and horizontal flip.
        seed: int. The seed of shuffling and augmentation.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).

    Example:
    ```python
    images = np.zeros((10, 28, 28, 1), "uint8")
    data = ImagePatches(images, np.zeros(10), patch_size=4, batch_size=5)
    x, y = data[0]  # x: (5, 49, 16).
    ```
    """

    def __init__(
        self,
        images,
        labels,
        patch_size,
        batch_size=32,
        mean=0.0,
        std=1.0,
        shuffle=False,
        augment=False,
        seed=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if images.ndim != 4 or len(images) != len(labels):
            raise ValueError(
                "Expected images of shape (examples, height, width, "
                f"channels) and one label each. Received images of shape "
                f"{images.shape} and {len(labels)} labels."
            )
        self.images = images
        self.labels = np.asarray(labels, "int32")
        self.patch_size = patch_size
        self.batch_size = batch_size
        self.mean = np.asarray(mean, "float32")
        self.std = np.asarray(std, "float32")
        self.shuffle = shuffle
        self.augment = augment
        self.seed = seed
        self.epoch = 0
        self._order = self._make_order()

    def __len__(self):
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, index):
        picked = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        images = self.images[picked]
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            images = random_crop_and_flip(images, rng)
        images = (images.astype("float32") / 255.0 - self.mean) / self.std
        return patchify(images, self.patch_size), self.labels[picked]

    def on_epoch_end(self):
        self.epoch += 1
        self._order = self._make_order()

    def _make_order(self):
        if not self.shuffle:
            return np.arange(len(self.images))
        return np.random.default_rng([self.seed, self.epoch]).permutation(
            len(self.images)
        )


def random_crop_and_flip(images, rng, padding=4):
    """Pads by `padding` pixels, crops back at random offsets, flips half."""
    batch, height, width, _ = images.shape
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    tops = rng.integers(0, 2 * padding + 1, batch)
    lefts = rng.integers(0, 2 * padding + 1, batch)
    flips = rng.random(batch) < 0.5
    out = np.empty_like(images)
    for i in range(batch):
        crop = padded[i, tops[i] : tops[i] + height, lefts[i] : lefts[i] + width]
        out[i] = crop[:, ::-1] if flips[i] else crop
    return out
