"""Time FPT training steps on every backend against the reference.

For each backend (with and without `jit_compile`) and for the reference (the
paper's approach: PyTorch, transformers' `GPT2Model` fed `inputs_embeds`),
this times three modes at the same shapes: an FPT step (only the input
layer, positions, LayerNorms and head train), a full fine-tuning step, and
an inference pass. Every mode of every implementation runs in a process of
its own, which also reports the peak memory the mode adds to it after its
imports: model, optimizer state and step buffers (and on a GPU the peak
device memory). Mode by mode, requests alternate between a keras-fpt process
and a reference process round by round, so that every ratio against the
reference compares measurements taken under the same machine load. With `--dtype mixed_bfloat16` the reference runs under
`torch.autocast` in bfloat16, so both sides compute in the same precision.

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

import numpy as np

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


def cpu_gemm_tflops(size):
    """The float32 matrix product rate of this machine's CPU, in TFLOP/s.

    Timed with numpy on the shape of a GPT-2 feed-forward layer over 2048
    tokens: the rate an FPT step's matmuls can reach at best on the CPU.
    """
    from benchmarks.worker import GPT2_SIZES

    config = GPT2_SIZES[size]
    rng = np.random.default_rng(0)
    a = rng.random((2048, config["hidden_dim"]), dtype="float32")
    b = rng.random((config["hidden_dim"], config["intermediate_dim"]), dtype="float32")
    a @ b
    start, repeats = time.perf_counter(), 5
    for _ in range(repeats):
        a @ b
    seconds = (time.perf_counter() - start) / repeats
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] / seconds / 1e12


class Worker:
    """A `benchmarks.worker` process, asked for timings over a pipe."""

    def __init__(self, impl, mode, backend, jit, args):
        command = [
            sys.executable, "-m", "benchmarks.worker", "--impl", impl, "--mode", mode,
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

    def ask(self, steps):
        try:
            self.process.stdin.write(json.dumps({"steps": steps}) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            code = self.process.wait(timeout=120)
            return {"error": f"the worker process died (exit code {code}; out of memory?)"}
        return json.loads(line)

    def close(self):
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
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
    parser.add_argument("--dtype", default=None, help="For example mixed_bfloat16.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2, help="Timed steps per round.")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="The device's peak TFLOP/s at this dtype, for model "
                        "FLOP utilisation (H200, bfloat16 dense: 989).")
    parser.add_argument("--output-dir", default="benchmarks/results")
    args = parser.parse_args()

    settings = [(b, jit == "on") for b in args.backends for jit in args.jit]
    results = {"config": vars(args), "cpu_gemm_tflops": cpu_gemm_tflops(args.size), "timings": []}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tokens_per_step = args.batch_size * args.tokens

    # Timing: for each mode, a keras-fpt process alternates with a reference
    # process; only these two are alive, so their memory never adds up.
    for backend, jit in settings:
        name = f"{backend}{' jit' if jit else ''}"
        samples = {(who, mode): [] for who in ("keras", "reference") for mode in args.modes}
        answers, errors = {}, {}
        for mode in args.modes:
            workers = {
                (who, mode): Worker(
                    who, mode, backend if who == "keras" else None, jit and who == "keras", args
                )
                for who in ("keras", "reference")
            }
            for _ in range(args.rounds):
                for key, worker in workers.items():
                    if key in errors:
                        continue
                    answer = worker.ask(args.steps)
                    if "error" in answer:
                        errors[key] = answer["error"]
                    else:
                        samples[key] += answer["seconds"]
                        answers[key] = answer
            for worker in workers.values():
                worker.close()
            print(f"{name}: {mode} done", flush=True)
        for mode in args.modes:
            row = {"backend": backend, "jit_compile": jit, "mode": mode}
            for who in ("keras", "reference"):
                if (who, mode) in errors:
                    row[who] = {"error": errors[(who, mode)]}
                else:
                    row[who] = summarise(samples[(who, mode)])
                    row[who]["tokens_per_s"] = tokens_per_step / row[who]["median_s"]
                    for field in ("peak_memory_bytes", "peak_device_memory_bytes"):
                        row[who][field] = answers[(who, mode)][field]
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


def peak_memory(row):
    """Peak device memory on a GPU, else peak resident memory (bytes)."""
    return row.get("peak_device_memory_bytes") or row.get("peak_memory_bytes")


def gib(row):
    value = peak_memory(row)
    return f"{value / 2**30:.2f}" if value is not None else "-"


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def markdown(results):
    config = results["config"]
    floor = {
        mode: step_flops(config["size"], config["batch_size"], config["tokens"], mode)
        / (results["cpu_gemm_tflops"] * 1e12)
        for mode in MODES
    }
    lines = [
        f"GPT-2 {config['size']}, batch {config['batch_size']}, {config['tokens']} tokens, "
        f"dtype {config['dtype'] or 'float32'}; median seconds per step over "
        f"{config['rounds']} x {config['steps']} steps after {config['warmup']} warm-up steps. "
        "Peak memory: what one mode adds to a fresh process after its imports "
        "(resident memory; device memory on a GPU).",
        "",
        f"This machine's CPU multiplies float32 matrices at {results['cpu_gemm_tflops']:.3f} TFLOP/s "
        "(numpy, one feed-forward layer over 2048 tokens); at that rate the matmuls alone "
        f"take {floor['fpt']:.2f} s in an FPT step, {floor['full']:.2f} s in a full step "
        f"and {floor['inference']:.2f} s in an inference pass.",
        "",
        "| backend | jit | mode | keras-fpt s/step (min-max) | reference s/step | "
        "speed-up vs reference | tokens/s | TFLOP/s (MFU) | peak memory, GiB (reference) |",
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
    lines += [
        "",
        "| backend | jit | FPT / inference, time | FPT / full, time | FPT / full, peak memory |",
        "|---|---|---|---|---|",
    ]
    by_key = {(r["backend"], r["jit_compile"], r["mode"]): r for r in results["timings"]}
    settings = sorted({(r["backend"], r["jit_compile"]) for r in results["timings"]})
    rows = [(b, "on" if jit else "off", b, jit, "keras") for b, jit in settings]
    rows.append(("reference", "-", *settings[0], "reference"))
    for name, jit_cell, backend, jit, who in rows:
        figures = {m: by_key.get((backend, jit, m), {}).get(who, {}) for m in MODES}
        seconds = {m: figures[m].get("median_s") for m in MODES}
        memory = {m: peak_memory(figures[m]) for m in MODES}
        lines.append(
            f"| {name} | {jit_cell} | {ratio(seconds['fpt'], seconds['inference'])} "
            f"| {ratio(seconds['fpt'], seconds['full'])} | {ratio(memory['fpt'], memory['full'])} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
