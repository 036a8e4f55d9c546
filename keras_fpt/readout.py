"""Reading a model's outputs from its last tokens, in the shape asked for."""

import math

from keras import ops


def check_readout(readout, max_sequence_length):
    """Raises a `ValueError` unless `readout` is "last", "all" or a count."""
    if readout in ("last", "all"):
        return
    if (
        isinstance(readout, bool)
        or not isinstance(readout, int)
        or not 1 <= readout <= max_sequence_length
    ):
        raise ValueError(
            "`readout` must be 'last', 'all' or a number of final tokens "
            f"between 1 and {max_sequence_length}. Received: {readout!r}"
        )


def read_out(hidden, readout, padding_mask=None):
    """Picks the read-out tokens of `hidden`, `(batch, tokens, features)`.

    `"last"` gives `(batch, features)`, an int `k` the last `k` tokens,
    `(batch, k, features)`, and `"all"` every token. With a right-padded
    `padding_mask`, "last" means the last tokens that are not padding.
    """
    if readout == "all":
        return hidden
    count = 1 if readout == "last" else readout
    if padding_mask is None:
        picked = hidden[:, -count:, :]
    else:
        lengths = ops.sum(ops.cast(padding_mask, "int32"), axis=1)
        offsets = ops.arange(count, dtype="int32") - count
        index = ops.maximum(lengths[:, None] + offsets[None, :], 0)
        index = ops.broadcast_to(
            index[:, :, None],
            (ops.shape(hidden)[0], count, ops.shape(hidden)[2]),
        )
        picked = ops.take_along_axis(hidden, index, axis=1)
    return picked[:, -1, :] if readout == "last" else picked


def standardize_output_dim(output_dim):
    """Checks `output_dim`: a positive int, or a tuple of them (a shape).

    A saved config turns tuples into lists; they come back as tuples.
    """
    shape = output_dim if isinstance(output_dim, (list, tuple)) else [output_dim]
    if not shape or not all(
        isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape
    ):
        raise ValueError(
            "`output_dim` must be a positive int or a tuple of positive ints. "
            f"Received: output_dim={output_dim!r}"
        )
    return tuple(shape) if isinstance(output_dim, (list, tuple)) else output_dim


def head_units(output_dim):
    """The number of units of a linear head that gives `output_dim`."""
    shape = output_dim if isinstance(output_dim, tuple) else (output_dim,)
    return math.prod(shape)


def shape_outputs(outputs, output_dim):
    """Reshapes a head's last axis into `output_dim` when it is a shape."""
    if not isinstance(output_dim, tuple):
        return outputs
    return ops.reshape(outputs, (*ops.shape(outputs)[:-1], *output_dim))


def output_dim_config(output_dim):
    """`output_dim` as a config value (JSON has lists, not tuples)."""
    return list(output_dim) if isinstance(output_dim, tuple) else output_dim
