"""CIFAR-10 with a Frozen Pretrained Transformer.

Each 32x32 colour image goes in as 64 tokens, its 4x4x3 patches, randomly
cropped and flipped for training; the class is read out of the last token.

    python -m recipes.cifar10 --data-dir path/to/cifar-10-batches-py
"""

import keras

from keras_fpt.datasets import CIFAR10_MEAN
from keras_fpt.datasets import CIFAR10_STD
from keras_fpt.datasets import ImagePatches
from keras_fpt.datasets import load_cifar10
from recipes import common

args = common.parse_args("cifar10", __doc__, epochs=10, eval_every=500)
run = common.RunDirectory(args.output_dir, overwrite=args.overwrite)
keras.utils.set_random_seed(args.seed)

# Data: 4x4 patches, 64 tokens of 48 values; augmentation for training only.
(x_train, y_train), (x_test, y_test) = load_cifar10(args.data_dir)
patches = dict(patch_size=4, batch_size=args.batch_size, mean=CIFAR10_MEAN, std=CIFAR10_STD)
train = ImagePatches(x_train, y_train, shuffle=True, augment=True, seed=args.seed, **patches)
test = ImagePatches(x_test, y_test, **patches)

# Model: 48 values per token in, 10 classes out of the last token.
model = common.build_model(args, input_dim=48, output_dim=10)
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
