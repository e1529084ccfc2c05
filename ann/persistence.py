"""Saving and loading models as one ``.npz`` file, without pickle.

The file holds each parameter array (``W1``, ``b1``, ...), the classes, and ``config``:
a JSON document (as bytes) with the constructor's arguments, the fitted attributes, the
cost history and a SHA-256 digest of everything else, so that a truncated or altered
file is refused. ``np.load(..., allow_pickle=False)`` reads it: a model file cannot run
code.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .files import StrPath, as_path, atomic_file

if TYPE_CHECKING:
    from .network import ANN

ModelT = TypeVar("ModelT", bound="ANN")

FORMAT = "ann-model"
VERSION = 1


class ModelFileError(ValueError):
    """The file is not a valid, intact model file."""


def _digest(config: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the configuration (without its digest) and every array."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def save_model(model: ANN, path: StrPath) -> None:
    """Write a fitted ``model`` to ``path`` (a ``.npz``) atomically."""
    model._check_fitted()
    arrays = {name: np.asarray(value) for name, value in model.parameters.items()}
    if model.is_classifier:
        classes = np.asarray(model.classes_)
        if classes.dtype == object:
            # integer labels stay integers (as strings they would come back as '0', '1')
            values = classes.tolist()
            numbers_only = all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
            )
            classes = np.asarray(values) if numbers_only else classes.astype(str)
            if classes.dtype == object:  # integers beyond 64 bits
                classes = classes.astype(str)
        arrays["classes"] = classes
    config = {
        "format": FORMAT,
        "version": VERSION,
        "params": {
            name: value for name, value in model.get_params().items() if name != "callbacks"
        },
        "multilabel": bool(getattr(model, "multilabel_", False)),
        "n_features_in": int(model.n_features_in_),
        "output_activation": model.output_activation_,
        "costs": [float(c) for c in model.costs],
        "history": {
            k: [float(v) for v in values] for k, values in getattr(model, "history", {}).items()
        },
    }
    config["digest"] = _digest(config, arrays)
    blob = np.frombuffer(json.dumps(config, sort_keys=True).encode(), dtype=np.uint8)
    with atomic_file(path) as handle:
        # The names are W1, b1, ..., classes: never savez's keyword allow_pickle, which
        # the stubs cannot tell from a dict of arrays.
        np.savez(handle, config=blob, **arrays)  # type: ignore[arg-type]


UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    UnicodeDecodeError,
    NotImplementedError,
    RuntimeError,
    MemoryError,
    OverflowError,
    struct.error,
    zlib.error,
)
"""What ``np.load`` and ``zipfile`` raise on a damaged archive (an unsupported
compression method is NotImplementedError, an "encrypted" entry RuntimeError)."""


def _read_archive(path: StrPath) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, without unpickling anything. The file is
    opened here so that it is closed even when ``np.load`` fails half-way."""
    with open(path, "rb") as handle:
        archive = np.load(handle, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ModelFileError(
                f"{path}: not a model file (a single .npy array, not an .npz archive)"
            )
        with archive:
            return {name: archive[name] for name in archive.files}


def _read(path: StrPath) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The configuration and arrays of the file, or ModelFileError."""
    path = as_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        arrays = _read_archive(path)
        blob = arrays.pop("config")
        if blob.dtype != np.uint8 or blob.ndim != 1:
            raise ModelFileError(f"{path}: the config entry is not JSON bytes")
        config = json.loads(blob.tobytes().decode())
    except KeyError:
        raise ModelFileError(f"{path}: not a model file (no 'config' entry)") from None
    except ModelFileError:
        raise
    except UNREADABLE as error:
        raise ModelFileError(f"{path}: not a readable model file ({error})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an ann model file")
    if config.get("version") != VERSION:
        raise ModelFileError(
            f"{path}: format version {config.get('version')!r} is not "
            f"supported (this package reads version {VERSION})"
        )
    if config.pop("digest", None) != _digest(config, arrays):
        raise ModelFileError(f"{path}: the digest does not match: the file was altered or damaged")
    _check_config(path, config)
    return config, arrays


def _is_number_list(values: object, finite: bool = True) -> bool:
    return isinstance(values, list) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and (math.isfinite(v) or not finite)
        for v in values
    )


def _check_config(path: StrPath, config: dict[str, Any]) -> None:
    """The configuration's entries have the types ``load_model`` expects."""
    expected = {
        "params": dict,
        "n_features_in": int,
        "output_activation": str,
        "costs": list,
        "history": dict,
    }
    for key, kind in expected.items():
        if not isinstance(config.get(key), kind) or isinstance(config.get(key), bool):
            raise ModelFileError(
                f"{path}: the configuration's {key!r} is missing or not a {kind.__name__}"
            )
    if not _is_number_list(config["costs"]):
        raise ModelFileError(f"{path}: the costs are not a list of finite numbers")
    for key, values in config["history"].items():
        if not _is_number_list(values, finite=False):
            raise ModelFileError(f"{path}: the history {key!r} is not a list of numbers")


def load_model(path: StrPath, model_class: type[ModelT]) -> ModelT:
    """The ``model_class`` (``ANN``) model saved at ``path``, ready to predict,
    bit-identical to the saved one."""
    config, arrays = _read(path)
    try:
        model = model_class(**config["params"])
        model._resolve_output()
        _check_sizes(path, model, config["n_features_in"], arrays)
        model.initialize_parameters(config["n_features_in"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: the configuration is not valid ({error})") from None
    if model.output_activation_ != config["output_activation"]:
        raise ModelFileError(
            f"{path}: output {config['output_activation']!r} does not fit the architecture"
        )
    unknown = set(arrays) - set(model.parameters) - {"classes"}
    if unknown:
        raise ModelFileError(f"{path}: unexpected entries {sorted(unknown)}")
    for name, expected in model.parameters.items():
        value = arrays.get(name)
        if value is None:
            raise ModelFileError(f"{path}: the parameter {name} is missing")
        if value.shape != expected.shape or value.dtype != expected.dtype:
            raise ModelFileError(
                f"{path}: {name} has shape {value.shape} and dtype "
                f"{value.dtype}, the architecture needs {expected.shape} "
                f"{expected.dtype}"
            )
        if not np.isfinite(value).all():
            raise ModelFileError(f"{path}: {name} holds NaN or infinite values")
        model.parameters[name] = value
    if model.is_classifier:
        _load_classes(path, model, arrays.get("classes"), config.get("multilabel", False))
    model.costs = list(config["costs"])
    model.history = {k: list(v) for k, v in config["history"].items()}
    model.n_iter_ = len(model.costs)
    return model


def _check_sizes(path: StrPath, model: ANN, n_features: int, arrays: dict[str, np.ndarray]) -> None:
    """Each ``Wl`` in the file has the shape the configuration gives, checked before
    any array of that shape is made (a forged ``layers_size`` must not exhaust memory)."""
    sizes = [n_features] + list(model.layers_size)
    for l in range(1, len(sizes)):
        value = arrays.get(f"W{l}")
        if value is None:
            raise ModelFileError(f"{path}: the parameter W{l} is missing")
        if value.shape != (sizes[l], sizes[l - 1]):
            raise ModelFileError(
                f"{path}: W{l} has shape {value.shape}, the architecture "
                f"needs {(sizes[l], sizes[l - 1])}"
            )


def _load_classes(path: StrPath, model: ANN, classes: np.ndarray | None, multilabel: bool) -> None:
    """Set ``model.classes_`` from the saved ``classes`` (sorted, distinct, fitting)."""
    if classes is None or classes.ndim != 1:
        raise ModelFileError(f"{path}: the classes are missing")
    if classes.dtype.kind not in "iubfUS" or not np.array_equal(classes, np.unique(classes)):
        raise ModelFileError(
            f"{path}: the classes {classes.tolist()[:5]} are not "
            "distinct sorted integers or strings"
        )
    try:
        model._set_classes(classes)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: the classes do not fit the model ({error})") from None
    model.multilabel_ = bool(multilabel)
