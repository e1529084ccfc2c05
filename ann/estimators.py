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

from . import core, targets, training
from .core import Architecture, DivergenceError
from .network import ANN
from .optimizers import make_optimizer
from .parameters import ParameterViews, initial_parameters
from .stopping import Tolerance
from .targets import Targets
from .validation import check_float, fits_dtype, per_hidden_layer

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
        """Each layer's weights, ``(fan_in, fan_out)``: views of the parameters' ``Wl.T``."""
        parameters = self._fitted_parameters()
        return [parameters[f"W{l}"].T for l in range(1, self.n_layers_)]

    @coefs_.setter
    def coefs_(self, values: Sequence[npt.ArrayLike]) -> None:
        self._set_parameters("W", values, lambda value: np.asarray(value).T)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Each layer's biases, ``(fan_out,)``: views of the parameters' ``bl``."""
        parameters = self._fitted_parameters()
        return [parameters[f"b{l}"][:, 0] for l in range(1, self.n_layers_)]

    @intercepts_.setter
    def intercepts_(self, values: Sequence[npt.ArrayLike]) -> None:
        self._set_parameters("b", values, lambda value: np.asarray(value).reshape(-1, 1))

    @property
    def network_(self) -> ANN:
        """The fitted network as an ``ANN`` (for ``summary``, ``explain``, the exports),
        sharing this estimator's parameters and record."""
        parameters = self._fitted_parameters()
        architecture = self._architecture()
        classifier = self.out_activation_ in ("logistic", "softmax")
        return ANN.from_parameters(
            parameters,
            classes=self.classes_ if classifier else None,
            multilabel=classifier and self.n_outputs_ > 1 and self.out_activation_ == "logistic",
            record=self._record,
            layers_size=list(architecture.sizes[1:]),
            activation=ACTIVATIONS[self.activation],
            output=architecture.output,
            loss=architecture.loss,
            l2=self.alpha,
            init="sklearn",
            dtype=architecture.dtype,
            optimizer=f"sklearn_{self.solver}" if self.solver in STOCHASTIC_SOLVERS else "gd",
            learning_rate=self.learning_rate_init,
            n_iterations=self.max_iter,
            momentum=self.momentum,
            nesterov=self.nesterovs_momentum,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            lr_schedule="invscaling" if self._uses_invscaling() else "constant",
            power_t=self.power_t,
            dropout=self.dropout,
            quiet=True,
        )

    @property
    def loss_curve_(self) -> list[float]:
        """The training loss of every epoch, across warm starts and ``partial_fit``."""
        self._require_stochastic("loss_curve_")
        return self._record.costs

    @property
    def validation_loss_curve_(self) -> list[float]:
        """ann's addition: the loss on the validation set of every epoch (with
        ``early_stopping``, else empty)."""
        self._require_stochastic("validation_loss_curve_")
        return self._record.history["val_cost"]

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

    def _fitted_parameters(self) -> ParameterViews:
        parameters = self.__dict__.get("_parameters")
        if parameters is None:
            raise AttributeError(f"{type(self).__name__} is not fitted yet")
        return parameters

    def _require_stochastic(self, name):
        if "_stopper" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__} has no {name}: it is set by the "
                "stochastic solvers 'sgd' and 'adam'"
            )

    def _set_parameters(self, kind, values, to_ann_layout):
        parameters = self._fitted_parameters()
        n_layers = self.n_layers_ - 1
        if len(values) != n_layers:
            raise ValueError(f"expected {n_layers} arrays, got {len(values)}")
        for l, value in enumerate(values, start=1):
            parameters[f"{kind}{l}"] = to_ann_layout(value)

    def _architecture(self, hidden_sizes: Sequence[int] | None = None) -> Architecture:
        """The network as the core takes it: the fitted layer sizes (or the layers of
        ``hidden_sizes`` on a first fit), the current ``activation``, the output and its
        loss, the parameters' dtype."""
        if hidden_sizes is None:
            parameters = self._fitted_parameters()
            units = [parameters[f"b{l}"].shape[0] for l in range(1, self.n_layers_)]
            dtype = parameters.flat.dtype.name
        else:
            units, dtype = [*hidden_sizes, self.n_outputs_], self._dtype.name
        return Architecture(
            (self.n_features_in_, *units),
            (ACTIVATIONS[self.activation],) * (len(units) - 1),
            OUTPUTS[self.out_activation_],
            self._network_loss(),
            dtype,
        )

    # ---------------------------------------------------------------------- fitting
    def _dtypes(self):
        """The float types ``X`` is taken in: its own, float64 or float32. With
        ``dtype="float32"``, float64 data is cast one batch at a time as it trains."""
        return (np.float64, np.float32)

    def _training_dtype(self, X, first_pass):
        """The network's float type: ``dtype``, else X's on a first fit, else the one the
        network has. float64 data kept for a float32 network must fit float32."""
        dtype = np.dtype(self.dtype or X.dtype if first_pass else self._parameters.flat.dtype)
        if not fits_dtype(X.data if scipy.sparse.issparse(X) else X, dtype):
            raise ValueError(f"Input X contains infinity or a value too large for {dtype!r}.")
        return dtype

    def _layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(size) for size in sizes]

    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden = self._layer_sizes()
        first_pass = "_parameters" not in self.__dict__ or (not self.warm_start and not incremental)
        if not first_pass:
            self._check_warm_start(hidden, incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        self._dtype = self._training_dtype(X, first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=self._dtype)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, hidden)
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} outputs, the network was fitted with {self.n_outputs_}"
            )
        T = np.ascontiguousarray(y.T, dtype=self._dtype)
        before = None if first_pass else self._parameters.flat.copy()
        try:
            if self.solver in STOCHASTIC_SOLVERS:
                self._fit_stochastic(X, T, y, sample_weight, incremental)
            else:
                self._fit_lbfgs(X, T, sample_weight)
        except DivergenceError:
            self._parameters.flat[...] = np.nan
        if not np.isfinite(self._parameters.flat).all():
            self._undo(before)
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data "
                "may contain large values and need to be preprocessed. "
                + (
                    "The model is not fitted."
                    if before is None
                    else "The model keeps the parameters it had before this call."
                )
            )
        return self

    def _undo(self, before):
        """Forget a fit that failed: the parameters it started from (``before``), or
        no fit at all on a first fit."""
        if before is not None:
            self._parameters.flat[...] = before
            return
        for name in ("_parameters", "_record", "_stopper", "_optimizer", "n_iter_", "t_", "loss_"):
            self.__dict__.pop(name, None)

    def _check_warm_start(self, hidden, incremental):
        """A warm start (or ``partial_fit``) goes on with the network it has: the layers,
        the solver family and ``early_stopping`` must be those of the first fit
        (scikit-learn fails, or silently trains the old network, when they are not)."""
        fitted = [self._parameters[f"b{l}"].shape[0] for l in range(1, self.n_layers_ - 1)]
        how = "partial_fit" if incremental else "warm_start=True"
        if hidden != fitted:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} does not match the network "
                f"fitted with hidden layers {fitted}: {how} goes on with the network it has; "
                "fit with warm_start=False to train a new one"
            )
        if self.solver in STOCHASTIC_SOLVERS and "_stopper" not in self.__dict__:
            raise ValueError(
                f"solver={self.solver!r} cannot go on ({how}) from a network fitted with "
                "solver='lbfgs', which records no loss curve; fit with warm_start=False"
            )
        if (
            self.solver in STOCHASTIC_SOLVERS
            and (self._stopper.score is None) == self.early_stopping
        ):
            raise ValueError(
                f"early_stopping={self.early_stopping} differs from the first fit's: "
                f"{how} keeps its stopping rule's state; fit with warm_start=False"
            )

    def _initialize(self, y, hidden):
        """Set the fitted attributes and draw the first parameters, as on a first fit."""
        self.n_iter_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = self._output_activation()
        self.__dict__.pop("_optimizer", None)
        architecture = self._architecture(hidden)
        self._parameters = initial_parameters(
            architecture.sizes,
            "sklearn",
            self._random_state,
            [ACTIVATIONS[self.activation]] * architecture.n_layers,
            self._dtype,
        )
        self._record = training.Record()
        self.t_ = 0
        self.__dict__.pop("_stopper", None)
        if self.solver in STOCHASTIC_SOLVERS:
            score = self._validation_score if self.early_stopping else None
            self._stopper = Tolerance(self.tol, self.n_iter_no_change, score)
            if self.early_stopping:
                self._stopper.best_parameters = self._parameters.flat.copy()

    def _uses_invscaling(self):
        return self.solver == "sgd" and self.learning_rate == "invscaling"

    def _uses_adaptive_rate(self):
        return self.solver == "sgd" and self.learning_rate == "adaptive"

    def _callbacks(self):
        callbacks = [self._count_epoch, *(self.callbacks or [])]
        return callbacks + [_print_progress] if self.verbose else callbacks

    def _count_epoch(self, estimator):
        """The first callback of every epoch: the fitted counters, as scikit-learn keeps
        them, so that the other callbacks see them."""
        self.n_iter_ = self._record.epochs
        self.t_ = self._record.samples_seen
        self.loss_ = self._record.costs[-1]

    def _new_optimizer(self):
        """scikit-learn's SGD or Adam, with the current settings."""
        settings = {
            "momentum": self.momentum,
            "nesterov": self.nesterovs_momentum,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
        return make_optimizer(f"sklearn_{self.solver}", self.learning_rate_init, settings)

    def _config(self, n_samples, incremental):
        """The training loop's configuration from the current settings."""
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. "
                    "It is going to be clipped",
                    stacklevel=4,
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        n_hidden = self.n_layers_ - 2
        dropout = [
            check_float("dropout", p, 0.0, 1.0, low_open=False, high_open=True)
            for p in per_hidden_layer("dropout", self.dropout, n_hidden, float)
        ]
        return training.Config(
            n_epochs=1 if incremental else self.max_iter,
            learning_rate=self.learning_rate_init,
            batch_size=batch_size,
            lr_schedule="invscaling" if self._uses_invscaling() else "constant",
            power_t=self.power_t,
            l2=self.alpha,
            dropout=dict(enumerate(dropout, start=1)),
            shuffle=self._shuffle if self.shuffle else None,
            callbacks=tuple(self._callbacks()),
            stop_on_divergence=not self.early_stopping,
        )

    def _shuffle(self, order):
        """The next epoch's order of the samples: the last one shuffled by
        ``random_state``, as scikit-learn's ``shuffle`` does."""
        return order[self._random_state.permutation(len(order))]

    def _fit_stochastic(self, X, T, y, sample_weight, incremental):
        """Mini-batch training with ann's training loop, scikit-learn's rules."""
        if not incremental or "_optimizer" not in self.__dict__:
            self._optimizer = self._new_optimizer()
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        data, validation = training.Data(X, T, sample_weight), None
        if self.early_stopping:
            data, validation = self._split(data, y)
        self._stopper = self._stopper.with_settings(
            self.tol,
            self.n_iter_no_change,
            self._validation_score if self.early_stopping else None,
            self._uses_adaptive_rate(),
        )
        architecture = self._architecture()
        model = training.Model(architecture, self._parameters, self._record, self._counter())
        try:
            training.train(
                model,
                data,
                self._config(data.X.shape[0], incremental),
                optimizer=self._optimizer,
                stopping=self._stopper,
                rng=self._random_state,
                validation=validation,
                owner=self,
            )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)
        if not incremental and self.n_iter_ == self.max_iter and not self._stopper.stopped:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _counter(self):
        """How the training loop counts a classifier's correct samples (a regressor
        counts none)."""
        if self.out_activation_ not in ("logistic", "softmax"):
            return None
        multilabel = self.n_outputs_ > 1 and self.out_activation_ == "logistic"
        coding = Targets(OUTPUTS[self.out_activation_], self.n_outputs_, self.classes_, multilabel)
        return targets.counter(coding)

    def _split(self, data, y):
        """scikit-learn's validation split: the training part and the validation set."""
        stratify = y if self._is_classifier() and self.n_outputs_ == 1 else None
        kept, held = train_test_split(
            np.arange(data.X.shape[0]),
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        if len(held) < 2:
            raise ValueError(
                "The validation set is too small. Increase "
                "'validation_fraction' or the size of your dataset."
            )
        self._y_val = self._decode(y[held])
        self._sample_weight_val = None if data.weights is None else data.weights[held]
        return training.split(data, kept, held)

    def _validation_score(self, outputs):
        """Accuracy or R^2 on the validation set from the output layer ``(k, n_val)``;
        NaN where the outputs are not finite, as scikit-learn's."""
        if not np.isfinite(outputs).all():
            return np.nan
        y_pred = self._prediction(outputs.T)
        return self._score_function(self._y_val, y_pred, sample_weight=self._sample_weight_val)

    def _fit_lbfgs(self, X, T, sample_weight):
        """L-BFGS-B over the flat parameter array, with the core's cost and gradient."""
        if sample_weight is not None and not sample_weight.sum():
            raise ValueError("sample_weight sums to 0: the mean loss is not defined")
        architecture, parameters = self._architecture(), self._parameters
        workspace = core.Workspace(architecture)

        def cost_and_gradient(flat):
            parameters.flat[...] = flat
            cost, _ = core.gradients(
                architecture, parameters, X, T, workspace, weights=sample_weight, l2=self.alpha
            )
            return cost, workspace.grads.flat.astype(np.float64)

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = scipy.optimize.minimize(
                cost_and_gradient,
                parameters.flat.astype(np.float64),
                method="L-BFGS-B",
                jac=True,
                options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
            )
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        self.loss_ = float(result.fun)
        parameters.flat[...] = result.x

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
        with np.errstate(over="ignore", invalid="ignore"):
            return core.outputs(self._architecture(), self._parameters, X).T

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
