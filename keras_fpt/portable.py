"""Compile configs that mean the same on every backend."""


class PortableCompileMixin:
    """Saves a `compile()` config that each backend can load and train with.

    Keras records two backend-specific things in a `.keras` file's compile
    config, and this mixin (placed before `keras.Model` in the bases)
    records portable ones instead:

    - under PyTorch, the optimizer's private torch subclass
      (`keras.src.backend.torch.optimizers...`), which TensorFlow and JAX
      then import and fail with in `fit`: the public class is recorded, and
      each backend maps it to its own implementation;
    - `jit_compile` as resolved on the saving backend: `"auto"` becomes
      `True` under JAX and TensorFlow, which a PyTorch load would turn into
      a slow `torch.compile`. A value that is what `"auto"` gives on the
      saving backend is recorded as `"auto"`, so that each backend resolves
      it for itself; any other value is kept.

    (`compile()` itself is not overridden: Keras does not restore the
    compile state of models that override it.)
    """

    def get_compile_config(self):
        config = super().get_compile_config()
        if not config:
            return config
        config = _public_optimizer_modules(config)
        if config.get("jit_compile") == self._resolve_auto_jit_compile():
            config["jit_compile"] = "auto"
        return config


def _public_optimizer_modules(config):
    if isinstance(config, list):
        return [_public_optimizer_modules(item) for item in config]
    if not isinstance(config, dict):
        return config
    config = {k: _public_optimizer_modules(v) for k, v in config.items()}
    module = config.get("module")
    if isinstance(module, str) and module.startswith("keras.src.backend."):
        if ".optimizers" in module:
            config["module"] = "keras.optimizers"
    return config
