"""Saving and loading models as one ``.npz`` file, without pickle.

The file holds each parameter array (``W1``, ``b1``, ...), the classes, and ``config``:
a JSON document (as bytes) with the constructor's arguments, the fitted attributes, the
cost history and a SHA-256 digest of everything else, so that a truncated or altered
file is refused. ``np.load(..., allow_pickle=False)`` reads it: a model file cannot run
code.
"""
import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from .files import atomic_path

FORMAT = "ann-model"
VERSION = 1


class ModelFileError(ValueError):
    """The file is not a valid, intact model file."""


def _digest(config, arrays):
    """SHA-256 over the configuration (without its digest) and every array."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def save_model(model, path):
    """Write a fitted ``model`` to ``path`` (a ``.npz``) atomically."""
    model._check_fitted()
    arrays = {name: np.asarray(value) for name, value in model.parameters.items()}
    if model.is_classifier:
        classes = np.asarray(model.classes_)
        if classes.dtype == object:
            classes = classes.astype(str)
        arrays["classes"] = classes
    config = {
        "format": FORMAT,
        "version": VERSION,
        "params": model.get_params(),
        "n_features_in": int(model.n_features_in_),
        "output_activation": model.output_activation_,
        "costs": [float(c) for c in model.costs],
        "history": {k: [float(v) for v in values]
                    for k, values in getattr(model, "history", {}).items()},
    }
    config["digest"] = _digest(config, arrays)
    blob = np.frombuffer(json.dumps(config, sort_keys=True).encode(), dtype=np.uint8)
    with atomic_path(path, suffix=".npz") as temporary:
        with open(temporary, "wb") as handle:
            np.savez(handle, config=blob, **arrays)


def _read(path):
    """The configuration and arrays of the file, or ModelFileError."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        config = json.loads(arrays.pop("config").tobytes().decode())
    except KeyError:
        raise ModelFileError(f"{path}: not a model file (no 'config' entry)") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{path}: not a readable model file ({error})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an ann model file")
    if config.get("version") != VERSION:
        raise ModelFileError(f"{path}: format version {config.get('version')!r} is not "
                             f"supported (this package reads version {VERSION})")
    if config.pop("digest", None) != _digest(config, arrays):
        raise ModelFileError(f"{path}: the digest does not match: the file was altered "
                             "or damaged")
    return config, arrays


def load_model(path):
    """The model saved at ``path``, ready to predict, bit-identical to the saved one."""
    from .network import ANN
    config, arrays = _read(path)
    try:
        model = ANN(**config["params"])
        model._resolve_output()
        model.initialize_parameters(config["n_features_in"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: the configuration is not valid ({error})") from None
    if model.output_activation_ != config["output_activation"]:
        raise ModelFileError(f"{path}: output {config['output_activation']!r} does not fit "
                             "the architecture")
    for name, expected in model.parameters.items():
        value = arrays.get(name)
        if value is None:
            raise ModelFileError(f"{path}: the parameter {name} is missing")
        if value.shape != expected.shape or value.dtype != expected.dtype:
            raise ModelFileError(f"{path}: {name} has shape {value.shape} and dtype "
                                 f"{value.dtype}, the architecture needs {expected.shape} "
                                 f"{expected.dtype}")
        model.parameters[name] = value
    if model.is_classifier:
        classes = arrays.get("classes")
        if classes is None or classes.ndim != 1:
            raise ModelFileError(f"{path}: the classes are missing")
        model._set_classes(classes)
    model.costs = list(config["costs"])
    model.history = {k: list(v) for k, v in config["history"].items()}
    model.n_iter_ = len(model.costs)
    return model
