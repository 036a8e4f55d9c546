"""Bit XOR with a Frozen Pretrained Transformer.

Two random 5-bit strings go in one bit per token; the model reads the XOR of
the two out of the last 5 tokens. The paper's FPT solves it exactly. By
default this runs on `gpt2_tiny_en_offline`, the tiny GPT-2 pretrained on
English that ships with keras-fpt, and stops once the test set reaches
--target-accuracy.

    python -m recipes.bit_xor
    python -m recipes.bit_xor --preset gpt2_base_en   # the paper's setting
"""

import keras
import numpy as np

from keras_fpt.datasets import BitXOR
from keras_fpt.datasets.bit_xor import make_bit_xor
from recipes import common

args = common.parse_args(
    "bit_xor", __doc__, steps=3000, eval_every=100, batch_size=32, learning_rate=1e-3,
    extra=[("--target-accuracy", dict(type=float, default=0.99))],
)
run = common.RunDirectory(args.output_dir, overwrite=args.overwrite)
keras.utils.set_random_seed(args.seed)

# Data: fresh random strings for every batch, a fixed test set of 1000.
train = BitXOR(batch_size=args.batch_size, steps=args.eval_every, seed=args.seed)
x_test, y_test = make_bit_xor(np.random.default_rng([args.seed, 1]), 1000)

# Model: 10 tokens of 1 bit in, 2 classes for each of the last 5 tokens out.
model = common.build_model(args, input_dim=1, readout=5, output_dim=2)
model.compile(
    optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.summary()

# Train, evaluating on the test set every --eval-every steps.
history = model.fit(
    train,
    validation_data=(x_test, y_test),
    callbacks=[*run.callbacks(), common.StopAtAccuracy(args.target_accuracy)],
    **common.fit_schedule(args),
)

# Evaluate on the whole test set, and save the run.
test_metrics = model.evaluate(x_test, y_test, return_dict=True)
run.save(model, args, test_metrics, history)
if args.preset == common.DEFAULT_PRESET:
    print("For the paper's setting, run: python -m recipes.bit_xor --preset gpt2_base_en")
