"""One benchmark process: times training steps of one implementation.

Started by `benchmarks/train_step.py`, one per backend and `jit_compile`
setting, plus one for the reference. It reads JSON requests on stdin, one
per line (`{"mode": "fpt", "steps": 3}`), and answers each with a JSON line
of per-step seconds and the resident memory that the mode added at its peak
(measured over its first request: model, optimizer state, step buffers). Modes: `fpt` (the FPT set trains), `full` (every
weight trains) and `inference` (a forward pass). Models are built on the
first request of their mode and warmed up.
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


def reset_peak_memory():
    try:
        with open("/proc/self/clear_refs", "w") as file:
            file.write("5")  # Resets VmHWM to the current resident size.
    except OSError:
        pass


def keras_steps(args):
    import keras

    from keras_fpt import FPTModel

    keras.utils.set_random_seed(0)
    if args.dtype:
        keras.config.set_dtype_policy(args.dtype)
    models = {}

    def build(mode):
        model = FPTModel(
            **GPT2_SIZES[args.size], input_dim=INPUT_DIM, output_dim=CLASSES,
            trainable="all" if mode == "full" else None,
            max_sequence_length=max(1024, args.tokens),
        )
        model.compile(
            optimizer=keras.optimizers.Adam(1e-4, clipnorm=1.0),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile=args.jit,
        )
        return model

    def step(mode, x, y):
        if mode not in models:
            models[mode] = build("fpt" if mode == "inference" else mode)
        model = models[mode]
        if mode == "inference":
            return model.predict_on_batch(x)
        return model.train_on_batch(x, y)

    return step


def reference_steps(args):
    """The paper's approach: transformers' GPT2Model fed `inputs_embeds`."""
    import torch
    import transformers

    torch.manual_seed(0)
    size = GPT2_SIZES[args.size]
    config = transformers.GPT2Config(
        n_layer=size["num_layers"], n_head=size["num_heads"], n_embd=size["hidden_dim"],
        n_inner=size["intermediate_dim"], n_positions=max(1024, args.tokens),
    )
    models = {}

    def build(mode):
        gpt2 = transformers.GPT2Model(config)
        input_layer = torch.nn.Linear(INPUT_DIM, size["hidden_dim"])
        output_layer = torch.nn.Linear(size["hidden_dim"], CLASSES)
        for name, parameter in gpt2.named_parameters():
            # The FPT set: LayerNorms and positions train, the rest is frozen.
            parameter.requires_grad = mode == "full" or "ln" in name or "wpe" in name
        parameters = [
            p for m in (input_layer, gpt2, output_layer) for p in m.parameters()
            if p.requires_grad
        ]
        optimizer = torch.optim.Adam(parameters, lr=1e-4)
        return gpt2, input_layer, output_layer, parameters, optimizer

    def step(mode, x, y):
        if mode not in models:
            models[mode] = build("fpt" if mode == "inference" else mode)
        gpt2, input_layer, output_layer, parameters, optimizer = models[mode]
        x, y = torch.from_numpy(x), torch.from_numpy(y).long()
        if mode == "inference":
            gpt2.eval()
            with torch.no_grad():
                hidden = gpt2(inputs_embeds=input_layer(x)).last_hidden_state
                return output_layer(hidden[:, -1]).numpy()
        gpt2.train()
        hidden = gpt2(inputs_embeds=input_layer(x)).last_hidden_state
        loss = torch.nn.functional.cross_entropy(output_layer(hidden[:, -1]), y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        return float(loss.detach())

    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", choices=["keras", "reference"], required=True)
    parser.add_argument("--size", default="base")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--jit", action="store_true")
    parser.add_argument("--dtype", default=None)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    step = keras_steps(args) if args.impl == "keras" else reference_steps(args)
    rng = np.random.default_rng(0)
    x = rng.random((args.batch_size, args.tokens, INPUT_DIM), dtype="float32")
    y = rng.integers(0, CLASSES, args.batch_size).astype("int32")
    added_memory = {}
    for line in sys.stdin:
        request = json.loads(line)
        mode = request["mode"]
        try:
            if mode not in added_memory:
                # The memory this mode adds at its peak: its model, optimizer
                # state and step buffers (inference shares the FPT model).
                before = memory_bytes("VmRSS")
                reset_peak_memory()
                for _ in range(args.warmup):
                    step(mode, x, y)
            seconds = []
            for _ in range(request["steps"]):
                start = time.perf_counter()
                step(mode, x, y)
                seconds.append(time.perf_counter() - start)
            if mode not in added_memory:
                added_memory[mode] = memory_bytes("VmHWM") - before
            answer = {"seconds": seconds, "peak_memory_added_bytes": added_memory[mode]}
        except Exception as error:  # Reported, so one failing setting doesn't end the run.
            answer = {"error": f"{type(error).__name__}: {error}"[:500]}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
