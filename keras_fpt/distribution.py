"""Training an FPT over several devices with `keras.distribution`.

Keras' distribution API runs on the JAX backend today. Data parallelism
replicates the model and splits each batch across devices. Model
parallelism also shards the frozen attention and feed-forward weights of
every GPT-2 block across a `"model"` mesh axis (attention by heads, the
feed-forward network by its inner width), so a GPT-2 too large for one
device fits on several; the small trainable parts stay replicated.
"""

import keras

SUPPORTED_BACKENDS = ("jax",)
KINDS = ("data", "model")

# Variable paths of the frozen block weights (regular expressions that must
# match a whole path), and their layouts over the ("batch", "model") mesh.
_BLOCK = r"(.*/)?transformer_layer_\d+/"
_BLOCK_LAYOUTS = {
    _BLOCK + r"self_attention/(query|key|value)/kernel": (None, "model", None),
    _BLOCK + r"self_attention/(query|key|value)/bias": ("model", None),
    _BLOCK + r"self_attention/attention_output/kernel": ("model", None, None),
    _BLOCK + r"feedforward_intermediate_dense/kernel": (None, "model"),
    _BLOCK + r"feedforward_intermediate_dense/bias": ("model",),
    _BLOCK + r"feedforward_output_dense/kernel": ("model", None),
}


def check_distribution_backend():
    """Raises a `ValueError` unless this backend supports keras.distribution."""
    backend = keras.backend.backend()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(
            f"keras.distribution does not support the {backend} backend. "
            "Set KERAS_BACKEND=jax to train over several devices."
        )


def fpt_layout_map(device_mesh):
    """A `keras.distribution.LayoutMap` that shards FPT's frozen blocks.

    Args:
        device_mesh: a `keras.distribution.DeviceMesh` with the axes
            `("batch", "model")`. The number of heads and the feed-forward
            width must be divisible by the size of the `"model"` axis.

    Returns:
        A `LayoutMap`: attention kernels sharded by head, feed-forward
        kernels by their inner width, everything else replicated.
    """
    check_distribution_backend()
    layout_map = keras.distribution.LayoutMap(device_mesh)
    for path, layout in _BLOCK_LAYOUTS.items():
        layout_map[path] = layout
    return layout_map


def make_distribution(kind, devices=None, model_parallel_size=None):
    """A `DataParallel` or `ModelParallel` distribution for an FPT.

    Set it with `keras.distribution.set_distribution(...)` (or enter its
    `scope()`) before the model is built.

    Args:
        kind: `"data"` (replicate the model, split batches) or `"model"`
            (also shard the frozen blocks with `fpt_layout_map`).
        devices: the devices to use; all visible ones by default.
        model_parallel_size: for `"model"`, how many devices share each
            copy of the weights; the rest split the batch. Defaults to all.

    Returns:
        A `keras.distribution.Distribution`.

    Example:
    ```python
    # KERAS_BACKEND=jax, on 4 GPUs: 4-way sharded frozen weights.
    keras.distribution.set_distribution(make_distribution("model"))
    model = FPTModel.from_preset("gpt2_large_en", input_dim=16, output_dim=10)
    ```
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown distribution {kind!r}. Use one of {list(KINDS)}.")
    check_distribution_backend()
    devices = devices or keras.distribution.list_devices()
    if kind == "data":
        return keras.distribution.DataParallel(devices=devices)
    model_size = model_parallel_size or len(devices)
    if len(devices) % model_size:
        raise ValueError(
            f"model_parallel_size={model_size} must divide the number of "
            f"devices, {len(devices)}."
        )
    mesh = keras.distribution.DeviceMesh(
        shape=(len(devices) // model_size, model_size),
        axis_names=("batch", "model"),
        devices=devices,
    )
    return keras.distribution.ModelParallel(
        layout_map=fpt_layout_map(mesh), batch_dim_name="batch"
    )
