"""Arrays of any namespace: the one seam between the core and NumPy's in-place work.

The core (``ann.core``), the activations, losses and optimizers take their array
namespace from their inputs (``namespace``): NumPy, or through ``array-api-compat`` any
library of the array API standard (PyTorch on the CPU or CUDA, CuPy, ``array-api-strict``).
One copy of the algorithm serves them all.

The functions here take ``out=``. For a NumPy array they write into it, as NumPy's own
functions do: training reuses its arrays from batch to batch, which spares NumPy the
page faults of fresh arrays. Other namespaces return a new array instead (their
allocators pool memory, and a copy would cost a kernel launch on a GPU), so callers use
the result, never ``out`` itself; ``store`` puts a result where it must be. This is the
only place where NumPy and the other namespaces part.

Where an array lives, and which function to use when:

============================  ==========================================================
``namespace(x)``, ``device``  which library and device ``x`` belongs to
``is_numpy``, ``is_foreign``  NumPy's own path (arrays, scalars, SciPy sparse), or another
``check_values(x)``           a tensor made fit to compute with (detached; meta and sparse
                              tensors refused) before anything else touches it
``move(x, X)``                anything (lists, NumPy, another device) to where ``X`` is
``like(a, X)``                a NumPy array made on the host (weights, masks) to ``X``
``as_input(result, X)``       a result handed back where the caller's ``X`` lives
``to_numpy``, ``host``        to the host: pictures, files, reports, SciPy (``host``
                              leaves lists and pandas objects as they are)
``store(out, value)``         a result written into the buffer NumPy reuses
============================  ==========================================================

One rule for mixed inputs: ``X``'s namespace and device decide. ``y``,
``sample_weight``, ``validation_data`` and ``classes`` are moved there with ``move``
(through the host when they live elsewhere, once per fit, never per batch), and the
parameters are made there. Inside the batch loop nothing is read back to the host and
no Python number is sent to the device: constants are Python scalars, which the standard
lets every elementwise function take.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np


def is_sparse(A: object) -> bool:
    """True for a SciPy sparse matrix or array (the scikit-learn estimators pass them)."""
    return hasattr(A, "tocsr") and not isinstance(A, np.ndarray)


def is_numpy(x: object) -> bool:
    """A NumPy array or scalar, or a SciPy sparse matrix: NumPy's own path."""
    return type(x) is np.ndarray or isinstance(x, (np.ndarray, np.generic)) or is_sparse(x)


_NAMESPACES: dict[type, ModuleType] = {}
"""The namespace of each array type met so far: array-api-compat's lookup costs more
than a small elementwise operation, and every operation asks."""


def namespace(x: Any) -> ModuleType:
    """The array namespace of ``x``: ``numpy`` itself for NumPy arrays (and sparse
    matrices), else array-api-compat's namespace of its library (looked up once per
    array type)."""
    if is_numpy(x):
        return np
    xp = _NAMESPACES.get(type(x))
    if xp is None:
        import array_api_compat

        xp = _NAMESPACES[type(x)] = array_api_compat.array_namespace(x)
    return xp


def is_foreign(x: object) -> bool:
    """An array of a namespace other than NumPy's (a PyTorch tensor, a CuPy array, ...)."""
    if is_numpy(x):
        return False
    import array_api_compat

    return bool(array_api_compat.is_array_api_obj(x))


def host(x: Any) -> Any:
    """A foreign array as a NumPy array on the host; anything else (NumPy arrays, lists,
    pandas objects) as it is."""
    return to_numpy(x) if is_foreign(x) else x


def device(x: Any) -> Any:
    """The device ``x`` lives on (``"cpu"`` for NumPy)."""
    if is_numpy(x):
        return "cpu"
    import array_api_compat

    return array_api_compat.device(x)


def check_values(x: Any, name: str = "the array") -> Any:
    """``x`` as an array of values that ``ann`` can compute with: a PyTorch tensor that
    requires grad as a detached view (the same memory; ``ann`` never updates its inputs
    and tracks no gradient); TypeError for a sparse tensor (``ann`` takes dense ones),
    ValueError for a ``meta`` tensor (which holds no values). Anything else as it is."""
    if not is_foreign(x):
        return x
    if getattr(x, "is_meta", False):
        raise ValueError(f"{name} is a meta tensor, which holds no values")
    layout = getattr(x, "layout", None)
    if layout is not None and str(layout) != "torch.strided":
        raise TypeError(f"{name} must be a dense tensor, got layout {layout} (use .to_dense())")
    return x.detach() if getattr(x, "requires_grad", False) else x


def to_numpy(x: Any) -> np.ndarray:
    """``x`` as a NumPy array on the host (a copy when it lives on another device)."""
    if is_numpy(x) or isinstance(x, (list, tuple, int, float)):
        return np.asarray(x)
    if hasattr(x, "detach"):  # PyTorch, on any device
        return check_values(x).cpu().numpy()
    if hasattr(x, "get") and type(x).__module__.startswith("cupy"):
        return x.get()
    try:  # a copy to the host when x lives on another device (NumPy 2.1's device=)
        return np.from_dlpack(x, device="cpu")
    except TypeError:
        return np.from_dlpack(x)


def first_rows(x: Any, n: int) -> Any:
    """The first ``n`` rows of ``x`` (all of them when it has fewer): an array of any
    namespace, or a list, pandas object, ... (which ``x[:n]`` slices)."""
    return x[: min(n, x.shape[0]), ...] if is_foreign(x) else x[:n]


def like(x: Any, reference: Any) -> Any:
    """``x`` (a NumPy array) in the namespace and on the device of ``reference``."""
    if is_numpy(reference):
        return to_numpy(x)
    return namespace(reference).asarray(x, device=device(reference))


def store(out: Any, value: Any) -> Any:
    """``value`` written into ``out`` (unless it is ``out`` already, or ``out`` is None);
    returns where it is."""
    if out is None or value is out:
        return value
    out[...] = value
    return out


def move(x: Any, reference: Any) -> Any:
    """``x`` in the namespace and on the device of ``reference`` (``x`` itself when it is
    there already; else through the host)."""
    if is_numpy(reference):
        return to_numpy(x)
    if is_foreign(x) and namespace(x) is namespace(reference) and device(x) == device(reference):
        return check_values(x)
    return like(to_numpy(x), reference)


def as_input(result: Any, X: Any) -> Any:
    """``result`` (predictions, outputs) in the namespace and on the device of the input
    ``X``: NumPy's for NumPy arrays, lists and the like; labels that are not numbers
    stay a NumPy array (no other namespace holds strings)."""
    if not is_foreign(X):
        return to_numpy(result)
    if is_numpy(result) and result.dtype.kind not in "biuf":
        return result
    return move(result, X)


def _elementwise(name: str, generic: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """NumPy's ``name`` with ``out=``, or in another namespace ``generic(xp, *args)``
    (default: the namespace's own ``name``)."""
    numpy_function = getattr(np, name)

    def operation(*args: Any, out: Any = None) -> Any:
        if is_numpy(args[0]):
            return numpy_function(*args, out=out)
        xp = namespace(args[0])
        return generic(xp, *args) if generic else getattr(xp, name)(*args)

    operation.__name__ = operation.__qualname__ = name
    operation.__doc__ = f"``numpy.{name}``, into ``out`` for NumPy, in any namespace."
    return operation


exp = _elementwise("exp")
tanh = _elementwise("tanh")
sqrt = _elementwise("sqrt")
negative = _elementwise("negative", lambda xp, x: -x)
reciprocal = _elementwise("reciprocal", lambda xp, x: 1.0 / x)
positive = _elementwise("positive", lambda xp, x: xp.asarray(x, copy=True))
multiply = _elementwise("multiply", lambda xp, x, y: x * y)
subtract = _elementwise("subtract", lambda xp, x, y: x - y)
divide = _elementwise("divide", lambda xp, x, y: x / y)
maximum = _elementwise("maximum")  # y may be a Python number (array API 2024.12)


def matmul(a: Any, b: Any, out: Any = None) -> Any:
    """``a @ b`` (into ``out`` for NumPy), also when ``b`` is a sparse input."""
    if is_numpy(a) and not is_sparse(b):
        return np.matmul(a, b, out=out)
    if is_numpy(a) and out is not None:
        out[...] = a @ b
        return out
    return a @ b


def sum_axis(x: Any, axis: int | None = None, keepdims: bool = False, out: Any = None) -> Any:
    """``x`` summed over ``axis`` (every axis: None), into ``out`` for NumPy (whose array
    method skips ``np.sum``'s dispatch, a few microseconds per batch)."""
    if is_numpy(x):
        return x.sum(axis=axis, keepdims=keepdims, out=out)
    return namespace(x).sum(x, axis=axis, keepdims=keepdims)


def argmax(x: Any, axis: int) -> Any:
    """The index of the largest value of ``x`` along ``axis``."""
    return x.argmax(axis=axis) if is_numpy(x) else namespace(x).argmax(x, axis=axis)


def count_true(mask: Any) -> Any:
    """How many values of the boolean ``mask`` are True: an int for NumPy; for other
    namespaces a 0-d array left on its device (reading it would make the host wait for
    the device at every batch)."""
    if is_numpy(mask):
        return int(np.count_nonzero(mask))
    return namespace(mask).count_nonzero(mask)


def max_axis(x: Any, axis: int, keepdims: bool = False) -> Any:
    """The largest value of ``x`` over ``axis``."""
    if is_numpy(x):
        return x.max(axis=axis, keepdims=keepdims)
    return namespace(x).max(x, axis=axis, keepdims=keepdims)


def multiply_by_mask(delta: Any, mask: Any) -> None:
    """``delta *= mask`` in place, for a boolean ``mask`` (1 where True, 0 where False)."""
    if is_numpy(delta):
        np.multiply(delta, mask, out=delta)
    else:
        delta *= namespace(delta).astype(mask, delta.dtype)


def squared_norm(x: Any) -> Any:
    """The sum of the squares of every value of ``x``: a float for NumPy, a 0-d array of
    ``x``'s namespace else (left on its device)."""
    if is_numpy(x):
        return float(np.vdot(x, x))
    return namespace(x).sum(x * x)


def row_norms(W: Any) -> Any:
    """The Euclidean norm of every row of the 2-D ``W``."""
    if is_numpy(W):
        return np.sqrt(np.einsum("ij,ij->i", W, W))
    xp = namespace(W)
    return xp.sqrt(xp.sum(W * W, axis=1))


def take_rows(X: Any, rows: Any, out: Any = None) -> Any:
    """The rows ``rows`` (indices) of ``X`` (into ``out`` for NumPy; the indices must be
    valid)."""
    if is_numpy(X) and out is not None:
        return np.take(X, rows, axis=0, out=out, mode="clip")
    return namespace(X).take(X, rows, axis=0)


def copy(x: Any) -> Any:
    """A copy of ``x``."""
    return namespace(x).asarray(x, copy=True)


def concat(blocks: list[Any], axis: int) -> Any:
    """The arrays ``blocks`` joined along ``axis``."""
    return namespace(blocks[0]).concat(blocks, axis=axis)


def all_finite(x: Any) -> bool:
    """Whether every value of ``x`` is finite."""
    xp = namespace(x)
    return bool(xp.all(xp.isfinite(x)))


def random_source(rng: Any, reference: Any) -> Any:
    """Where the dropout masks of training on ``reference``'s device are drawn from:
    ``rng`` itself (a NumPy ``Generator`` or ``RandomState``) for NumPy arrays; for
    PyTorch and CuPy, a generator on the device, seeded by one draw from ``rng`` (a mask
    drawn on the host would cost a copy per batch); for another namespace, ``rng``'s draws
    copied there. An object that is not a NumPy generator is taken as it is: anything
    with ``random(shape)`` giving arrays of ``reference``'s namespace."""
    if is_numpy(reference) or not isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    seed = int(rng.random() * 2**53)
    module = type(reference).__module__
    if module.startswith("torch"):
        return _TorchRandom(seed, reference)
    if module.startswith("cupy"):
        import cupy

        return cupy.random.default_rng(seed)
    return _CopiedRandom(np.random.default_rng(seed), reference)


class _TorchRandom:
    """Uniform draws in [0, 1) on a PyTorch tensor's device."""

    def __init__(self, seed: int, reference: Any) -> None:
        import torch

        self.torch, self.device = torch, reference.device
        self.generator = torch.Generator(device=reference.device).manual_seed(seed)

    def random(self, shape: tuple[int, ...]) -> Any:
        return self.torch.rand(shape, generator=self.generator, device=self.device)


class _CopiedRandom:
    """Uniform draws on the host, copied to ``reference``'s namespace and device."""

    def __init__(self, rng: np.random.Generator, reference: Any) -> None:
        self.rng, self.reference = rng, reference

    def random(self, shape: tuple[int, ...]) -> Any:
        return like(self.rng.random(shape), self.reference)


def dtype_name(dtype: Any) -> str:
    """The name of a dtype of any namespace: ``"float32"`` for ``torch.float32`` too."""
    return str(dtype).rsplit(".", 1)[-1]


def astype(x: Any, dtype: Any) -> Any:
    """``x`` in ``dtype`` (a NumPy dtype name or the namespace's), without a copy when it
    has that dtype already."""
    if is_numpy(x):
        return x.astype(dtype, copy=False)
    xp = namespace(x)
    if isinstance(dtype, (str, np.dtype, type)):
        dtype = getattr(xp, np.dtype(dtype).name)
    return xp.astype(x, dtype, copy=False)
