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
import numbers
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .files import StrPath, as_path, atomic_file
from .parameters import parameter_shapes

FORMAT = "ann-model"
VERSION = 1


class ModelFileError(ValueError):
    """The file is not a valid, intact model file."""


@dataclass
class SavedModel:
    """What a model file holds: the model's constructor arguments (``params``, JSON
    values), its number of input features, its output activation, whether it is
    multi-label, its cost history, its parameters ``W1, b1, ...``, for a classifier its
    classes and, when it was fitted on a table with named columns, their names."""

    params: dict[str, Any]
    n_features_in: int
    output_activation: str
    parameters: dict[str, np.ndarray]
    classes: np.ndarray | None = None
    multilabel: bool = False
    costs: list[float] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=dict)
    feature_names: list[str] | None = None


def digest(config: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the configuration (without its digest) and every array."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def _json_value(value: Any) -> Any:
    """A NumPy scalar or array among the constructor's arguments as plain JSON (the
    number, or a list)."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} {value!r} cannot be saved in a model file")


def _plain_classes(classes: np.ndarray) -> np.ndarray:
    """The classes as an array that loads without pickle: object arrays of integers stay
    integers (as strings they would come back as '0', '1'), anything else as text."""
    classes = np.asarray(classes)
    if classes.dtype != object:
        return classes
    values = classes.tolist()
    integers = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values)
    classes = np.asarray(values) if integers else classes.astype(str)
    return classes.astype(str) if classes.dtype == object else classes  # beyond 64 bits


def save_model(saved: SavedModel, path: StrPath) -> None:
    """Write ``saved`` to ``path`` (a ``.npz``) atomically. Non-finite parameters are
    refused: a file holds a model that predicts."""
    arrays = {name: np.asarray(value) for name, value in saved.parameters.items()}
    for name, array in arrays.items():
        if not np.isfinite(array).all():
            raise ValueError(
                f"{name} holds NaN or infinite values: a diverged model is not saved "
                "(train it again with a smaller learning rate, or scaled inputs)"
            )
    if saved.classes is not None:
        arrays["classes"] = _plain_classes(saved.classes)
    config = {
        "format": FORMAT,
        "version": VERSION,
        "params": saved.params,
        "multilabel": bool(saved.multilabel),
        "n_features_in": int(saved.n_features_in),
        "output_activation": saved.output_activation,
        "costs": [float(c) for c in saved.costs],
        "history": {k: [float(v) for v in values] for k, values in saved.history.items()},
    }
    if saved.feature_names is not None:
        config["feature_names"] = [str(name) for name in saved.feature_names]
    config = json.loads(json.dumps(config, default=_json_value))
    config["digest"] = digest(config, arrays)
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


ZIP_MAGIC = b"PK"
"""How a zip archive (an ``.npz``) begins. ``np.load`` takes any file that begins
otherwise, and is not an ``.npy`` array, for a pickle (and its error advises unpickling
it)."""

NPY_MAGIC = b"\x93NUMPY"
"""How a single ``.npy`` array begins."""


def _read_archive(path: StrPath) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, without unpickling anything. The file is
    opened here so that it is closed even when ``np.load`` fails half-way."""
    with open(path, "rb") as handle:
        start = handle.read(len(NPY_MAGIC))
        if start == NPY_MAGIC:
            raise ModelFileError(
                f"{path}: not a model file (a single .npy array, not an .npz archive)"
            )
        if not start:
            raise ModelFileError(f"{path}: not an ann model file: the file is empty")
        if not start.startswith(ZIP_MAGIC):
            raise ModelFileError(
                f"{path}: not an ann model file (corrupt, or a file of another kind): a "
                f"model file is an .npz archive, which begins with {ZIP_MAGIC!r}; this "
                f"one begins with {start[: len(ZIP_MAGIC)]!r}"
            )
        handle.seek(0)
        with np.load(handle, allow_pickle=False) as archive:
            arrays = {}
            for name in archive.files:
                try:
                    arrays[name] = archive[name]
                except ValueError as error:
                    if "allow_pickle" not in str(error):
                        raise
                    raise ModelFileError(
                        f"{path}: not a model file: its entry {name!r} holds pickled Python "
                        "objects, which a model file never does (it is read without "
                        "unpickling anything)"
                    ) from None
            return arrays


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
    if config.pop("digest", None) != digest(config, arrays):
        raise ModelFileError(f"{path}: the digest does not match: the file was altered or damaged")
    _check_config(path, config)
    return config, arrays


def _is_number_list(values: object) -> bool:
    return isinstance(values, list) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values
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
    # A cost may be NaN: scikit-learn's early stopping goes on through a diverging epoch
    # and keeps the best (finite) parameters.
    if not _is_number_list(config["costs"]):
        raise ModelFileError(f"{path}: the costs are not a list of numbers")
    for key, values in config["history"].items():
        if not _is_number_list(values):
            raise ModelFileError(f"{path}: the history {key!r} is not a list of numbers")
    names = config.get("feature_names")
    if names is not None and not (
        isinstance(names, list)
        and len(names) == config["n_features_in"]
        and all(isinstance(name, str) for name in names)
    ):
        raise ModelFileError(f"{path}: the feature names are not {config['n_features_in']} strings")


def load_model(path: StrPath) -> SavedModel:
    """The model saved at ``path``, checked: an intact file of this format whose
    parameters have the shapes and dtype its configuration gives, all finite. Anything
    else is a ModelFileError (FileNotFoundError when there is no file)."""
    config, arrays = _read(path)
    params = config["params"]
    sizes = [config["n_features_in"]] + list(_layer_sizes(path, params))
    shapes = parameter_shapes(sizes)
    _check_shapes(path, shapes, arrays)
    dtype = params.get("dtype", "float64")
    if dtype not in ("float32", "float64"):
        raise ModelFileError(f"{path}: the configuration is not valid (dtype={dtype!r})")
    unknown = set(arrays) - set(shapes) - {"classes"}
    if unknown:
        raise ModelFileError(f"{path}: unexpected entries {sorted(unknown)}")
    for name in shapes:
        value = arrays[name]
        if value.dtype != dtype:
            raise ModelFileError(
                f"{path}: {name} has shape {value.shape} and dtype "
                f"{value.dtype}, the architecture needs {shapes[name]} {dtype}"
            )
        if not np.isfinite(value).all():
            raise ModelFileError(f"{path}: {name} holds NaN or infinite values")
    return SavedModel(
        params=params,
        n_features_in=config["n_features_in"],
        output_activation=config["output_activation"],
        parameters={name: arrays[name] for name in shapes},
        classes=arrays.get("classes"),
        multilabel=bool(config.get("multilabel", False)),
        costs=list(config["costs"]),
        history={k: list(v) for k, v in config["history"].items()},
        feature_names=config.get("feature_names"),
    )


def _layer_sizes(path: StrPath, params: dict[str, Any]) -> list[int]:
    """The configuration's ``layers_size``, checked to be a list of positive integers."""
    sizes = params.get("layers_size")
    if (
        not isinstance(sizes, list)
        or not sizes
        or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes)
    ):
        raise ModelFileError(f"{path}: the configuration is not valid (layers_size={sizes!r})")
    return sizes


def _check_shapes(
    path: StrPath, shapes: dict[str, tuple[int, int]], arrays: dict[str, np.ndarray]
) -> None:
    """Each parameter is in the file with the shape the configuration gives, checked
    before any array of that shape is made (a forged ``layers_size`` must not exhaust
    memory)."""
    for name, shape in shapes.items():
        value = arrays.get(name)
        if value is None:
            raise ModelFileError(f"{path}: the parameter {name} is missing")
        if value.shape != shape:
            raise ModelFileError(
                f"{path}: {name} has shape {value.shape}, the architecture needs {shape}"
            )
