"""The bit memory task."""

import keras
import numpy as np


class BitMemory(keras.utils.PyDataset):
    """Batches of the paper's bit memory task.

    Each example shows `num_strings` random bitstrings of `num_bits` bits in
    {-1, +1}, then one of them again with each bit zeroed with probability
    `mask_rate`. The model must recall the unmasked string. The
    `(num_strings + 1) * num_bits` bits are fed in tokens of `bits_per_token`
    bits: with the paper's sizes, 120 tokens of 50. The target has one class
    per bit (0 for -1, 1 for +1), shaped `(num_bits // bits_per_token,
    bits_per_token)`: build the model with `input_dim=bits_per_token`,
    `readout=num_bits // bits_per_token` and `output_dim=(bits_per_token, 2)`.

    Every batch is drawn afresh from a generator seeded by `(seed, epoch,
    batch index)`; `evaluation_set()` gives a fixed set for evaluation.

    Args:
        batch_size: int. Examples per batch.
        steps: int. Batches per epoch.
        num_strings: int. Bitstrings to remember. The paper uses 5.
        num_bits: int. Bits per string. The paper uses 1000.
        bits_per_token: int. Bits per token. The paper uses 50.
        mask_rate: float. The chance that a bit of the query is zeroed.
        seed: int. The data seed.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).

    Example:
    ```python
    data = BitMemory(batch_size=8, steps=10)
    x, y = data[0]  # x: (8, 120, 50) float32, y: (8, 20, 50) int32.
    ```
    """

    def __init__(
        self,
        batch_size=32,
        steps=100,
        num_strings=5,
        num_bits=1000,
        bits_per_token=50,
        mask_rate=0.5,
        seed=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_bits % bits_per_token:
            raise ValueError(
                f"num_bits={num_bits} must be a multiple of "
                f"bits_per_token={bits_per_token}."
            )
        self.batch_size = batch_size
        self.steps = steps
        self.num_strings = num_strings
        self.num_bits = num_bits
        self.bits_per_token = bits_per_token
        self.mask_rate = mask_rate
        self.seed = seed
        self.epoch = 0

    @property
    def target_tokens(self):
        """The number of read-out tokens: `num_bits // bits_per_token`."""
        return self.num_bits // self.bits_per_token

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        rng = np.random.default_rng([self.seed, self.epoch, index])
        return self._draw(rng, self.batch_size)

    def on_epoch_end(self):
        self.epoch += 1

    def evaluation_set(self, size=1000):
        """A fixed set of `size` examples, apart from the training batches."""
        rng = np.random.default_rng([self.seed, 2**32 - 1])
        return self._draw(rng, size)

    def _draw(self, rng, batch_size):
        strings = rng.choice(
            np.array([-1.0, 1.0], "float32"),
            (batch_size, self.num_strings, self.num_bits),
        )
        chosen = strings[np.arange(batch_size), rng.integers(0, self.num_strings, batch_size)]
        keep = rng.random(chosen.shape) >= self.mask_rate
        query = chosen * keep
        bits = np.concatenate([strings, query[:, None]], axis=1)
        inputs = bits.reshape(batch_size, -1, self.bits_per_token)
        targets = (chosen > 0).astype("int32")
        targets = targets.reshape(batch_size, -1, self.bits_per_token)
        return inputs.astype("float32"), targets
