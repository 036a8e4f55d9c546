"""ListOps with a Frozen Pretrained Transformer.

Nested expressions such as `[MAX 2 9 [MIN 4 7 ] 0 ]` go in as tokens (see
`keras_fpt.datasets.listops` for the vocabulary and the length limit); the
value, a digit, is read out of the last real token.

With `--data-dir`, this reads Long Range Arena's basic_{train,val,test}.tsv;
without, it generates expressions with the same operators and says so.

    python -m recipes.listops --data-dir path/to/lra_release/listops-1000
"""

import keras

from keras_fpt.datasets import PaddedSequences
from keras_fpt.datasets import generate_listops
from keras_fpt.datasets import listops
from keras_fpt.datasets import load_listops_tsv
from recipes import common

args = common.parse_args(
    "listops", __doc__, epochs=5, eval_every=500,
    extra=[
        ("--max-length", dict(type=int, default=listops.MAX_LENGTH)),
        ("--num-generated", dict(type=int, default=20000,
                                 help="Training expressions to generate without --data-dir.")),
    ],
)
run = common.RunDirectory(args.output_dir, overwrite=args.overwrite)
keras.utils.set_random_seed(args.seed)

# Data: LRA's files, or generated expressions.
splits = {}
if args.data_dir:
    for split in ("train", "val", "test"):
        sequences, labels, left_out = load_listops_tsv(args.data_dir, split, args.max_length)
        print(f"{split}: {len(labels)} expressions, {left_out} longer than {args.max_length} left out")
        splits[split] = (listops.encode(sequences), labels)
else:
    print("No --data-dir: generating ListOps expressions with keras_fpt's generator.")
    sizes = {"train": args.num_generated, "val": 1000, "test": 2000}
    for offset, (split, size) in enumerate(sizes.items()):
        sequences, labels = generate_listops(size, seed=[args.seed, offset], max_length=args.max_length)
        splits[split] = (listops.encode(sequences), labels)
batches = dict(batch_size=args.batch_size, max_length=args.max_length)
train = PaddedSequences(*splits["train"], shuffle=True, seed=args.seed, **batches)
val = PaddedSequences(*splits["val"], **batches)
test = PaddedSequences(*splits["test"], **batches)

# Model: token ids in, 10 classes out of the last real token.
model = common.build_model(
    args, vocabulary_size=len(listops.VOCABULARY), output_dim=listops.NUM_CLASSES
)
model.compile(
    optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.summary()

# Train, evaluating on the validation split after each epoch.
history = model.fit(
    train,
    validation_data=val,
    callbacks=run.callbacks(),
    **common.fit_schedule(args, len(train)),
)

# Evaluate on the whole test split, and save the run.
test_metrics = model.evaluate(test, return_dict=True)
run.save(model, args, test_metrics, history)
