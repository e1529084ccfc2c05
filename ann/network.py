"""The vectorized N-layer network, trained with matrix-form backpropagation.

Notation (the article's): ``X`` is ``(n_samples, n_features)``; inside, ``A0 = X.T`` and
every activation is ``(units, samples)``. For layer ``l = 1 .. L``::

    Zl = Wl @ A(l-1) + bl            Wl: (units_l, units_{l-1}),  bl: (units_l, 1)
    Al = g(Zl)                       g: the layer's activation; the output's is
                                     sigmoid, softmax or identity

and backward, from ``dZL = AL - T`` (``T`` the targets, ``(units_L, n)``)::

    dWl = dZl @ A(l-1).T / n         dbl = dZl.sum(axis=1, keepdims=True) / n
    dA(l-1) = Wl.T @ dZl             dZ(l-1) = dA(l-1) * g'(Z(l-1))

The first layer needs no ``dA0``.
"""
import inspect
import math

import numpy as np

from . import validation
from .activations import ACTIVATIONS, DERIVATIVES, HIDDEN_ACTIVATIONS
from .initializers import INITIALIZERS
from .losses import LOSSES, OUTPUT_ACTIVATIONS
from .optimizers import OPTIMIZERS, SCHEDULES
from .progress import progress_bar

CHUNK = 2048
"""Samples per block when a full batch is split: the gradient of a mean cost is the
sum of the blocks' gradients, and blocks this size keep each layer's ``Z`` and ``A`` in
the CPU cache between the forward and the backward pass."""

DTYPES = {"float64": np.float64, "float32": np.float32}


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite cost."""


class NotFittedError(ValueError, AttributeError):
    """The model was used before ``fit`` (or ``initialize_parameters``)."""


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
        ``auto`` (one unit: sigmoid with binary cross-entropy; k units: softmax with
        categorical cross-entropy), ``sigmoid``, ``softmax``, or ``identity`` (squared
        error: a regressor).
    optimizer : str
        ``gd`` (full-batch gradient descent, the article's), ``sgd`` (mini-batch with
        momentum, optionally Nesterov) or ``adam``.
    learning_rate : float
    n_iterations : int
        Passes over the training data (epochs). With full-batch ``gd`` each pass is
        one iteration, as in the article.
    batch_size : int or None
        Samples per update; None means the full batch.
    momentum, nesterov : for ``sgd``.  beta_1, beta_2, epsilon : for ``adam``.
    lr_schedule : str
        ``constant`` or ``cosine`` (decay over the epochs).
    l2 : float
        Weight decay: adds ``l2 / (2 n) * sum(W**2)`` to the cost.
    init : str
        ``article`` (``randn / sqrt(fan_in)``), ``he`` or ``glorot``.
    seed : int
        Seeds the initialization (``RandomState(seed)``, as the article's
        ``np.random.seed``) and, separately, the shuffles; the global NumPy random
        state is never touched.
    dtype : str
        ``float64`` (default, exact) or ``float32`` (faster).
    early_stopping : bool
        Stop when the validation cost has not improved for ``patience`` epochs and
        restore the best parameters. The validation set is ``validation_data`` given
        to ``fit``, else a ``validation_fraction`` of the training data held out.
    quiet : bool
        No progress bar (there is none either when stderr is not a terminal).

    Attributes after ``fit``: ``parameters`` (``W1, b1, ..., WL, bL``), ``costs``
    (``costs[i]`` is the training cost of pass i, computed before that pass's
    updates), ``history`` (per epoch: ``cost``, ``accuracy``, ``val_cost``,
    ``val_accuracy``), ``classes_``, ``n_features_in_``, ``n_iter_``.
    """

    def __init__(self, layers_size, activation="sigmoid", output="auto", optimizer="gd",
                 learning_rate=0.01, n_iterations=2500, batch_size=None, momentum=0.9,
                 nesterov=False, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 lr_schedule="constant", l2=0.0, init="article", seed=1, dtype="float64",
                 early_stopping=False, validation_fraction=0.1, patience=10, quiet=False):
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
        self._check_params()
        self.parameters = {}
        self.costs = []

    # ---------------------------------------------------------------- configuration
    def _check_params(self):
        """Validate the constructor's arguments (again at each ``fit``)."""
        sizes = self.layers_size
        if not isinstance(sizes, (list, tuple, np.ndarray)) or np.ndim(sizes) != 1:
            raise TypeError(f"layers_size must be a list of layer sizes, got {sizes!r}")
        if len(sizes) == 0:
            raise ValueError("layers_size is empty: give at least the output size, "
                             "e.g. [196, 1]")
        for size in sizes:
            validation.check_int("each entry of layers_size", size, minimum=1)
        if isinstance(self.activation, str):
            activations = [self.activation] * (len(sizes) - 1)
        elif isinstance(self.activation, (list, tuple)):
            activations = list(self.activation)
        else:
            raise TypeError("activation must be a name or a list of names, one per hidden "
                            f"layer, got {self.activation!r}")
        if len(activations) != len(sizes) - 1:
            raise ValueError(f"activation lists {len(activations)} names for "
                             f"{len(sizes) - 1} hidden layers")
        for name in activations:
            validation.check_choice("activation", name, HIDDEN_ACTIVATIONS)
        self._hidden = activations
        validation.check_choice("output", self.output, ("auto",) + OUTPUT_ACTIVATIONS)
        if self.output == "sigmoid" and sizes[-1] != 1:
            raise ValueError(f"output='sigmoid' needs 1 output unit, but layers_size ends "
                             f"with {sizes[-1]}")
        if self.output == "softmax" and sizes[-1] < 2:
            raise ValueError("output='softmax' needs at least 2 output units, but "
                             f"layers_size ends with {sizes[-1]}")
        validation.check_choice("optimizer", self.optimizer, OPTIMIZERS)
        validation.check_choice("lr_schedule", self.lr_schedule, SCHEDULES)
        validation.check_choice("init", self.init, INITIALIZERS)
        validation.check_choice("dtype", self.dtype, DTYPES)
        validation.check_float("learning_rate", self.learning_rate)
        validation.check_int("n_iterations", self.n_iterations)
        if self.batch_size is not None:
            validation.check_int("batch_size", self.batch_size)
        validation.check_float("momentum", self.momentum, 0.0, 1.0, low_open=False,
                               high_open=True)
        validation.check_float("beta_1", self.beta_1, 0.0, 1.0, low_open=False,
                               high_open=True)
        validation.check_float("beta_2", self.beta_2, 0.0, 1.0, low_open=False,
                               high_open=True)
        validation.check_float("epsilon", self.epsilon)
        validation.check_float("l2", self.l2, low_open=False)
        validation.check_int("seed", self.seed, minimum=0, maximum=2 ** 32 - 1)
        for name in ("nesterov", "early_stopping", "quiet"):
            validation.check_bool(name, getattr(self, name))
        validation.check_float("validation_fraction", self.validation_fraction, 0.0, 1.0,
                               high_open=True)
        validation.check_int("patience", self.patience)

    @classmethod
    def _param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep=True):
        """The constructor's arguments, as scikit-learn's estimators give them."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor arguments by name and validate them; returns the model."""
        names = self._param_names()
        for name in params:
            if name not in names:
                raise ValueError(f"{name!r} is not a parameter of ANN; valid: {names}")
        old = self.get_params()
        for name, value in params.items():
            setattr(self, name, value)
        try:
            self._check_params()
        except (TypeError, ValueError):
            for name, value in old.items():
                setattr(self, name, value)
            raise
        return self

    def __repr__(self):
        defaults = {p.name: p.default
                    for p in inspect.signature(type(self).__init__).parameters.values()}
        args = [repr(self.layers_size)] + [
            f"{name}={value!r}" for name, value in self.get_params().items()
            if name != "layers_size" and value != defaults[name]]
        return f"{type(self).__name__}({', '.join(args)})"

    # ------------------------------------------------------------------- structure
    @property
    def n_layers(self):
        """L, the number of layers with parameters (hidden and output)."""
        return len(self.layers_size)

    @property
    def is_classifier(self):
        return self.output != "identity"

    @property
    def _estimator_type(self):
        return "classifier" if self.is_classifier else "regressor"

    def __sklearn_tags__(self):
        """Tell scikit-learn (1.6+) whether this is a classifier or a regressor; only
        scikit-learn's own utilities call this, so it is imported here."""
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags
        return Tags(estimator_type=self._estimator_type,
                    target_tags=TargetTags(required=True, multi_output=not self.is_classifier),
                    classifier_tags=ClassifierTags() if self.is_classifier else None,
                    regressor_tags=None if self.is_classifier else RegressorTags())

    def _activation(self, l):
        """The activation of layer ``l`` (1-based)."""
        return self._hidden[l - 1] if l < self.n_layers else self.output_activation_

    def _resolve_output(self, n_classes=None):
        """Set ``output_activation_`` and ``classes_`` defaults from the output size."""
        units = self.layers_size[-1]
        if self.output == "identity":
            self.output_activation_ = "identity"
            return
        # _check_params has made sure the unit count fits an explicit choice
        if self.output == "sigmoid" or (self.output == "auto" and units == 1):
            self.output_activation_, expected = "sigmoid", 2
        else:
            self.output_activation_, expected = "softmax", units
        if n_classes is not None and n_classes != expected:
            raise ValueError(f"the labels have {n_classes} classes, but the output layer "
                             f"({self.output_activation_}, {units} unit"
                             f"{'s' if units > 1 else ''}) takes {expected}")

    @property
    def hidden_activations_(self):
        return list(self._hidden)

    def initialize_parameters(self, n_features=None, seed=None):
        """Create ``W1, b1, ..., WL, bL`` for inputs of ``n_features`` features.

        The default reproduces the article: one ``RandomState(1)`` stream drawn layer by
        layer, ``Wl = randn(units_l, units_{l-1}) / sqrt(units_{l-1})``, ``bl = 0``.
        ``seed`` (default: the model's) changes the stream. Returns ``parameters``.
        """
        if n_features is None:
            n_features = getattr(self, "n_features_in_", None)
            if n_features is None:
                raise TypeError("initialize_parameters needs n_features before fit")
        self.n_features_in_ = validation.check_int("n_features", n_features)
        seed = self.seed if seed is None else validation.check_int("seed", seed, 0)
        if not hasattr(self, "output_activation_"):
            self._resolve_output()
            if self.is_classifier:
                self.classes_ = np.arange(max(2, self.layers_size[-1]))
        rng = np.random.RandomState(seed)
        make_weights = INITIALIZERS[self.init]
        dtype = DTYPES[self.dtype]
        sizes = [self.n_features_in_] + list(self.layers_size)
        self.parameters = {}
        for l in range(1, len(sizes)):
            W = make_weights(rng, sizes[l], sizes[l - 1])
            self.parameters[f"W{l}"] = W.astype(dtype, copy=False)
            self.parameters[f"b{l}"] = np.zeros((sizes[l], 1), dtype=dtype)
        return self.parameters

    def _check_fitted(self):
        if not self.parameters:
            raise NotFittedError("this ANN is not fitted yet: call fit (or "
                                 "initialize_parameters) first")

    # -------------------------------------------------------------------- targets
    def _set_classes(self, y):
        """Learn ``classes_`` from the labels ``y`` (n,) and check they fit the output."""
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)):
                raise ValueError("Y contains NaN or infinite labels")
            if not np.all(y == np.round(y)):
                raise ValueError("Y must hold class labels (integers or strings), got "
                                 "non-integer values; use output='identity' for "
                                 "regression")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"Y has a single class {self.classes_.tolist()}: a "
                             "classifier needs at least 2")
        self._resolve_output(len(self.classes_))

    def encode_targets(self, Y):
        """The target matrix ``T`` of shape ``(units_L, n)`` for labels ``Y``.

        Binary: one row, 1 for ``classes_[1]`` and 0 for ``classes_[0]``; softmax: one-hot
        columns; regression: the values, one row per output.
        """
        if not hasattr(self, "output_activation_"):
            raise NotFittedError("the output layer is not set up yet: call fit (or "
                                 "initialize_parameters) first")
        dtype = DTYPES[self.dtype]
        if not self.is_classifier:
            values = np.asarray(Y)
            if (values.dtype == object or not np.issubdtype(values.dtype, np.number)
                    or np.iscomplexobj(values)):
                raise TypeError(f"Y must be numeric for regression, got {values.dtype}")
            values = values.reshape(len(values), -1) if values.ndim > 1 else values[:, None]
            if values.shape[1] != self.layers_size[-1]:
                raise ValueError(f"Y has {values.shape[1]} outputs but the output layer has"
                                 f" {self.layers_size[-1]} units")
            if not np.all(np.isfinite(values)):
                raise ValueError("Y contains NaN or infinite values")
            return np.ascontiguousarray(values.T, dtype=dtype)
        y = np.asarray(Y).reshape(-1)
        index = np.searchsorted(self.classes_, y)
        index[index == len(self.classes_)] = 0
        unknown = self.classes_[index] != y
        if np.any(unknown):
            raise ValueError(f"Y holds labels {np.unique(y[unknown]).tolist()[:5]} that are "
                             f"not among the classes {self.classes_.tolist()}")
        if self.output_activation_ == "sigmoid":
            return index[None, :].astype(dtype)
        T = np.zeros((len(self.classes_), len(y)), dtype=dtype)
        T[index, np.arange(len(y))] = 1
        return T

    def _check_Y(self, Y, n_samples):
        if self.is_classifier:
            return validation.check_labels(Y, n_samples)
        values = np.asarray(Y)
        if values.ndim == 0 or values.shape[0] != n_samples:
            raise ValueError(f"X has {n_samples} samples but Y has shape {values.shape}")
        return values

    # ------------------------------------------------------- forward and backward
    def _forward(self, A0):
        """Forward pass from ``A0`` (n_features, n); returns ``(AL, store)``."""
        store = {"A0": A0}
        A = A0
        for l in range(1, self.n_layers + 1):
            Z = self.parameters[f"W{l}"] @ A
            Z += self.parameters[f"b{l}"]
            A = ACTIVATIONS[self._activation(l)](Z)
            store[f"Z{l}"], store[f"A{l}"] = Z, A
        return A, store

    def _backward(self, store, T, n, out=None):
        """Gradients of the mean cost over ``n`` samples, of which ``store`` and ``T``
        hold some (all of them, or one block of a split batch). They are written into
        the arrays of ``out`` when it is given (a dict like the one returned)."""
        L = self.n_layers
        grads = {}
        dZ = store[f"A{L}"] - T
        for l in range(L, 0, -1):
            W, A_prev = self.parameters[f"W{l}"], store[f"A{l - 1}"]
            dW = np.matmul(dZ, A_prev.T, out=None if out is None else out[f"dW{l}"])
            dW *= 1.0 / n
            db = np.sum(dZ, axis=1, keepdims=True, out=None if out is None else out[f"db{l}"])
            db *= 1.0 / n
            grads[f"dW{l}"], grads[f"db{l}"] = dW, db
            if l > 1:
                # dA(l-1) = Wl.T @ dZl (an outer product when layer l has one unit, which
                # BLAS does slowly), then turned into dZ(l-1) in place.
                dZ = W.T * dZ if W.shape[0] == 1 else W.T @ dZ
                DERIVATIVES[self._activation(l - 1)](A_prev, dZ)
        return grads

    def _data_cost(self, store, T, n):
        """This block's share of the mean loss over ``n`` samples."""
        L = self.n_layers
        loss = LOSSES[self.output_activation_](store[f"Z{L}"], store[f"A{L}"], T)
        return loss * T.shape[1] / n

    def _penalty(self, n):
        """The L2 term of the cost, ``l2 / (2 n) * sum of every W squared``."""
        if not self.l2:
            return 0.0
        squares = sum(float(np.vdot(W, W)) for name, W in self.parameters.items()
                      if name[0] == "W")
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
            yield columns, self._forward(X[columns].T)

    def _gradients(self, X, T):
        """Gradients, cost and number of correct predictions of one batch.

        ``X`` (n, n_features), ``T`` (units_L, n). The batch goes through in blocks;
        the gradient of the mean cost is the sum of the blocks' shares.
        """
        n = X.shape[0]
        grads, block = self._gradient_buffers()
        cost, correct = 0.0, 0
        for number, (columns, (AL, store)) in enumerate(self._blocks(X)):
            self._backward(store, T[:, columns], n, out=block if number else grads)
            cost += self._data_cost(store, T[:, columns], n)
            correct += self._n_correct(AL, T[:, columns])
            if number:
                for name, value in block.items():
                    grads[name] += value
        self._add_penalty_gradient(grads, n)
        return grads, cost + self._penalty(n), correct

    def _gradient_buffers(self):
        """Two dicts of arrays shaped like the gradients, kept for every batch: the
        batch's gradients and one block's share (fresh arrays would cost page faults
        each time). What ``_gradients`` returns is overwritten by its next call."""
        key = [(name, value.shape, value.dtype) for name, value in self.parameters.items()]
        if getattr(self, "_buffers_key", None) != key:
            self._buffers = tuple({"d" + name: np.empty_like(value)
                                   for name, value in self.parameters.items()}
                                  for _ in range(2))
            self._buffers_key = key
        return self._buffers

    def _n_correct(self, AL, T):
        if self.output_activation_ == "sigmoid":
            return int(np.count_nonzero((AL > 0.5) == (T > 0.5)))
        if self.output_activation_ == "softmax":
            return int(np.count_nonzero(AL.argmax(axis=0) == T.argmax(axis=0)))
        return 0

    def forward(self, X):
        """Forward pass. ``X``: (n_samples, n_features).

        Returns ``(A, store)``: ``A`` the output activations (units_L, n) and ``store``
        the dict of each layer's ``Zl`` and ``Al`` (and ``A0 = X.T``).
        """
        self._check_fitted()
        X = validation.check_X(X, self.n_features_in_, dtype=DTYPES[self.dtype])
        return self._forward(X.T)

    def backward(self, X, Y, store):
        """Backward pass: the gradients ``dW1, db1, ..., dWL, dbL`` of the mean cost.

        ``X`` (n_samples, n_features) and ``store`` are those of ``forward(X)``; ``Y``
        holds the labels, shape (n,), (n, 1) or (1, n).
        """
        self._check_fitted()
        X = validation.check_X(X, self.n_features_in_, dtype=DTYPES[self.dtype])
        T = self.encode_targets(self._check_Y(Y, X.shape[0]))
        if not isinstance(store, dict) or any(
                f"{k}{l}" not in store for l in range(1, self.n_layers + 1) for k in "ZA"):
            raise ValueError("store must be the dict returned by forward(X)")
        store = dict(store, A0=X.T)
        if store[f"A{self.n_layers}"].shape != T.shape:
            raise ValueError(f"store holds outputs of shape {store[f'A{self.n_layers}'].shape}"
                             f" but Y gives targets of shape {T.shape}")
        grads = self._backward(store, T, X.shape[0])
        self._add_penalty_gradient(grads, X.shape[0])
        return grads

    def compute_cost(self, X, Y):
        """The mean cost of the model on ``X`` (n_samples, n_features) and labels
        ``Y``, computed from the logits (plus the L2 term when ``l2 > 0``)."""
        self._check_fitted()
        X = validation.check_X(X, self.n_features_in_, dtype=DTYPES[self.dtype])
        T = self.encode_targets(self._check_Y(Y, X.shape[0]))
        n = X.shape[0]
        cost = sum(self._data_cost(store, T[:, s], n)
                   for s, (_, store) in self._blocks(X))
        return cost + self._penalty(n)

    # -------------------------------------------------------------------- training
    def fit(self, X, Y, learning_rate=None, n_iterations=None, validation_data=None):
        """Train on ``X`` (n_samples, n_features) and labels ``Y`` ((n,), (n, 1) or
        (1, n); values for a regressor). Returns the model.

        ``learning_rate`` and ``n_iterations`` (the article's call) override the
        constructor's and are kept on the model. ``validation_data=(X_val, Y_val)`` is
        scored every epoch (and used by early stopping). Parameters are initialized
        afresh at every call.
        """
        overrides = {"learning_rate": learning_rate, "n_iterations": n_iterations}
        self.set_params(**{k: v for k, v in overrides.items() if v is not None})
        dtype = DTYPES[self.dtype]
        X = validation.check_X(X, dtype=dtype)
        Y = self._check_Y(Y, X.shape[0])
        for attribute in ("output_activation_", "classes_"):
            self.__dict__.pop(attribute, None)
        if self.is_classifier:
            self._set_classes(Y)
        else:
            self._resolve_output()
        T = self.encode_targets(Y)
        rng = np.random.default_rng(self.seed)
        X, T, X_val, T_val = self._validation_split(X, T, validation_data, rng)
        self.initialize_parameters(X.shape[1])
        self._train(X, T, X_val, T_val, rng)
        return self

    def _validation_split(self, X, T, validation_data, rng):
        """``(X, T, X_val, T_val)``: the given validation set, a held-out fraction when
        early stopping asks for one, or no validation (``None, None``)."""
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("validation_data must be a pair (X_val, Y_val)")
            X_val = validation.check_X(validation_data[0], X.shape[1], "X_val",
                                       dtype=X.dtype)
            T_val = self.encode_targets(self._check_Y(validation_data[1], X_val.shape[0]))
            return X, T, X_val, T_val
        if not self.early_stopping:
            return X, T, None, None
        n_val = int(round(self.validation_fraction * X.shape[0]))
        if n_val < 1 or n_val >= X.shape[0]:
            raise ValueError(f"validation_fraction={self.validation_fraction} of "
                             f"{X.shape[0]} samples leaves no validation or training set")
        order = rng.permutation(X.shape[0])
        held, kept = order[:n_val], order[n_val:]
        return X[kept], T[:, kept], X[held], T[:, held]

    def _make_optimizer(self):
        if self.optimizer == "sgd":
            return OPTIMIZERS["sgd"](self.momentum, self.nesterov)
        if self.optimizer == "adam":
            return OPTIMIZERS["adam"](self.beta_1, self.beta_2, self.epsilon)
        return OPTIMIZERS["gd"]()

    def _snapshot(self):
        return {name: value.copy() for name, value in self.parameters.items()}

    def _train(self, X, T, X_val, T_val, rng):
        """The epoch loop: updates, history, early stopping, divergence."""
        optimizer = self._make_optimizer()
        self.costs = []
        self.history = {"cost": [], "accuracy": [], "val_cost": [], "val_accuracy": []}
        best_cost, best_parameters, waited = math.inf, None, 0
        last_good = self._snapshot()
        bar = progress_bar(range(self.n_iterations), desc="training", quiet=self.quiet,
                           unit="epoch")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), bar:
            for epoch in bar:
                start = self._snapshot()
                rate = SCHEDULES[self.lr_schedule](self.learning_rate, epoch,
                                                   self.n_iterations)
                try:
                    cost, accuracy = self._epoch(X, T, optimizer, rate, rng)
                except DivergenceError as error:
                    self.parameters = last_good
                    raise DivergenceError(f"training diverged at {error} (learning_rate="
                                          f"{rate:g}); try a smaller learning rate. The "
                                          "model keeps its last finite parameters.") from None
                last_good = start
                self._record(cost, accuracy, X_val, T_val)
                bar.set_postfix(self._postfix(), refresh=False)
                if X_val is None or not self.early_stopping:
                    continue
                if self.history["val_cost"][-1] < best_cost:
                    best_cost, best_parameters, waited = (self.history["val_cost"][-1],
                                                          self._snapshot(), 0)
                    self.best_epoch_ = epoch
                else:
                    waited += 1
                    if waited >= self.patience:
                        break
        self.n_iter_ = len(self.costs)
        if best_parameters is not None:
            self.parameters = best_parameters

    def _epoch(self, X, T, optimizer, learning_rate, rng):
        """One pass over the data: full batch, or shuffled mini-batches. Returns the mean
        cost and accuracy of the pass (each batch's before its update)."""
        n = X.shape[0]
        if self.batch_size is None or self.batch_size >= n:
            batches = [(X, T)]
        else:
            order = rng.permutation(n)
            batches = ((X[order[s:s + self.batch_size]], T[:, order[s:s + self.batch_size]])
                       for s in range(0, n, self.batch_size))
        total_cost, total_correct = 0.0, 0
        for number, (X_batch, T_batch) in enumerate(batches):
            where = f"iteration {len(self.costs)}"
            if len(X_batch) < n:
                where += f", batch {number}"
            grads, cost, correct = self._gradients(X_batch, T_batch)
            if not math.isfinite(cost):
                raise DivergenceError(f"{where}: the cost is {cost}")
            optimizer.step(self.parameters, grads, learning_rate)
            total_cost += cost * len(X_batch)
            total_correct += correct
        # A NaN or infinite parameter makes the next batch's cost NaN; only the last
        # update of the epoch needs this check.
        if not all(np.isfinite(p).all() for p in self.parameters.values()):
            raise DivergenceError(f"{where}: the update made the parameters NaN or "
                                  "infinite")
        return total_cost / n, total_correct / n

    def _record(self, cost, accuracy, X_val, T_val):
        self.costs.append(cost)
        self.history["cost"].append(cost)
        if self.is_classifier:
            self.history["accuracy"].append(accuracy)
        if X_val is None:
            return
        n = X_val.shape[0]
        val_cost, correct = 0.0, 0
        for columns, (AL, store) in self._blocks(X_val):
            val_cost += self._data_cost(store, T_val[:, columns], n)
            correct += self._n_correct(AL, T_val[:, columns])
        self.history["val_cost"].append(val_cost)
        if self.is_classifier:
            self.history["val_accuracy"].append(correct / n)

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

    def predict_proba(self, X):
        """Class probabilities, ``(n, n_classes)`` in the order of ``classes_``."""
        if not self.is_classifier:
            raise AttributeError("predict_proba is for classifiers; this ANN is a "
                                 "regressor (output='identity')")
        AL = self._outputs(X)
        if self.output_activation_ == "sigmoid":
            return np.column_stack([1 - AL[0], AL[0]])
        return AL.T

    def predict(self, X):
        """Predicted labels ``(n,)`` (values of ``classes_``; 0/1 for the article's task),
        or for a regressor the predicted values ((n,) for one output, else (n, k))."""
        AL = self._outputs(X)
        if not self.is_classifier:
            return AL[0].copy() if AL.shape[0] == 1 else AL.T
        if self.output_activation_ == "sigmoid":
            return self.classes_[(AL[0] > 0.5).astype(np.intp)]
        return self.classes_[AL.argmax(axis=0)]

    def score(self, X, Y):
        """Accuracy for a classifier; R^2 (averaged over outputs) for a regressor."""
        predicted = self.predict(X)
        if self.is_classifier:
            y = validation.check_labels(Y, len(predicted))
            return float(np.mean(predicted == y))
        truth = np.asarray(self.encode_targets(self._check_Y(Y, len(predicted))).T,
                           dtype=np.float64)
        predicted = predicted.reshape(truth.shape)
        residual = ((truth - predicted) ** 2).sum(axis=0)
        total = ((truth - truth.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(total > 0, 1 - residual / total, np.where(residual > 0, 0.0, 1.0))
        return float(r2.mean())

    # ---------------------------------------------------------- pictures and files
    def plot_cost(self, path=None):
        """The cost curve (training and validation, accuracy on a second axis when
        known) as a matplotlib Figure; saved as an image when ``path`` is given."""
        from .plotting import plot_cost
        return plot_cost(self, path=path)

    def save(self, path):
        """Write architecture, configuration and parameters to one ``.npz`` (no pickle),
        through a temporary file and a rename."""
        from .persistence import save_model
        save_model(self, path)

    @classmethod
    def load(cls, path):
        """The model saved at ``path``; its predictions are bit-identical."""
        from .persistence import load_model
        return load_model(path)

    def summary(self):
        """Print and return a table of the layers: shapes of every W and b, activations
        and parameter counts."""
        from .explain import summary
        return summary(self)

    def explain(self, X, Y=None):
        """Print and return the dimension walk-through of one forward and backward pass
        on ``X`` (and ``Y``), in the article's style, from the live network."""
        from .explain import explain
        return explain(self, X, Y)
