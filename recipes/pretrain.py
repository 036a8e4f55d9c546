"""Pretrain a small GPT-2 and save it as a keras-hub preset folder.

On text, the model learns to predict the next byte (a 256-entry vocabulary
keeps the embedding small). With `--task bit_memory` it is trained as a full
FPT on the bit memory task instead: the paper's "pretrained on bit memory"
row. Either way the GPT-2 blocks are saved with `save_to_preset`, ready for
`FPTModel.from_preset(folder)`.

Interrupt it and run the same command again: it resumes from the last
checkpoint in `<output-dir>/backup`.

    python -m recipes.pretrain --text ../shared/data/text/kjv.txt.gz \
        --output-dir runs/gpt2_tiny --steps 3000
"""

import argparse
import gzip
import json
import os
import shutil
import time

import keras
import keras_hub
import numpy as np

from keras_fpt import FPTModel
from keras_fpt.datasets import BitMemory

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--task", choices=["text", "bit_memory"], default="text")
parser.add_argument("--text", help="A UTF-8 text file, plain or gzipped.")
parser.add_argument("--output-dir", required=True)
parser.add_argument("--steps", type=int, default=3000)
parser.add_argument("--eval-every", type=int, default=250)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--sequence-length", type=int, default=256)
parser.add_argument("--learning-rate", type=float, default=1e-3)
parser.add_argument("--num-layers", type=int, default=4)
parser.add_argument("--num-heads", type=int, default=4)
parser.add_argument("--hidden-dim", type=int, default=128)
parser.add_argument("--intermediate-dim", type=int, default=512)
parser.add_argument("--max-sequence-length", type=int, default=1024)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
if args.task == "text" and not args.text:
    parser.error("--task text needs --text, a plain or gzipped text file.")
if args.steps % args.eval_every:
    parser.error("--steps must be a multiple of --eval-every.")
keras.utils.set_random_seed(args.seed)
preset_dir = os.path.join(args.output_dir, "preset")
if os.path.exists(preset_dir):
    raise SystemExit(f"{preset_dir} exists already; choose another --output-dir.")
os.makedirs(args.output_dir, exist_ok=True)


class TextWindows(keras.utils.PyDataset):
    """Random windows of a byte array: inputs and next-byte targets."""

    def __init__(self, data, batch_size, length, steps, seed, **kwargs):
        super().__init__(**kwargs)
        self.data, self.batch_size, self.length = data, batch_size, length
        self.steps, self.seed, self.epoch = steps, seed, 0

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        rng = np.random.default_rng([self.seed, self.epoch, index])
        starts = rng.integers(0, len(self.data) - self.length - 1, self.batch_size)
        windows = np.stack([self.data[s : s + self.length + 1] for s in starts])
        return windows[:, :-1].astype("int32"), windows[:, 1:].astype("int32")

    def on_epoch_end(self):
        self.epoch += 1


# Data: the text as bytes; its last 5% is held out.
if args.task == "text":
    opener = gzip.open if args.text.endswith(".gz") else open
    with opener(args.text, "rb") as file:
        data = np.frombuffer(file.read(), "uint8")
    split = int(len(data) * 0.95)
    train = TextWindows(
        data[:split], args.batch_size, args.sequence_length, args.eval_every, args.seed
    )
    held_out = TextWindows(data[split:], 64, args.sequence_length, 8, args.seed + 1)
    print(f"{len(data):,} bytes of text: {split:,} to train, the rest held out")
else:
    train = BitMemory(batch_size=args.batch_size, steps=args.eval_every, seed=args.seed)
    held_out = BitMemory(batch_size=64, steps=4, seed=args.seed + 1)

# Model: a GPT-2 with a byte vocabulary.
backbone = keras_hub.models.GPT2Backbone(
    vocabulary_size=256,
    num_layers=args.num_layers,
    num_heads=args.num_heads,
    hidden_dim=args.hidden_dim,
    intermediate_dim=args.intermediate_dim,
    max_sequence_length=args.max_sequence_length,
)
if args.task == "text":
    token_ids = keras.Input((None,), dtype="int32")
    hidden = backbone(
        {"token_ids": token_ids, "padding_mask": keras.ops.ones_like(token_ids)}
    )
    # GPT-2 ties its output layer to the token embedding.
    logits = backbone.token_embedding(hidden, reverse=True)
    model = keras.Model(token_ids, logits)
else:
    model = FPTModel.from_backbone(
        backbone, init="random", trainable="all", input_dim=50,
        readout=20, output_dim=(50, 2),
    )
model.compile(
    optimizer=keras.optimizers.AdamW(args.learning_rate, clipnorm=1.0),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.summary()

# Train, with a checkpoint after every evaluation to resume from.
start = time.time()
history = model.fit(
    train,
    epochs=args.steps // args.eval_every,
    validation_data=held_out,
    callbacks=[
        keras.callbacks.BackupAndRestore(os.path.join(args.output_dir, "backup")),
        keras.callbacks.CSVLogger(os.path.join(args.output_dir, "log.csv"), append=True),
    ],
)
wall_time = time.time() - start
held_out_loss = model.evaluate(held_out, return_dict=True)["loss"]
print(f"held-out loss {held_out_loss:.4f} after {args.steps} steps")

# Save: the GPT-2 blocks as a keras-hub preset folder, with what made them.
if args.task == "bit_memory":
    for target, source in zip(
        [backbone.position_embedding, *backbone.transformer_layers, backbone.layer_norm],
        model.backbone_layers,
    ):
        target.set_weights(source.get_weights())
staging = preset_dir + ".partial"
shutil.rmtree(staging, ignore_errors=True)
backbone.save_to_preset(staging)
with open(os.path.join(staging, "pretraining.json"), "w") as file:
    json.dump(
        {
            "task": args.task,
            "data": os.path.basename(args.text) if args.text else "bit_memory",
            "tokenizer": "bytes (UTF-8), vocabulary 256" if args.task == "text" else None,
            "steps": args.steps,
            "batch_size": args.batch_size,
            "sequence_length": args.sequence_length,
            "tokens_seen": args.steps * args.batch_size * args.sequence_length,
            "held_out_loss": round(float(held_out_loss), 4),
            "wall_time_s": round(wall_time, 1),
            "backend": keras.backend.backend(),
            "seed": args.seed,
        },
        file,
        indent=2,
    )
os.replace(staging, preset_dir)
print(f"Saved the preset to {preset_dir}. Use it with:")
print(f'  FPTModel.from_preset("{preset_dir}", input_dim=..., output_dim=...)')
