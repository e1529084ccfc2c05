"""The vectorized N-layer network, trained with matrix-form backpropagation.

Notation (the article's): ``X`` is ``(n_samples, n_features)``; inside, ``A0 = X.T`` and
every activation is ``(units, samples)``. For layer ``l = 1 .. L``::

    Zl = Wl @ A(l-1) + bl            Wl: (units_l, units_{l-1}),  bl: (units_l, 1)
    Al = g(Zl)                       g: the layer's activation; the output's is
                                     sigmoid, softmax, identity or exp

and backward, from the output's ``dZL``: ``AL - T`` for the canonical output/loss pairs
(``T`` the targets, ``(units_L, n)``), ``dAL * g'(ZL)`` for the others::

    dWl = dZl @ A(l-1).T / n         dbl = dZl.sum(axis=1, keepdims=True) / n
    dA(l-1) = Wl.T @ dZl             dZ(l-1) = dA(l-1) * g'(Z(l-1))

The first layer needs no ``dA0``. With dropout, ``Al`` is multiplied by a mask of zeros and
``1 / (1 - p)`` after ``g`` and ``dAl`` by the same mask. With sample weights ``w``, ``n``
becomes ``sum(w)`` and each column of ``dZL`` is multiplied by its weight.

The parameters live end to end in one flat array, ``W1, b1, ..., WL, bL``;
``parameters["W1"]`` and the others are views into it, and so are the gradients. An
optimizer's step is then a few passes over one array.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from . import validation
from .activations import ACTIVATIONS, DERIVATIVES, HIDDEN_ACTIVATIONS
from .initializers import INITIALIZERS
from .losses import (
    CANONICAL_PAIRS,
    DEFAULT_LOSS,
    LOSS_GRADIENTS,
    LOSS_OUTPUTS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
)
from .optimizers import OPTIMIZERS, SCHEDULES, Progress, make_optimizer
from .persistence import load_model, save_model
from .progress import closing_callbacks, progress_bar
from .stopping import Patience, RunAll

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from typing_extensions import Self

    from .files import StrPath

CHUNK = 8192
"""Samples per block when a full batch is split: the gradient of a mean cost is the
sum of the blocks' gradients. A block bounds the memory of a pass (each layer's ``Z``,
``A`` and ``dZ`` for ``CHUNK`` samples, reused from block to block); larger blocks make
fewer, more efficient matrix products (8192 took 0.89x to 0.97x the time of 2048 for a
full-batch pass of 784-196-1, 784-100-10 and 784-800-10 networks)."""

DTYPES = {"float64": np.float64, "float32": np.float32}

TRAINING_BUFFERS = ("_grads", "_grad_flat", "_block_flat", "_scratch", "_buffers_key")
"""The model's attributes that training keeps from one batch to the next (see
``_gradient_buffers``): rebuilt when needed, never pickled."""

STRUCTURE = ("layers_size", "activation", "output", "loss", "dtype")
"""The constructor's arguments that the fitted parameters depend on: changing one with
``set_params`` unfits the model."""


def _same(a: object, b: object) -> bool:
    """Whether two argument values are equal (lists, tuples and arrays by content)."""
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except (TypeError, ValueError):
        return a is b


CLASSIFIER_OUTPUTS = ("auto", "sigmoid", "softmax")

Validation: TypeAlias = "tuple[np.ndarray, np.ndarray, np.ndarray | None]"
"""A validation set as the epoch loop takes it: ``(X_val, T_val, weights_val)``."""


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite cost."""


class NotFittedError(ValueError, AttributeError):
    """The model was used before ``fit`` (or ``initialize_parameters``)."""


class ParameterViews(dict[str, np.ndarray]):
    """``W1, b1, ...`` as views into one flat array. Assigning an entry copies the new
    values into its view (same shape required), so the flat array stays the truth."""

    def __setitem__(self, name: str, value: npt.ArrayLike) -> None:
        if name not in self:
            raise KeyError(f"{name!r} is not a parameter of this network; it has {list(self)}")
        value = np.asarray(value)
        if value.shape != self[name].shape:
            raise ValueError(
                f"{name} has shape {self[name].shape}, got an array of shape {value.shape}"
            )
        self[name][...] = value


def views(flat: np.ndarray, shapes: Mapping[str, tuple[int, ...]]) -> ParameterViews:
    """A ``ParameterViews`` of ``flat`` cut into arrays of the given ``{name: shape}``."""
    result, start = ParameterViews(), 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        dict.__setitem__(result, name, flat[start : start + size].reshape(shape))
        start += size
    return result


class Scratch:
    """Arrays reused from one batch (or block) to the next, so that training allocates
    nothing per batch: fresh arrays of a megabyte or more cost page faults every time.

    ``scratch("Z1", (100, 200))`` is a C-contiguous ``(100, 200)`` view of the buffer
    kept under ``"Z1"``, which grows when a larger shape is asked for. A name's array
    is overwritten by the next call with the same name.
    """

    def __init__(self, dtype: npt.DTypeLike) -> None:
        self.dtype = np.dtype(dtype)
        self.buffers: dict[str, np.ndarray] = {}

    def __call__(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        size = math.prod(shape)
        buffer = self.buffers.get(name)
        if buffer is None or buffer.size < size:
            buffer = self.buffers[name] = np.empty(size, self.dtype)
        return buffer[:size].reshape(shape)


def is_sparse(A: object) -> bool:
    """True for a SciPy sparse matrix or array (the scikit-learn estimators pass them)."""
    return hasattr(A, "tocsr") and not isinstance(A, np.ndarray)


def matmul(a: Any, b: Any, out: np.ndarray | None = None) -> Any:
    """``a @ b`` into ``out``, also when ``b`` is a sparse input."""
    if not is_sparse(b):
        return np.matmul(a, b, out=out)
    if out is None:
        return a @ b
    out[...] = a @ b
    return out


class ANN:
    """A fully connected network: the article's ``ANN`` class, grown up.

    Parameters
    ----------
    layers_size : sequence of int
        Hidden and output sizes, e.g. ``[196, 1]``; the input size comes from ``X``.
    activation : str or sequence of str
        Hidden activation, one name for every hidden layer or one per hidden layer:
        ``sigmoid`` (the article's), ``relu``, ``tanh``, ``leaky_relu``, ``identity``.
    output : str
        ``auto`` (one unit: sigmoid; k units: softmax), ``sigmoid`` (one unit: binary;
        k units: k independent sigmoids, for k classes predicted by the largest output or,
        with 2-D targets in [0, 1], multi-label), ``softmax``, ``identity`` (a regressor)
        or ``exp`` (a regressor of positive rates, with the Poisson loss).
    optimizer : str
        ``gd`` (full-batch gradient descent, the article's), ``sgd`` (mini-batch with
        momentum, optionally Nesterov) or ``adam``; ``sklearn_sgd`` and ``sklearn_adam``
        are scikit-learn's forms of the last two.
    learning_rate : float
    n_iterations : int
        Passes over the training data (epochs). With full-batch ``gd`` each pass is
        one iteration, as in the article.
    batch_size : int or None
        Samples per update; None means the full batch.
    momentum, nesterov : for ``sgd``.  beta_1, beta_2, epsilon : for ``adam``.
    lr_schedule : str
        ``constant``, ``cosine`` (decay over the epochs) or ``invscaling``
        (``learning_rate / (samples_seen + 1) ** power_t``).
    l2 : float
        Weight decay: adds ``l2 / (2 n) * sum(W**2)`` to the cost of a batch of n.
    init : str
        ``article`` (``randn / sqrt(fan_in)``), ``he``, ``glorot``, ``nielsen`` (weights
        and biases ``randn``), ``nielsen_scaled`` (``randn / sqrt(fan_in)``, biases
        ``randn``) or ``sklearn``.
    seed : int
        Seeds the initialization (``RandomState(seed)``, as the article's
        ``np.random.seed``) and, separately, the shuffles and dropout masks; the global
        NumPy random state is never touched.
    dtype : str
        ``float64`` (default, exact) or ``float32`` (faster).
    early_stopping : bool
        Stop when the validation cost has not improved for ``patience`` epochs and
        restore the best parameters. The validation set is ``validation_data`` given
        to ``fit``, else a ``validation_fraction`` of the training data held out.
    quiet : bool
        No progress bar (there is none either when stderr is not a terminal).
    loss : str
        ``auto`` (the output's canonical loss: binary or categorical cross-entropy,
        squared error, Poisson), or ``squared_error`` with any output (Nielsen's
        quadratic cost with sigmoid outputs), or a canonical loss by name.
    power_t : float
        The exponent of ``invscaling``.
    dropout : float or sequence of float
        Probability of dropping each hidden unit while training, one for every hidden
        layer or one per hidden layer (inverted dropout: off at prediction).
    input_dropout : float
        Probability of dropping each input while training.
    max_norm : float or None
        After every update, each unit's incoming weights (a row of ``Wl``) are scaled
        down to at most this Euclidean norm.
    callbacks : sequence of callables
        Each is called as ``callback(model)`` after every epoch; one that returns True
        stops training. One with a ``close()`` method (``ann.progress.ProgressBar``) is
        closed when training ends.

    Attributes after ``fit``: ``parameters`` (``W1, b1, ..., WL, bL``), ``costs``
    (``costs[i]`` is the training cost of pass i, computed before that pass's
    updates), ``history`` (per epoch: ``cost``, ``accuracy``, ``val_cost``,
    ``val_accuracy``), ``classes_``, ``n_features_in_``, ``n_iter_``.
    """

    def __init__(
        self,
        layers_size: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        output: str = "auto",
        optimizer: str = "gd",
        learning_rate: float = 0.01,
        n_iterations: int = 2500,
        batch_size: int | None = None,
        momentum: float = 0.9,
        nesterov: bool = False,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        lr_schedule: str = "constant",
        l2: float = 0.0,
        init: str = "article",
        seed: int = 1,
        dtype: str = "float64",
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        quiet: bool = False,
        loss: str = "auto",
        power_t: float = 0.5,
        dropout: float | Sequence[float] = 0.0,
        input_dropout: float = 0.0,
        max_norm: float | None = None,
        callbacks: Sequence[Callable[[Any], object]] = (),
    ) -> None:
        self.layers_size = layers_size
        self.activation = activation
        self.output = output
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.n_iterations = n_iterations
        self.batch_size = batch_size
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.lr_schedule = lr_schedule
        self.l2 = l2
        self.init = init
        self.seed = seed
        self.dtype = dtype
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.quiet = quiet
        self.loss = loss
        self.power_t = power_t
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.max_norm = max_norm
        self.callbacks = callbacks
        self._check_params()
        self.parameters: dict[str, np.ndarray] = {}
        self.costs: list[float] = []

    # ---------------------------------------------------------------- configuration
    def _check_params(self):
        """Validate the constructor's arguments (again at each ``fit``)."""
        sizes = self.layers_size
        if not isinstance(sizes, (list, tuple, np.ndarray)) or np.ndim(sizes) != 1:
            raise TypeError(f"layers_size must be a list of layer sizes, got {sizes!r}")
        if len(sizes) == 0:
            raise ValueError("layers_size is empty: give at least the output size, e.g. [196, 1]")
        for size in sizes:
            validation.check_int("each entry of layers_size", size, minimum=1)
        self._hidden = self._per_hidden_layer("activation", self.activation, str)
        for name in self._hidden:
            validation.check_choice("activation", name, HIDDEN_ACTIVATIONS)
        validation.check_choice("output", self.output, ("auto",) + OUTPUT_ACTIVATIONS)
        if self.output == "softmax" and sizes[-1] < 2:
            raise ValueError(
                "output='softmax' needs at least 2 output units, but layers_size ends with 1"
            )
        validation.check_choice("loss", self.loss, ("auto",) + tuple(LOSSES))
        self._output_and_loss()
        validation.check_choice("optimizer", self.optimizer, OPTIMIZERS)
        validation.check_choice("lr_schedule", self.lr_schedule, SCHEDULES)
        validation.check_choice("init", self.init, INITIALIZERS)
        validation.check_choice("dtype", self.dtype, DTYPES)
        validation.check_float("learning_rate", self.learning_rate)
        validation.check_int("n_iterations", self.n_iterations)
        if self.batch_size is not None:
            validation.check_int("batch_size", self.batch_size)
        for name in ("momentum", "beta_1", "beta_2"):
            validation.check_float(
                name, getattr(self, name), 0.0, 1.0, low_open=False, high_open=True
            )
        validation.check_float("epsilon", self.epsilon)
        validation.check_float("l2", self.l2, low_open=False)
        validation.check_float("power_t", self.power_t, low_open=False)
        validation.check_int("seed", self.seed, minimum=0, maximum=2**32 - 1)
        for name in ("nesterov", "early_stopping", "quiet"):
            validation.check_bool(name, getattr(self, name))
        validation.check_float(
            "validation_fraction", self.validation_fraction, 0.0, 1.0, high_open=True
        )
        validation.check_int("patience", self.patience)
        self._dropout = [
            validation.check_float("dropout", p, 0.0, 1.0, low_open=False, high_open=True)
            for p in self._per_hidden_layer("dropout", self.dropout, float)
        ]
        validation.check_float(
            "input_dropout", self.input_dropout, 0.0, 1.0, low_open=False, high_open=True
        )
        if self.max_norm is not None:
            validation.check_float("max_norm", self.max_norm)
        if not isinstance(self.callbacks, (list, tuple)) or not all(
            callable(c) for c in self.callbacks
        ):
            raise TypeError(f"callbacks must be a list of callables, got {self.callbacks!r}")

    def _per_hidden_layer(self, name, value, kind):
        """``value`` repeated for every hidden layer, or checked to give one per layer."""
        n_hidden = len(self.layers_size) - 1
        if isinstance(value, (list, tuple)):
            values = list(value)
            if len(values) != n_hidden:
                noun = "names" if kind is str else "values"
                raise ValueError(f"{name} lists {len(values)} {noun} for {n_hidden} hidden layers")
            return values
        if kind is str and not isinstance(value, str):
            raise TypeError(
                f"{name} must be a name or a list of names, one per hidden layer, got {value!r}"
            )
        return [value] * n_hidden

    def _output_and_loss(self):
        """The output activation and the loss that the settings give (checked to go
        together): ``auto`` is sigmoid for one unit and softmax for more, and each output's
        default loss is its canonical one."""
        units = self.layers_size[-1]
        output = self.output
        if output == "auto":
            output = "sigmoid" if units == 1 else "softmax"
        loss = DEFAULT_LOSS[output] if self.loss == "auto" else self.loss
        if output not in LOSS_OUTPUTS[loss]:
            raise ValueError(
                f"loss={loss!r} does not go with the {output} output; it goes "
                f"with {list(LOSS_OUTPUTS[loss])}"
            )
        return output, loss

    @classmethod
    def _param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, as scikit-learn's estimators give them."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments by name and validate them; returns the model. A
        refused value leaves every argument as it was. Changing what the fitted
        parameters depend on (``STRUCTURE``: layer sizes, activation, output, loss, dtype)
        unfits a fitted model; other arguments (the learning rate, say) keep the fit."""
        names = self._param_names()
        for name in params:
            if name not in names:
                raise ValueError(f"{name!r} is not a parameter of ANN; valid: {names}")
        old = self.get_params()
        fitted = self._structure() if self.parameters else None
        for name, value in params.items():
            setattr(self, name, value)
        try:
            self._check_params()
        except (TypeError, ValueError):
            for name, value in old.items():
                setattr(self, name, value)
            self._check_params()  # the hidden activations and dropout rates, as they were
            raise
        if fitted is not None and self._structure() != fitted:
            changed = [n for n in params if n in STRUCTURE and not _same(old[n], params[n])]
            self._discard_fit(changed)
        return self

    def _structure(self):
        """What the parameters of a fit depend on: the layer sizes, the hidden
        activations, the output and loss, the dtype."""
        sizes = tuple(int(size) for size in self.layers_size)
        return sizes, tuple(self._hidden), self._output_and_loss(), self.dtype

    def _discard_fit(self, changed):
        """Forget the fitted parameters, which no longer match the settings ``changed``
        by ``set_params``: the model is unfitted again (as saving it would write a file
        that does not load, and predicting would mix old weights with new settings)."""
        self.parameters = {}
        self.costs = []
        for name in (
            "_flat",
            *TRAINING_BUFFERS,
            "output_activation_",
            "loss_function_",
            "classes_",
            "multilabel_",
            "history",
            "n_iter_",
        ):
            self.__dict__.pop(name, None)
        self._unfitted_by = ", ".join(changed) or "the network's structure"

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        args = [repr(self.layers_size)] + [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if name != "layers_size" and value != defaults[name]
        ]
        return f"{type(self).__name__}({', '.join(args)})"

    def __getstate__(self):
        """Pickle the flat arrays only; the views are rebuilt on unpickling (a pickled
        view would come back as a copy, cut off from the flat array)."""
        state = self.__dict__.copy()
        for name in ("parameters", *TRAINING_BUFFERS):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        flat = state.get("_flat")
        self.parameters = {} if flat is None else views(flat, self._shapes())

    # ------------------------------------------------------------------- structure
    @property
    def n_layers(self) -> int:
        """L, the number of layers with parameters (hidden and output)."""
        return len(self.layers_size)

    @property
    def is_classifier(self) -> bool:
        return self.output in CLASSIFIER_OUTPUTS

    @property
    def _estimator_type(self):
        return "classifier" if self.is_classifier else "regressor"

    def __sklearn_tags__(self):
        """Tell scikit-learn (1.6+) whether this is a classifier or a regressor; only
        scikit-learn's own utilities call this, so it is imported here."""
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags

        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=True, multi_output=not self.is_classifier),
            classifier_tags=ClassifierTags() if self.is_classifier else None,
            regressor_tags=None if self.is_classifier else RegressorTags(),
        )

    def _activation(self, l):
        """The activation of layer ``l`` (1-based)."""
        return self._hidden[l - 1] if l < self.n_layers else self.output_activation_

    def _resolve_output(self, n_classes=None):
        """Set ``output_activation_`` and ``loss_function_``, and check that ``n_classes``
        labels fit the output layer."""
        units = self.layers_size[-1]
        self.output_activation_, self.loss_function_ = self._output_and_loss()
        expected = 2 if units == 1 else units
        if n_classes is not None and n_classes != expected:
            raise ValueError(
                f"the labels have {n_classes} classes, but the output layer "
                f"({self.output_activation_}, {units} unit"
                f"{'s' if units > 1 else ''}) takes {expected}"
            )

    @property
    def hidden_activations_(self) -> list[str]:
        return list(self._hidden)

    def _shapes(self):
        """``{name: shape}`` of every parameter, in the flat array's order."""
        sizes = [self.n_features_in_] + list(self.layers_size)
        shapes = {}
        for l in range(1, len(sizes)):
            shapes[f"W{l}"] = (sizes[l], sizes[l - 1])
            shapes[f"b{l}"] = (sizes[l], 1)
        return shapes

    def initialize_parameters(
        self, n_features: int | None = None, seed: int | None = None
    ) -> dict[str, np.ndarray]:
        """Create ``W1, b1, ..., WL, bL`` for inputs of ``n_features`` features.

        The default reproduces the article: one ``RandomState(1)`` stream drawn layer by
        layer, ``Wl = randn(units_l, units_{l-1}) / sqrt(units_{l-1})``, ``bl = 0``.
        ``seed`` (default: the model's) changes the stream. Returns ``parameters``.
        """
        if n_features is None:
            n_features = getattr(self, "n_features_in_", None)
            if n_features is None:
                raise TypeError("initialize_parameters needs n_features before fit")
        n_features = validation.check_int("n_features", n_features)
        seed = self.seed if seed is None else validation.check_int("seed", seed, 0)
        if not hasattr(self, "output_activation_"):
            self._resolve_output()
            if self.is_classifier:
                self.classes_ = np.arange(max(2, self.layers_size[-1]))
                self.multilabel_ = False
        return self._initialize(n_features, np.random.RandomState(seed))

    def _initialize(self, n_features, rng):
        """Draw every layer's parameters from the ``RandomState`` ``rng``, layer by layer,
        into a new flat array."""
        self.n_features_in_ = n_features
        self.__dict__.pop("_unfitted_by", None)
        shapes = self._shapes()
        self._flat = np.empty(sum(math.prod(s) for s in shapes.values()), dtype=DTYPES[self.dtype])
        self.parameters = views(self._flat, shapes)
        make = INITIALIZERS[self.init]
        for l in range(1, self.n_layers + 1):
            fan_out, fan_in = shapes[f"W{l}"]
            W, b = make(rng, fan_out, fan_in, self._init_activation(l))
            self.parameters[f"W{l}"], self.parameters[f"b{l}"] = W, b
        self.costs = []
        self.history: dict[str, list[float]] = {
            "cost": [],
            "accuracy": [],
            "val_cost": [],
            "val_accuracy": [],
        }
        self.t_ = 0
        return self.parameters

    def _init_activation(self, l):
        """The hidden activation that layer ``l``'s initialization is tuned for: its own,
        or for the output layer that of the layer below it."""
        if self._hidden:
            return self._hidden[min(l, len(self._hidden)) - 1]
        return self.activation if isinstance(self.activation, str) else "identity"

    def _check_fitted(self):
        if not self.parameters:
            changed = getattr(self, "_unfitted_by", None)
            reason = f" (set_params changed {changed} after the last fit)" if changed else ""
            raise NotFittedError(
                f"this ANN is not fitted yet{reason}: call fit (or initialize_parameters) first"
            )

    def _snapshot(self):
        return self._flat.copy()

    def _restore(self, snapshot):
        self._flat[...] = snapshot

    # -------------------------------------------------------------------- targets
    def _set_classes(self, y):
        """Learn ``classes_`` from the targets ``y`` and check they fit the output: class
        labels ``(n,)``, or with sigmoid outputs values in [0, 1], ``(n,)`` for one unit
        and ``(n, k)`` for k units (multi-label)."""
        self.multilabel_ = y.ndim == 2
        if self.multilabel_ or self._are_probabilities(y):
            self._check_probabilities(y)
            self.classes_ = np.arange(y.shape[1]) if self.multilabel_ else np.arange(2)
            self._resolve_output(len(self.classes_) if self.multilabel_ else 2)
            return
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)):
                raise ValueError("Y contains NaN or infinite labels")
            if not np.all(y == np.round(y)):
                raise ValueError(
                    "Y must hold class labels (integers or strings), got "
                    "non-integer values; use output='identity' for "
                    "regression, or output='sigmoid' for targets in [0, 1]"
                )
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"Y has a single class {self.classes_.tolist()}: a classifier needs at least 2"
            )
        self._resolve_output(len(self.classes_))

    def _are_probabilities(self, y):
        """1-D float targets, not all whole numbers, for one sigmoid unit."""
        return (
            self.output == "sigmoid"
            and self.layers_size[-1] == 1
            and y.dtype.kind == "f"
            and np.all(np.isfinite(y))
            and not np.all(y == np.round(y))
        )

    def _check_probabilities(self, y):
        if self.output != "sigmoid":
            raise ValueError(
                f"Y of shape {y.shape} holds targets in [0, 1], which need "
                f"output='sigmoid', not {self.output!r}"
            )
        if y.dtype.kind not in "biuf" or not np.all(np.isfinite(y)) or (y.min() < 0 or y.max() > 1):
            raise ValueError("targets for sigmoid outputs must be numbers in [0, 1]")
        units = 1 if y.ndim == 1 else y.shape[1]
        if units != self.layers_size[-1]:
            raise ValueError(
                f"Y has {units} columns but the output layer has {self.layers_size[-1]} units"
            )

    def encode_targets(self, Y: npt.ArrayLike) -> np.ndarray:
        """The target matrix ``T`` of shape ``(units_L, n)`` for labels ``Y``.

        Binary: one row, 1 for ``classes_[1]`` and 0 for ``classes_[0]``; several
        classes: one-hot columns; targets in [0, 1] and regression: the values, one row
        per output.
        """
        if not hasattr(self, "output_activation_"):
            raise NotFittedError(
                "the output layer is not set up yet: call fit (or initialize_parameters) first"
            )
        dtype = DTYPES[self.dtype]
        if not self.is_classifier:
            return self._encode_values(Y, dtype)
        y = np.asarray(Y)
        if getattr(self, "multilabel_", False) and y.ndim != 2:
            raise ValueError(
                "this model was fitted on multi-label targets, one column per output "
                f"(n, {self.layers_size[-1]}); Y has shape {y.shape}"
            )
        if y.ndim == 2 or self._are_probabilities(y):
            self._check_probabilities(y)
            return np.ascontiguousarray(y.reshape(len(y), -1).T, dtype=dtype)
        y = y.reshape(-1)
        try:
            index = np.searchsorted(self.classes_, y)
        except TypeError:  # e.g. strings against numbers, or a mix of both
            raise TypeError(
                f"Y holds labels of types {sorted({type(v).__name__ for v in y.tolist()})} "
                f"that cannot be compared with the classes {self.classes_.tolist()[:5]}"
            ) from None
        index[index == len(self.classes_)] = 0
        unknown = self.classes_[index] != y
        if np.any(unknown):
            raise ValueError(
                f"Y holds labels {np.unique(y[unknown]).tolist()[:5]} that are "
                f"not among the classes {self.classes_.tolist()}"
            )
        if self.layers_size[-1] == 1:
            return index[None, :].astype(dtype)
        T = np.zeros((len(self.classes_), len(y)), dtype=dtype)
        T[index, np.arange(len(y))] = 1
        return T

    def _encode_values(self, Y, dtype):
        """Regression targets ``(n,)`` or ``(n, k)`` as ``T``, ``(k, n)``."""
        values = np.asarray(Y)
        if (
            values.dtype == object
            or not np.issubdtype(values.dtype, np.number)
            or np.iscomplexobj(values)
        ):
            raise TypeError(f"Y must be numeric for regression, got {values.dtype}")
        values = values.reshape(len(values), -1) if values.ndim > 1 else values[:, None]
        if values.shape[1] != self.layers_size[-1]:
            raise ValueError(
                f"Y has {values.shape[1]} outputs but the output layer has"
                f" {self.layers_size[-1]} units"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError("Y contains NaN or infinite values")
        if self.output == "exp" and np.any(values < 0):
            raise ValueError("output='exp' (Poisson) needs targets of at least 0")
        return np.ascontiguousarray(values.T, dtype=dtype)

    def _check_Y(self, Y, n_samples):
        values = None if Y is None else validation.as_array(Y, "Y", "(n,)")
        if self.is_classifier and not (
            self.output == "sigmoid"
            and values is not None
            and values.ndim == 2
            and values.shape[1] > 1
        ):
            return validation.check_labels(Y, n_samples)
        if values is None or values.ndim == 0 or values.shape[0] != n_samples:
            shape = None if values is None else values.shape
            raise ValueError(f"X has {n_samples} samples but Y has shape {shape}")
        return values

    # ------------------------------------------------------- forward and backward
    def _forward(self, A0, masks=None, scratch=None):
        """Forward pass from ``A0`` (n_features, n); returns ``(AL, store)``.

        ``masks`` (training with dropout) maps a layer number (0 for the input) to its
        mask, ``(units, n)``; ``store`` then also keeps ``Ml``, the mask, and ``Hl``,
        the layer's output before the mask. With a ``Scratch``, each ``Zl`` and ``Al``
        is written into its arrays instead of new ones.
        """
        masks = masks or {}
        if 0 in masks:
            A0 = A0.multiply(masks[0]) if is_sparse(A0) else A0 * masks[0]
        store = {"A0": A0}
        A = A0
        for l in range(1, self.n_layers + 1):
            W = self.parameters[f"W{l}"]
            shape = (W.shape[0], A0.shape[1])
            Z = matmul(W, A, out=None if scratch is None else scratch(f"Z{l}", shape))
            Z += self.parameters[f"b{l}"]
            A = ACTIVATIONS[self._activation(l)](
                Z, out=None if scratch is None else scratch(f"A{l}", shape)
            )
            if l in masks:
                store[f"H{l}"], store[f"M{l}"] = A, masks[l]
                A = A * masks[l]
            store[f"Z{l}"], store[f"A{l}"] = Z, A
        return A, store

    def _output_delta(self, store, T, out=None):
        """``dZL``: ``AL - T`` for a canonical pair (into ``out`` when given), else
        ``dJ/dAL * g'(ZL)``."""
        AL = store[f"A{self.n_layers}"]
        if (self.output_activation_, self.loss_function_) in CANONICAL_PAIRS:
            return np.subtract(AL, T, out=out)
        dAL = LOSS_GRADIENTS[self.loss_function_](AL, T)
        DERIVATIVES[self.output_activation_](AL, dAL)
        return dAL

    def _backward(self, store, T, n, weights=None, out=None, scratch=None):
        """Gradients of the mean cost over ``n`` samples (the sum of their weights when
        they are weighted), of which ``store`` and ``T`` hold some (all of them, or one
        block of a split batch); ``weights`` are the block's, ``(n_block,)``. The
        gradients are written into the arrays of ``out`` when it is given (a dict like
        the one returned), and each ``dZl`` into the ``Scratch`` when one is given."""
        L = self.n_layers

        def delta(l):  # where dZl goes
            return None if scratch is None else scratch(f"dZ{l}", store[f"A{l}"].shape)

        grads = {}
        # Scaled once here, dZ carries the 1 / n of the mean (and the sample weights)
        # down every layer: backpropagation is linear in dZL.
        dZ = self._output_delta(store, T, out=delta(L))
        dZ *= (1.0 / n) if weights is None else weights * (1.0 / n)
        for l in range(L, 0, -1):
            W, A_prev = self.parameters[f"W{l}"], store[f"A{l - 1}"]
            dW = matmul(dZ, A_prev.T, out=None if out is None else out[f"dW{l}"])
            db = np.sum(dZ, axis=1, keepdims=True, out=None if out is None else out[f"db{l}"])
            grads[f"dW{l}"], grads[f"db{l}"] = dW, db
            if l > 1:
                # dA(l-1) = Wl.T @ dZl (an outer product when layer l has one unit, which
                # BLAS does slowly), then turned into dZ(l-1) in place.
                product = np.multiply if W.shape[0] == 1 else np.matmul
                dZ = product(W.T, dZ, out=delta(l - 1))
                if f"M{l - 1}" in store:
                    dZ *= store[f"M{l - 1}"]
                DERIVATIVES[self._activation(l - 1)](store.get(f"H{l - 1}", A_prev), dZ)
        return grads

    def _data_cost(self, store, T, n, weights=None):
        """This block's share of the mean loss over ``n`` samples (or total weight)."""
        L = self.n_layers
        losses = LOSSES[self.loss_function_](store[f"Z{L}"], store[f"A{L}"], T)
        return float(losses.sum() if weights is None else losses @ weights) / n

    def _penalty(self, n):
        """The L2 term of the cost, ``l2 / (2 n) * sum of every W squared``."""
        if not self.l2:
            return 0.0
        squares = sum(float(np.vdot(W, W)) for name, W in self.parameters.items() if name[0] == "W")
        return self.l2 / (2 * n) * squares

    def _add_penalty_gradient(self, grads, n):
        """Add the L2 term's gradient, ``l2 / n * Wl``, to each ``dWl``."""
        if self.l2:
            for l in range(1, self.n_layers + 1):
                grads[f"dW{l}"] += (self.l2 / n) * self.parameters[f"W{l}"]

    def _blocks(self, X):
        """Forward passes over blocks of ``CHUNK`` rows of ``X``: yields
        ``(columns, (AL, store))`` with ``columns`` the block's slice of the samples."""
        for start in range(0, X.shape[0], CHUNK):
            columns = slice(start, start + CHUNK)
            yield columns, self._forward(self._in_dtype(X[columns]).T)

    def _in_dtype(self, X: Any) -> Any:
        """A block of rows of ``X`` in the model's dtype. Training data stays in its own
        float type (``fit`` checks that its values fit): a float32 model casts each block
        as it goes instead of keeping a converted copy of all of it."""
        return X.astype(DTYPES[self.dtype], copy=False)

    def _masks(self, n, rng):
        """Dropout masks for ``n`` samples drawn from ``rng``: zeros with probability p,
        else ``1 / (1 - p)``; None when no layer drops anything."""
        rates = {0: self.input_dropout, **dict(enumerate(self._dropout, start=1))}
        sizes = [self.n_features_in_] + list(self.layers_size)
        masks = {}
        for l, p in rates.items():
            if p > 0:
                keep = rng.random((sizes[l], n)) >= p
                masks[l] = keep.astype(DTYPES[self.dtype]) / (1 - p)
        return masks or None

    def _gradients(self, X, T, weights=None, rng=None):
        """Gradients, cost and number of correct predictions of one batch.

        ``X`` (n, n_features), ``T`` (units_L, n), ``weights`` (n,) or None. The batch
        goes through in blocks; the gradient of the mean cost is the sum of the blocks'
        shares. ``rng`` draws dropout masks (training). The gradients are views into
        ``self._grad_flat``, overwritten by the next call.
        """
        n = X.shape[0]
        total = n if weights is None else float(weights.sum())
        grads, block = self._gradient_buffers()
        cost, correct = 0.0, 0
        for number, start in enumerate(range(0, n, CHUNK)):
            columns = slice(start, start + CHUNK)
            w = None if weights is None else weights[columns]
            A0 = self._in_dtype(X[columns]).T
            masks = None if rng is None else self._masks(A0.shape[1], rng)
            AL, store = self._forward(A0, masks, self._scratch)
            self._backward(
                store,
                T[:, columns],
                total,
                w,
                out=block if number else grads,
                scratch=self._scratch,
            )
            cost += self._data_cost(store, T[:, columns], total, w)
            correct += self._n_correct(AL, T[:, columns])
            if number:
                self._grad_flat += self._block_flat
        self._add_penalty_gradient(grads, total)
        return grads, cost + self._penalty(total), correct

    def _gradient_buffers(self):
        """Two flat arrays shaped like the parameters, kept for every batch, with their
        views ``dW1, db1, ...``: the batch's gradients and one block's share (fresh
        arrays would cost page faults each time); also ``self._scratch``, the
        ``Scratch`` of the layers' ``Zl``, ``Al`` and ``dZl``."""
        key = (self._flat.shape, self._flat.dtype)
        if getattr(self, "_buffers_key", None) != key:
            shapes = {"d" + name: shape for name, shape in self._shapes().items()}
            self._grad_flat, self._block_flat = (np.empty_like(self._flat) for _ in range(2))
            self._grads = (views(self._grad_flat, shapes), views(self._block_flat, shapes))
            self._scratch = Scratch(self._flat.dtype)
            self._buffers_key = key
        return self._grads

    def _n_correct(self, AL, T):
        """Samples whose prediction matches the target: the thresholded output for one
        sigmoid unit and for multi-label (every label right), else the largest output."""
        if not self.is_classifier:
            return 0
        if AL.shape[0] == 1 or getattr(self, "multilabel_", False):
            return int(np.count_nonzero(np.all((AL > 0.5) == (T > 0.5), axis=0)))
        return int(np.count_nonzero(AL.argmax(axis=0) == T.argmax(axis=0)))

    def forward(self, X: npt.ArrayLike) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Forward pass. ``X``: (n_samples, n_features).

        Returns ``(A, store)``: ``A`` the output activations (units_L, n) and ``store``
        the dict of each layer's ``Zl`` and ``Al`` (and ``A0 = X.T``).
        """
        self._check_fitted()
        X = validation.check_X(X, self.n_features_in_, dtype=DTYPES[self.dtype])
        return self._forward(X.T)

    def backward(
        self, X: npt.ArrayLike, Y: npt.ArrayLike, store: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Backward pass: the gradients ``dW1, db1, ..., dWL, dbL`` of the mean cost.

        ``X`` (n_samples, n_features) and ``store`` are those of ``forward(X)``; ``Y``
        holds the labels, shape (n,), (n, 1) or (1, n).
        """
        self._check_fitted()
        X = validation.check_X(X, self.n_features_in_, dtype=DTYPES[self.dtype])
        T = self.encode_targets(self._check_Y(Y, X.shape[0]))
        if not isinstance(store, dict) or any(
            f"{k}{l}" not in store for l in range(1, self.n_layers + 1) for k in "ZA"
        ):
            raise ValueError("store must be the dict returned by forward(X)")
        store = dict(store, A0=X.T)
        if store[f"A{self.n_layers}"].shape != T.shape:
            raise ValueError(
                f"store holds outputs of shape {store[f'A{self.n_layers}'].shape}"
                f" but Y gives targets of shape {T.shape}"
            )
        grads = self._backward(store, T, X.shape[0])
        self._add_penalty_gradient(grads, X.shape[0])
        return grads

    def compute_cost(self, X: npt.ArrayLike, Y: npt.ArrayLike) -> float:
        """The mean cost of the model on ``X`` (n_samples, n_features) and labels
        ``Y``, computed from the logits (plus the L2 term when ``l2 > 0``)."""
        self._check_fitted()
        X = validation.check_X(X, self.n_features_in_, dtype=DTYPES[self.dtype])
        T = self.encode_targets(self._check_Y(Y, X.shape[0]))
        n = X.shape[0]
        cost = sum(self._data_cost(store, T[:, s], n) for s, (_, store) in self._blocks(X))
        return cost + self._penalty(n)

    # -------------------------------------------------------------------- training
    def fit(
        self,
        X: npt.ArrayLike,
        Y: npt.ArrayLike,
        learning_rate: float | None = None,
        n_iterations: int | None = None,
        validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> Self:
        """Train on ``X`` (n_samples, n_features) and labels ``Y`` ((n,), (n, 1) or
        (1, n); values for a regressor; ``(n, k)`` values in [0, 1] for k sigmoid
        outputs). Returns the model.

        ``learning_rate`` and ``n_iterations`` (the article's call) override the
        constructor's and are kept on the model. ``validation_data=(X_val, Y_val)`` is
        scored every epoch (and used by early stopping). ``sample_weight`` (n,) weighs
        each sample's share of the cost. Parameters are initialized afresh at every call.
        """
        overrides = {"learning_rate": learning_rate, "n_iterations": n_iterations}
        self.set_params(**{k: v for k, v in overrides.items() if v is not None})
        dtype = DTYPES[self.dtype]
        X = validation.check_X(X, dtype=dtype, cast=False)
        Y = self._check_Y(Y, X.shape[0])
        weights = validation.check_sample_weight(sample_weight, X.shape[0], dtype)
        for attribute in ("output_activation_", "classes_", "multilabel_"):
            self.__dict__.pop(attribute, None)
        if self.is_classifier:
            self._set_classes(Y)
        else:
            self._resolve_output()
        T = self.encode_targets(Y)
        rng = np.random.default_rng(self.seed)
        X, T, weights, val = self._validation_split(X, T, weights, validation_data, rng)
        self.initialize_parameters(X.shape[1])
        mini_batch = self.batch_size is not None and self.batch_size < X.shape[0]
        self._train(
            X,
            T,
            weights=weights,
            validation=val,
            optimizer=make_optimizer(self.optimizer, self.learning_rate, self.get_params()),
            stopping=Patience(self.patience) if self.early_stopping and val else RunAll(),
            rng=rng,
            shuffle=(lambda order: rng.permutation(len(order))) if mini_batch else None,
        )
        return self

    def _validation_split(
        self,
        X: np.ndarray,
        T: np.ndarray,
        weights: np.ndarray | None,
        validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Validation | None]:
        """``(X, T, weights, validation)``: ``validation`` is the given validation set
        as ``(X_val, T_val, None)``, a held-out fraction when early stopping asks for one,
        or None."""
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("validation_data must be a pair (X_val, Y_val)")
            X_val = validation.check_X(validation_data[0], X.shape[1], "X_val", dtype=X.dtype)
            T_val = self.encode_targets(self._check_Y(validation_data[1], X_val.shape[0]))
            return X, T, weights, (X_val, T_val, None)
        if not self.early_stopping:
            return X, T, weights, None
        n_val = round(self.validation_fraction * X.shape[0])
        if n_val < 1 or n_val >= X.shape[0]:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} of "
                f"{X.shape[0]} samples leaves no validation or training set"
            )
        order = rng.permutation(X.shape[0])
        held, kept = order[:n_val], order[n_val:]
        if weights is not None:
            for part, rows in (("validation", held), ("training", kept)):
                if not weights[rows].any():
                    raise ValueError(
                        f"the {len(rows)} {part} samples of the early-stopping split "
                        f"(validation_fraction={self.validation_fraction}) all have "
                        "sample_weight 0"
                    )
        return (
            X[kept],
            T[:, kept],
            None if weights is None else weights[kept],
            (X[held], T[:, held], None if weights is None else weights[held]),
        )

    def _train(
        self,
        X,
        T,
        *,
        optimizer,
        stopping,
        rng,
        shuffle=None,
        weights=None,
        validation=None,
        owner=None,
    ):
        """The epoch loop, shared by ``fit`` and the scikit-learn estimators.

        ``X`` (n, n_features), ``T`` (units_L, n), ``weights`` (n,) or None;
        ``validation`` is ``(X_val, T_val, weights_val)`` or None. Each epoch takes the
        batches in the order that ``shuffle(previous_order)`` gives (or in order when
        ``shuffle`` is None), records the costs, sets the next rate from the schedule
        and asks the ``stopping`` rule and the callbacks whether to go on; callbacks get
        ``owner`` (default: this model). ``rng`` draws the dropout masks. Returns the
        number of epochs run (also in ``n_iter_``).
        """
        drops = rng if (self.input_dropout or any(self._dropout)) else None
        order = None if shuffle is None else np.arange(X.shape[0])
        # A shuffled batch's rows are gathered into one buffer reused by every batch:
        # it stays in the cache for the matrix products, and no memory is touched for
        # the first time in an epoch (a fresh copy of the data costs page faults).
        size = X.shape[0] if self.batch_size is None else min(self.batch_size, X.shape[0])
        rows_buffer = (
            None if order is None or is_sparse(X) else np.empty((size, X.shape[1]), X.dtype)
        )
        last_good = self._snapshot()
        epochs = 0
        bar = progress_bar(
            range(self.n_iterations), desc="training", quiet=self.quiet, unit="epoch"
        )
        with (
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            bar,
            closing_callbacks(self.callbacks),  # e.g. a ProgressBar, closed when training ends
        ):
            for _ in bar:
                start = self._snapshot()
                if shuffle is not None:
                    order = shuffle(order)
                try:
                    cost, accuracy = self._epoch(
                        X, T, weights, order, rows_buffer, optimizer, drops
                    )
                except DivergenceError as error:
                    self._restore(last_good)
                    raise DivergenceError(
                        f"training diverged at {error} (learning_rate="
                        f"{optimizer.learning_rate:g}); try a smaller "
                        "learning rate. The model keeps its last finite "
                        "parameters."
                    ) from None
                last_good, epochs = start, epochs + 1
                self.t_ += X.shape[0]
                val_outputs = self._record(cost, accuracy, validation)
                bar.set_postfix(self._postfix(), refresh=False)
                optimizer.learning_rate = SCHEDULES[self.lr_schedule](
                    Progress(
                        optimizer.learning_rate,
                        self.learning_rate,
                        epochs,
                        self.n_iterations,
                        self.t_,
                        self.power_t,
                    )
                )
                stop = stopping.update(self, optimizer, val_outputs)
                for callback in self.callbacks:
                    stop = bool(callback(self if owner is None else owner)) or stop
                if stop:
                    break
        stopping.finish(self)
        self.n_iter_ = epochs
        return epochs

    def _epoch(self, X, T, weights, order, rows_buffer, optimizer, rng):
        """One pass over the data: full batch, or consecutive mini-batches of the samples
        in ``order`` (None: as they come). A batch of dense ``X`` is gathered into
        ``rows_buffer`` (batch size, n_features) when one is given. Returns the mean cost
        and accuracy of the pass (each batch's before its update)."""
        n = X.shape[0]
        size = n if self.batch_size is None else min(self.batch_size, n)
        total_cost, total_correct = 0.0, 0
        for number, start in enumerate(range(0, n, size)):
            rows: slice | np.ndarray = slice(start, start + size)
            if order is not None:
                rows = order[rows]
            batch = (
                X[rows]
                if rows_buffer is None or isinstance(rows, slice)  # (no buffer without order)
                else np.take(X, rows, axis=0, out=rows_buffer[: len(rows)], mode="clip")
            )
            batch_weights = None if weights is None else weights[rows]
            if batch_weights is not None and not batch_weights.any():
                continue  # a batch of weight 0 has no mean cost: no gradient, no update
            _, cost, correct = self._gradients(batch, T[:, rows], batch_weights, rng)
            if not math.isfinite(cost):
                where = f"iteration {len(self.costs)}"
                raise DivergenceError(
                    where + (f", batch {number}" if size < n else "") + f": the cost is {cost}"
                )
            optimizer.step(self._flat, self._grad_flat)
            if self.max_norm is not None:
                self._limit_norms()
            total_cost += cost * min(size, n - start)
            total_correct += correct
        # A NaN or infinite parameter makes the next batch's cost NaN; only the last
        # update of the epoch needs this check.
        if not np.isfinite(self._flat).all():
            raise DivergenceError(
                f"iteration {len(self.costs)}: the update made the parameters NaN or infinite"
            )
        return total_cost / n, total_correct / n

    def _limit_norms(self):
        """Scale each row of every ``Wl`` down to a Euclidean norm of at most
        ``max_norm``."""
        for l in range(1, self.n_layers + 1):
            W = self.parameters[f"W{l}"]
            norms = np.sqrt(np.einsum("ij,ij->i", W, W))
            too_long = norms > self.max_norm
            if too_long.any():
                W[too_long] *= (self.max_norm / norms[too_long])[:, None]

    def _record(self, cost, accuracy, validation):
        """Append the epoch's costs and accuracies to ``costs`` and ``history``; returns
        the output layer on the validation set (None without one)."""
        self.costs.append(cost)
        self.history["cost"].append(cost)
        if self.is_classifier:
            self.history["accuracy"].append(accuracy)
        if validation is None:
            return None
        X_val, T_val, w_val = validation
        total = X_val.shape[0] if w_val is None else float(w_val.sum())
        if total == 0:  # validation samples of weight 0 only: no mean cost
            w_val, total = None, math.nan
        val_cost, correct, outputs = 0.0, 0, []
        for columns, (AL, store) in self._blocks(X_val):
            w = None if w_val is None else w_val[columns]
            val_cost += self._data_cost(store, T_val[:, columns], total, w)
            correct += self._n_correct(AL, T_val[:, columns])
            outputs.append(AL)
        self.history["val_cost"].append(val_cost)
        if self.is_classifier:
            self.history["val_accuracy"].append(correct / X_val.shape[0])
        return np.concatenate(outputs, axis=1)

    def _postfix(self):
        postfix = {"cost": f"{self.costs[-1]:.4f}"}
        for key in ("accuracy", "val_accuracy"):
            if self.history[key]:
                postfix[key.replace("accuracy", "acc")] = f"{self.history[key][-1]:.4f}"
        return postfix

    # ------------------------------------------------------------------ prediction
    def _outputs(self, X):
        """Output activations ``AL`` (units_L, n) for ``X``, computed in blocks."""
        self._check_fitted()
        X = validation.check_X(X, self.n_features_in_, dtype=DTYPES[self.dtype])
        return np.concatenate([AL for _, (AL, _) in self._blocks(X)], axis=1)

    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Class probabilities, ``(n, n_classes)`` in the order of ``classes_`` (for
        k sigmoid outputs, each output's own probability)."""
        if not self.is_classifier:
            raise AttributeError(
                "predict_proba is for classifiers; this ANN is a "
                f"regressor (output={self.output!r})"
            )
        AL = self._outputs(X)
        if AL.shape[0] == 1:
            return np.column_stack([1 - AL[0], AL[0]])
        return AL.T

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predicted labels ``(n,)`` (values of ``classes_``; 0/1 for the article's task),
        a 0/1 indicator ``(n, k)`` for multi-label targets, or for a regressor the
        predicted values ((n,) for one output, else (n, k))."""
        AL = self._outputs(X)
        if not self.is_classifier:
            return AL[0].copy() if AL.shape[0] == 1 else AL.T
        if AL.shape[0] == 1:
            return self.classes_[(AL[0] > 0.5).astype(np.intp)]
        if getattr(self, "multilabel_", False):
            return (AL.T > 0.5).astype(np.int64)
        return self.classes_[AL.argmax(axis=0)]

    def score(self, X: npt.ArrayLike, Y: npt.ArrayLike) -> float:
        """Accuracy for a classifier (every label right, for multi-label); R^2
        (averaged over outputs) for a regressor."""
        predicted = self.predict(X)
        if self.is_classifier and predicted.ndim == 2:
            truth = self.encode_targets(self._check_Y(Y, len(predicted))).T
            return float(np.mean(np.all(predicted == (truth > 0.5), axis=1)))
        if self.is_classifier:
            y = validation.check_labels(Y, len(predicted))
            if self._are_probabilities(y):  # soft targets: the class each is nearer to
                self._check_probabilities(y)
                y = self.classes_[(y > 0.5).astype(int)]
            return float(np.mean(predicted == y))
        truth = np.asarray(
            self.encode_targets(self._check_Y(Y, len(predicted))).T, dtype=np.float64
        )
        predicted = predicted.reshape(truth.shape)
        residual = ((truth - predicted) ** 2).sum(axis=0)
        total = ((truth - truth.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(total > 0, 1 - residual / total, np.where(residual > 0, 0.0, 1.0))
        return float(r2.mean())

    # ---------------------------------------------------------- pictures and files
    def plot_cost(self, path: StrPath | None = None) -> Figure:
        """The cost curve (training and validation, accuracy on a second axis when
        known) as a matplotlib Figure; saved as an image when ``path`` is given."""
        from .plotting import plot_cost

        return plot_cost(self, path=path)

    def save(self, path: StrPath) -> None:
        """Write architecture, configuration and parameters to one ``.npz`` (no pickle),
        through a temporary file and a rename."""
        save_model(self, path)

    @classmethod
    def load(cls, path: StrPath) -> Self:
        """The model saved at ``path``; its predictions are bit-identical."""
        return load_model(path, cls)

    def summary(self) -> str:
        """Print and return a table of the layers: shapes of every W and b, activations
        and parameter counts."""
        from .explain import summary

        return summary(self)

    def explain(self, X: npt.ArrayLike, Y: npt.ArrayLike | None = None) -> str:
        """Print and return the dimension walk-through of one forward and backward pass
        on ``X`` (and ``Y``), in the article's style, from the live network."""
        from .explain import explain

        return explain(self, X, Y)
