"""Where the time of an FPTModel training step goes, by operation.

Runs a few steps of one mode under the current `KERAS_BACKEND` inside the
backend's own profiler and prints the operations that took the most time,
summed over the profiled steps:

- JAX: the XLA operations of the compiled step, each with the Keras layer
  it comes from (`jvp(...)` is the forward pass, `transpose(jvp(...))` the
  backward pass), from a `jax.profiler` trace and XLA's optimized HLO;
- PyTorch: the ATen operators, from `torch.profiler`.

TensorFlow steps are profiled with TensorBoard instead
(`keras.callbacks.TensorBoard(profile_batch=...)`).

    KERAS_BACKEND=jax python -m benchmarks.profile_step            # GPT-2 base FPT step
    KERAS_BACKEND=torch python -m benchmarks.profile_step --mode full --top 15
"""

import argparse
import collections
import glob
import gzip
import json
import os
import re
import sys
import tempfile


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="base", choices=["tiny", "base", "medium", "large"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--mode", default="fpt", choices=["fpt", "full", "inference"])
    parser.add_argument("--dtype", default=None, help="For example mixed_bfloat16.")
    parser.add_argument("--steps", type=int, default=2, help="Profiled steps.")
    parser.add_argument("--top", type=int, default=25, help="Operations to print.")
    parser.set_defaults(jit="auto")  # Each backend's default compilation.
    return parser.parse_args(argv)


def build_step(args):
    """One step of `args.mode`, as the benchmark times it, on its batch."""
    from benchmarks.worker import benchmark_batch
    from benchmarks.worker import keras_steps

    step = keras_steps(args)
    x, y = benchmark_batch(args.batch_size, args.tokens)
    return lambda: step(x, y)


def profile_jax(args, work_dir):
    """Rows of (milliseconds, calls, XLA operation, Keras origin)."""
    import jax

    step = build_step(args)
    step()  # Compiles, and dumps the optimized HLO (see main).
    with jax.profiler.trace(work_dir, create_perfetto_trace=True):
        for _ in range(args.steps):
            step()
    [trace] = glob.glob(f"{work_dir}/plugins/profile/*/perfetto_trace.json.gz")
    with gzip.open(trace) as file:
        events = json.load(file)["traceEvents"]
    origins = hlo_origins(work_dir)
    micros, calls = collections.Counter(), collections.Counter()
    for event in events:
        if event.get("ph") == "X" and event["name"] in origins:
            # Repeated layers share a row: transformer_layer_3 -> _N.
            key = (event["name"].split(".")[0], re.sub(r"_\d+(?=[/)])", "_N", origins[event["name"]]))
            micros[key] += event["dur"]
            calls[key] += 1
    return [(us / 1e3, calls[key], *key) for key, us in micros.most_common(args.top)]


def hlo_origins(dump_dir):
    """Maps each operation of the compiled train or predict step to its origin."""
    origins = {}
    for path in glob.glob(f"{dump_dir}/*_step*.cpu_after_optimizations.txt") + glob.glob(
        f"{dump_dir}/*_step*.gpu_after_optimizations.txt"
    ):
        with open(path) as file:
            for line in file:
                match = re.match(r"\s*(?:ROOT )?%([\w.\-]+) = .*?op_name=\"([^\"]*)\"", line)
                if match:
                    origins[match.group(1)] = match.group(2).split("/", 1)[-1]
    return origins


def profile_torch(args):
    """Rows of (milliseconds, calls, ATen operator, "")."""
    import torch

    step = build_step(args)
    step()
    with torch.profiler.profile() as profiler:
        for _ in range(args.steps):
            step()
    averages = sorted(profiler.key_averages(), key=lambda e: -e.self_cpu_time_total)
    return [(e.self_cpu_time_total / 1e3, e.count, e.key, "") for e in averages[: args.top]]


def main(argv=None):
    args = parse_args(argv)
    import keras  # Imports the backend; XLA reads XLA_FLAGS only when it starts.

    backend = keras.config.backend()
    if backend not in ("jax", "torch"):
        sys.exit(
            f"profile_step profiles the jax and torch backends; KERAS_BACKEND is "
            f"{backend!r}. Profile TensorFlow steps with "
            "keras.callbacks.TensorBoard(profile_batch=...)."
        )
    with tempfile.TemporaryDirectory() as work_dir:
        if backend == "jax":
            # Set before JAX starts: XLA writes its optimized programs here.
            os.environ["XLA_FLAGS"] = (
                os.environ.get("XLA_FLAGS", "") + f" --xla_dump_to={work_dir} "
                "--xla_dump_hlo_as_text --xla_dump_hlo_module_re=.*_step.*"
            )
            rows = profile_jax(args, work_dir)
        else:
            rows = profile_torch(args)
    total = sum(row[0] for row in rows)
    print(f"{backend}, GPT-2 {args.size}, {args.mode} step, batch {args.batch_size}, "
          f"{args.tokens} tokens: the top {len(rows)} operations take "
          f"{total / args.steps:.0f} ms per step (mean over {args.steps} steps)")
    for milliseconds, calls, name, origin in rows:
        print(f"{milliseconds / args.steps:9.1f} ms/step {calls // args.steps:5d} calls  {name:28s} {origin}")
    return rows


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
