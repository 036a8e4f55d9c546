"""Compare initialisations and trainable sets on one task, over seeds.

Runs `recipes.<task>` once per setting and seed (each in its own process, so
that every run starts clean), then writes `comparison.md` (mean and spread of
the test accuracy per setting) and `comparison.png` into --output-dir. The
settings are the paper's central comparison: the language-pretrained FPT
against the random and statistics-only ones, and the FPT set against full
fine-tuning.

    python -m recipes.compare --task bit_xor --seeds 0 1 2 -- --steps 600
    python -m recipes.compare --task mnist --seeds 0 1 2 -- \
        --data-dir ../shared/data/mnist --steps 300 --eval-every 300

Options after `--` go to the task recipe unchanged.
"""

import argparse
import json
import os
import subprocess
import sys

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

SETTINGS = {
    "pretrained, FPT": ["--init", "pretrained"],
    "random, FPT": ["--init", "random"],
    "statistics, FPT": ["--init", "statistics"],
    "pretrained, full fine-tuning": ["--init", "pretrained", "--trainable", "all"],
    "random, full training": ["--init", "random", "--trainable", "all"],
}

parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
)
parser.add_argument("--task", required=True)
parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
parser.add_argument("--output-dir", default=None)
parser.add_argument("recipe_options", nargs=argparse.REMAINDER)
args = parser.parse_args()
recipe_options = [o for o in args.recipe_options if o != "--"]
output_dir = args.output_dir or os.path.join("runs", f"compare_{args.task}")
if os.path.exists(os.path.join(output_dir, "comparison.md")):
    raise SystemExit(f"{output_dir} already holds a comparison; choose another --output-dir.")

# Run every setting with every seed; a finished run is read, not run again.
accuracy = {setting: [] for setting in args.settings}
steps = {setting: [] for setting in args.settings}
for setting in args.settings:
    for seed in args.seeds:
        run_dir = os.path.join(output_dir, setting.replace(", ", "_").replace(" ", "-"), f"seed{seed}")
        results_path = os.path.join(run_dir, "results.json")
        if not os.path.exists(results_path):
            command = [
                sys.executable, "-m", f"recipes.{args.task}", *SETTINGS[setting],
                "--seed", str(seed), "--output-dir", run_dir, *recipe_options,
            ]
            print(f"\n=== {setting}, seed {seed}: {' '.join(command[2:])}", flush=True)
            subprocess.run(command, check=True)
        with open(results_path) as file:
            results = json.load(file)
        accuracy[setting].append(results["test_accuracy"])
        steps[setting].append(results["steps"])
        print(f"=== {setting}, seed {seed}: test accuracy {results['test_accuracy']:.4f}")

# A markdown table: mean, standard deviation, min and max over seeds.
lines = [
    f"Task `{args.task}`, seeds {args.seeds}, recipe options `{' '.join(recipe_options)}`, "
    f"backend {results['backend']}, preset `{results['preset']}`.",
    "",
    "| setting | mean test accuracy | std | min | max | mean steps |",
    "|---|---|---|---|---|---|",
]
for setting, values in accuracy.items():
    values = np.array(values)
    lines.append(
        f"| {setting} | {values.mean():.4f} | {values.std():.4f} "
        f"| {values.min():.4f} | {values.max():.4f} | {np.mean(steps[setting]):.0f} |"
    )
table = "\n".join(lines) + "\n"
print("\n" + table)
with open(os.path.join(output_dir, "comparison.md.partial"), "w") as file:
    file.write(table)
os.replace(os.path.join(output_dir, "comparison.md.partial"), os.path.join(output_dir, "comparison.md"))

# A plot: one point per seed, and the mean, per setting.
figure, axis = plt.subplots(figsize=(8, 4))
for i, (setting, values) in enumerate(accuracy.items()):
    axis.scatter([i] * len(values), values, color="grey")
    axis.scatter([i], [np.mean(values)], color="red", marker="_", s=400)
axis.set_xticks(range(len(accuracy)), list(accuracy), rotation=20, ha="right")
axis.set_ylabel("test accuracy")
axis.set_title(f"{args.task}: seeds {args.seeds}")
figure.tight_layout()
figure.savefig(os.path.join(output_dir, "comparison.png"))
print(f"Wrote {output_dir}/comparison.md and comparison.png")
