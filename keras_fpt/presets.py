"""Loading GPT-2 backbones from keras-hub presets and Hugging Face folders."""

import os

import keras_hub

INIT_MODES = ("pretrained", "random", "statistics")

# Presets shipped inside the package, which load without a network.
EMBEDDED_PRESETS = {
    "gpt2_tiny_en_offline": os.path.join(
        os.path.dirname(__file__), "embedded_presets", "gpt2_tiny_en_offline"
    ),
}
DEFAULT_PRESET = "gpt2_tiny_en_offline"

_OFFLINE_HINT = (
    "Local folders work offline: on a machine with internet, run "
    "`keras_hub.models.GPT2Backbone.from_preset(name).save_to_preset(folder)` "
    "(or Hugging Face's `GPT2Model.from_pretrained(name).save_pretrained("
    "folder)`) and pass that folder as the preset."
)


def check_gpt2_backbone(backbone):
    """Raises a `ValueError` unless `backbone` is a keras-hub GPT-2."""
    if not isinstance(backbone, keras_hub.models.GPT2Backbone):
        raise ValueError(
            "FPTModel needs a `keras_hub.models.GPT2Backbone`. Received a "
            f"{type(backbone).__name__}. Load one with "
            "`keras_hub.models.GPT2Backbone.from_preset(...)`."
        )


def load_gpt2_backbone(preset, load_weights=True):
    """Loads a `GPT2Backbone` from any preset form keras-hub understands.

    Args:
        preset: a keras-hub preset name (`"gpt2_base_en"`), the name of a
            preset embedded in keras-fpt (`"gpt2_tiny_en_offline"`), a Kaggle or
            `hf://` handle, a local keras-hub preset folder (written by
            `save_to_preset`), or a local Hugging Face GPT-2 folder
            (`config.json` and `model.safetensors`).
        load_weights: bool. If `False`, only the architecture is read.

    Returns:
        A `keras_hub.models.GPT2Backbone`.
    """
    preset = os.fspath(preset)
    preset = EMBEDDED_PRESETS.get(preset, preset)
    looks_local = os.sep in preset or preset.startswith(".")
    if looks_local and not os.path.isdir(preset):
        raise ValueError(
            f"Preset folder {preset!r} does not exist. Pass a keras-hub "
            "preset folder (from `save_to_preset`), a Hugging Face GPT-2 "
            "folder (`config.json` and `model.safetensors`), or a preset name "
            "such as 'gpt2_base_en'."
        )
    try:
        backbone = keras_hub.models.Backbone.from_preset(
            preset, load_weights=load_weights
        )
    except OSError as error:  # Network failures (requests' errors included).
        raise ValueError(
            f"Could not download preset {preset!r} ({type(error).__name__}: "
            f"{error}). {_OFFLINE_HINT}"
        ) from error
    except ValueError as error:
        if os.path.isdir(preset):
            raise ValueError(
                f"Folder {preset!r} is not a loadable GPT-2 preset: {error}"
            ) from error
        raise ValueError(
            f"Could not find or download preset {preset!r}: {error}\n"
            "GPT-2 presets are "
            f"{sorted(keras_hub.models.GPT2Backbone.presets)}, and "
            f"{sorted(EMBEDDED_PRESETS)} ship with keras-fpt. {_OFFLINE_HINT}"
        ) from error
    check_gpt2_backbone(backbone)
    return backbone
