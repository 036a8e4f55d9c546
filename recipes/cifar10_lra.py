"""CIFAR-10 as in Long Range Arena, with a Frozen Pretrained Transformer.

Each image is turned grey and goes in one pixel per token: 1024 tokens of
size 1, no augmentation. The class is read out of the last token.

    python -m recipes.cifar10_lra --data-dir path/to/cifar-10-batches-py
"""

import keras

from keras_fpt.datasets import ImagePatches
from keras_fpt.datasets import load_cifar10
from keras_fpt.datasets import to_grey
from recipes import common

args = common.parse_args("cifar10_lra", __doc__, epochs=10, eval_every=500)
run = common.RunDirectory(args.output_dir, overwrite=args.overwrite)
keras.utils.set_random_seed(args.seed)

# Data: grey pixels, 1024 tokens of 1 value.
(x_train, y_train), (x_test, y_test) = load_cifar10(args.data_dir)
x_train, x_test = to_grey(x_train), to_grey(x_test)
grey_mean, grey_std = x_train.mean() / 255.0, x_train.std() / 255.0
pixels = dict(patch_size=1, batch_size=args.batch_size, mean=grey_mean, std=grey_std)
train = ImagePatches(x_train, y_train, shuffle=True, seed=args.seed, **pixels)
test = ImagePatches(x_test, y_test, **pixels)

# Model: 1 value per token in, 10 classes out of the last token.
model = common.build_model(args, input_dim=1, output_dim=10)
model.compile(
    optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.summary()

# Train, evaluating on the test set after each epoch (or --eval-every steps).
history = model.fit(
    train,
    validation_data=test,
    callbacks=run.callbacks(),
    **common.fit_schedule(args, len(train)),
)

# Evaluate on the whole test set, and save the run.
test_metrics = model.evaluate(test, return_dict=True)
run.save(model, args, test_metrics, history)
