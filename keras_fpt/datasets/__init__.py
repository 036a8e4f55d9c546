"""The paper's tasks as datasets that `model.fit` accepts on every backend."""

from keras_fpt.datasets import listops
from keras_fpt.datasets import remote_homology
from keras_fpt.datasets.bit_memory import BitMemory
from keras_fpt.datasets.bit_xor import BitXOR
from keras_fpt.datasets.cifar10 import CIFAR10_MEAN
from keras_fpt.datasets.cifar10 import CIFAR10_STD
from keras_fpt.datasets.cifar10 import load_cifar10
from keras_fpt.datasets.cifar10 import to_grey
from keras_fpt.datasets.image_patches import ImagePatches
from keras_fpt.datasets.image_patches import patchify
from keras_fpt.datasets.image_patches import unpatchify
from keras_fpt.datasets.listops import generate_listops
from keras_fpt.datasets.listops import load_listops_tsv
from keras_fpt.datasets.mnist import MNIST_MEAN
from keras_fpt.datasets.mnist import MNIST_STD
from keras_fpt.datasets.mnist import load_mnist
from keras_fpt.datasets.padded_sequences import PaddedSequences
from keras_fpt.datasets.remote_homology import load_remote_homology

__all__ = [
    "BitMemory",
    "BitXOR",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "ImagePatches",
    "MNIST_MEAN",
    "MNIST_STD",
    "PaddedSequences",
    "generate_listops",
    "listops",
    "load_cifar10",
    "load_listops_tsv",
    "load_mnist",
    "load_remote_homology",
    "patchify",
    "remote_homology",
    "to_grey",
    "unpatchify",
]
