"""Variable-length token sequences in padded batches."""

import keras
import numpy as np


class PaddedSequences(keras.utils.PyDataset):
    """Batches of token-id sequences, right-padded to the batch's longest.

    Each batch is `({"inputs": ids, "padding_mask": mask}, labels)`, the
    dict input that `FPTModel` reads. Padding each batch only to its own
    longest sequence, rounded up to a multiple of `pad_to_multiple`, saves
    compute on short sequences while compiled backends see few shapes.

    Args:
        sequences: a list of lists of int token ids (0 is padding).
        labels: int array, one label per sequence.
        batch_size: int. Sequences per batch.
        pad_to_multiple: int. Round each batch's length up to a multiple of
            this, so that a compiled train step is traced only a few times.
        max_length: int. Never round a batch up past this many tokens (the
            model's position table).
        shuffle: bool. Reshuffle every epoch.
        seed: int. The shuffling seed.
        **kwargs: `keras.utils.PyDataset` arguments.

    Example:
    ```python
    data = PaddedSequences(
        [[5, 6, 7], [5, 6]], np.array([1, 0]), batch_size=2, pad_to_multiple=4
    )
    inputs, labels = data[0]  # inputs["inputs"]: (2, 4) int32.
    ```
    """

    def __init__(
        self,
        sequences,
        labels,
        batch_size=32,
        pad_to_multiple=64,
        max_length=None,
        shuffle=False,
        seed=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if len(sequences) != len(labels):
            raise ValueError(
                f"{len(sequences)} sequences but {len(labels)} labels."
            )
        self.sequences = [np.asarray(s, "int32") for s in sequences]
        self.labels = np.asarray(labels, "int32")
        self.batch_size = batch_size
        self.pad_to_multiple = pad_to_multiple
        self.max_length = max_length
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self._order = self._make_order()

    def __len__(self):
        return -(-len(self.sequences) // self.batch_size)

    def __getitem__(self, index):
        picked = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        lengths = np.array([len(self.sequences[i]) for i in picked])
        length = -(-lengths.max() // self.pad_to_multiple) * self.pad_to_multiple
        if self.max_length is not None:
            length = max(min(length, self.max_length), lengths.max())
        ids = np.zeros((len(picked), length), "int32")
        for row, i in enumerate(picked):
            ids[row, : len(self.sequences[i])] = self.sequences[i]
        mask = np.arange(length)[None, :] < lengths[:, None]
        return {"inputs": ids, "padding_mask": mask}, self.labels[picked]

    def on_epoch_end(self):
        self.epoch += 1
        self._order = self._make_order()

    def _make_order(self):
        if not self.shuffle:
            return np.arange(len(self.sequences))
        return np.random.default_rng([self.seed, self.epoch]).permutation(
            len(self.sequences)
        )
