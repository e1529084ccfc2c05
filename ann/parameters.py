"""A network's parameters: one flat array, ``W1, b1, ..., WL, bL`` end to end, and its
views by name.

``Wl`` has shape ``(units_l, units_{l-1})`` and ``bl`` shape ``(units_l, 1)``.
``parameters["W1"]`` and the others are views into ``parameters.flat``, and so are the
gradients ``dW1, db1, ...``: an optimizer's step is then a few passes over one array,
and a snapshot of the network is one copy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import arrays
from .initializers import INITIALIZERS


class ParameterViews(dict[str, Any]):
    """``W1, b1, ...`` as views into one flat array, ``flat``. Assigning an entry copies
    the new values into its view (same shape required), so the flat array stays the
    truth; values of another namespace or device are moved to the flat array's."""

    flat: Any
    """The array of which every entry is a view: ``W1, b1, ..., WL, bL`` end to end."""

    def __setitem__(self, name: str, value: npt.ArrayLike) -> None:
        if name not in self:
            raise KeyError(f"{name!r} is not a parameter of this network; it has {list(self)}")
        shape = np.shape(value)
        if shape != tuple(self[name].shape):
            raise ValueError(
                f"{name} has shape {tuple(self[name].shape)}, got an array of shape {shape}"
            )
        view = self[name]
        view[...] = arrays.astype(arrays.move(value, self.flat), view.dtype)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as the flat array and the shapes: pickled views would come back as
        # copies, cut off from the flat array.
        if not self:
            return ParameterViews, ()
        shapes = {name: tuple(view.shape) for name, view in self.items()}
        return views, (self.flat, shapes)


def views(flat: Any, shapes: Mapping[str, tuple[int, ...]]) -> ParameterViews:
    """A ``ParameterViews`` of ``flat`` (1-D) cut into arrays of the given
    ``{name: shape}``, in order; their sizes must add up to ``flat``'s."""
    total = sum(math.prod(shape) for shape in shapes.values())
    if len(flat.shape) != 1 or flat.shape[0] != total:
        raise ValueError(
            f"flat must be 1-D with {total} values for the shapes {dict(shapes)}, "
            f"got shape {tuple(flat.shape)}"
        )
    result, start = ParameterViews(), 0
    xp = arrays.namespace(flat)
    for name, shape in shapes.items():
        size = math.prod(shape)
        dict.__setitem__(result, name, xp.reshape(flat[start : start + size], shape))
        start += size
    result.flat = flat
    return result


def parameter_shapes(sizes: Sequence[int], prefix: str = "") -> dict[str, tuple[int, int]]:
    """``{"W1": (units_1, n_features), "b1": (units_1, 1), ...}`` for the layer sizes
    ``(n_features, units_1, ..., units_L)``, in the flat array's order; ``prefix="d"``
    names the gradients."""
    shapes = {}
    for l in range(1, len(sizes)):
        shapes[f"{prefix}W{l}"] = (sizes[l], sizes[l - 1])
        shapes[f"{prefix}b{l}"] = (sizes[l], 1)
    return shapes


def placed(parameters: ParameterViews, like: Any) -> ParameterViews:
    """``parameters`` (drawn on the host) where the array ``like`` lives: a copy on its
    namespace and device, or the same views for NumPy."""
    if not arrays.is_foreign(like):
        return parameters
    shapes = {name: tuple(value.shape) for name, value in parameters.items()}
    return views(arrays.like(parameters.flat, like), shapes)


def initial_parameters(
    sizes: Sequence[int],
    init: str,
    rng: np.random.RandomState,
    tuned_for: Sequence[str],
    dtype: npt.DTypeLike = np.float64,
) -> ParameterViews:
    """New parameters for the layer sizes ``(n_features, units_1, ..., units_L)``, drawn
    from ``rng`` layer after layer by ``INITIALIZERS[init]``; ``tuned_for[l - 1]`` is the
    activation that layer ``l``'s initialization is tuned for. The article's default is
    ``init="article"``: ``Wl = randn(units_l, units_{l-1}) / sqrt(units_{l-1})``, ``bl = 0``.
    """
    if init not in INITIALIZERS:
        raise ValueError(f"init={init!r} is unknown; choose one of {sorted(INITIALIZERS)}")
    if len(tuned_for) != len(sizes) - 1:
        raise ValueError(
            f"tuned_for names {len(tuned_for)} activations for {len(sizes) - 1} layers"
        )
    shapes = parameter_shapes(sizes)
    parameters = views(np.empty(sum(math.prod(s) for s in shapes.values()), dtype=dtype), shapes)
    for l in range(1, len(sizes)):
        W, b = INITIALIZERS[init](rng, sizes[l], sizes[l - 1], tuned_for[l - 1])
        parameters[f"W{l}"], parameters[f"b{l}"] = W, b
    return parameters


def tuned_for(hidden: Sequence[str], activation: object, n_layers: int) -> list[str]:
    """The activation each of ``n_layers`` layers' initialization is tuned for: a hidden
    layer's own, for the output layer that of the layer below it, and with no hidden
    layer the ``activation`` setting (when it is a name)."""
    if not hidden:
        return [activation if isinstance(activation, str) else "identity"] * n_layers
    return [hidden[min(l, len(hidden)) - 1] for l in range(1, n_layers + 1)]


def adopt(
    parameters: Mapping[str, Any], shapes: Mapping[str, tuple[int, ...]], dtype: npt.DTypeLike
) -> ParameterViews:
    """``parameters`` (``W1, b1, ...``) checked to have exactly the given shapes: used as
    they are when they are a ``ParameterViews`` of ``dtype`` (sharing their memory), else
    copied into new views of that dtype, in the namespace and on the device of the first
    array that is not NumPy's (NumPy's when all are)."""
    if sorted(parameters) != sorted(shapes):
        raise ValueError(f"parameters must hold {list(shapes)}, got {sorted(parameters)}")
    for name, shape in shapes.items():
        if tuple(np.shape(parameters[name])) != tuple(shape):
            raise ValueError(
                f"{name} has shape {np.shape(parameters[name])}, the architecture needs {shape}"
            )
    wanted = np.dtype(dtype).name
    if (
        isinstance(parameters, ParameterViews)
        and arrays.dtype_name(parameters.flat.dtype) == wanted
    ):
        return parameters
    total = sum(math.prod(shape) for shape in shapes.values())
    flat = np.empty(total, dtype=dtype)
    reference = next((v for v in parameters.values() if arrays.is_foreign(v)), None)
    result = views(flat if reference is None else arrays.like(flat, reference), shapes)
    for name, value in parameters.items():
        result[name] = value
    return result
