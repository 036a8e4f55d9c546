"""Time FPT training steps on every backend against the reference.

For each backend (with and without `jit_compile`) and for the reference (the
paper's approach: PyTorch, transformers' `GPT2Model` fed `inputs_embeds`),
this times three modes at the same shapes: an FPT step (only the input
layer, positions, LayerNorms and head train), a full fine-tuning step, and
an inference pass. Each backend runs in its own process beside a reference
process, and their requests alternate round by round, so that every ratio
compares measurements taken under the same machine load. Each process also
reports the resident memory each mode adds at its peak: its model, its
optimizer state and the step's buffers (modes run in the order fpt, full,
inference; inference reuses the FPT model, so it adds only its buffers).

It prints a markdown table and writes it with all the figures into
--output-dir (`train_step.json`, `train_step.md`).

    python -m benchmarks.train_step                       # GPT-2 base, 32 x 64
    python -m benchmarks.train_step --size tiny --rounds 1 --steps 1
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

MODES = ("fpt", "full", "inference")


def step_flops(size, batch_size, tokens, mode):
    """Analytic FLOPs of one step: matmuls of the blocks and attention.

    A forward pass costs 2 FLOPs per weight per token, plus the attention
    scores and mixing (4 * tokens^2 * width per layer and sequence).
    Back-propagation to the activations costs one more forward; weight
    gradients one more, but FPT needs them only for the few weights it
    trains. So: inference 1x, FPT step 2x, full fine-tuning 3x.
    """
    from benchmarks.worker import GPT2_SIZES

    config = GPT2_SIZES[size]
    width, inner, layers = config["hidden_dim"], config["intermediate_dim"], config["num_layers"]
    weights = layers * (4 * width * width + 2 * width * inner)
    forward = batch_size * (2 * weights * tokens + 4 * layers * tokens * tokens * width)
    return forward * {"inference": 1, "fpt": 2, "full": 3}[mode]


class Worker:
    """A `benchmarks.worker` process, asked for timings over a pipe."""

    def __init__(self, impl, backend, jit, args):
        command = [
            sys.executable, "-m", "benchmarks.worker", "--impl", impl,
            "--size", args.size, "--batch-size", str(args.batch_size),
            "--tokens", str(args.tokens), "--warmup", str(args.warmup),
        ]
        if jit:
            command.append("--jit")
        if args.dtype:
            command += ["--dtype", args.dtype]
        env = {**os.environ, "KERAS_BACKEND": backend or "torch"}
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def ask(self, mode, steps):
        request = {"mode": mode, "steps": steps}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            return {"error": "the worker process died (out of memory?)"}
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=120)


def summarise(seconds):
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "samples": len(seconds),
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="base", choices=["tiny", "base", "medium", "large"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    parser.add_argument("--jit", nargs="+", default=["on", "off"], choices=["on", "off"])
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--dtype", default=None, help="For example mixed_bfloat16 (GPU).")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2, help="Timed steps per round.")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="The device's peak TFLOP/s at this dtype, for model "
                        "FLOP utilisation (H200, bfloat16 dense: 989).")
    parser.add_argument("--output-dir", default="benchmarks/results")
    args = parser.parse_args()

    settings = [(b, jit == "on") for b in args.backends for jit in args.jit]
    results = {"config": vars(args), "timings": []}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tokens_per_step = args.batch_size * args.tokens

    # Timing: each backend process alternates with a reference process.
    for backend, jit in settings:
        name = f"{backend}{' jit' if jit else ''}"
        ours = Worker("keras", backend, jit, args)
        reference = Worker("reference", None, False, args)
        samples = {(who, mode): [] for who in ("keras", "reference") for mode in args.modes}
        memory, errors = {}, {}
        for round_index in range(args.rounds):
            for mode in args.modes:
                for who, worker in (("keras", ours), ("reference", reference)):
                    if (who, mode) in errors:
                        continue
                    answer = worker.ask(mode, args.steps)
                    if "error" in answer:
                        errors[(who, mode)] = answer["error"]
                    else:
                        samples[(who, mode)] += answer["seconds"]
                        memory[(who, mode)] = answer["peak_memory_added_bytes"]
            print(f"{name}: round {round_index + 1}/{args.rounds} done", flush=True)
        ours.close()
        reference.close()
        for mode in args.modes:
            row = {"backend": backend, "jit_compile": jit, "mode": mode}
            for who in ("keras", "reference"):
                if (who, mode) in errors:
                    row[who] = {"error": errors[(who, mode)]}
                else:
                    row[who] = summarise(samples[(who, mode)])
                    row[who]["tokens_per_s"] = tokens_per_step / row[who]["median_s"]
                    row[who]["peak_memory_added_bytes"] = memory[(who, mode)]
                    flops = step_flops(args.size, args.batch_size, args.tokens, mode)
                    row[who]["tflops_per_s"] = flops / row[who]["median_s"] / 1e12
                    if args.peak_tflops:
                        row[who]["mfu"] = row[who]["tflops_per_s"] / args.peak_tflops
            if "median_s" in row["keras"] and "median_s" in row["reference"]:
                row["speedup_vs_reference"] = (
                    row["reference"]["median_s"] / row["keras"]["median_s"]
                )
            results["timings"].append(row)
        # Saved after every backend, so that a long run keeps what it has.
        save(results, args.output_dir, stamp)
        print(f"wrote {args.output_dir}/train_step_{args.size}_{stamp}.md", flush=True)

    print("\n" + markdown(results))


def save(results, output_dir, stamp):
    """Writes the figures so far (JSON and markdown), atomically."""
    os.makedirs(output_dir, exist_ok=True)
    size = results["config"]["size"]
    for name, text in (
        (f"train_step_{size}_{stamp}.json", json.dumps(results, indent=2)),
        (f"train_step_{size}_{stamp}.md", markdown(results)),
    ):
        path = os.path.join(output_dir, name)
        with open(path + ".partial", "w") as file:
            file.write(text)
        os.replace(path + ".partial", path)


def utilisation(row):
    if "tflops_per_s" not in row:
        return "-"
    mfu = f" ({row['mfu']:.1%})" if "mfu" in row else ""
    return f"{row['tflops_per_s']:.3f}{mfu}"


def gib(row):
    value = row.get("peak_memory_added_bytes")
    return f"{value / 2**30:.2f}" if value is not None else "-"


def markdown(results):
    config = results["config"]
    lines = [
        f"GPT-2 {config['size']}, batch {config['batch_size']}, {config['tokens']} tokens, "
        f"dtype {config['dtype'] or 'float32'}; median seconds per step over "
        f"{config['rounds']} x {config['steps']} steps after {config['warmup']} warm-up steps.",
        "",
        "| backend | jit | mode | keras-fpt s/step (min-max) | reference s/step | "
        "speed-up vs reference | tokens/s | TFLOP/s (MFU) | memory added, GiB (reference) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["timings"]:
        ours, ref = row["keras"], row["reference"]

        def cell(r):
            if "error" in r:
                return "error: " + r["error"][:60]
            return f"{r['median_s']:.3f} ({r['min_s']:.3f}-{r['max_s']:.3f})"

        speedup = row.get("speedup_vs_reference")
        lines.append(
            f"| {row['backend']} | {'on' if row['jit_compile'] else 'off'} | {row['mode']} "
            f"| {cell(ours)} | {cell(ref)} | {f'{speedup:.2f}x' if speedup else '-'} "
            f"| {ours.get('tokens_per_s', 0):.0f} | {utilisation(ours)} | {gib(ours)} ({gib(ref)}) |"
        )
    # Ratios within each backend: FPT step against inference and full.
    lines += ["", "| backend | jit | FPT / inference | FPT / full |", "|---|---|---|---|"]
    by_key = {(r["backend"], r["jit_compile"], r["mode"]): r for r in results["timings"]}
    for backend, jit in sorted({(r["backend"], r["jit_compile"]) for r in results["timings"]}):
        def median(mode, who="keras"):
            r = by_key.get((backend, jit, mode), {}).get(who, {})
            return r.get("median_s")
        fpt, inference, full = median("fpt"), median("inference"), median("full")
        ratio = lambda a, b: f"{a / b:.2f}" if a and b else "-"  # noqa: E731
        lines.append(f"| {backend} | {'on' if jit else 'off'} | {ratio(fpt, inference)} | {ratio(fpt, full)} |")
        if backend == results["timings"][0]["backend"] and jit == results["timings"][0]["jit_compile"]:
            ref_fpt, ref_inf, ref_full = (median(m, "reference") for m in ("fpt", "inference", "full"))
            lines.append(f"| reference | - | {ratio(ref_fpt, ref_inf)} | {ratio(ref_fpt, ref_full)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
