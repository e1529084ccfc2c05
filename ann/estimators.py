"""scikit-learn's ``MLPClassifier`` and ``MLPRegressor``, on ann's engine.

``from ann import MLPClassifier`` replaces ``from sklearn.neural_network import
MLPClassifier``: the same parameters, defaults, fitted attributes, methods, errors and
numbers (the same draws from ``random_state``, in the same order, give the same
``loss_curve_``). The training runs on ``ann.training.train`` (``ann.lbfgs`` for
``solver="lbfgs"``) and ``ann.core``, with table entries where scikit-learn's conventions
are its own (the initialization ``"sklearn"``, its SGD and Adam, its losses, the stopping
rule ``ann.stopping.Tolerance``; ``ann.sklearn_names`` translates the names).
``coefs_`` and ``intercepts_`` are views of the parameters in scikit-learn's
``(fan_in, fan_out)`` layout; ``network_`` is the fitted network as an ``ANN``.

``fit`` (with ``warm_start``, too) takes the current settings; ``partial_fit`` goes on
with the optimizer of the call that made it. A warm start that would not fit the network
it has (other hidden layers, outputs, loss or dtype; early stopping switched; ``lbfgs``
going on as ``sgd`` or ``adam``) is a ValueError that says so (``ann.fit_state``), and a
fit that fails, a NaN or infinite result among them, leaves the estimator as it was.

ann adds ``dtype`` (``"float32"``: single precision, faster), ``dropout`` (one rate or
one per hidden layer) and ``callbacks`` (called with the estimator after every epoch; one
returning True stops training, see ``ann.progress.ProgressBar``), which the stochastic
solvers take; the activation ``leaky_relu``; the attribute ``validation_loss_curve_``.

It needs scikit-learn: ``pip install scikit-learn`` (in a checkout of ann,
``pip install -e ".[sklearn]"``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import numpy as np
import numpy.typing as npt

try:
    from sklearn import get_config
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
    from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: F401 (re-exported)
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state, column_or_1d
    from sklearn.utils._param_validation import Interval, Options, StrOptions
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.multiclass import type_of_target, unique_labels
    from sklearn.utils.optimize import _check_optimize_result
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
except ImportError as error:
    raise ImportError(
        f"ann.estimators needs scikit-learn 1.7 or later ({error}); install it with: "
        'pip install scikit-learn (or, in a checkout of ann, pip install -e ".[sklearn]")'
    ) from error

from . import arrays, core, lbfgs, targets, training
from .core import Architecture, DivergenceError
from .fit_state import (
    Fitted,
    FittedAttributes,
    Rule,
    cannot_go_on,
    check_rules,
    kept_if_failing,
)
from .network import ANN
from .optimizers import make_optimizer
from .parameters import initial_parameters, placed, views
from .sklearn_names import (
    ACTIVATIONS,
    LOSSES,
    OPTIMIZER_SETTINGS,
    OUTPUTS,
    STOCHASTIC_SOLVERS,
    ann_settings,
    lr_schedule,
    network_settings,
)
from .stopping import Tolerance
from .targets import Targets
from .validation import (
    check_classes,
    check_fits,
    check_mapped,
    check_same_namespace,
    check_total_weight,
    dropout_rates,
)

if TYPE_CHECKING:
    import scipy.sparse
    from typing_extensions import Self

NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large "
    "values and need to be preprocessed."
)

MatrixLike: TypeAlias = "npt.ArrayLike | scipy.sparse.spmatrix | scipy.sparse.sparray"
"""A data matrix ``(n_samples, n_features)``, dense or sparse (CSR or CSC)."""

Callback: TypeAlias = "Callable[[Any], object]"
"""Called with the estimator after every epoch; a true result stops training."""


class BaseMLP(FittedAttributes, BaseEstimator):
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
        _keep_arguments(self, locals())

    @property
    def network_(self) -> ANN:
        """The fitted network as an ``ANN`` (for ``summary``, ``explain``, the exports),
        sharing this estimator's parameters and record."""
        parameters = self._trained.parameters
        architecture = self._architecture()
        coding = self._targets()
        return ANN.from_parameters(
            parameters,
            classes=None if coding is None else coding.classes,
            multilabel=coding is not None and coding.multilabel,
            record=self._trained.record,
            layers_size=list(architecture.sizes[1:]),
            output=architecture.output,
            loss=architecture.loss,
            init="sklearn",
            dtype=architecture.dtype,
            quiet=True,
            **network_settings(self.get_params(deep=False)),
        )

    def _take_assigned(self):
        """The fitted state made of the attributes assigned before this fit (the weights
        and biases must be given; ``n_features_in_`` and the outputs follow from them)."""
        assigned, self._assigned_before_fit = self._assigned_before_fit or {}, None
        coefs = [np.asarray(coef, dtype=float) for coef in assigned["coefs_"]]
        self.n_features_in_ = coefs[0].shape[0]
        self._dtype = np.dtype(self.dtype or np.float64)
        hidden = [coef.shape[1] for coef in coefs[:-1]]
        self.out_activation_ = getattr(self, "out_activation_", None) or self._output_activation()
        self._initialize(coefs[-1].shape[1], hidden, like=None)
        self.coefs_, self.intercepts_ = coefs, assigned["intercepts_"]
        fitted = self._trained
        if assigned.get("loss_curve_") is not None and fitted.stopper is not None:
            fitted.record.costs[:] = assigned["loss_curve_"]
        if assigned.get("best_loss_") is not None and fitted.stopper is not None:
            fitted.stopper.lowest_loss = assigned["best_loss_"]

    def _architecture(self, hidden_sizes: Sequence[int] | None = None) -> Architecture:
        """The network as the core takes it: the fitted layer sizes (or the layers of
        ``hidden_sizes`` on a first fit), the current ``activation``, the fitted output
        and its loss, the parameters' dtype."""
        if hidden_sizes is None:
            units, dtype = self._trained.units, self._trained.dtype.name
        else:
            units, dtype = [*hidden_sizes, self.n_outputs_], self._dtype.name
        return Architecture(
            (self.n_features_in_, *units),
            (ACTIVATIONS[self.activation],) * (len(units) - 1),
            OUTPUTS[self.out_activation_],
            LOSSES[self.out_activation_],
            dtype,
        )

    # ---------------------------------------------------------------------- fitting
    @staticmethod
    def _dtypes(X):
        """The types ``X`` is taken in as it is: float64, float32 and, for NumPy,
        integers and bools (uint8 pixels). Other types become float64. The core converts
        each block to the network's dtype as it goes: with ``dtype="float32"`` float64
        data, and integer data in any case, are never converted whole. Arrays of other
        namespaces stay there inside ``sklearn.config_context(array_api_dispatch=True)``
        (else scikit-learn makes NumPy arrays of them)."""
        if _dispatching(X):
            xp = arrays.namespace(X)
            return (xp.float64, xp.float32)
        return (np.float64, np.float32, *KEPT_INTEGERS)

    def _training_dtype(self, X, first_pass):
        """The network's float type: ``dtype``, else X's on a first fit, else the one the
        network has. float64 data kept for a float32 network must fit float32."""
        own = np.dtype(arrays.dtype_name(X.dtype))
        own = own if own.kind == "f" else np.dtype(np.float64)
        fitted = None if first_pass else self._trained.dtype
        dtype = np.dtype(self.dtype or own if first_pass else fitted)
        check_fits(X, dtype)
        return dtype

    def _layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if not all(isinstance(size, Integral) for size in sizes):
            raise TypeError(f"hidden_layer_sizes must be whole numbers, got {sizes}.")
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(size) for size in sizes]

    def _kept_if_failing(self, incremental):
        """Around a fit: if it raises, the estimator as it was before the call."""
        going_on = self.warm_start or incremental
        return kept_if_failing(self, self._fitted if going_on else None)

    def _fit(self, X, y, sample_weight=None, incremental=False):
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        hidden = self._layer_sizes()
        going_on = self.warm_start or incremental
        if going_on and {"coefs_", "intercepts_"} <= set(self._assigned_before_fit or {}):
            self._take_assigned()
        fitted = self._fitted is not None
        first_pass = not fitted or not going_on
        self._check_solver_settings(len(hidden))
        if not first_pass:
            rules = self._warm_start_rules(hidden, incremental)
            check_rules(rules, self.get_params(deep=False), incremental)
        check_mapped(X)
        X = arrays.check_values(X, "X")
        y, sample_weight = arrays.host(y), arrays.host(sample_weight)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        self._dtype = self._training_dtype(X, first_pass)
        if sample_weight is not None:
            shape = np.broadcast_to(0.0, (X.shape[0], 1))  # (the weights are on the host)
            sample_weight = _check_sample_weight(sample_weight, shape, dtype=self._dtype)
            sample_weight = arrays.move(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y.shape[1], hidden, like=X)
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                cannot_go_on(
                    f"y has {y.shape[1]} outputs, the network was fitted with {self.n_outputs_}",
                    incremental,
                )
            )
        T = arrays.move(np.ascontiguousarray(y.T, dtype=self._dtype), X)
        kept = (
            "The estimator keeps the state it had before this call."
            if fitted
            else "The estimator is not fitted."
        )
        try:
            if self.solver in STOCHASTIC_SOLVERS:
                self._fit_stochastic(X, T, y, sample_weight, incremental)
            else:
                self._fit_lbfgs(X, T, sample_weight)
        except DivergenceError as error:
            reason = NON_FINITE if self.solver in STOCHASTIC_SOLVERS else str(error)
            raise ValueError(f"{reason} {kept}") from None
        if not arrays.all_finite(self._trained.parameters.flat):
            raise ValueError(f"{NON_FINITE} {kept}")
        return self

    def _check_solver_settings(self, n_hidden):
        """Dropout and callbacks need the epochs of a stochastic solver."""
        dropout = dropout_rates(self.dropout, n_hidden)
        if self.solver in STOCHASTIC_SOLVERS:
            return
        if any(dropout):
            raise ValueError(
                f"dropout={self.dropout!r} needs a stochastic solver ('sgd' or 'adam'): "
                f"solver={self.solver!r} minimizes the exact loss, which dropout would make "
                "random"
            )
        if self.callbacks:
            raise ValueError(
                "callbacks are called after each epoch of a stochastic solver ('sgd' or "
                f"'adam'); solver={self.solver!r} has no epochs"
            )

    def _warm_start_rules(self, hidden, incremental):
        """The settings that must be those of the first fit: the hidden layers, the
        dtype, the solver family and ``early_stopping``; and ``partial_fit`` goes on
        with its optimizer's solver."""
        fitted = self._trained
        layers, dtype = fitted.units[:-1], fitted.dtype
        stochastic, stopper = self.solver in STOCHASTIC_SOLVERS, fitted.stopper
        settings = fitted.optimizer_settings
        made_with = None if settings is None else settings["solver"]
        return [
            Rule(
                hidden != layers,
                "hidden_layer_sizes",
                f"does not match the network fitted with hidden layers {layers}",
            ),
            Rule(
                self.dtype is not None and np.dtype(self.dtype) != dtype,
                "dtype",
                f"differs from the network's {dtype}",
            ),
            Rule(
                stochastic and stopper is None,
                "solver",
                "cannot go on from a network fitted with solver='lbfgs'",
                "the loss curve and the stopping rule, which 'lbfgs' has none of",
            ),
            Rule(
                stochastic
                and stopper is not None
                and (stopper.score is None) == self.early_stopping,
                "early_stopping",
                "differs from the first fit's",
                "its stopping rule's state",
            ),
            Rule(
                incremental and made_with is not None and self.solver != made_with,
                "solver",
                f"differs from the optimizer's ({made_with!r})",
                "the optimizer it has",
                "warm_start=True to make a new one",
            ),
        ]

    def _initialize(self, n_outputs, hidden, like):
        """Set the fitted attributes and draw the first parameters (on the host, then
        moved where the array ``like`` lives), as on a first fit; zeros without
        ``like``, for weights assigned by hand."""
        self.n_iter_ = 0
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = self._output_activation()
        architecture = self._architecture(hidden)
        if like is None:
            size = sum(math.prod(shape) for shape in architecture.shapes().values())
            parameters = views(np.zeros(size, self._dtype), architecture.shapes())
        else:
            parameters = initial_parameters(
                architecture.sizes,
                "sklearn",
                self._random_state,
                [ACTIVATIONS[self.activation]] * architecture.n_layers,
                self._dtype,
            )
            parameters = placed(parameters, like)
        self.t_ = 0
        stopper = None
        if self.solver in STOCHASTIC_SOLVERS:
            score = self._validation_score if self.early_stopping else None
            stopper = Tolerance(self.tol, self.n_iter_no_change, score)
            if self.early_stopping:
                stopper.best_parameters = arrays.copy(parameters.flat)
        self._fitted = Fitted(parameters, training.Record(), stopper)

    def _callbacks(self):
        callbacks = [self._count_epoch, *(self.callbacks or [])]
        return callbacks + [_print_progress] if self.verbose else callbacks

    def _count_epoch(self, estimator):
        """The first callback of every epoch: the fitted counters, as scikit-learn keeps
        them, so that the other callbacks see them."""
        record = self._trained.record
        self.n_iter_ = record.epochs
        self.t_ = record.samples_seen
        self.loss_ = record.costs[-1]

    def _optimizer_for(self, incremental):
        """The optimizer to train with and the settings it was made with: ``fit`` makes
        scikit-learn's SGD or Adam from the current settings, ``partial_fit`` goes on
        with the one it has."""
        fitted = self._trained
        if not incremental or fitted.optimizer is None:
            settings = {name: getattr(self, name) for name in OPTIMIZER_SETTINGS}
            fitted.optimizer_settings = settings
            fitted.optimizer = make_optimizer(
                f"sklearn_{settings['solver']}",
                settings["learning_rate_init"],
                ann_settings(settings),
            )
        return fitted.optimizer, fitted.optimizer_settings

    def _config(self, n_samples, incremental, settings):
        """The training loop's configuration: the current settings, and the rate
        schedule of the optimizer's ``settings``."""
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
        return training.Config(
            n_epochs=1 if incremental else self.max_iter,
            learning_rate=settings["learning_rate_init"],
            batch_size=batch_size,
            lr_schedule=lr_schedule(settings),
            power_t=settings["power_t"],
            l2=self.alpha,
            dropout=dict(enumerate(dropout_rates(self.dropout, self.n_layers_ - 2), start=1)),
            shuffle=self._shuffle if self.shuffle else None,
            callbacks=tuple(self._callbacks()),
            stop_on_divergence=not self.early_stopping,
        )

    def _shuffle(self, order):
        """The next epoch's order of the samples: the last one shuffled by
        ``random_state``, as scikit-learn's ``shuffle`` does (in place: the same order as
        ``order[permutation(n)]``, without its two arrays of n indices)."""
        self._random_state.shuffle(order)
        return order

    def _fit_stochastic(self, X, T, y, sample_weight, incremental):
        """Mini-batch training with ann's training loop, scikit-learn's rules."""
        optimizer, settings = self._optimizer_for(incremental)
        data, validation = training.Data(X, T, sample_weight), None
        if self.early_stopping:
            data, validation = self._split(data, y)
        else:
            check_total_weight(data.weights, "training samples", "loss")
        fitted = self._trained
        fitted.stopper = self._require_stochastic("a stopping rule").with_settings(
            self.tol,
            self.n_iter_no_change,
            self._validation_score if self.early_stopping else None,
            settings["solver"] == "sgd" and settings["learning_rate"] == "adaptive",
        )
        coding = self._targets()
        counter = None if coding is None else targets.counter(coding)
        model = training.Model(self._architecture(), fitted.parameters, fitted.record, counter)
        try:
            training.train(
                model,
                data,
                self._config(data.X.shape[0], incremental, settings),
                optimizer=optimizer,
                stopping=fitted.stopper,
                rng=self._random_state,
                validation=validation,
                owner=self,
            )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)
            fitted.stopper.finish(fitted.parameters.flat)  # the best parameters, as on a stop
        rate = f"learning_rate_init={settings['learning_rate_init']:g}"
        training.warn_if_diverging(fitted.record.costs, rate, "loss", stacklevel=3)
        if not incremental and self.n_iter_ == self.max_iter and not fitted.stopper.stopped:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _targets(self):
        """A classifier's target coding (``ann.targets``: output, classes, whether
        multi-label); None for a regressor."""
        if self.out_activation_ not in ("logistic", "softmax"):
            return None
        multilabel = self.n_outputs_ > 1 and self.out_activation_ == "logistic"
        return Targets(OUTPUTS[self.out_activation_], self.n_outputs_, self.classes_, multilabel)

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
        weights = None if data.weights is None else arrays.to_numpy(data.weights)
        self._sample_weight_val = None if weights is None else weights[held]
        return training.split(data, kept, held, ("loss", "validation score"))

    def _validation_score(self, outputs):
        """Accuracy or R^2 on the validation set from the output layer ``(k, n_val)``;
        NaN where the outputs are not finite, as scikit-learn's."""
        if not arrays.all_finite(outputs):
            return np.nan
        y_pred = arrays.to_numpy(self._prediction(arrays.to_numpy(outputs).T))
        return self._score_function(self._y_val, y_pred, sample_weight=self._sample_weight_val)

    def _fit_lbfgs(self, X, T, sample_weight):
        """L-BFGS-B over the flat parameter array (``ann.lbfgs``)."""
        check_total_weight(sample_weight, "training samples", "loss")
        fitted = self._trained
        model = training.Model(self._architecture(), fitted.parameters, fitted.record)
        data = training.Data(X, T, sample_weight)
        settings = dict(l2=self.alpha, max_fun=self.max_fun, max_iter=self.max_iter, tol=self.tol)
        result = lbfgs.minimize(model, data, **settings)
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        self.loss_ = float(result.fun)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: MatrixLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> Self:
        """Fit the model to data matrix ``X`` (n_samples, n_features), dense or sparse,
        and targets ``y`` (class labels, an indicator matrix, or values); returns the
        model."""
        with self._kept_if_failing(incremental=False):
            return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    # ------------------------------------------------------------------- prediction
    def _forward_pass_fast(self, X, check_input=True, method="predict"):
        """The output layer for ``X``, ``(n_samples, n_outputs)``, in the network's
        dtype (whose range ``X`` must fit)."""
        parameters = self._trained.parameters
        if check_input:
            check_mapped(X)
            X = arrays.check_values(X, "X")
            if get_config()["array_api_dispatch"]:
                check_same_namespace(X, parameters.flat, f"{type(self).__name__}.{method}()")
            X = validate_data(
                self, X, accept_sparse=["csr", "csc"], dtype=self._dtypes(X), reset=False
            )
            check_fits(X, self._trained.dtype)
        X = arrays.move(X, parameters.flat) if not arrays.is_sparse(X) else X
        with np.errstate(over="ignore", invalid="ignore"):
            return core.outputs(self._architecture(), parameters, X).T

    def _predict(self, X, check_input=True):
        outputs = self._forward_pass_fast(X, check_input=check_input)
        return _as_output(self._prediction(outputs), X)

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predicted classes, or values, for ``X`` (n_samples, n_features)."""
        check_is_fitted(self)
        return self._predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags


KEPT_INTEGERS = (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.int64, np.uint64)
"""Integer types taken as they are (converted block by block); bools too."""


def _as_output(result: Any, X: Any) -> Any:
    """Predictions in ``X``'s namespace and on its device under array API dispatch;
    NumPy arrays otherwise, as scikit-learn's estimators return."""
    return arrays.as_input(result, X) if _dispatching(X) else arrays.to_numpy(result)


def _dispatching(X: Any) -> bool:
    """Whether ``X`` is of another namespace than NumPy's and scikit-learn's array API
    dispatch is on (the estimators then train and predict in that namespace)."""
    return arrays.is_foreign(X) and bool(get_config()["array_api_dispatch"])


def _keep_arguments(estimator: BaseMLP, arguments: dict[str, Any]) -> None:
    """Keep each of the constructor's ``arguments`` (its ``locals()``) under its own
    name, as they are: scikit-learn's convention (``get_params`` reads them back, the
    checks come at ``fit``)."""
    for name, value in arguments.items():
        if name != "self":
            setattr(estimator, name, value)


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
            dtype=self._dtypes(X),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            self._check_target_type(y, incremental)
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
        return X, self._encode(y)

    def _encode(self, y):
        """The targets as the output layer's indicator ``(n, n_outputs)``, bool: for two
        classes one column, true for ``classes_[1]``; else one column per class; an
        indicator matrix as it is. Of one value per sample only the labels' positions
        are made on the way (``LabelBinarizer.transform`` makes several int64 arrays)."""
        if self._label_binarizer.y_type_.startswith("multilabel"):
            return self._label_binarizer.transform(y).astype(bool)
        positions = np.searchsorted(self.classes_, y)
        if len(self.classes_) <= 2:
            return (positions == 1)[:, None]
        return positions[:, None] == np.arange(len(self.classes_))

    def _check_target_type(self, y, incremental):
        """Going on, ``y`` must be labels again, or an indicator matrix again: the
        output layer was made for one or the other."""
        fitted = self._label_binarizer.y_type_
        given = type_of_target(y)
        if given.startswith("multilabel") != fitted.startswith("multilabel"):
            conflict = f"y is {given}, but the network was fitted to {fitted} targets"
            raise ValueError(cannot_go_on(conflict, incremental))

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _is_classifier(self):
        return True

    def _decode(self, y):
        """The labels of an indicator, or of the output layer, ``(n, n_outputs)``
        (``LabelBinarizer.inverse_transform``'s rule: above 0.5 for one column, the
        largest of several, without its int64 copies)."""
        if self._label_binarizer.y_type_.startswith("multilabel"):
            return self._label_binarizer.inverse_transform(y)
        if y.shape[1] == 1:
            return np.where(y[:, 0] > 0.5, self.classes_[-1:], self.classes_[:1])
        return self.classes_.take(y.argmax(axis=1), mode="clip")

    def _prediction(self, outputs):
        """The labels of the output layer ``(n, k)`` (decoded on the host)."""
        return self._decode(arrays.to_numpy(outputs))

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
        with self._kept_if_failing(incremental=True):
            y, classes = arrays.host(y), arrays.host(classes)  # labels live on the host
            if classes is not None and not hasattr(self, "classes_"):
                classes = check_classes(classes)
            if self._first_partial_fit(classes):
                self._label_binarizer = LabelBinarizer()
                if type_of_target(y).startswith("multilabel"):
                    self._label_binarizer.fit(y)
                else:
                    self._label_binarizer.fit(classes)
            return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _first_partial_fit(self, classes):
        """Whether this ``partial_fit`` is the first (it sets ``classes_``, from
        ``classes``, which it needs); a later one may repeat the same ``classes``."""
        fitted = getattr(self, "classes_", None)
        if classes is None:
            if fitted is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            return False
        if fitted is None:
            self.classes_ = unique_labels(classes)
            return True
        if not np.array_equal(fitted, unique_labels(classes)):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                f"was: {fitted!r}"
            )
        return False

    def predict_proba(self, X: MatrixLike) -> np.ndarray:
        """Probability of each class, ``(n_samples, n_classes)`` in the order of
        ``classes_`` (for multi-label, each label's own probability)."""
        return self._probabilities(X, "predict_proba")

    def _probabilities(self, X, method):
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X, method=method)
        if self.n_outputs_ == 1:
            y_pred = arrays.namespace(y_pred).stack([1 - y_pred[:, 0], y_pred[:, 0]], axis=1)
        return _as_output(y_pred, X)

    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
        """``log(predict_proba(X))``."""
        y_prob = self._probabilities(X, "predict_log_proba")
        return arrays.namespace(y_prob).log(y_prob)

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
        _keep_arguments(self, locals())

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=self._dtypes(X),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _warm_start_rules(self, hidden, incremental):
        """Also the loss, which the output layer is made for."""
        fitted = "poisson" if self.out_activation_ == "exp" else "squared_error"
        loss = Rule(
            self._output_activation() != self.out_activation_,
            "loss",
            f"differs from the first fit's {fitted!r} (an {self.out_activation_!r} output layer)",
        )
        return [*super()._warm_start_rules(hidden, incremental), loss]

    def _is_classifier(self):
        return False

    def _decode(self, y):
        return y

    def _prediction(self, outputs):
        xp = arrays.namespace(outputs)
        return xp.reshape(outputs, (-1,)) if outputs.shape[1] == 1 else outputs

    _score_function = staticmethod(r2_score)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: MatrixLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> Self:
        """One epoch over ``X``, ``y``."""
        with self._kept_if_failing(incremental=True):
            return self._fit(X, y, sample_weight=sample_weight, incremental=True)
