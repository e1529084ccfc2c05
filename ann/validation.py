"""Input checks shared by the public functions.

Every check raises ``TypeError`` for a value of the wrong kind and ``ValueError`` for a
value of the right kind but wrong content, with a message that names the argument.
"""

from __future__ import annotations

import mmap
import numbers
from collections.abc import Collection
from typing import Any

import numpy as np
import numpy.typing as npt

from . import arrays


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` and the noun in the number it takes: "1 hidden layer", "2 hidden layers",
    "1 pass", "3 passes" (``plural`` when adding an s does not make it)."""
    noun = singular if number == 1 else (plural or singular + "s")
    return f"{number} {noun}"


def check_choice(name: str, value: object, options: Collection[str]) -> str:
    """``value`` must be one of ``options`` (strings)."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name}={value!r} is unknown; choose one of {sorted(options)}")
    return value


def check_int(name: str, value: object, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` must be an integer (not a bool) of at least ``minimum`` (and at most
    ``maximum`` when given)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return number


def check_bool(name: str, value: object) -> bool:
    """``value`` must be True or False (a NumPy bool too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_float(
    name: str,
    value: object,
    low: float = 0.0,
    high: float = np.inf,
    low_open: bool = True,
    high_open: bool = False,
) -> float:
    """``value`` must be a finite real number between ``low`` and ``high``, each bound
    excluded when its ``_open`` flag says so (by default the interval (low, high])."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if not np.isfinite(value) or too_low or too_high:
        wanted = describe_range(low, high, low_open, high_open)
        raise ValueError(f"{name} must be a finite number {wanted}, got {value}")
    return value


def describe_range(low: float, high: float, low_open: bool, high_open: bool) -> str:
    """The range of finite numbers from ``low`` to ``high`` in words: ``> 0.0`` or
    ``>= 0.0`` when it has no upper bound (an infinite bound is never part of it), else
    an interval such as ``in [0.0, 1.0)``."""
    if high == np.inf:
        return f"{'>' if low_open else '>='} {low}"
    if low == -np.inf:
        return f"{'<' if high_open else '<='} {high}"
    return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def check_X(
    X: npt.ArrayLike | None,
    n_features: int | None = None,
    name: str = "X",
    dtype: npt.DTypeLike | None = None,
    cast: bool = True,
) -> np.ndarray:
    """Return ``X`` as a finite 2-D float array ``(n_samples, n_features)``: a NumPy
    array, or an array of another namespace (PyTorch, CuPy, ...) kept there.

    ``dtype`` is the float type wanted (None keeps float32/float64 and turns any other
    numeric type into float64). A copy is made only when the type or layout demands it.
    ``cast=False`` keeps float32/float64, integer and bool data as they are and only
    checks that their values fit ``dtype``: the core converts one block at a time, which
    spares a float32 model a converted copy of all its float64 data, and anybody a float
    copy of all of a (memory-mapped) array of uint8 pixels.
    """
    if X is None:
        raise TypeError(f"{name} must be an array of shape (n_samples, n_features), got None")
    if arrays.is_foreign(X):
        return _check_foreign_X(X, n_features, name, dtype, cast)
    check_mapped(X, name)
    X = as_array(_from_nullable(X), name, "(n_samples, n_features)")
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"{name} must be numeric, got an array of dtype {X.dtype}")
    if np.iscomplexobj(X):
        raise TypeError(f"{name} must be real, got complex values")
    _check_shape(X.shape, n_features, name)
    kept = X.dtype in (np.float32, np.float64) or (not cast and X.dtype.kind in "biu")
    wanted = X.dtype if kept else np.dtype(np.float64)
    if dtype is not None and cast:
        wanted = np.dtype(dtype)
    with np.errstate(over="ignore"):
        X = np.ascontiguousarray(X, dtype=wanted)
    if X.dtype.kind in "biu":
        return X  # whole numbers: finite, and within the range of every float type
    dtype = wanted if dtype is None else np.dtype(dtype)
    if not _all_finite(X) or not fits_dtype(X, dtype):
        raise ValueError(
            f"{name} contains NaN or infinite values (or values too large "
            f"for {np.dtype(dtype).name})"
        )
    return X


def check_mapped(X: object, name: str = "X") -> None:
    """ValueError when ``X`` is (a view of) a memory-mapped file that has become shorter
    than its map (truncated after it was mapped): reading the missing pages would kill
    the process (SIGBUS) instead of raising an error."""
    offset, node, where = 0, X, "a memory-mapped file"
    for _ in range(64):  # views of views of a map, never a cycle
        if isinstance(node, np.memmap):
            offset = node.offset
            where = f"the memory-mapped file {node.filename}" if node.filename else where
        if isinstance(node, mmap.mmap):
            try:
                size, mapped = node.size(), len(node)
            except (ValueError, OSError):  # a closed map: nothing to read
                return
            start = offset - offset % mmap.ALLOCATIONGRANULARITY
            if size < start + mapped:
                raise ValueError(
                    f"{name} is {where}, which was truncated after it was mapped: the "
                    f"file has {size} bytes, the map needs {start + mapped}"
                )
            return
        node = getattr(node, "base", None)
        if node is None:
            return


def _check_shape(shape: tuple[int, ...], n_features: int | None, name: str) -> None:
    """``shape`` is that of a 2-D, non-empty ``(n_samples, n_features)`` array."""
    if len(shape) != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {shape}")
    if shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {shape}")
    if n_features is not None and shape[1] != n_features:
        raise ValueError(
            f"{name} has {shape[1]} features, but the model was fitted with {n_features}"
        )


def _check_foreign_X(
    X: Any, n_features: int | None, name: str, dtype: npt.DTypeLike | None, cast: bool
) -> Any:
    """``check_X`` for an array of another namespace (PyTorch, CuPy, ...), which stays
    in its namespace and on its device."""
    X = arrays.check_values(X, name)
    xp = arrays.namespace(X)
    if xp.isdtype(X.dtype, "complex floating"):
        raise TypeError(f"{name} must be real, got complex values")
    if not xp.isdtype(X.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"{name} must be numeric, got an array of dtype {X.dtype}")
    _check_shape(tuple(X.shape), n_features, name)
    floating = X.dtype in (xp.float32, xp.float64)
    wanted = X.dtype if floating or not cast else xp.float64
    if dtype is not None and cast:
        wanted = getattr(xp, np.dtype(dtype).name)
    X = xp.astype(X, wanted, copy=False)
    if not xp.isdtype(X.dtype, "real floating"):
        return X  # whole numbers: finite, and within the range of every float type
    target = np.dtype(dtype if dtype is not None else arrays.dtype_name(wanted))
    if not arrays.all_finite(X) or not fits_dtype(X, target):
        raise ValueError(
            f"{name} contains NaN or infinite values (or values too large for {target.name})"
        )
    return X


def _from_nullable(X: Any) -> Any:
    """A pandas object whose columns are all numeric, with at least one of pandas'
    nullable types (``Float64``, ``Int64``, ``boolean``, which NumPy sees as objects),
    as a float64 array with NaN for the missing values; anything else as it is."""
    if not hasattr(X, "dtypes") or not hasattr(X, "to_numpy"):
        return X
    dtypes = [X.dtype] if getattr(X, "ndim", 2) == 1 else list(X.dtypes)
    if not dtypes or any(getattr(d, "kind", "O") not in "biuf" for d in dtypes):
        return X
    if all(isinstance(d, np.dtype) for d in dtypes):
        return X
    return X.to_numpy(dtype=np.float64, na_value=np.nan)


def _all_finite(X: np.ndarray) -> bool:
    """Whether every value is finite; a sum (one pass, no temporary array) decides in
    the usual case."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.sum(X)) or np.isfinite(X).all())


def fits_dtype(X: Any, dtype: npt.DTypeLike) -> bool:
    """Whether the (finite) values of ``X``, an array of any namespace, stay finite in
    the float ``dtype`` (no pass over the data when they cannot overflow)."""
    dtype = np.dtype(dtype)
    own = np.dtype(arrays.dtype_name(X.dtype))
    if own.kind != "f" or own.itemsize <= dtype.itemsize or 0 in tuple(X.shape):
        return True
    if arrays.is_numpy(X):
        largest = max(float(X.max()), -float(X.min()))
    else:
        xp = arrays.namespace(X)
        largest = max(float(xp.max(X)), -float(xp.min(X)))
    return largest <= float(np.finfo(dtype).max)


def as_array(value: object, name: str, shape: str) -> np.ndarray:
    """``value`` as a NumPy array (copied to the host from another namespace or device),
    with an error naming ``name`` when it is ragged."""
    try:
        return arrays.to_numpy(value) if arrays.is_foreign(value) else np.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} must be an array of shape {shape}, got a ragged or "
            f"unreadable sequence ({error})"
        ) from None


def check_labels(y: npt.ArrayLike | None, n_samples: int, name: str = "Y") -> np.ndarray:
    """Return the labels as a 1-D array of length ``n_samples``.

    Accepted shapes: ``(n,)``, ``(n, 1)`` and ``(1, n)``.
    """
    if y is None:
        raise TypeError(f"{name} must be an array of {n_samples} labels, got None")
    y = as_array(y, name, "(n,)")
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise ValueError(f"{name} must have shape (n,), (n, 1) or (1, n), got {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but {name} has {y.shape[0]} labels")
    if y.dtype.kind in "cmMV":
        raise TypeError(
            f"{name} must hold class labels (integers or strings), got an array of dtype {y.dtype}"
        )
    if y.dtype == object:
        kinds = {type(v) for v in y}
        if not all(issubclass(k, (str, numbers.Integral)) for k in kinds):
            raise TypeError(
                f"{name} must hold class labels, got values of types "
                f"{sorted(k.__name__ for k in kinds)}"
            )
        if any(issubclass(k, str) for k in kinds) and not all(issubclass(k, str) for k in kinds):
            raise TypeError(
                f"{name} mixes strings and numbers as labels (types "
                f"{sorted(k.__name__ for k in kinds)}): use one kind for every label"
            )
    return y


def check_sample_weight(
    sample_weight: npt.ArrayLike | None, n_samples: int, dtype: npt.DTypeLike = np.float64
) -> np.ndarray | None:
    """``None``, or the weights as a 1-D float array of ``n_samples`` finite values of at
    least 0, not all 0."""
    if sample_weight is None:
        return None
    weights = as_array(sample_weight, "sample_weight", "(n_samples,)")
    if (
        weights.dtype == object
        or not np.issubdtype(weights.dtype, np.number)
        or (np.iscomplexobj(weights))
    ):
        raise TypeError(f"sample_weight must be numeric, got an array of dtype {weights.dtype}")
    if weights.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {weights.shape}")
    weights = weights.astype(np.float64)
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("sample_weight must hold finite values of at least 0")
    if not weights.any():
        raise ValueError("sample_weight is zero for every sample")
    check_total_weight(weights, dtype=dtype)
    return weights.astype(dtype)


def check_total_weight(
    weights: Any,
    samples: str = "samples",
    mean: str = "cost",
    source: str = "this fit",
    dtype: npt.DTypeLike | None = None,
) -> None:
    """The mean cost (``mean``) divides by the total of the sample ``weights`` (None, or
    an array of any namespace, read once): it must not be 0, and it and its inverse must
    be finite in the model's ``dtype`` (default: the weights'; the L2 term scales with
    it too, so the weights are not rescaled behind the user's back). ``samples`` names
    the samples (``training samples``) and ``source`` where they come from, for the
    message."""
    if weights is None:
        return
    host = arrays.to_numpy(weights)
    dtype = np.dtype(host.dtype if dtype is None else dtype)
    n = host.shape[0]
    if not host.any():
        raise ValueError(
            f"the {n} {samples} of {source} all have sample_weight 0: "
            f"the mean {mean} is not defined"
        )
    with np.errstate(over="ignore"):
        total = float(np.sum(host, dtype=np.float64))
    if total == 0:
        raise ValueError(
            f"sample_weight sums to 0 over the {n} {samples}: the mean {mean} is not defined"
        )
    largest = float(np.finfo(dtype).max)
    if not 1 / largest <= abs(total) <= largest:
        raise ValueError(
            f"sample_weight sums to {total:g} over the {n} {samples}, out of the range of "
            f"{np.dtype(dtype).name} ([{1 / largest:g}, {largest:g}]): scale the weights, "
            "e.g. divide them by their mean"
        )


def check_fits(X: Any, dtype: npt.DTypeLike) -> None:
    """``X`` (dense or sparse, of any namespace) must stay finite in the float
    ``dtype``."""
    if not fits_dtype(X.data if arrays.is_sparse(X) else X, dtype):
        raise ValueError(f"Input X contains infinity or a value too large for {dtype!r}.")


def check_same_namespace(X: Any, reference: Any, caller: str) -> None:
    """``X`` must be of the namespace and on the device of the fitted parameters
    ``reference`` (under scikit-learn's array API dispatch, as its estimators require)."""
    foreign = arrays.is_foreign(X)
    if not foreign and not arrays.is_foreign(reference):
        return
    if (
        foreign
        and arrays.is_foreign(reference)
        and arrays.namespace(X) is arrays.namespace(reference)
        and arrays.device(X) == arrays.device(reference)
    ):
        return

    def where(array: Any) -> str:
        name = arrays.namespace(array).__name__ if arrays.is_foreign(array) else "NumPy"
        return f"{name} on {arrays.device(array)}"

    raise ValueError(
        f"{caller}: X ({where(X)}) and the fitted parameters ({where(reference)}) must "
        "use the same namespace and device: predict in those of fit, or convert the data"
    )


def check_classes(classes: Any) -> np.ndarray:
    """A list of every class that incremental training may see: a non-empty 1-D list of
    distinct labels, numbers (finite) or strings."""
    values = np.asarray(classes)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            "classes must be a non-empty 1-D list of every class that partial_fit may see, "
            f"got shape {values.shape}"
        )
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        raise ValueError(f"classes must be labels, got NaN or infinite values: {values.tolist()}")
    if values.dtype.kind not in "biufUSO":
        raise ValueError(f"classes must be numbers or strings, got dtype {values.dtype}")
    if len(np.unique(values)) != len(values):
        raise ValueError(f"classes lists a label twice: {values.tolist()}")
    return values


def dropout_rates(value: Any, n_hidden: int) -> list[float]:
    """The dropout rate of each of ``n_hidden`` hidden layers, from one rate or one per
    layer, each in [0, 1)."""
    return [
        check_float("dropout", p, 0.0, 1.0, low_open=False, high_open=True)
        for p in per_hidden_layer("dropout", value, n_hidden, float)
    ]


def per_hidden_layer(name: str, value: Any, n_hidden: int, kind: type) -> list[Any]:
    """``value`` repeated for each of ``n_hidden`` hidden layers, or, given as a list,
    tuple or 1-D array, checked to give one per layer. ``kind`` is ``str`` for names
    (which must be strings) or ``float`` for numbers."""
    if isinstance(value, (list, tuple, np.ndarray)):
        values = np.asarray(value).tolist() if isinstance(value, np.ndarray) else list(value)
        if np.ndim(value) != 1 or len(values) != n_hidden:
            noun = "name" if kind is str else "value"
            raise ValueError(
                f"{name} lists {counted(len(values), noun)} for {counted(n_hidden, 'hidden layer')}"
                if np.ndim(value) == 1
                else f"{name} must be one {'name' if kind is str else 'value'} or a flat "
                f"list of them, got an array of shape {np.shape(value)}"
            )
        return values
    if kind is str and not isinstance(value, str):
        raise TypeError(
            f"{name} must be a name or a list of names, one per hidden layer, got {value!r}"
        )
    return [value] * n_hidden


def feature_names(X: object) -> np.ndarray | None:
    """The column names of a table ``X`` (a pandas DataFrame, say) as an object array
    (n_features,), when every one is a string (scikit-learn's rule); None for an array,
    and for columns named by numbers."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = np.asarray(list(columns), dtype=object)
    if names.ndim != 1 or not all(isinstance(name, str) for name in names):
        return None
    return names


def check_feature_names(fitted: np.ndarray | None, X: object, name: str = "X") -> None:
    """The columns of ``X`` must carry the names the model was fitted on (``fitted``,
    from ``feature_names``), in the same order; nothing to check when either side has
    no names (a NumPy array)."""
    given = feature_names(X)
    if fitted is None or given is None:
        return
    if len(given) == len(fitted) and bool(np.all(given == fitted)):
        return
    unseen = [column for column in given if column not in set(fitted)]
    missing = [column for column in fitted if column not in set(given)]
    if unseen or missing:
        problem = f"unseen at fit: {unseen}; missing: {missing}"
    else:
        problem = "the same names in another order"
    raise ValueError(
        f"{name}'s columns are not those seen at fit ({problem}); fitted on "
        f"{list(fitted)}, got {list(given)}: pass the columns in the order of "
        "feature_names_in_"
    )
