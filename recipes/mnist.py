"""MNIST with a Frozen Pretrained Transformer.

Each 28x28 image goes in as 49 tokens, its 4x4 patches; the digit is read
out of the last token.

    python -m recipes.mnist --data-dir ../shared/data/mnist --epochs 1
    python -m recipes.mnist --preset gpt2_base_en   # downloads MNIST too
"""

import keras

from keras_fpt.datasets import MNIST_MEAN
from keras_fpt.datasets import MNIST_STD
from keras_fpt.datasets import ImagePatches
from keras_fpt.datasets import load_mnist
from recipes import common

args = common.parse_args("mnist", __doc__, epochs=1, eval_every=500)
run = common.RunDirectory(args.output_dir, overwrite=args.overwrite)
keras.utils.set_random_seed(args.seed)

# Data: 4x4 patches, 49 tokens of 16 values; the whole test set.
(x_train, y_train), (x_test, y_test) = load_mnist(args.data_dir)
patches = dict(patch_size=4, batch_size=args.batch_size, mean=MNIST_MEAN, std=MNIST_STD)
train = ImagePatches(x_train, y_train, shuffle=True, seed=args.seed, **patches)
test = ImagePatches(x_test, y_test, **patches)

# Model: 16 values per token in, 10 classes out of the last token.
model = common.build_model(args, input_dim=16, output_dim=10)
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
