"""Remote homology detection with a Frozen Pretrained Transformer.

TAPE's protein sequences go in one amino acid per token (sequences longer
than the position table are clipped, never dropped); one of 1195 folds is
read out of the last real token. The paper trains this task at a learning
rate of 1e-4. Accuracy is reported on each of TAPE's three test splits.

    python -m recipes.remote_homology --data-dir path/to/remote_homology
"""

import keras

from keras_fpt.datasets import PaddedSequences
from keras_fpt.datasets import load_remote_homology
from keras_fpt.datasets import remote_homology
from recipes import common

args = common.parse_args(
    "remote_homology", __doc__, epochs=10, eval_every=500, learning_rate=1e-4,
    extra=[("--max-length", dict(type=int, default=1024))],
)
run = common.RunDirectory(args.output_dir, overwrite=args.overwrite)
keras.utils.set_random_seed(args.seed)

# Data: TAPE's splits, as amino-acid token ids.
if args.data_dir is None:
    raise SystemExit("Pass --data-dir, TAPE's remote_homology folder (JSON or LMDB).")
batches = dict(batch_size=args.batch_size, max_length=args.max_length)
datasets = {}
for split in remote_homology.SPLITS:
    sequences, labels, clipped = load_remote_homology(args.data_dir, split, args.max_length)
    print(f"{split}: {len(labels)} proteins, {clipped} clipped to {args.max_length}")
    is_train = split == "train"
    datasets[split] = PaddedSequences(
        sequences, labels, shuffle=is_train, seed=args.seed, **batches
    )

# Model: amino-acid ids in, 1195 folds out of the last real token.
model = common.build_model(
    args, vocabulary_size=remote_homology.VOCABULARY_SIZE,
    output_dim=remote_homology.NUM_FOLDS,
)
model.compile(
    optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.summary()

# Train, evaluating on the validation split after each epoch.
history = model.fit(
    datasets["train"],
    validation_data=datasets["valid"],
    callbacks=run.callbacks(),
    **common.fit_schedule(args, len(datasets["train"])),
)

# Evaluate on each whole test split, and save the run. The fold holdout is
# TAPE's headline figure, so it is the run's test accuracy.
test_metrics = {}
for split in remote_homology.TEST_SPLITS:
    for name, value in model.evaluate(datasets[split], return_dict=True).items():
        test_metrics[f"{split}_{name}"] = value
test_metrics["accuracy"] = test_metrics["test_fold_holdout_accuracy"]
run.save(model, args, test_metrics, history)
