"""Reading a model's outputs from its last tokens."""

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
