"""One benchmark process: times one mode of one implementation.

Started by `benchmarks/train_step.py`, one per implementation, backend,
`jit_compile` setting and mode, so that each mode's peak memory is measured
in a process of its own. Modes: `fpt` (the FPT set trains), `full` (every
weight trains) and `inference` (a forward pass of the FPT model). It reads
JSON requests on stdin, one per line (`{"steps": 3}`), and answers each with
a JSON line of per-step seconds and the peak resident memory the mode added
to the process after its imports: model, optimizer state and step buffers.
The model is built and warmed up on the first request.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

GPT2_SIZES = {
    "tiny": dict(num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32),
    "base": dict(num_layers=12, num_heads=12, hidden_dim=768, intermediate_dim=3072),
    "medium": dict(num_layers=24, num_heads=16, hidden_dim=1024, intermediate_dim=4096),
    "large": dict(num_layers=36, num_heads=20, hidden_dim=1280, intermediate_dim=5120),
}
INPUT_DIM, CLASSES = 16, 10


def memory_bytes(field):
    """`VmRSS` (resident now) or `VmHWM` (peak since the last reset), Linux."""
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def device_peak_memory(impl):
    """Peak accelerator memory in bytes, or None on the CPU."""
    if impl == "reference":
        backend = "torch"  # Not importing keras here: it would add to the peak.
    else:
        import keras

        backend = keras.backend.backend()
    if backend == "torch":
        import torch

        return torch.cuda.max_memory_allocated() if torch.cuda.is_available() else None
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return device.memory_stats()["peak_bytes_in_use"] if device.platform == "gpu" else None
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        return None
    return tf.config.experimental.get_memory_info("GPU:0")["peak"]


def import_framework(impl):
    if impl == "keras":
        import keras  # noqa: F401

        import keras_fpt  # noqa: F401
    else:
        import torch  # noqa: F401
        from transformers import GPT2Model  # noqa: F401 (lazily loaded otherwise)


def benchmark_batch(batch_size, tokens):
    """Random features and class labels, the same in every process."""
    rng = np.random.default_rng(0)
    x = rng.random((batch_size, tokens, INPUT_DIM), dtype="float32")
    y = rng.integers(0, CLASSES, batch_size).astype("int32")
    return x, y


def keras_steps(args):
    """An FPTModel step of `args.mode`, as a function of a batch `(x, y)`."""
    import keras

    from keras_fpt import FPTModel

    keras.utils.set_random_seed(0)
    if args.dtype:
        keras.config.set_dtype_policy(args.dtype)
    model = FPTModel(
        **GPT2_SIZES[args.size], input_dim=INPUT_DIM, output_dim=CLASSES,
        trainable="all" if args.mode == "full" else None,
        max_sequence_length=max(1024, args.tokens),
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=args.jit,
    )
    if args.mode == "inference":
        return lambda x, y: model.predict_on_batch(x)
    return lambda x, y: model.train_on_batch(x, y)


def reference_steps(args):
    """The paper's approach: transformers' GPT2Model fed `inputs_embeds`."""
    import torch
    import transformers

    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    # Mixed precision the PyTorch way: float32 weights, bfloat16 autocast.
    autocast = torch.autocast(device, dtype=torch.bfloat16, enabled=args.dtype == "mixed_bfloat16")
    size = GPT2_SIZES[args.size]
    config = transformers.GPT2Config(
        n_layer=size["num_layers"], n_head=size["num_heads"], n_embd=size["hidden_dim"],
        n_inner=size["intermediate_dim"], n_positions=max(1024, args.tokens),
    )
    gpt2 = transformers.GPT2Model(config).to(device)
    input_layer = torch.nn.Linear(INPUT_DIM, size["hidden_dim"]).to(device)
    output_layer = torch.nn.Linear(size["hidden_dim"], CLASSES).to(device)
    for name, parameter in gpt2.named_parameters():
        # The FPT set: LayerNorms and positions train, the rest is frozen.
        parameter.requires_grad = args.mode == "full" or "ln" in name or "wpe" in name
    parameters = [
        p for m in (input_layer, gpt2, output_layer) for p in m.parameters() if p.requires_grad
    ]
    optimizer = torch.optim.Adam(parameters, lr=1e-4)

    def step(x, y):
        x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).long().to(device)
        if args.mode == "inference":
            gpt2.eval()
            with torch.no_grad(), autocast:
                hidden = gpt2(inputs_embeds=input_layer(x)).last_hidden_state
                return output_layer(hidden[:, -1]).float().cpu().numpy()
        gpt2.train()
        with autocast:
            hidden = gpt2(inputs_embeds=input_layer(x)).last_hidden_state
            logits = output_layer(hidden[:, -1]).float()
        loss = torch.nn.functional.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        return float(loss.detach())  # Waits for the device.

    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", choices=["keras", "reference"], required=True)
    parser.add_argument("--mode", choices=["fpt", "full", "inference"], required=True)
    parser.add_argument("--size", default="base")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--jit", action="store_true")
    parser.add_argument("--dtype", default=None)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    x, y = benchmark_batch(args.batch_size, args.tokens)
    step, baseline = None, None
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if step is None:
                # The framework is imported before the baseline, so that the
                # peak above it is this mode's own: model, optimizer state and
                # step buffers (and, under jit, the compiled program).
                build = keras_steps if args.impl == "keras" else reference_steps
                import_framework(args.impl)
                baseline = memory_bytes("VmRSS")
                step = build(args)
                for _ in range(args.warmup):
                    step(x, y)
            seconds = []
            for _ in range(request["steps"]):
                start = time.perf_counter()
                step(x, y)
                seconds.append(time.perf_counter() - start)
            answer = {
                "seconds": seconds,
                "peak_memory_bytes": memory_bytes("VmHWM") - baseline,
                "peak_device_memory_bytes": device_peak_memory(args.impl),
            }
        except Exception as error:  # Reported, so one failing setting doesn't end the run.
            answer = {"error": f"{type(error).__name__}: {error}"[:500]}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
