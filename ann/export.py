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

What the outputs mean is not in the weights: a classifier's labels (``classes_``) and
whether k sigmoid outputs are k independent labels (``multilabel_``, a 0/1 indicator per
output) or k classes (the largest wins). ``to_torch`` keeps both as attributes of the
Sequential it returns, ``module.classes_`` and ``module.multilabel_`` (plain Python
attributes: they go with ``copy.deepcopy`` and ``torch.save(module)``, not with a
``state_dict``), and ``from_torch`` reads them back, so ``from_torch(to_torch(model))``
predicts what ``model`` predicts; its ``classes`` and ``multilabel`` arguments name them
for a module that lacks them. ``to_onnx`` writes them in the file's metadata. The loss and
the training settings are not exported: the ``ANN`` of ``from_torch`` predicts as the
module does and trains with ``ANN``'s defaults.

Only finite parameters are exported: a model whose fit diverged (NaN or infinite weights)
is refused with a ValueError, as ``ANN.load`` refuses such a file.

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
    network = _without_input_divisor(network.to_numpy())
    _check_finite(network)
    return network


def _without_input_divisor(network: ANN) -> ANN:
    """``network`` computing the same function with ``input_divisor`` folded into
    ``W1`` (``W1 (x / d) = (W1 / d) x``, equal up to rounding), which the exported
    graphs, made of Linear layers and activations, can hold."""
    if network.input_divisor is None:
        return network
    parameters = dict(network.parameters, W1=network.parameters["W1"] / network.input_divisor)
    return ANN.from_parameters(
        parameters,
        classes=network.classes_ if network.is_classifier else None,
        multilabel=getattr(network, "multilabel_", False) if network.is_classifier else False,
        record=network.record,
        **dict(network.get_params(), input_divisor=None),
    )


def _check_finite(network: ANN) -> None:
    """ValueError naming the first parameter of ``network`` that holds NaN or infinity."""
    for name, value in network.parameters.items():
        bad = value.size - np.count_nonzero(np.isfinite(value))
        if bad:
            raise ValueError(
                f"{name} holds {bad} NaN or infinite value{'s' if bad > 1 else ''}: a model "
                "with non-finite parameters cannot be exported (its fit diverged? try a "
                "smaller learning rate or scaled inputs)"
            )


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
    the module leaves ``model`` unchanged. A classifier's module also carries
    ``classes_`` (a copy) and ``multilabel_`` (a bool), which ``from_torch`` reads.
    The ``exp`` output of a Poisson regressor has no ``torch.nn`` module, and a model
    with NaN or infinite parameters is not exported: a ValueError.
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
    sequential = torch.nn.Sequential(*modules)
    if network.is_classifier:
        # what the weights do not say: the labels, and how k sigmoids are read
        sequential.classes_ = network.classes_.copy()
        sequential.multilabel_ = bool(getattr(network, "multilabel_", False))
    return sequential


def from_torch(
    module: torch.nn.Sequential,
    classes: npt.ArrayLike | None = None,
    multilabel: bool | None = None,
) -> ANN:
    """The ``ANN`` computing what ``module`` computes: the inverse of ``to_torch``.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear`` layers, each followed by at
    most one activation module: ``ReLU``, ``Sigmoid``, ``Tanh``, ``LeakyReLU`` (with
    ``negative_slope == LEAKY_SLOPE``) or ``Identity`` (or none) after a hidden layer;
    ``Sigmoid``, ``Softmax(dim=1)`` or nothing (a regressor) after the last one. The
    weights must be all float32 or all float64 (``module.float()`` converts float16 or
    bfloat16 ones); the ANN takes that dtype. They are copied from any device (CUDA
    tensors through the CPU); a module on the ``meta`` device has no values to copy.

    ``classes`` are the labels of a classifier's outputs (sorted and distinct, as
    ``classes_``): by default the module's ``classes_`` attribute, which ``to_torch``
    sets, else ``0 .. k-1``. ``multilabel=True`` makes a network with k sigmoid outputs
    predict a 0/1 indicator per output (``multilabel_``) rather than the class of the
    largest output: by default the module's ``multilabel_``, else False. So
    ``from_torch(to_torch(model))`` predicts what ``model`` predicts.

    Anything else is a ValueError naming the module and its position in the
    Sequential. A Linear without bias gets ``bl = 0``.
    """
    torch = _optional("torch", "torch", "from_torch")
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"module must be a torch.nn.Sequential, got {type(module).__name__}")
    layers = _torch_layers(torch.nn, module)
    linears = [linear for linear, _ in layers]
    activations = [name for _, name in layers]
    arrays, dtype = _torch_arrays(linears)
    parameters = {}
    for l, (W, b) in enumerate(arrays, start=1):
        parameters[f"W{l}"] = W
        parameters[f"b{l}"] = np.zeros((W.shape[0], 1), W.dtype) if b is None else b[:, None]
    units = linears[-1].out_features
    return ANN.from_parameters(
        parameters,
        **_labels(module, classes, multilabel, units, activations[-1]),
        layers_size=[linear.out_features for linear in linears],
        activation=activations[:-1],
        output=activations[-1],
        dtype=dtype,
    )


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
            raise ValueError(_unsupported(nn, module, where))
        if not layers or layers[-1][1] is not None:
            raise ValueError(f"{where} must follow a Linear: one activation per layer")
        _check_activation_module(module, name, where)
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


def _unsupported(nn: Any, module: Any, where: str) -> str:
    """The message for a ``module`` that ``ANN`` has no layer for."""
    message = (
        f"{where} is not supported: use {', '.join(_HIDDEN_MODULES)}, "
        f"and for the output {', '.join(_OUTPUT_MODULES)}"
    )
    if isinstance(module, nn.LazyLinear):
        return f"{message} (a LazyLinear becomes a Linear after one forward pass)"
    if isinstance(module, nn.Dropout):
        return f"{message} (dropout only acts in training: remove it, or use ANN(dropout=p))"
    return message


def _check_activation_module(module: Any, name: str, where: str) -> None:
    """ValueError when the activation ``module`` (named ``name``) computes something
    other than ann's activation of that name."""
    if name == "leaky_relu" and module.negative_slope != LEAKY_SLOPE:
        raise ValueError(
            f"{where} has negative_slope={module.negative_slope}, but "
            f"ann's leaky_relu has slope LEAKY_SLOPE={LEAKY_SLOPE}"
        )
    if name == "softmax" and module.dim not in (1, -1):
        raise ValueError(
            f"{where} must take the softmax over the classes, dim=1 (or -1), got dim={module.dim}"
        )


def _torch_arrays(linears: Sequence[Any]) -> tuple[list[tuple[np.ndarray, Any]], str]:
    """``[(Wl, bl or None), ...]``, the weights and biases of ``linears`` as NumPy arrays
    on the CPU, and the dtype name they share; each checked (see ``_torch_array``)."""
    arrays, dtypes = [], set()
    for number, linear in enumerate(linears, start=1):
        shape = (linear.out_features, linear.in_features)
        W = _torch_array(linear.weight, f"Linear layer {number} (weight)", shape)
        b = None
        if linear.bias is not None:
            b = _torch_array(linear.bias, f"Linear layer {number} (bias)", shape[:1])
        dtypes |= {array.dtype.name for array in (W, b) if array is not None}
        arrays.append((W, b))
    if len(dtypes) != 1:
        raise ValueError(
            f"the Linear layers must be all float32 or all float64, got {sorted(dtypes)}"
        )
    return arrays, dtypes.pop()


def _torch_array(tensor: Any, where: str, shape: tuple[int, ...]) -> np.ndarray:
    """The values of ``tensor`` (named ``where``) as a NumPy array, read from any device.
    ValueError for a tensor without values (``meta``), of another dtype than float32 and
    float64, of another shape than ``shape``, or holding NaN or infinity."""
    if tensor.is_meta:
        raise ValueError(
            f"{where} is on PyTorch's meta device: a meta tensor has a shape but no values "
            "to copy; give the module its weights first (module.to_empty(device='cpu'), "
            "then load_state_dict)"
        )
    dtype = str(tensor.dtype).removeprefix("torch.")
    if dtype not in DTYPES:
        raise ValueError(
            f"the Linear layers must be all float32 or all float64, got {dtype} in "
            f"{where}: convert the module with module.float() or module.double()"
        )
    if tuple(tensor.shape) != shape:
        raise ValueError(
            f"{where} has shape {tuple(tensor.shape)}, but its layer's out_features and "
            f"in_features say {shape}"
        )
    try:
        array = tensor.detach().cpu().numpy()  # a copy from a GPU, a view on the CPU
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"{where} cannot be read as NumPy values: {error}") from error
    if not np.isfinite(array).all():
        raise ValueError(f"{where} holds NaN or infinite values")
    return array


def _labels(
    module: Any, classes: npt.ArrayLike | None, multilabel: bool | None, units: int, output: str
) -> dict[str, Any]:
    """The ``classes`` and ``multilabel`` of the network read from ``module``: the
    arguments where given, else the module's attributes of those names (which
    ``to_torch`` sets), checked to fit the ``units`` outputs."""
    name = "classes"
    if classes is None and getattr(module, "classes_", None) is not None:
        classes, name = module.classes_, "module.classes_ (set by to_torch)"
    if multilabel is None:
        multilabel = bool(getattr(module, "multilabel_", False))
    if classes is not None:
        if output not in ("sigmoid", "softmax"):
            raise ValueError(
                f"{name} is for classifiers; this network is a regressor (no output activation)"
            )
        expected = 2 if units == 1 else units
        shape = np.shape(classes)
        if len(shape) != 1 or shape[0] != expected:
            raise ValueError(
                f"{name} must list {expected} labels for this output layer, got shape {shape}"
            )
        classes = validation.check_labels(classes, expected, name)
    return {"classes": classes, "multilabel": multilabel}


# --------------------------------------------------------------------------- ONNX
def to_onnx(
    model: ANN | BaseMLP, path: StrPath, input_dtype: npt.DTypeLike | None = None
) -> onnx.ModelProto:
    """Write ``model`` as an ONNX graph to ``path`` (atomically); returns the
    ``onnx.ModelProto``.

    The graph takes ``X``, shape ``[None, n_features]``, and gives ``AL`` (e.g. ``A2``
    for a two-layer network), shape ``[None, units_L]`` in the model's dtype: the same
    values as the module of ``to_torch``, see the module's docstring. ``X`` has the
    model's dtype unless ``input_dtype`` names another one that ``predict`` takes
    (float16, float32, float64, an integer type or bool): a runtime accepts only the
    input's declared type, so ``to_onnx(model, path, input_dtype="float32")`` gives a
    float64 model a float32 input, which a ``Cast`` node turns into the model's dtype
    (``A0``) as ``predict`` does: the outputs are those of ``predict_proba`` for the same
    ``X``. Each layer is a ``Gemm`` (``Zl = A(l-1) Wl.T + bl``) and its activation
    (``Sigmoid``, ``Relu``, ``Tanh``, ``Identity``, ``Exp``, ``Softmax`` over axis 1;
    leaky ReLU is ``Max(Z, slope * Z)``: ONNX's ``LeakyRelu`` keeps its slope as a float32
    attribute, which onnxruntime applies to float64 inputs too, 2e-8 off).

    A classifier's ``classes_`` are kept in the model's metadata, ``classes``, as a JSON
    list (bytes labels as text, each byte one character: ``label.encode("latin-1")``
    gives them back), with ``multilabel`` (JSON ``true`` when the k sigmoid outputs are
    k independent labels). A model with NaN or infinite parameters is refused (a
    ValueError) and no file is written.
    """
    network = _network_of(model)
    onnx = _optional("onnx", "onnx", "to_onnx")
    proto = _onnx_model(onnx, network, _input_dtype(input_dtype, network))
    onnx.checker.check_model(proto)
    with atomic_file(path) as stream:
        stream.write(proto.SerializeToString())
    return proto


_ONNX_INPUT_TYPES = (
    *("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"),
    *("float16", "float32", "float64"),
)
"""The input types ``to_onnx`` can declare: those ``predict`` takes and ONNX's ``Cast`` reads."""


def _input_dtype(input_dtype: npt.DTypeLike | None, network: ANN) -> np.dtype:
    """The checked NumPy dtype of the graph's input: ``input_dtype``, else the model's."""
    if input_dtype is None:
        return np.dtype(DTYPES[network.dtype])
    try:
        dtype = np.dtype(input_dtype)
    except TypeError as error:
        raise TypeError(
            f"input_dtype must be a NumPy dtype or its name, got {input_dtype!r}"
        ) from error
    if dtype not in [np.dtype(name) for name in _ONNX_INPUT_TYPES]:
        raise ValueError(
            f"input_dtype must be one of {', '.join(_ONNX_INPUT_TYPES)} (what predict "
            f"takes), got {dtype}"
        )
    return dtype


def _onnx_model(onnx: Any, network: ANN, input_dtype: np.dtype) -> onnx.ModelProto:
    """The ONNX ``ModelProto`` of ``network``, taking ``X`` of ``input_dtype``."""
    from . import __version__

    helper = onnx.helper
    dtype = np.dtype(DTYPES[network.dtype])
    element = helper.np_dtype_to_tensor_dtype(dtype)
    activations = _activations(network)
    nodes, weights = [], []
    if input_dtype != dtype:  # predict's cast of X to the model's dtype
        nodes.append(helper.make_node("Cast", ["X"], ["A0"], to=element))
    if "leaky_relu" in activations:
        weights.append(onnx.numpy_helper.from_array(np.array(LEAKY_SLOPE, dtype), "slope"))
    for l, activation in enumerate(activations, start=1):
        W, b = network.parameters[f"W{l}"], network.parameters[f"b{l}"]
        weights += [
            onnx.numpy_helper.from_array(np.ascontiguousarray(W), f"W{l}"),
            onnx.numpy_helper.from_array(np.ascontiguousarray(b[:, 0]), f"b{l}"),
        ]
        previous = f"A{l - 1}" if l > 1 or nodes else "X"
        nodes.append(helper.make_node("Gemm", [previous, f"W{l}", f"b{l}"], [f"Z{l}"], transB=1))
        nodes += _onnx_activation(helper, activation, f"Z{l}", f"A{l}")
    L, units = network.n_layers, network.layers_size[-1]
    X = helper.make_tensor_value_info(
        "X", helper.np_dtype_to_tensor_dtype(input_dtype), [None, network.n_features_in_]
    )
    graph = helper.make_graph(
        nodes,
        "ann",
        inputs=[X],
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
        multilabel = bool(getattr(network, "multilabel_", False))
        helper.set_model_props(
            proto, {"classes": _json_labels(network.classes_), "multilabel": json.dumps(multilabel)}
        )
    return proto


def _json_labels(classes: np.ndarray) -> str:
    """``classes`` as a JSON list: Python's own numbers, strings and bools; bytes as
    text, each byte one character (JSON has no bytes). ValueError for labels that JSON
    cannot hold (NaN or infinity among them)."""
    labels = []
    for label in classes.tolist():
        if isinstance(label, np.generic):  # an object array keeps NumPy scalars
            label = label.item()
        labels.append(label.decode("latin-1") if isinstance(label, bytes) else label)
    try:
        return json.dumps(labels, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"the classes {labels[:5]} cannot be written as JSON metadata: {error}"
        ) from error


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
