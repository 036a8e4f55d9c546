"""The bit XOR task."""

import keras
import numpy as np


class BitXOR(keras.utils.PyDataset):
    """Batches of the paper's bit XOR task.

    Each example is two random `num_bits`-bit strings of 0s and 1s, fed one
    bit per token: `2 * num_bits` tokens of size 1. The target is their
    element-wise XOR, one class (0 or 1) per bit, read out from the last
    `num_bits` tokens. Build the model with `input_dim=1`,
    `readout=num_bits` and `output_dim=2`; accuracy is per bit.

    Every batch is drawn afresh from a generator seeded by `(seed, epoch,
    batch index)`, so a seed always gives the same data.

    Args:
        batch_size: int. Examples per batch.
        steps: int. Batches per epoch.
        num_bits: int. Bits per string. The paper uses 5.
        seed: int. The data seed.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).

    Example:
    ```python
    data = BitXOR(batch_size=32, steps=100)
    x, y = data[0]  # x: (32, 10, 1) float32, y: (32, 5) int32.
    ```
    """

    def __init__(self, batch_size=32, steps=100, num_bits=5, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.batch_size = batch_size
        self.steps = steps
        self.num_bits = num_bits
        self.seed = seed
        self.epoch = 0

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        rng = np.random.default_rng([self.seed, self.epoch, index])
        return make_bit_xor(rng, self.batch_size, self.num_bits)

    def on_epoch_end(self):
        self.epoch += 1


def make_bit_xor(rng, batch_size, num_bits=5):
    """Draws `batch_size` bit XOR examples with a numpy `Generator`."""
    first, second = rng.integers(0, 2, (2, batch_size, num_bits))
    inputs = np.concatenate([first, second], axis=1)[..., None]
    return inputs.astype("float32"), np.bitwise_xor(first, second).astype("int32")
