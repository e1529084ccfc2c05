"""Hand a fitted network to PyTorch or to ONNX.

``to_torch(model)`` gives a ``torch.nn.Sequential`` of ``Linear`` layers and activation
modules holding the same weights, in the model's dtype, to continue training in PyTorch or
to use there; ``from_torch(module)`` turns such a Sequential back into an ``ANN``.
``to_onnx(model, path)`` writes the network as an ONNX graph that any ONNX runtime can
evaluate.

The layer ``Zl = Wl A(l-1) + bl`` (``Wl`` of shape ``(units_l, units_{l-1})``) acts on
columns of samples; PyTorch and ONNX take rows of samples, ``X`` of shape
``(n_samples, n_features)``, and compute ``Zl.T = A(l-1).T Wl.T + bl.T``. Both store
the weight as ``(out, in)``, like ``Wl``, so the arrays are copied as they are.

The exported network outputs ``AL.T``, shape ``(n_samples, units_L)``:

- softmax classifier: the class probabilities, ``predict_proba(X)``;
- binary classifier (one sigmoid unit): ``a``, the probability of ``classes_[1]``, the
  second column of ``predict_proba(X)`` (whose first column is ``1 - a``);
- sigmoid outputs with k units: one probability per unit;
- regressor: ``predict(X)`` as a column per output (ONNX only for the ``exp`` output of
  a Poisson regressor: ``torch.nn`` has no module for it).

``torch``, ``onnx`` and ``onnxruntime`` are optional: ``pip install -e ".[torch]"`` and
``pip install -e ".[onnx]"``. They are imported only when a function needs them.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import validation
from .activations import LEAKY_SLOPE
from .files import StrPath, atomic_file
from .network import ANN, DTYPES, NotFittedError

if TYPE_CHECKING:
    import onnx
    import torch

    from .estimators import BaseMLP

ONNX_OPSET = 17
"""The ONNX operator set the graphs use (onnxruntime 1.16 and newer run it)."""

_HIDDEN_MODULES = ("Linear", "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "Identity")
_OUTPUT_MODULES = ("Sigmoid", "Softmax(dim=1)", "nothing (a regressor)")


def _optional(package: str, extra: str, caller: str) -> ModuleType:
    """Import the optional ``package``; without it, one ImportError that says how to
    install the ``extra`` that brings it."""
    try:
        return importlib.import_module(package)
    except ImportError as error:
        raise ImportError(
            f"{caller} needs the optional package {package!r}, which is not "
            f'installed: pip install -e ".[{extra}]"'
        ) from error


def _network_of(model: ANN | BaseMLP) -> ANN:
    """The fitted ``ANN`` behind ``model``: ``model`` itself, or the ``network_`` of an
    estimator such as ``ann.MLPClassifier``. TypeError for anything else,
    NotFittedError for a model not fitted yet."""
    if isinstance(model, ANN):
        network = model
    elif hasattr(model, "network_"):
        network = model.network_
        if not isinstance(network, ANN):
            raise TypeError(
                f"{type(model).__name__}.network_ must be an ANN, got {type(network).__name__}"
            )
    elif type(model).__module__.partition(".")[0] == "ann" and hasattr(model, "fit"):
        # one of this package's estimators before fit: network_ appears with fit
        raise NotFittedError(f"this {type(model).__name__} is not fitted yet: call fit first")
    else:
        raise TypeError(
            "model must be an ANN or an estimator holding a fitted ANN in "
            f"network_ (ann.MLPClassifier, ann.MLPRegressor), got "
            f"{type(model).__name__}"
        )
    if not network.parameters:
        raise NotFittedError(
            "this ANN is not fitted yet: call fit (or initialize_parameters) first"
        )
    return network


def _activations(network: ANN) -> list[str]:
    """The activation names of layers 1 .. L: the hidden ones, then the output's."""
    return network.hidden_activations_ + [network.output_activation_]


# ------------------------------------------------------------------------ PyTorch
def _torch_activation_modules(nn: Any) -> tuple[dict[str, Any], dict[type, str]]:
    """Each activation name's module class (or factory), and back: each module class's
    activation name."""
    to_module = {
        "sigmoid": nn.Sigmoid,
        "relu": nn.ReLU,
        "tanh": nn.Tanh,
        "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE),
        "identity": nn.Identity,
        "softmax": lambda: nn.Softmax(dim=1),
    }
    to_name = {
        nn.Sigmoid: "sigmoid",
        nn.ReLU: "relu",
        nn.Tanh: "tanh",
        nn.LeakyReLU: "leaky_relu",
        nn.Identity: "identity",
        nn.Softmax: "softmax",
    }
    return to_module, to_name


def to_torch(model: ANN | BaseMLP) -> torch.nn.Sequential:
    """A ``torch.nn.Sequential`` computing the same outputs as ``model``.

    ``model`` is a fitted ``ANN`` or an estimator holding one in ``network_``. Each layer
    becomes a ``Linear`` (weight ``Wl``, bias ``bl``, in the model's dtype: float64
    modules for a float64 model) followed by its activation module: ``Sigmoid``,
    ``ReLU``, ``Tanh``, ``LeakyReLU(LEAKY_SLOPE)`` or ``Identity`` for the hidden
    layers, ``Sigmoid`` or ``Softmax(dim=1)`` for a classifier's output, nothing for a
    regressor's. The module maps ``X`` (n_samples, n_features) to ``AL.T``
    (n_samples, units_L); for a binary classifier that is one column, the probability
    of ``classes_[1]`` (``predict_proba(X)[:, 1]``). The parameters are copies: training
    the module leaves ``model`` unchanged. The ``exp`` output of a Poisson regressor
    has no ``torch.nn`` module: a ValueError.
    """
    network = _network_of(model)
    torch = _optional("torch", "torch", "to_torch")
    dtype = getattr(torch, network.dtype)
    to_module, _ = _torch_activation_modules(torch.nn)
    activations = _activations(network)
    for activation in activations:
        if activation not in to_module:
            raise ValueError(
                f"to_torch cannot export the {activation!r} activation: "
                "torch.nn has no module for it (to_onnx can)"
            )
    modules = []
    for l, activation in enumerate(activations, start=1):
        W, b = network.parameters[f"W{l}"], network.parameters[f"b{l}"]
        # skip_init: no random initialization (it would draw from torch's global
        # generator), the weights are copied in right after
        linear = torch.nn.utils.skip_init(torch.nn.Linear, W.shape[1], W.shape[0], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b[:, 0]))
        modules.append(linear)
        if l < network.n_layers or activation != "identity":
            modules.append(to_module[activation]())
    return torch.nn.Sequential(*modules)


def from_torch(
    module: torch.nn.Sequential, classes: npt.ArrayLike | None = None, multilabel: bool = False
) -> ANN:
    """The ``ANN`` computing what ``module`` computes: the inverse of ``to_torch``.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear`` layers, each followed by at
    most one activation module: ``ReLU``, ``Sigmoid``, ``Tanh``, ``LeakyReLU`` (with
    ``negative_slope == LEAKY_SLOPE``) or ``Identity`` (or none) after a hidden layer;
    ``Sigmoid``, ``Softmax(dim=1)`` or nothing (a regressor) after the last one. The
    weights must be all float32 or all float64; the ANN takes that dtype. ``classes``
    are the labels of a classifier's outputs (sorted and distinct, as ``classes_``);
    by default ``0 .. k-1``. ``multilabel=True`` makes a network with k sigmoid outputs
    predict a 0/1 indicator per output (``multilabel_``) rather than the class of the
    largest output. Anything else is a ValueError naming the module and its
    position in the Sequential. A Linear without bias gets ``bl = 0``.
    """
    torch = _optional("torch", "torch", "from_torch")
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"module must be a torch.nn.Sequential, got {type(module).__name__}")
    layers = _torch_layers(torch.nn, module)
    linears = [linear for linear, _ in layers]
    activations = [name for _, name in layers]
    dtype = _torch_dtype(linears)
    network = ANN(
        [linear.out_features for linear in linears],
        activation=activations[:-1],
        output=activations[-1],
        dtype=dtype,
    )
    network.initialize_parameters(linears[0].in_features)
    for l, linear in enumerate(linears, start=1):
        # in place: the parameters may be views into one buffer
        network.parameters[f"W{l}"][...] = linear.weight.detach().cpu().numpy()
        if linear.bias is not None:
            network.parameters[f"b{l}"][:, 0] = linear.bias.detach().cpu().numpy()
    if classes is not None:
        _set_classes(network, classes)
    if validation.check_bool("multilabel", multilabel):
        if activations[-1] != "sigmoid" or network.layers_size[-1] < 2:
            raise ValueError(
                "multilabel=True needs k >= 2 sigmoid outputs, got "
                f"{network.layers_size[-1]} {activations[-1]} output(s)"
            )
        network.multilabel_ = True
    return network


def _torch_layers(nn: Any, sequential: torch.nn.Sequential) -> list[tuple[Any, str]]:
    """``[(linear, activation name), ...]`` for the layers of ``sequential``, checked."""
    _, to_name = _torch_activation_modules(nn)
    layers: list[list[Any]] = []  # [linear, activation name or None, its position]
    for position, module in enumerate(sequential):
        where = f"module {position} of the Sequential ({module!r})"
        if type(module) is nn.Linear:
            if layers and module.in_features != layers[-1][0].out_features:
                raise ValueError(
                    f"{where} takes {module.in_features} inputs, but the "
                    f"Linear before it gives {layers[-1][0].out_features}"
                )
            layers.append([module, None, None])
            continue
        name = to_name.get(type(module))
        if name is None:
            raise ValueError(
                f"{where} is not supported: use {', '.join(_HIDDEN_MODULES)}, "
                f"and for the output {', '.join(_OUTPUT_MODULES)}"
            )
        if not layers or layers[-1][1] is not None:
            raise ValueError(f"{where} must follow a Linear: one activation per layer")
        if name == "leaky_relu" and module.negative_slope != LEAKY_SLOPE:
            raise ValueError(
                f"{where} has negative_slope={module.negative_slope}, but "
                f"ann's leaky_relu has slope LEAKY_SLOPE={LEAKY_SLOPE}"
            )
        if name == "softmax" and module.dim not in (1, -1):
            raise ValueError(
                f"{where} must take the softmax over the classes, dim=1 "
                f"(or -1), got dim={module.dim}"
            )
        layers[-1][1:] = [name, position]
    if not layers:
        raise ValueError("the Sequential holds no Linear layer")
    for _, name, position in layers[:-1]:
        if name == "softmax":
            raise ValueError(
                f"module {position} of the Sequential (Softmax) follows a "
                "hidden layer: softmax is for the output only"
            )
    _, name, position = layers[-1]
    if name not in (None, "identity", "sigmoid", "softmax"):
        raise ValueError(
            f"module {position} of the Sequential ({sequential[position]!r}) "
            f"is not an output activation: use {', '.join(_OUTPUT_MODULES)}"
        )
    return [(linear, name or "identity") for linear, name, _ in layers]


def _torch_dtype(linears: Sequence[Any]) -> str:
    """The dtype name shared by every weight and bias of ``linears``, checked finite."""
    dtypes = set()
    for number, linear in enumerate(linears, start=1):
        for tensor in (linear.weight, linear.bias):
            if tensor is None:
                continue
            dtypes.add(str(tensor.dtype).removeprefix("torch."))
            if not bool(tensor.detach().isfinite().all()):
                raise ValueError(f"Linear layer {number} holds NaN or infinite weights")
    if len(dtypes) != 1 or not dtypes <= set(DTYPES):
        raise ValueError(
            f"the Linear layers must be all float32 or all float64, got {sorted(dtypes)}"
        )
    return dtypes.pop()


def _set_classes(network: ANN, classes: npt.ArrayLike) -> None:
    """Give ``network`` the labels ``classes`` for its outputs, checked."""
    if not network.is_classifier:
        raise ValueError(
            "classes is for classifiers; this network is a regressor (no output activation)"
        )
    classes = np.asarray(classes)
    expected = len(network.classes_)
    if classes.ndim != 1 or len(classes) != expected:
        raise ValueError(
            f"classes must list {expected} labels for this output layer, got shape {classes.shape}"
        )
    if not np.array_equal(np.unique(classes), classes):
        raise ValueError(f"classes must be sorted and distinct, got {classes.tolist()}")
    network.classes_ = classes


# --------------------------------------------------------------------------- ONNX
def to_onnx(model: ANN | BaseMLP, path: StrPath) -> onnx.ModelProto:
    """Write ``model`` as an ONNX graph to ``path`` (atomically); returns the
    ``onnx.ModelProto``.

    The graph takes ``X``, shape ``[None, n_features]`` in the model's dtype, and gives
    ``AL`` (e.g. ``A2`` for a two-layer network), shape ``[None, units_L]``: the same
    values as the module of ``to_torch``, see the module's docstring. Each layer is a
    ``Gemm`` (``Zl = A(l-1) Wl.T + bl``) and its activation (``Sigmoid``, ``Relu``,
    ``Tanh``, ``Identity``, ``Exp``, ``Softmax`` over axis 1; leaky ReLU is ``Max(Z, slope * Z)``:
    ONNX's ``LeakyRelu`` keeps its slope as a float32 attribute, which onnxruntime
    applies to float64 inputs too, 2e-8 off). A classifier's ``classes_`` are kept in
    the model's metadata, ``classes``, as JSON.
    """
    network = _network_of(model)
    onnx = _optional("onnx", "onnx", "to_onnx")
    proto = _onnx_model(onnx, network)
    onnx.checker.check_model(proto)
    with atomic_file(path) as stream:
        stream.write(proto.SerializeToString())
    return proto


def _onnx_model(onnx: Any, network: ANN) -> onnx.ModelProto:
    """The ONNX ``ModelProto`` of ``network``."""
    from . import __version__

    helper = onnx.helper
    dtype = np.dtype(DTYPES[network.dtype])
    element = helper.np_dtype_to_tensor_dtype(dtype)
    activations = _activations(network)
    nodes, weights = [], []
    if "leaky_relu" in activations:
        weights.append(onnx.numpy_helper.from_array(np.array(LEAKY_SLOPE, dtype), "slope"))
    for l, activation in enumerate(activations, start=1):
        W, b = network.parameters[f"W{l}"], network.parameters[f"b{l}"]
        weights += [
            onnx.numpy_helper.from_array(np.ascontiguousarray(W), f"W{l}"),
            onnx.numpy_helper.from_array(np.ascontiguousarray(b[:, 0]), f"b{l}"),
        ]
        previous = "X" if l == 1 else f"A{l - 1}"
        nodes.append(helper.make_node("Gemm", [previous, f"W{l}", f"b{l}"], [f"Z{l}"], transB=1))
        nodes += _onnx_activation(helper, activation, f"Z{l}", f"A{l}")
    L, units = network.n_layers, network.layers_size[-1]
    graph = helper.make_graph(
        nodes,
        "ann",
        inputs=[helper.make_tensor_value_info("X", element, [None, network.n_features_in_])],
        outputs=[helper.make_tensor_value_info(f"A{L}", element, [None, units])],
        initializer=weights,
    )
    opsets = [helper.make_opsetid("", ONNX_OPSET)]
    proto = helper.make_model(
        graph, opset_imports=opsets, producer_name="ann", producer_version=__version__
    )
    # the oldest file format that holds this opset, so older runtimes read the file
    proto.ir_version = helper.find_min_ir_version_for(opsets)
    if network.is_classifier:
        # bytes labels as text (JSON has no bytes), each byte one character
        classes = [
            c.decode("latin-1") if isinstance(c, bytes) else c for c in network.classes_.tolist()
        ]
        helper.set_model_props(proto, {"classes": json.dumps(classes)})
    return proto


_ONNX_OPERATORS = {
    "sigmoid": "Sigmoid",
    "relu": "Relu",
    "tanh": "Tanh",
    "identity": "Identity",
    "exp": "Exp",
}


def _onnx_activation(helper: Any, name: str, Z: str, A: str) -> list[Any]:
    """The nodes computing ``A = g(Z)`` for the activation ``name``."""
    if name == "softmax":
        return [helper.make_node("Softmax", [Z], [A], axis=1)]
    if name == "leaky_relu":
        # for 0 < slope < 1, max(z, slope z) is z when z > 0 and slope z otherwise
        return [
            helper.make_node("Mul", [Z, "slope"], [f"{Z}_sloped"]),
            helper.make_node("Max", [Z, f"{Z}_sloped"], [A]),
        ]
    return [helper.make_node(_ONNX_OPERATORS[name], [Z], [A])]
