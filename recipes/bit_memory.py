"""Bit memory with a Frozen Pretrained Transformer.

Five random 1000-bit strings in {-1, +1}, then one of them again with half
its bits zeroed: the model must recall the whole string. 120 tokens of 50
bits go in; 50 two-class bits come out of each of the last 20 tokens.

    python -m recipes.bit_memory --steps 2000
    python -m recipes.bit_memory --preset gpt2_base_en   # the paper's setting
"""

import keras

from keras_fpt.datasets import BitMemory
from recipes import common

args = common.parse_args("bit_memory", __doc__, steps=2000, eval_every=200)
run = common.RunDirectory(args.output_dir, overwrite=args.overwrite)
keras.utils.set_random_seed(args.seed)

# Data: fresh random strings for every batch, a fixed test set of 1000.
train = BitMemory(batch_size=args.batch_size, steps=args.eval_every, seed=args.seed)
x_test, y_test = train.evaluation_set(1000)

# Model: 120 tokens of 50 bits in; (50 bits x 2 classes) from each of the
# last 20 tokens out.
model = common.build_model(
    args, input_dim=train.bits_per_token, readout=train.target_tokens,
    output_dim=(train.bits_per_token, 2),
)
model.compile(
    optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],  # Per bit.
)
model.summary()

# Train, evaluating on the test set every --eval-every steps.
history = model.fit(
    train,
    validation_data=(x_test, y_test),
    callbacks=run.callbacks(),
    **common.fit_schedule(args),
)

# Evaluate on the whole test set, and save the run.
test_metrics = model.evaluate(x_test, y_test, batch_size=args.batch_size, return_dict=True)
run.save(model, args, test_metrics, history)
