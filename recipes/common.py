"""What every task recipe shares: its options, its model, its run folder.

The recipes themselves stay plain keras-io scripts (data, model, compile,
fit, evaluate, save); this module only keeps their command lines and their
outputs the same.
"""

import argparse
import contextlib
import json
import os
import tempfile
import time

import keras

from keras_fpt import FPTModel
from keras_fpt import LSTMModel
from keras_fpt.distribution import make_distribution
from keras_fpt.parts import PARTS
from keras_fpt.presets import DEFAULT_PRESET


def parse_args(task, description, steps=None, epochs=None, eval_every=None,
               batch_size=32, learning_rate=1e-3, extra=(), argv=None):
    """Parses a recipe's command line, with the task's defaults.

    A task with fresh random data trains for `--steps`, evaluating every
    `--eval-every` steps; a task with a fixed training set trains for
    `--epochs`, or for `--steps` when that is given. `extra` holds the
    task's own options as `(flag, add_argument keyword arguments)` pairs.
    """
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--preset", default=DEFAULT_PRESET,
        help="A GPT-2 preset: a keras-hub name such as gpt2_base_en, an hf:// "
        "handle, or a local preset or Hugging Face folder. Default: "
        f"{DEFAULT_PRESET}, the tiny pretrained GPT-2 shipped with keras-fpt.",
    )
    parser.add_argument("--model", choices=["fpt", "lstm"], default="fpt",
                        help="fpt, or the paper's 3-layer LSTM baseline.")
    parser.add_argument(
        "--trainable", default=None,
        help=f"Comma-separated parts to train, from {','.join(PARTS)}, or "
        "'all' for full fine-tuning. Default: the FPT set "
        "input,position,layernorm,output.",
    )
    parser.add_argument("--init", choices=["pretrained", "random", "statistics"],
                        default="pretrained")
    parser.add_argument("--steps", type=int, default=steps,
                        help="Training steps in all.")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--eval-every", type=int, default=eval_every,
                        help="Steps between evaluations when --steps is given.")
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--learning-rate", type=float, default=learning_rate)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument(
        "--dtype", choices=["float32", "mixed_bfloat16"], default="float32",
        help="mixed_bfloat16 computes in bfloat16 with float32 weights: faster "
        "on GPUs, and under TensorFlow or PyTorch on CPUs with AVX512-BF16.",
    )
    parser.add_argument("--lstm-units", type=int, default=768)
    parser.add_argument(
        "--distribute", choices=["data", "model"], default=None,
        help="Train over all visible devices with keras.distribution (JAX): "
        "'data' splits batches, 'model' also shards the frozen blocks.",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--output-dir", default=None,
        help=f"Where the run's files go. Default: runs/{task}/<date-time>.",
    )
    parser.add_argument("--overwrite", action="store_true",
                        help="Replace the files of an earlier run in --output-dir.")
    for flag, options in extra:
        parser.add_argument(flag, **options)
    args = parser.parse_args(argv)
    args.task = task
    if args.trainable not in (None, "all"):
        args.trainable = [part.strip() for part in args.trainable.split(",")]
    if args.steps is None and args.epochs is None:
        parser.error("Give --steps or --epochs.")
    if args.steps is not None:
        args.eval_every = min(args.eval_every or args.steps, args.steps)
    args.output_dir = args.output_dir or os.path.join(
        "runs", task, time.strftime("%Y%m%d-%H%M%S")
    )
    return args


def fit_schedule(args, batches_per_epoch=None):
    """`fit()`'s `epochs` and `steps_per_epoch` for `--steps` or `--epochs`.

    With `--steps`, an "epoch" is `--eval-every` steps, so that the test set
    is evaluated and logged that often.
    """
    if args.steps is None:
        return {"epochs": args.epochs}
    per_epoch = args.eval_every
    if batches_per_epoch is not None:
        per_epoch = min(per_epoch, batches_per_epoch)
    return {"epochs": -(-args.steps // per_epoch), "steps_per_epoch": per_epoch}


def build_model(args, **task_kwargs):
    """The recipe's model: an FPT on `--preset`, or the LSTM baseline.

    Args:
        args: the parsed command line.
        **task_kwargs: the task's `input_dim` or `vocabulary_size`,
            `output_dim` and `readout`.
    """
    if args.distribute:
        # Set before any weight is created, so that each gets its layout.
        keras.distribution.set_distribution(make_distribution(args.distribute))
    if args.model == "lstm":
        return LSTMModel(
            hidden_dim=args.lstm_units, dropout=args.dropout, dtype=args.dtype, **task_kwargs
        )
    return FPTModel.from_preset(
        args.preset,
        init=args.init,
        seed=args.seed,
        trainable=args.trainable,
        dropout=args.dropout,
        dtype=args.dtype,
        **task_kwargs,
    )


class RunDirectory:
    """A run's output folder, which never replaces an earlier run unasked.

    Files are written atomically: into a temporary name, then renamed.
    """

    FILES = ("results.json", "metrics.csv", "learning_curve.png", "model.keras")

    def __init__(self, path, overwrite=False):
        self.path = path
        existing = [f for f in self.FILES if os.path.exists(os.path.join(path, f))]
        if existing and not overwrite:
            raise SystemExit(
                f"{path} already holds an earlier run ({', '.join(existing)}). "
                "Choose another --output-dir, or pass --overwrite to replace it."
            )
        os.makedirs(path, exist_ok=True)
        self.start = time.time()

    def file(self, name):
        return os.path.join(self.path, name)

    def callbacks(self):
        """Logs the metrics of every evaluation to `metrics.csv`."""
        return [keras.callbacks.CSVLogger(self.file("metrics.csv"))]

    def save(self, model, args, test_metrics, history):
        """Writes the artifact, the learning curve and `results.json`."""
        wall_time = time.time() - self.start
        with _atomic(self.file("model.keras"), suffix=".keras") as path:
            model.save(path)
        with _atomic(self.file("learning_curve.png"), suffix=".png") as path:
            plot_learning_curve(history.history, path, args.task)
        results = {
            "task": args.task,
            "model": args.model,
            "backend": keras.backend.backend(),
            "preset": args.preset if args.model == "fpt" else None,
            "trainable": sorted(model.trainable_parts) if args.model == "fpt" else "all",
            "init": args.init if args.model == "fpt" else "random",
            "seed": args.seed,
            "steps": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
            "batch_size": args.batch_size,
            "learning_rate": args.learning_rate,
            "dtype": args.dtype,
            "distribute": args.distribute,
            "devices": len(keras.distribution.list_devices()) if args.distribute else 1,
            "trainable_params": _count(model.trainable_weights),
            "total_params": _count(model.weights),
            "test_accuracy": test_metrics.get("accuracy"),
            "test_metrics": test_metrics,
            "wall_time_s": round(wall_time, 1),
        }
        with _atomic(self.file("results.json"), suffix=".json") as path:
            with open(path, "w") as file:
                json.dump(results, file, indent=2)
        print(f"Test accuracy {results['test_accuracy']:.4f}; run saved in {self.path}")
        return results


def plot_learning_curve(history, path, title):
    """Plots the loss and accuracy of each evaluation into a PNG file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, metric in zip(axes, ("loss", "accuracy")):
        for prefix, label in (("", "train"), ("val_", "test")):
            values = history.get(prefix + metric)
            if values:
                axis.plot(range(1, len(values) + 1), values, marker="o", label=label)
        axis.set_xlabel("evaluation")
        axis.set_ylabel(metric)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)


def _count(weights):
    return int(sum(keras.ops.size(w) for w in weights))


@contextlib.contextmanager
def _atomic(path, suffix):
    """Yields a temporary path beside `path`; renames it into place on success."""
    handle, temporary = tempfile.mkstemp(suffix=suffix, dir=os.path.dirname(path) or ".")
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


class StopAtAccuracy(keras.callbacks.Callback):
    """Stops training once an evaluation reaches the target accuracy."""

    def __init__(self, target, monitor="val_accuracy"):
        super().__init__()
        self.target, self.monitor = target, monitor

    def on_epoch_end(self, epoch, logs=None):
        if target_reached(logs, self.target, self.monitor):
            print(f"\n{self.monitor} reached {self.target}: stopping.")
            self.model.stop_training = True


def target_reached(logs, target, monitor="val_accuracy"):
    return target is not None and (logs or {}).get(monitor, 0.0) >= target
