"""keras-fpt: Frozen Pretrained Transformers on Keras 3 and keras-hub."""

from keras_fpt.fpt_model import FPTModel
from keras_fpt.lstm_model import LSTMModel
from keras_fpt.parts import FPT_PARTS
from keras_fpt.parts import PARTS
from keras_fpt.version import __version__

__all__ = ["FPTModel", "LSTMModel", "FPT_PARTS", "PARTS", "__version__"]
