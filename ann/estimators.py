"""scikit-learn's ``MLPClassifier`` and ``MLPRegressor``, on ann's engine.

``from ann import MLPClassifier`` replaces ``from sklearn.neural_network import
MLPClassifier``: the same parameters, defaults, fitted attributes, methods, errors and
numbers. The same algorithms, drawn from ``random_state`` in the same order
(initialization, validation split, per-epoch shuffles), give the same ``loss_curve_``.

The training runs on the ``ANN`` in ``network_``: its forward and backward passes, its
epoch loop (``ANN._train``), and entries of its tables where scikit-learn's conventions
are its own (``init="sklearn"``, ``optimizer="sklearn_adam"``/``"sklearn_sgd"``, the losses
``sklearn_log_loss``, ``sklearn_binary_log_loss`` and ``sklearn_squared_error``, the
stopping rule ``ann.stopping.Tolerance``). ``coefs_`` and
``intercepts_`` are views of its parameters in scikit-learn's ``(fan_in, fan_out)`` layout.

ann adds three parameters whose defaults change nothing: ``dtype`` (``"float32"`` trains
and predicts in single precision, faster), ``dropout`` (hidden-unit dropout, one rate or
one per hidden layer) and ``callbacks`` (called after every epoch with the estimator; one
returning True stops training, see ``ann.progress.ProgressBar``); the activation
``leaky_relu``; and the attribute ``validation_loss_curve_``.

This module needs scikit-learn (``pip install "ann[sklearn]"``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.optimize
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .network import ANN, DivergenceError
from .optimizers import make_optimizer
from .stopping import Tolerance
from .validation import fits_dtype

if TYPE_CHECKING:
    import scipy.sparse
    from typing_extensions import Self

ACTIVATIONS = {
    "identity": "identity",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
}
"""scikit-learn's activation names and ann's."""

OUTPUTS = {"identity": "identity", "exp": "exp", "logistic": "sigmoid", "softmax": "softmax"}
"""scikit-learn's output activations (``out_activation_``) and ann's."""

STOCHASTIC_SOLVERS = ("sgd", "adam")

MatrixLike: TypeAlias = "npt.ArrayLike | scipy.sparse.spmatrix | scipy.sparse.sparray"
"""A data matrix ``(n_samples, n_features)``, dense or sparse (CSR or CSC)."""

Callback: TypeAlias = "Callable[[Any], object]"
"""Called with the estimator after every epoch; a true result stops training."""


class BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, fitting, prediction."""

    _parameter_constraints: ClassVar[dict] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dtype": [None, StrOptions({"float32", "float64"})],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "callbacks": [None, list, tuple],
    }

    def __init__(
        self,
        hidden_layer_sizes: int | Iterable[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: float = 10,
        max_fun: int = 15000,
        dtype: str | None = None,
        dropout: float | Sequence[float] = 0.0,
        callbacks: Sequence[Callback] | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype
        self.dropout = dropout
        self.callbacks = callbacks

    # ------------------------------------------------------------ fitted attributes
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Each layer's weights, ``(fan_in, fan_out)``: views of ``network_``'s ``Wl.T``."""
        network = self._fitted_network()
        return [network.parameters[f"W{l}"].T for l in range(1, network.n_layers + 1)]

    @coefs_.setter
    def coefs_(self, values: Sequence[npt.ArrayLike]) -> None:
        self._set_parameters("W", values, lambda value: np.asarray(value).T)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Each layer's biases, ``(fan_out,)``: views of ``network_``'s ``bl``."""
        network = self._fitted_network()
        return [network.parameters[f"b{l}"][:, 0] for l in range(1, network.n_layers + 1)]

    @intercepts_.setter
    def intercepts_(self, values: Sequence[npt.ArrayLike]) -> None:
        self._set_parameters("b", values, lambda value: np.asarray(value).reshape(-1, 1))

    @property
    def loss_curve_(self) -> list[float]:
        """The training loss of every epoch, across warm starts and ``partial_fit``."""
        self._require_stochastic("loss_curve_")
        return self.network_.costs

    @property
    def validation_loss_curve_(self) -> list[float]:
        """ann's addition: the loss on the validation set of every epoch (with
        ``early_stopping``, else empty)."""
        self._require_stochastic("validation_loss_curve_")
        return self.network_.history["val_cost"]

    @property
    def best_loss_(self) -> float | None:
        self._require_stochastic("best_loss_")
        return self._stopper.best_loss

    @property
    def validation_scores_(self) -> list[float] | None:
        self._require_stochastic("validation_scores_")
        return self._stopper.validation_scores

    @property
    def best_validation_score_(self) -> float | None:
        self._require_stochastic("best_validation_score_")
        return self._stopper.best_validation_score

    def _fitted_network(self):
        network = self.__dict__.get("network_")
        if network is None:
            raise AttributeError(f"{type(self).__name__} is not fitted yet")
        return network

    def _require_stochastic(self, name):
        if "_stopper" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__} has no {name}: it is set by the "
                "stochastic solvers 'sgd' and 'adam'"
            )

    def _set_parameters(self, kind, values, to_ann_layout):
        network = self._fitted_network()
        if len(values) != network.n_layers:
            raise ValueError(f"expected {network.n_layers} arrays, got {len(values)}")
        for l, value in enumerate(values, start=1):
            network.parameters[f"{kind}{l}"] = to_ann_layout(value)

    # ---------------------------------------------------------------------- fitting
    def _dtypes(self):
        """The float types ``X`` is taken in: its own, float64 or float32. With
        ``dtype="float32"``, float64 data is cast one batch at a time as it trains."""
        return (np.float64, np.float32)

    def _training_dtype(self, X, first_pass):
        """The network's float type: ``dtype``, else X's on a first fit, else the one the
        network has. float64 data kept for a float32 network must fit float32."""
        dtype = np.dtype(self.dtype or X.dtype if first_pass else self.network_.dtype)
        if not fits_dtype(X.data if scipy.sparse.issparse(X) else X, dtype):
            raise ValueError(f"Input X contains infinity or a value too large for {dtype!r}.")
        return dtype

    def _layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return sizes

    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden = self._layer_sizes()
        first_pass = "network_" not in self.__dict__ or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        dtype = self._training_dtype(X, first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=dtype)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, [X.shape[1]] + hidden + [y.shape[1]], dtype)
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} outputs, the network was fitted with {self.n_outputs_}"
            )
        T = np.ascontiguousarray(y.T, dtype=dtype)
        try:
            if self.solver in STOCHASTIC_SOLVERS:
                self._fit_stochastic(X, T, y, sample_weight, incremental)
            else:
                self._fit_lbfgs(X, T, sample_weight)
        except DivergenceError:
            self.network_._flat[...] = np.nan
        if not np.isfinite(self.network_._flat).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data "
                "may contain large values and need to be preprocessed."
            )
        return self

    def _initialize(self, y, layer_units, dtype):
        """Set the fitted attributes and draw the first parameters, as on a first fit."""
        self.n_iter_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        self.__dict__.pop("_optimizer", None)
        network = ANN(
            layer_units[1:],
            activation=ACTIVATIONS[self.activation],
            output=OUTPUTS[self.out_activation_],
            loss=self._network_loss(),
            **self._optimizer_settings(),
            learning_rate=self.learning_rate_init,
            lr_schedule=("invscaling" if self._uses_invscaling() else "constant"),
            power_t=self.power_t,
            l2=self.alpha,
            init="sklearn",
            dtype=np.dtype(dtype).name,
            dropout=self.dropout,
            callbacks=self._callbacks(),
            quiet=True,
        )
        network._resolve_output()
        if self.out_activation_ in ("logistic", "softmax"):
            network.classes_ = self.classes_
            network.multilabel_ = self.n_outputs_ > 1 and self.out_activation_ == "logistic"
        network._initialize(layer_units[0], self._random_state)
        self.network_ = network
        self.t_ = 0
        self.__dict__.pop("_stopper", None)
        if self.solver in STOCHASTIC_SOLVERS:
            self._stopper = Tolerance(
                self.tol,
                self.n_iter_no_change,
                adaptive=self._uses_adaptive_rate(),
                score=self._validation_score if self.early_stopping else None,
            )
            if self.early_stopping:
                self._stopper.best_parameters = network._snapshot()

    def _uses_invscaling(self):
        return self.solver == "sgd" and self.learning_rate == "invscaling"

    def _uses_adaptive_rate(self):
        return self.solver == "sgd" and self.learning_rate == "adaptive"

    def _callbacks(self):
        callbacks = list(self.callbacks or [])
        return callbacks + [_print_progress] if self.verbose else callbacks

    def _optimizer_settings(self):
        """The optimizer's name and settings, as ``ANN``'s parameters: scikit-learn's
        SGD or Adam (``gd`` stands for L-BFGS, which runs outside ``ANN``)."""
        stochastic = self.solver in STOCHASTIC_SOLVERS
        return {
            "optimizer": f"sklearn_{self.solver}" if stochastic else "gd",
            "momentum": self.momentum,
            "nesterov": self.nesterovs_momentum,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }

    def _fit_stochastic(self, X, T, y, sample_weight, incremental):
        """Mini-batch training with ``network_``'s epoch loop, scikit-learn's rules."""
        network = self.network_
        if not incremental or "_optimizer" not in self.__dict__:
            network.set_params(**self._optimizer_settings())
            self._optimizer = make_optimizer(
                network.optimizer, self.learning_rate_init, network.get_params()
            )
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        validation = None
        if self.early_stopping:
            X, T, sample_weight, validation = self._split(X, T, y, sample_weight)
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. "
                    "It is going to be clipped",
                    stacklevel=2,
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        network.set_params(
            batch_size=batch_size,
            n_iterations=1 if incremental else self.max_iter,
            callbacks=self._callbacks(),
        )
        shuffle = None
        if self.shuffle:

            def shuffle(order):
                return order[self._random_state.permutation(len(order))]

        try:
            self.n_iter_ = network._train(
                X,
                T,
                optimizer=self._optimizer,
                stopping=self._stopper,
                rng=self._random_state,
                shuffle=shuffle,
                weights=sample_weight,
                validation=validation,
                owner=self,
            )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=2)
        self.t_ = network.t_
        self.loss_ = network.costs[-1]
        if not incremental and self.n_iter_ == self.max_iter and not self._stopped():
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=2,
            )

    def _stopped(self):
        """Whether the last epoch ended training by the tolerance rule."""
        return self._stopper.no_improvement_count > self.n_iter_no_change

    def _split(self, X, T, y, sample_weight):
        """scikit-learn's validation split: ``(X, T, sample_weight, validation)``, the
        validation set as ``(X_val, T_val, sample_weight_val)``."""
        stratify = y if self._is_classifier() and self.n_outputs_ == 1 else None
        arrays = [X, y, np.arange(X.shape[0])] + ([] if sample_weight is None else [sample_weight])
        parts = train_test_split(
            *arrays,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, _, y_val, train, held = parts[:6]
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase "
                "'validation_fraction' or the size of your dataset."
            )
        w_train, w_val = (None, None) if sample_weight is None else parts[6:8]
        self._y_val = self._decode(y_val)
        self._sample_weight_val = w_val
        return X_train, T[:, train], w_train, (X_val, T[:, held], w_val)

    def _validation_score(self, outputs):
        """Accuracy or R^2 on the validation set from the output layer ``(k, n_val)``;
        NaN where the outputs are not finite, as scikit-learn's."""
        if not np.isfinite(outputs).all():
            return np.nan
        y_pred = self._prediction(outputs.T)
        return self._score_function(self._y_val, y_pred, sample_weight=self._sample_weight_val)

    def _fit_lbfgs(self, X, T, sample_weight):
        """L-BFGS-B over the flat parameter array, with ``network_``'s cost and gradient."""
        network = self.network_
        network.set_params(callbacks=[])

        def cost_and_gradient(flat):
            network._flat[...] = flat
            _, cost, _ = network._gradients(X, T, sample_weight)
            return cost, network._grad_flat.astype(np.float64)

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = scipy.optimize.minimize(
                cost_and_gradient,
                network._flat.astype(np.float64),
                method="L-BFGS-B",
                jac=True,
                options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
            )
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        self.loss_ = float(result.fun)
        network._flat[...] = result.x

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: MatrixLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> Self:
        """Fit the model to data matrix ``X`` (n_samples, n_features), dense or sparse,
        and targets ``y`` (class labels, an indicator matrix, or values); returns the
        model."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    # ------------------------------------------------------------------- prediction
    def _forward_pass_fast(self, X, check_input=True):
        """The output layer for ``X``, ``(n_samples, n_outputs)``."""
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        network = self.network_
        with np.errstate(over="ignore", invalid="ignore"):
            outputs = [AL for _, (AL, _) in network._blocks(X)]
        return np.concatenate(outputs, axis=1).T

    def _predict(self, X, check_input=True):
        return self._prediction(self._forward_pass_fast(X, check_input=check_input))

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predicted classes, or values, for ``X`` (n_samples, n_features)."""
        check_is_fitted(self)
        return self._predict(X)

    def _score(self, X, y, sample_weight=None):
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _print_progress(estimator: BaseMLP) -> None:
    """scikit-learn's ``verbose`` output, one epoch."""
    print(f"Iteration {len(estimator.loss_curve_)}, loss = {estimator.loss_curve_[-1]:.8f}")
    scores = estimator.validation_scores_  # None without early stopping
    if scores:
        print(f"Validation score: {scores[-1]:f}")


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier: scikit-learn's ``MLPClassifier``, on ann.

    Binary and multi-class labels (sigmoid or softmax output, log-loss) and multi-label
    indicator matrices (independent sigmoid outputs). See the module's docstring for what
    ann adds; every other parameter and attribute is scikit-learn's.
    """

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=self._dtypes(),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._label_binarizer.transform(y).astype(bool)

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _network_loss(self):
        return (
            "sklearn_log_loss"
            if self._output_activation() == "softmax"
            else ("sklearn_binary_log_loss")
        )

    def _is_classifier(self):
        return True

    def _decode(self, y):
        return self._label_binarizer.inverse_transform(y)

    def _prediction(self, outputs):
        if self.n_outputs_ == 1:
            outputs = outputs.ravel()
        return self._label_binarizer.inverse_transform(outputs)

    _score_function = staticmethod(accuracy_score)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X: MatrixLike,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
        classes: npt.ArrayLike | None = None,
    ) -> Self:
        """One epoch over ``X``, ``y``; the first call needs ``classes``, every class
        that any call may see."""
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_proba(self, X: MatrixLike) -> np.ndarray:
        """Probability of each class, ``(n_samples, n_classes)`` in the order of
        ``classes_`` (for multi-label, each label's own probability)."""
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
        """``log(predict_proba(X))``."""
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor: scikit-learn's ``MLPRegressor``, on ann.

    ``loss="squared_error"`` (identity output) or ``"poisson"`` (exp output); one or
    several outputs. See the module's docstring for what ann adds.
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: int | Iterable[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: float = 10,
        max_fun: int = 15000,
        dtype: str | None = None,
        dropout: float | Sequence[float] = 0.0,
        callbacks: Sequence[Callback] | None = None,
    ) -> None:
        self.loss = loss
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dtype=dtype,
            dropout=dropout,
            callbacks=callbacks,
        )

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=self._dtypes(),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _network_loss(self):
        return "poisson" if self.loss == "poisson" else "sklearn_squared_error"

    def _is_classifier(self):
        return False

    def _decode(self, y):
        return y

    def _prediction(self, outputs):
        return outputs.ravel() if outputs.shape[1] == 1 else outputs

    _score_function = staticmethod(r2_score)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: MatrixLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> Self:
        """One epoch over ``X``, ``y``."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)
