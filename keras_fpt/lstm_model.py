"""The paper's LSTM baseline, trained from scratch."""

import keras
import numpy as np
from keras import ops

from keras_fpt.portable import PortableCompileMixin
from keras_fpt.readout import check_readout
from keras_fpt.readout import head_units
from keras_fpt.readout import output_dim_config
from keras_fpt.readout import read_out
from keras_fpt.readout import shape_outputs
from keras_fpt.readout import standardize_output_dim


@keras.saving.register_keras_serializable(package="keras_fpt")
class LSTMModel(PortableCompileMixin, keras.Model):
    """A stacked LSTM with the same inputs and read-out as `FPTModel`.

    The paper compares FPT against a 3-layer LSTM trained from scratch on
    every task. This model takes the same inputs (continuous tokens, or
    token ids with an optional `padding_mask`), the same `readout` and
    `output_dim`, so a recipe can swap one for the other. Every weight is
    trained.

    Args:
        output_dim: int or tuple of ints, as in `FPTModel`.
        input_dim: int. The feature size of continuous inputs.
        vocabulary_size: int. The number of token ids of discrete inputs.
            Give exactly one of `input_dim` and `vocabulary_size`.
        readout: `"last"`, an int `k` or `"all"`, as in `FPTModel`.
        hidden_dim: int. The units of each LSTM layer.
        num_layers: int. The number of stacked LSTM layers.
        dropout: float. Dropout between LSTM layers.
        **kwargs: other `keras.Model` arguments, such as `name` or `dtype`.

    Example:
    ```python
    model = LSTMModel(output_dim=2, input_dim=1, readout=5, hidden_dim=32)
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.randint(0, 2, (8, 10, 1)).astype("float32")
    model.fit(x, np.random.randint(0, 2, (8, 5)), verbose=0)
    ```
    """

    def __init__(
        self,
        output_dim,
        input_dim=None,
        vocabulary_size=None,
        readout="last",
        hidden_dim=768,
        num_layers=3,
        dropout=0.0,
        **kwargs,
    ):
        if (input_dim is None) == (vocabulary_size is None):
            raise ValueError(
                "Give exactly one of `input_dim` and `vocabulary_size`. "
                f"Received: input_dim={input_dim}, "
                f"vocabulary_size={vocabulary_size}"
            )
        check_readout(readout, np.inf)
        output_dim = standardize_output_dim(output_dim)
        super().__init__(**kwargs)
        policy = self.dtype_policy
        if input_dim is not None:
            self.input_layer = keras.layers.Dense(
                hidden_dim, dtype=policy, name="input_projection"
            )
        else:
            self.input_layer = keras.layers.Embedding(
                vocabulary_size, hidden_dim, dtype=policy, name="input_embedding"
            )
        self.lstm_layers = [
            keras.layers.LSTM(
                hidden_dim, return_sequences=True, dtype=policy, name=f"lstm_{i}"
            )
            for i in range(num_layers)
        ]
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)
        self.output_head = keras.layers.Dense(
            head_units(output_dim), dtype=policy, name="output_head"
        )
        self.output_dim = output_dim
        self.input_dim = input_dim
        self.vocabulary_size = vocabulary_size
        self.readout = readout
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.dropout = dropout

    def call(self, inputs, training=None):
        padding_mask = None
        if isinstance(inputs, dict):
            padding_mask = inputs.get("padding_mask")
            inputs = inputs["inputs"]
        x = self.input_layer(inputs)
        for layer in self.lstm_layers:
            # Right padding comes after the read-out tokens, so a causal LSTM
            # needs no mask: `read_out` picks the last real tokens.
            x = self.dropout_layer(layer(x), training=training)
        outputs = self.output_head(read_out(x, self.readout, padding_mask))
        # Losses and metrics get float32 under a mixed precision policy.
        return shape_outputs(ops.cast(outputs, "float32"), self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "output_dim": output_dim_config(self.output_dim),
                "input_dim": self.input_dim,
                "vocabulary_size": self.vocabulary_size,
                "readout": self.readout,
                "hidden_dim": self.hidden_dim,
                "num_layers": self.num_layers,
                "dropout": self.dropout,
            }
        )
        return config
