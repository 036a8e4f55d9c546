"""The Frozen Pretrained Transformer model."""

import keras
import numpy as np
from keras import ops
from keras_hub.layers import PositionEmbedding
from keras_hub.layers import TransformerDecoder
from keras_hub.src.utils.keras_utils import gelu_approximate

from keras_fpt.parts import PARTS
from keras_fpt.parts import decoder_parts
from keras_fpt.parts import standardize_trainable
from keras_fpt.portable import PortableCompileMixin
from keras_fpt.presets import INIT_MODES
from keras_fpt.presets import check_gpt2_backbone
from keras_fpt.presets import load_gpt2_backbone
from keras_fpt.readout import check_readout
from keras_fpt.readout import head_units
from keras_fpt.readout import output_dim_config
from keras_fpt.readout import read_out
from keras_fpt.readout import shape_outputs
from keras_fpt.readout import standardize_output_dim

# The paper's input layer: orthogonal weights with gain 1.41, zero bias.
_INPUT_GAIN = 1.41


def _dense_per_token(dense, x):
    """Applies `dense` to every token of `x` as one 2-D matrix product.

    On a 3-D input the kernel gradient contracts two axes (batch and tokens),
    and XLA:CPU then transposes the whole incoming gradient: 0.85 s of a 5.5 s
    GPT-2 base FPT step under JAX. Flattening the tokens avoids it and costs
    nothing on the other backends.
    """
    if len(x.shape) == 2:
        return dense(x)
    outputs = dense(ops.reshape(x, (-1, x.shape[-1])))
    return ops.reshape(outputs, (*ops.shape(x)[:-1], outputs.shape[-1]))


def _gpt2_initializer():
    # GPT-2's own initialisation, as keras-hub's `GPT2Backbone` uses it.
    return keras.initializers.RandomNormal(stddev=0.02)


@keras.saving.register_keras_serializable(package="keras_fpt")
class FPTModel(PortableCompileMixin, keras.Model):
    """A Frozen Pretrained Transformer (Lu et al., 2021) on GPT-2.

    An FPT feeds sequences that are not language through the blocks of a
    GPT-2 pretrained on language. A linear input layer (or an embedding, for
    discrete tokens) replaces GPT-2's token embedding; GPT-2's learned
    positional embeddings, transformer blocks and final LayerNorm compute;
    a linear head reads the result out. The parts named in `trainable` are
    trained, every other weight stays frozen.

    The blocks are keras-hub's own `PositionEmbedding`, `TransformerDecoder`
    and `LayerNormalization` layers, configured as in
    `keras_hub.models.GPT2Backbone`. GPT-2's token embedding is never built,
    so it never reaches memory or a `.keras` file.

    The default constructor gives a randomly initialised FPT (GPT-2's own
    initialisation). Use `from_preset()` or `from_backbone()` to start from
    pretrained weights.

    Args:
        num_layers: int. The number of transformer blocks.
        num_heads: int. The number of attention heads in each block.
        hidden_dim: int. The width of the transformer.
        intermediate_dim: int. The inner width of each feed-forward network.
        output_dim: int, or a tuple of ints. The outputs of the linear head
            for each read-out token: a number of classes (logits), or a shape
            such as `(50, 2)` for 50 two-class bits per token.
        input_dim: int. The feature size of continuous inputs of shape
            `(batch, tokens, input_dim)`. Give exactly one of `input_dim`
            and `vocabulary_size`.
        vocabulary_size: int. The number of token ids of discrete inputs of
            shape `(batch, tokens)`.
        readout: `"last"` for `(batch, output_dim)` outputs from the last
            token (the paper's choice), an int `k` for `(batch, k,
            output_dim)` outputs from the last `k` tokens, or `"all"` for
            every token. With a `padding_mask`, "last" means the last token
            that is not padding.
        trainable: a set of part names to train, from `"input"`,
            `"position"`, `"layernorm"`, `"attention"`, `"feedforward"` and
            `"output"`, or `"all"`. Defaults to the paper's FPT set,
            `{"input", "position", "layernorm", "output"}`.
        dropout: float. The dropout rate of the embeddings and of every
            transformer block. The paper uses GPT-2's 0.1.
        max_sequence_length: int. The size of the position table: the most
            tokens an input may have.
        dtype: string or `keras.DTypePolicy`. The dtype policy of every
            layer, for example `"mixed_bfloat16"`. Outputs are float32.
        **kwargs: other `keras.Model` arguments, such as `name`.

    Inputs:
        A tensor of features or token ids, or a dict with the key `"inputs"`
        for that tensor and `"padding_mask"` for a `(batch, tokens)` mask that
        is 1 on real tokens and 0 on right padding.

    Example:
    ```python
    import keras
    import keras_hub
    import numpy as np
    from keras_fpt import FPTModel

    # A tiny GPT-2; use `FPTModel.from_preset("gpt2_base_en", ...)` for the
    # paper's pretrained model.
    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=64, num_layers=2, num_heads=2, hidden_dim=32,
        intermediate_dim=64, max_sequence_length=128,
    )
    model = FPTModel.from_backbone(backbone, input_dim=16, output_dim=10)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    x = np.random.rand(8, 49, 16).astype("float32")  # 49 patches of 4x4.
    y = np.random.randint(0, 10, size=(8,))
    model.fit(x, y, epochs=1)
    model.summary()
    ```
    """

    def __init__(
        self,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        output_dim,
        input_dim=None,
        vocabulary_size=None,
        readout="last",
        trainable=None,
        dropout=0.1,
        max_sequence_length=1024,
        dtype=None,
        **kwargs,
    ):
        if (input_dim is None) == (vocabulary_size is None):
            raise ValueError(
                "Give exactly one of `input_dim` (continuous inputs of shape "
                "(batch, tokens, input_dim)) and `vocabulary_size` (discrete "
                "token ids of shape (batch, tokens)). Received: "
                f"input_dim={input_dim}, vocabulary_size={vocabulary_size}"
            )
        check_readout(readout, max_sequence_length)
        output_dim = standardize_output_dim(output_dim)
        trainable_parts = standardize_trainable(trainable)
        super().__init__(dtype=dtype, **kwargs)

        # === Layers ===
        if input_dim is not None:
            self.input_layer = keras.layers.Dense(
                hidden_dim,
                kernel_initializer=keras.initializers.Orthogonal(_INPUT_GAIN),
                bias_initializer="zeros",
                dtype=self.dtype_policy,
                name="input_projection",
            )
        else:
            self.input_layer = keras.layers.Embedding(
                vocabulary_size,
                hidden_dim,
                embeddings_initializer=keras.initializers.RandomNormal(
                    stddev=1.0
                ),
                dtype=self.dtype_policy,
                name="input_embedding",
            )
        self.position_embedding = PositionEmbedding(
            sequence_length=max_sequence_length,
            initializer=_gpt2_initializer(),
            dtype=self.dtype_policy,
            name="position_embedding",
        )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=self.dtype_policy, name="embeddings_dropout"
        )
        self.transformer_layers = [
            TransformerDecoder(
                intermediate_dim=intermediate_dim,
                num_heads=num_heads,
                dropout=dropout,
                layer_norm_epsilon=1e-5,
                activation=gelu_approximate,
                kernel_initializer=_gpt2_initializer(),
                normalize_first=True,
                dtype=self.dtype_policy,
                name=f"transformer_layer_{i}",
            )
            for i in range(num_layers)
        ]
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=1e-5, dtype=self.dtype_policy, name="layer_norm"
        )
        # PyTorch's default `nn.Linear` init, as in the paper's output layer.
        self.output_head = keras.layers.Dense(
            head_units(output_dim),
            kernel_initializer=keras.initializers.VarianceScaling(
                scale=1.0 / 3.0, mode="fan_in", distribution="uniform"
            ),
            dtype=self.dtype_policy,
            name="output_head",
        )

        # === Config ===
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.output_dim = output_dim
        self.input_dim = input_dim
        self.vocabulary_size = vocabulary_size
        self.readout = readout
        self.trainable_parts = trainable_parts
        self.dropout = dropout
        self.max_sequence_length = max_sequence_length

        # The decoders create their sublayers in `build()`, and sublayer
        # `trainable` flags are not saved in `.keras` files: build everything
        # now and apply the policy, so that a reloaded model gets it too.
        self._build_layers()
        self._apply_trainable_parts()

    def _build_layers(self):
        # A symbolic call builds every layer with its real input shapes, so
        # that `summary()` can show them.
        if self.input_dim is not None:
            spec = keras.KerasTensor((None, None, self.input_dim), "float32")
        else:
            spec = keras.KerasTensor((None, None), "int32")
        self.call(spec)
        self.built = True

    def layers_of_part(self, part):
        """Returns the layers that hold the weights of one part."""
        if part not in PARTS:
            raise ValueError(f"Unknown part {part!r}. Use one of {list(PARTS)}.")
        if part == "input":
            return [self.input_layer]
        if part == "position":
            return [self.position_embedding]
        if part == "output":
            return [self.output_head]
        layers = [
            layer
            for decoder in self.transformer_layers
            for layer in decoder_parts(decoder)[part]
        ]
        return layers + [self.layer_norm] if part == "layernorm" else layers

    def _apply_trainable_parts(self):
        for part in PARTS:
            for layer in self.layers_of_part(part):
                layer.trainable = part in self.trainable_parts

    @property
    def backbone_layers(self):
        """The GPT-2 layers whose weights come from a preset."""
        return [
            self.position_embedding,
            *self.transformer_layers,
            self.layer_norm,
        ]

    def call(self, inputs, training=None):
        features, padding_mask = self._unpack_inputs(inputs)
        hidden = self._encode(features, padding_mask, training)
        hidden = read_out(hidden, self.readout, padding_mask)
        outputs = ops.cast(_dense_per_token(self.output_head, hidden), "float32")
        return shape_outputs(outputs, self.output_dim)

    def encode(self, inputs, training=False):
        """Returns GPT-2's final hidden states, `(batch, tokens, hidden_dim)`.

        These are the features after the final LayerNorm, before the read-out
        and the output head.
        """
        features, padding_mask = self._unpack_inputs(inputs)
        return self._encode(features, padding_mask, training)

    def _encode(self, features, padding_mask, training):
        if self.input_dim is not None:
            x = _dense_per_token(self.input_layer, features)
        else:
            x = self.input_layer(features)
        x = x + self.position_embedding(x)
        x = self.embeddings_dropout(x, training=training)
        for layer in self.transformer_layers:
            x = layer(x, decoder_padding_mask=padding_mask, training=training)
        return self.layer_norm(x)

    def _unpack_inputs(self, inputs):
        padding_mask = None
        if isinstance(inputs, dict):
            unknown = set(inputs) - {"inputs", "padding_mask"}
            if "inputs" not in inputs or unknown:
                raise ValueError(
                    "A dict input needs the key 'inputs' and may have "
                    f"'padding_mask'. Received keys: {sorted(inputs)}"
                )
            padding_mask = inputs.get("padding_mask")
            inputs = inputs["inputs"]
        features = self._check_features(inputs)
        if padding_mask is not None:
            if tuple(padding_mask.shape[1:]) != tuple(features.shape[1:2]):
                raise ValueError(
                    "`padding_mask` must have shape (batch, tokens) to match "
                    f"inputs of shape {tuple(features.shape)}. Received: "
                    f"{tuple(padding_mask.shape)}"
                )
            padding_mask = ops.cast(padding_mask, "bool")
        return features, padding_mask

    def _check_features(self, inputs):
        if not hasattr(inputs, "shape"):
            inputs = ops.convert_to_tensor(inputs)
        shape = tuple(inputs.shape)
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        if self.input_dim is not None:
            if len(shape) != 3 or shape[-1] != self.input_dim:
                raise ValueError(
                    "Expected continuous inputs of shape (batch, tokens, "
                    f"{self.input_dim}). Received shape {shape}. Reshape "
                    "each example into tokens of input_dim features, or "
                    "rebuild the model with a matching `input_dim`."
                )
            inputs = ops.cast(inputs, self.compute_dtype)
        else:
            if len(shape) != 2:
                raise ValueError(
                    "Expected token ids of shape (batch, tokens). Received "
                    f"shape {shape}. For continuous features, build the "
                    "model with `input_dim` instead of `vocabulary_size`."
                )
            if "int" not in dtype:
                raise ValueError(
                    f"Expected integer token ids. Received dtype {dtype}. "
                    "Cast the ids to int32, or build the model with "
                    "`input_dim` for continuous features."
                )
        tokens = shape[1]
        if tokens is not None and tokens > self.max_sequence_length:
            raise ValueError(
                f"Inputs have {tokens} tokens, but the position table holds "
                f"{self.max_sequence_length}. Use fewer tokens per example "
                "(for example larger patches, or clipped sequences)."
            )
        if isinstance(self.readout, int) and tokens is not None:
            if tokens < self.readout:
                raise ValueError(
                    f"readout={self.readout} reads the last {self.readout} "
                    f"tokens, but inputs have only {tokens}."
                )
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_layers": self.num_layers,
                "num_heads": self.num_heads,
                "hidden_dim": self.hidden_dim,
                "intermediate_dim": self.intermediate_dim,
                "output_dim": output_dim_config(self.output_dim),
                "input_dim": self.input_dim,
                "vocabulary_size": self.vocabulary_size,
                "readout": self.readout,
                "trainable": sorted(self.trainable_parts),
                "dropout": self.dropout,
                "max_sequence_length": self.max_sequence_length,
            }
        )
        return config

    @classmethod
    def from_backbone(cls, backbone, init="pretrained", seed=None, **kwargs):
        """Builds an FPT on the blocks of a keras-hub `GPT2Backbone`.

        Args:
            backbone: a `keras_hub.models.GPT2Backbone`. Its architecture is
                always used; its weights as `init` says.
            init: `"pretrained"` copies the backbone's weights, `"random"`
                keeps GPT-2's own random initialisation, and `"statistics"`
                draws each backbone tensor again from a normal distribution
                with the pretrained tensor's mean and standard deviation (the
                paper's statistics-only ablation).
            seed: int. Seeds the `"statistics"` draws, which are then the
                same on every backend.
            **kwargs: `FPTModel` arguments: `output_dim`, and `input_dim` or
                `vocabulary_size`, and optionally `readout`, `trainable`,
                `dropout`, `dtype`, `name`.

        Returns:
            An `FPTModel`.
        """
        check_gpt2_backbone(backbone)
        if init not in INIT_MODES:
            raise ValueError(
                f"Unknown init {init!r}. Use one of {list(INIT_MODES)}."
            )
        for key in ("num_layers", "num_heads", "hidden_dim", "intermediate_dim"):
            if key in kwargs:
                raise ValueError(
                    f"`{key}` comes from the backbone; do not pass it."
                )
        model = cls(
            num_layers=backbone.num_layers,
            num_heads=backbone.num_heads,
            hidden_dim=backbone.hidden_dim,
            intermediate_dim=backbone.intermediate_dim,
            max_sequence_length=backbone.max_sequence_length,
            **kwargs,
        )
        if init == "random":
            return model
        source_layers = [
            backbone.position_embedding,
            *backbone.transformer_layers,
            backbone.layer_norm,
        ]
        for target, source in zip(model.backbone_layers, source_layers):
            target.set_weights(source.get_weights())
        if init == "statistics":
            _redraw_from_statistics(model.backbone_layers, seed)
        return model

    @classmethod
    def from_preset(cls, preset, init="pretrained", seed=None, **kwargs):
        """Builds an FPT on a pretrained GPT-2.

        Args:
            preset: a keras-hub GPT-2 preset name (`"gpt2_base_en"`,
                `"gpt2_medium_en"`, `"gpt2_large_en"`,
                `"gpt2_extra_large_en"`), `"gpt2_tiny_en_offline"` (a tiny
                GPT-2 pretrained on English that ships with keras-fpt and
                needs no network), an `hf://` or `kaggle://` handle, a
                local keras-hub preset folder (from `save_to_preset`), or a
                local Hugging Face GPT-2 folder (`config.json` and
                `model.safetensors`). Local folders work offline.
            init: `"pretrained"`, `"random"` or `"statistics"`, as in
                `from_backbone()`. `"random"` reads no weights.
            seed: int. Seeds the `"statistics"` draws.
            **kwargs: `FPTModel` arguments, as in `from_backbone()`.

        Returns:
            An `FPTModel`.

        Example:
        ```python
        model = FPTModel.from_preset(
            "gpt2_base_en", input_dim=16, output_dim=10
        )
        ```
        """
        if init not in INIT_MODES:
            raise ValueError(
                f"Unknown init {init!r}. Use one of {list(INIT_MODES)}."
            )
        backbone = load_gpt2_backbone(preset, load_weights=init != "random")
        return cls.from_backbone(backbone, init=init, seed=seed, **kwargs)


def _redraw_from_statistics(layers, seed):
    """Redraws every weight from a normal with its own mean and std."""
    rng = np.random.default_rng(seed)
    for layer in layers:
        for variable in layer.weights:
            value = keras.ops.convert_to_numpy(
                ops.cast(variable.value, "float32")
            )
            variable.assign(
                rng.normal(value.mean(), value.std(), value.shape).astype(
                    "float32"
                )
            )
