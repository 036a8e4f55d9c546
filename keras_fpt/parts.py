"""The named parameter groups of an FPT, and the policy that freezes them."""

import keras

PARTS = ("input", "position", "layernorm", "attention", "feedforward", "output")
"""Every part name that `FPTModel(trainable=...)` accepts."""

FPT_PARTS = frozenset({"input", "position", "layernorm", "output"})
"""The parts the paper trains: everything but self-attention and feed-forward."""


def standardize_trainable(trainable):
    """Turns a `trainable` argument into a frozenset of part names.

    `None` gives the paper's FPT set, `"all"` every part (full fine-tuning),
    a single part name that part alone, and any iterable of names that set.
    """
    if trainable is None:
        return FPT_PARTS
    if isinstance(trainable, str):
        trainable = PARTS if trainable == "all" else [trainable]
    try:
        parts = frozenset(trainable)
    except TypeError:
        raise ValueError(
            "`trainable` must be a set of part names, 'all' or None. "
            f"Received: trainable={trainable!r}"
        ) from None
    unknown = sorted(str(part) for part in parts - set(PARTS))
    if unknown:
        raise ValueError(
            f"Unknown part name(s) in `trainable`: {unknown}. Use names from "
            f"{list(PARTS)}, or 'all' to fine-tune everything."
        )
    return parts


def decoder_parts(decoder):
    """Maps each part name to the sublayers of one `TransformerDecoder`.

    The sublayers exist only once the decoder is built. They are sorted by
    type rather than by keras-hub's private attribute names, and a weight
    that falls in no part is an error: a new keras-hub sublayer must never be
    trained or frozen by accident.
    """
    parts = {"layernorm": [], "attention": [], "feedforward": []}
    for layer in decoder._flatten_layers(include_self=False, recursive=False):
        if isinstance(layer, keras.layers.LayerNormalization):
            parts["layernorm"].append(layer)
        elif isinstance(layer, keras.layers.MultiHeadAttention):
            parts["attention"].append(layer)
        elif isinstance(layer, keras.layers.Dense):
            parts["feedforward"].append(layer)
        elif layer.weights:
            raise ValueError(
                f"{decoder.name} has a sublayer {layer.name!r} of type "
                f"{type(layer).__name__} that belongs to no FPT part. This "
                "keras-hub version is not supported by keras-fpt."
            )
    return parts
