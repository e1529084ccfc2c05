"""``ANN``, the article's vectorized N-layer network: the public face of the numerical
core (``ann.core``), the target coding (``ann.targets``) and the training loop
(``ann.training``).

``ANN(layers_size).fit(X, Y)`` builds the network's ``Architecture``, encodes ``Y`` as
the target matrix ``T``, draws the parameters and runs the loop; ``predict`` decodes the
output layer. ``forward`` and ``backward`` are the article's two passes, in its notation
(``A0 = X.T``, every activation ``(units, samples)``); see ``ann.core`` for the equations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import arrays, core, explain, persistence, settings, targets, training, validation
from .core import DTYPES, Architecture, DivergenceError, DivergenceWarning
from .losses import output_and_loss
from .optimizers import make_optimizer
from .parameters import ParameterViews, adopt, initial_parameters, placed, tuned_for
from .stopping import Patience, RunAll
from .targets import CLASSIFIER_OUTPUTS, Targets

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from typing_extensions import Self

    from .files import StrPath

__all__ = ["ANN", "DivergenceError", "DivergenceWarning", "NotFittedError"]

STRUCTURE = ("layers_size", "activation", "output", "loss", "dtype", "input_divisor")
"""The constructor's arguments that the fitted parameters depend on: changing one with
``set_params`` unfits the model."""

FITTED = (
    "n_features_in_",
    "output_activation_",
    "loss_function_",
    "classes_",
    "multilabel_",
    "feature_names_in_",
)
"""The attributes a fit sets besides the parameters and the record."""


class NotFittedError(ValueError, AttributeError):
    """The model was used before ``fit`` (or ``initialize_parameters``)."""


def structure(params: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the parameters of a fit depend on, from the constructor's arguments
    ``params``: the layer sizes, the hidden activations, the output and loss, the dtype
    and the input divisor."""
    sizes = tuple(int(size) for size in params["layers_size"])
    hidden = tuple(settings.check_structure(params))
    return (
        sizes,
        hidden,
        output_and_loss(params["output"], params["loss"], sizes[-1]),
        params["dtype"],
        params["input_divisor"],
    )


@dataclass(eq=False, repr=False)
class ANN(settings.ParameterProtocol):
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
    input_divisor : float or None
        Divides every input as its batch is converted to ``dtype`` (255 for uint8
        pixels: the numbers of ``ann.data.pre_process_data`` without a float copy of all
        the data, so that a memory-mapped file of pixels is never converted whole).

    Attributes after ``fit``: ``parameters`` (``W1, b1, ..., WL, bL``), ``costs``
    (``costs[i]`` is the training cost of pass i, computed before that pass's
    updates), ``history`` (per epoch: ``cost``, ``accuracy``, ``val_cost``,
    ``val_accuracy``), ``classes_``, ``n_features_in_``, ``n_iter_``, and after a fit on
    a table whose columns are named by strings (a pandas DataFrame) ``feature_names_in_``:
    tables given later must have those columns, in that order.
    """

    layers_size: Sequence[int]
    activation: str | Sequence[str] = "sigmoid"
    output: str = "auto"
    optimizer: str = "gd"
    learning_rate: float = 0.01
    n_iterations: int = 2500
    batch_size: int | None = None
    momentum: float = 0.9
    nesterov: bool = False
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    lr_schedule: str = "constant"
    l2: float = 0.0
    init: str = "article"
    seed: int = 1
    dtype: str = "float64"
    early_stopping: bool = False
    validation_fraction: float = 0.1
    patience: int = 10
    quiet: bool = False
    loss: str = "auto"
    power_t: float = 0.5
    dropout: float | Sequence[float] = 0.0
    input_dropout: float = 0.0
    max_norm: float | None = None
    callbacks: Sequence[Callable[[Any], object]] = ()
    input_divisor: float | None = None

    def __post_init__(self) -> None:
        self._check_params()
        self.parameters = ParameterViews()
        self.record = training.Record()

    # ---------------------------------------------------------------- configuration
    def _check_params(self) -> None:
        """Check the constructor's arguments (again at each ``fit``); keep the hidden
        activations and dropout rates, one per hidden layer."""
        params = self.get_params()
        self._hidden = settings.check_structure(params)
        self._dropout = settings.check_training(params)

    def _params_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Changing what the fitted parameters depend on (``STRUCTURE``: layer sizes,
        activation, output, loss, dtype) unfits a fitted model, as saving it would write
        a file that does not load, and predicting would mix old weights with new
        settings; other arguments (the learning rate, say) keep the fit."""
        if self.parameters and structure(old) != structure(self.get_params()):
            changed = [n for n in new if n in STRUCTURE and not settings.same(old[n], new[n])]
            self.parameters, self.record = ParameterViews(), training.Record()
            for name in FITTED:
                self.__dict__.pop(name, None)
            self._unfitted_by = ", ".join(changed) or "the network's structure"

    # ------------------------------------------------------------------- structure
    @property
    def n_layers(self) -> int:
        """L, the number of layers with parameters (hidden and output)."""
        return len(self.layers_size)

    @property
    def is_classifier(self) -> bool:
        return self.output in CLASSIFIER_OUTPUTS

    @property
    def hidden_activations_(self) -> list[str]:
        return list(self._hidden)

    @property
    def architecture(self) -> Architecture:
        """The network's structure, as the core takes it (after ``fit`` or
        ``initialize_parameters``)."""
        if "n_features_in_" not in self.__dict__ or "output_activation_" not in self.__dict__:
            self._check_fitted()
        sizes = (self.n_features_in_, *(int(s) for s in self.layers_size))
        return Architecture(
            sizes,
            tuple(self._hidden),
            self.output_activation_,
            self.loss_function_,
            self.dtype,
            None if self.input_divisor is None else float(self.input_divisor),
        )

    @property
    def targets(self) -> Targets:
        """How labels or values become the target matrix ``T`` (``ann.targets``)."""
        classes = getattr(self, "classes_", None) if self.is_classifier else None
        return Targets(
            self.output, int(self.layers_size[-1]), classes, getattr(self, "multilabel_", False)
        )

    # The record of training (``ann.training.Record``), under the names of the article
    # and of scikit-learn.
    @property
    def costs(self) -> list[float]:
        return self.record.costs

    @property
    def history(self) -> dict[str, list[float]]:
        return self.record.history

    @property
    def n_iter_(self) -> int:
        """The epochs run by the last ``fit``."""
        self._check_fitted()
        return self.record.epochs

    @property
    def t_(self) -> int:
        """The samples of every epoch since the parameters were drawn."""
        self._check_fitted()
        return self.record.samples_seen

    @property
    def best_epoch_(self) -> int:
        """The epoch whose parameters early stopping kept."""
        if self.record.best_epoch is None:
            raise AttributeError("best_epoch_ is set by early stopping, which kept no epoch")
        return self.record.best_epoch

    def initialize_parameters(
        self, n_features: int | None = None, seed: int | np.random.RandomState | None = None
    ) -> ParameterViews:
        """Create ``W1, b1, ..., WL, bL`` for inputs of ``n_features`` features.

        The default reproduces the article: one ``RandomState(1)`` stream drawn layer by
        layer, ``Wl = randn(units_l, units_{l-1}) / sqrt(units_{l-1})``, ``bl = 0``.
        ``seed`` (default: the model's; or a ``RandomState`` to draw from) changes the
        stream. Returns ``parameters``.
        """
        if n_features is None:
            n_features = getattr(self, "n_features_in_", None)
            if n_features is None:
                raise TypeError("initialize_parameters needs n_features before fit")
        n_features = validation.check_int("n_features", n_features)
        if not isinstance(seed, np.random.RandomState):
            seed = np.random.RandomState(
                self.seed if seed is None else validation.check_int("seed", seed, 0)
            )
        self._set_up(n_features)
        activations = tuned_for(self._hidden, self.activation, self.n_layers)
        self.parameters = initial_parameters(
            self.architecture.sizes, self.init, seed, activations, DTYPES[self.dtype]
        )
        self.record = training.Record()
        return self.parameters

    def _set_up(self, n_features: int) -> None:
        """Set what the parameters are made for: the features, the output layer's
        activation and loss, and (unless a fit set them) a classifier's classes."""
        if not hasattr(self, "output_activation_"):
            self.output_activation_, self.loss_function_ = output_and_loss(
                self.output, self.loss, int(self.layers_size[-1])
            )
            if self.is_classifier:
                self.classes_, self.multilabel_ = np.arange(max(2, self.layers_size[-1])), False
        self.n_features_in_ = n_features
        self.__dict__.pop("_unfitted_by", None)

    @classmethod
    def from_parameters(
        cls,
        parameters: Mapping[str, npt.ArrayLike],
        *,
        classes: npt.ArrayLike | None = None,
        multilabel: bool = False,
        record: training.Record | None = None,
        **params: Any,
    ) -> Self:
        """A fitted model made of given parameters instead of a fit.

        ``params`` are the constructor's arguments (``layers_size`` at least);
        ``parameters`` maps ``W1, b1, ..., WL, bL`` to arrays of the shapes they give
        (``W1`` tells the number of features). A ``ParameterViews`` of the model's dtype
        is used as it is (the model shares its memory); anything else is copied.
        ``classes`` are a classifier's labels, sorted and distinct (default ``0 .. k-1``);
        ``multilabel`` makes k sigmoid outputs predict one 0/1 label each; ``record`` is
        the history of the training that gave the parameters.
        """
        model = cls(**params)
        if "W1" not in parameters:
            raise ValueError(f"parameters must hold W1, b1, ...; got {sorted(parameters)}")
        model._set_up(validation.check_int("the features of W1", np.shape(parameters["W1"])[1]))
        model.parameters = adopt(parameters, model.architecture.shapes(), DTYPES[model.dtype])
        if model.is_classifier:
            given = targets.given_classes(model.targets, classes, multilabel)
            model.classes_, model.multilabel_ = np.asarray(given.classes), given.multilabel
        elif classes is not None or multilabel:
            raise ValueError(
                "classes and multilabel are for classifiers; this model is a regressor"
            )
        model.record = training.Record() if record is None else record
        return model

    def _check_fitted(self) -> None:
        if not self.parameters:
            changed = getattr(self, "_unfitted_by", None)
            reason = f" (set_params changed {changed} after the last fit)" if changed else ""
            raise NotFittedError(
                f"this ANN is not fitted yet{reason}: call fit (or initialize_parameters) first"
            )

    def _check_X(self, X: npt.ArrayLike) -> np.ndarray:
        """``X`` checked (its values fit the model's dtype), in the namespace and on the
        device of the parameters; the core converts it block by block."""
        self._check_fitted()
        validation.check_feature_names(getattr(self, "feature_names_in_", None), X)
        X = validation.check_X(X, self.n_features_in_, dtype=DTYPES[self.dtype], cast=False)
        return arrays.move(X, self.parameters.flat)

    def _encoded(self, Y: npt.ArrayLike, n_samples: int, reference: Any) -> Any:
        """The target matrix of ``Y`` (labels of ``n_samples`` samples, on the host or
        not) in the namespace and on the device of ``reference``."""
        Y = targets.check_targets(self.targets, arrays.host(Y), n_samples)
        return arrays.move(self.encode_targets(Y), reference)

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
        return targets.encode(self.targets, Y, DTYPES[self.dtype])

    # ------------------------------------------------------- forward and backward
    def forward(self, X: npt.ArrayLike) -> tuple[Any, dict[str, Any]]:
        """Forward pass. ``X``: (n_samples, n_features).

        Returns ``(A, store)``: ``A`` the output activations (units_L, n) and ``store``
        the dict of each layer's ``Zl`` and ``Al`` (and ``A0 = X.T``), arrays of ``X``'s
        namespace.
        """
        A0 = core.inputs(self.architecture, self._check_X(X)).T
        AL, store = core.forward(self.architecture, self.parameters, A0)
        return arrays.as_input(AL, X), {
            name: arrays.as_input(value, X) for name, value in store.items()
        }

    def backward(
        self, X: npt.ArrayLike, Y: npt.ArrayLike, store: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Backward pass: the gradients ``dW1, db1, ..., dWL, dbL`` of the mean cost.

        ``X`` (n_samples, n_features) and ``store`` are those of ``forward(X)``; ``Y``
        holds the labels, shape (n,), (n, 1) or (1, n).
        """
        A0 = core.inputs(self.architecture, self._check_X(X)).T
        n = A0.shape[1]
        T = self._encoded(Y, n, A0)
        core.check_store(self.architecture, store, T)
        moved = {name: arrays.move(value, A0) for name, value in store.items()}
        grads = core.backward(self.architecture, self.parameters, dict(moved, A0=A0), T, n)
        core.add_penalty_gradient(grads, self.parameters, self.l2, n)
        return {name: arrays.as_input(value, X) for name, value in grads.items()}

    def compute_cost(self, X: npt.ArrayLike, Y: npt.ArrayLike) -> float:
        """The mean cost of the model on ``X`` (n_samples, n_features) and labels
        ``Y``, computed from the logits (plus the L2 term when ``l2 > 0``)."""
        data = self._check_X(X)
        T = self._encoded(Y, data.shape[0], data)
        return core.cost(self.architecture, self.parameters, data, T, self.l2)

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
        names = validation.feature_names(X)
        X = validation.check_X(X, dtype=dtype, cast=False)
        Y = targets.check_targets(self.targets, arrays.host(Y), X.shape[0])
        weights = validation.check_sample_weight(arrays.host(sample_weight), X.shape[0], dtype)
        self._learn_targets(Y)
        if names is not None:
            self.feature_names_in_ = names
        T = arrays.move(self.encode_targets(Y), X)
        data = training.Data(X, T, None if weights is None else arrays.move(weights, X))
        rng = np.random.default_rng(self.seed)
        data, held_out = _fit_data(self, data, validation_data, rng)
        self.initialize_parameters(X.shape[1])
        self.parameters = placed(self.parameters, X)  # drawn on the host, trained where X is
        training.train(
            self._model(),
            data,
            _fit_config(
                self,
                mini_batch=self.batch_size is not None and self.batch_size < data.X.shape[0],
                rng=rng,
            ),
            optimizer=make_optimizer(self.optimizer, self.learning_rate, self.get_params()),
            stopping=Patience(self.patience) if self.early_stopping and held_out else RunAll(),
            rng=rng,
            validation=held_out,
            owner=self,
        )
        training.warn_if_diverging(self.costs, f"learning_rate={self.learning_rate:g}")
        return self

    def _learn_targets(self, Y: np.ndarray) -> None:
        """Set the output layer's activation and loss, and a classifier's classes."""
        for name in FITTED[1:]:
            self.__dict__.pop(name, None)
        self.output_activation_, self.loss_function_ = output_and_loss(
            self.output, self.loss, int(self.layers_size[-1])
        )
        if self.is_classifier:
            learned = targets.learn_classes(self.targets, Y)
            self.classes_, self.multilabel_ = np.asarray(learned.classes), learned.multilabel

    def _model(self) -> training.Model:
        """The network as the training loop takes it."""
        return training.Model(
            self.architecture, self.parameters, self.record, targets.counter(self.targets)
        )

    # ------------------------------------------------------------------ prediction
    def _outputs(self, X: npt.ArrayLike) -> Any:
        """Output activations ``AL`` (units_L, n) for ``X``, computed in blocks where the
        parameters live."""
        return core.outputs(self.architecture, self.parameters, self._check_X(X))

    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Class probabilities, ``(n, n_classes)`` in the order of ``classes_`` (for
        k sigmoid outputs, each output's own probability)."""
        if not self.is_classifier:
            raise AttributeError(
                "predict_proba is for classifiers; this ANN is a regressor "
                f"(output={self.output!r})"
            )
        return arrays.as_input(targets.probabilities(self._outputs(X)), X)

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predicted labels ``(n,)`` (values of ``classes_``; 0/1 for the article's task),
        a 0/1 indicator ``(n, k)`` for multi-label targets, or for a regressor the
        predicted values ((n,) for one output, else (n, k)). Arrays of ``X``'s namespace
        (labels that are not numbers stay a NumPy array)."""
        return arrays.as_input(targets.decode(self.targets, self._outputs(X)), X)

    def score(self, X: npt.ArrayLike, Y: npt.ArrayLike) -> float:
        """Accuracy for a classifier (every label right, for multi-label); R^2
        (averaged over outputs) for a regressor."""
        predicted = arrays.to_numpy(self.predict(X))
        score = targets.accuracy if self.is_classifier else targets.r2
        return score(self.targets, predicted, arrays.host(Y), DTYPES[self.dtype])

    def to_numpy(self) -> Self:
        """This model with its parameters on the host, as NumPy arrays (a copy when they
        live on another device or namespace; the model itself when they are NumPy's)."""
        self._check_fitted()
        if arrays.is_numpy(self.parameters.flat):
            return self
        host = {name: arrays.to_numpy(value) for name, value in self.parameters.items()}
        return type(self).from_parameters(
            host,
            classes=self.classes_ if self.is_classifier else None,
            multilabel=getattr(self, "multilabel_", False) if self.is_classifier else False,
            record=self.record,
            **self.get_params(),
        )

    # ---------------------------------------------------------- pictures and files
    def plot_cost(self, path: StrPath | None = None) -> Figure:
        """The cost curve (training and validation, accuracy on a second axis when
        known) as a matplotlib Figure; saved as an image when ``path`` is given."""
        from .plotting import plot_cost

        return plot_cost(self, path=path)

    def save(self, path: StrPath) -> None:
        """Write architecture, configuration and parameters to one ``.npz`` (no pickle),
        through a temporary file and a rename."""
        self._check_fitted()
        persistence.save_model(_saved(self), path)

    @classmethod
    def load(cls, path: StrPath) -> Self:
        """The model saved at ``path``; its predictions are bit-identical."""
        return _from_saved(cls, persistence.load_model(path), path)

    def summary(self) -> explain.Text:
        """Print and return a table of the layers: shapes of every W and b, activations
        and parameter counts."""
        return explain.summary(self.to_numpy())

    def explain(self, X: npt.ArrayLike, Y: npt.ArrayLike | None = None) -> explain.Text:
        """Print and return the dimension walk-through of one forward and backward pass
        on ``X`` (and ``Y``), in the article's style, from the live network."""
        return explain.explain(self.to_numpy(), arrays.host(X), arrays.host(Y))


def _fit_data(
    model: ANN,
    data: training.Data,
    validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None,
    rng: np.random.Generator,
) -> tuple[training.Data, training.Data | None]:
    """The data to train on and the validation set: the given ``validation_data``, a
    held-out fraction when early stopping asks for one, or None."""
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, Y_val)")
        dtype = arrays.dtype_name(data.X.dtype)
        fitted_names = getattr(model, "feature_names_in_", None)
        validation.check_feature_names(fitted_names, validation_data[0], "X_val")
        X_val = validation.check_X(validation_data[0], data.X.shape[1], "X_val", dtype=dtype)
        X_val = arrays.move(X_val, data.X)
        return data, training.Data(X_val, model._encoded(validation_data[1], X_val.shape[0], X_val))
    if not model.early_stopping:
        return data, None
    kept, held = training.random_split(data.X.shape[0], model.validation_fraction, rng)
    return training.split(data, kept, held)


def _fit_config(model: ANN, mini_batch: bool, rng: np.random.Generator) -> training.Config:
    """The training loop's configuration from the constructor's arguments: a fresh
    permutation of the samples each epoch of mini-batches."""
    return training.Config(
        n_epochs=model.n_iterations,
        learning_rate=model.learning_rate,
        batch_size=model.batch_size,
        lr_schedule=model.lr_schedule,
        power_t=model.power_t,
        l2=model.l2,
        dropout={0: model.input_dropout, **dict(enumerate(model._dropout, start=1))},
        max_norm=model.max_norm,
        shuffle=(lambda order: rng.permutation(len(order))) if mini_batch else None,
        callbacks=tuple(model.callbacks),
        quiet=model.quiet,
    )


def _saved(model: ANN) -> persistence.SavedModel:
    """What a model file holds of the fitted ``model``."""
    return persistence.SavedModel(
        params={name: value for name, value in model.get_params().items() if name != "callbacks"},
        n_features_in=model.n_features_in_,
        output_activation=model.output_activation_,
        parameters={name: arrays.to_numpy(value) for name, value in model.parameters.items()},
        classes=getattr(model, "classes_", None) if model.is_classifier else None,
        multilabel=getattr(model, "multilabel_", False),
        costs=model.costs,
        history=model.history,
        feature_names=_names_of(getattr(model, "feature_names_in_", None)),
    )


def _names_of(feature_names: np.ndarray | None) -> list[str] | None:
    """The column names a model was fitted on, as a list (None without names)."""
    return None if feature_names is None else [str(name) for name in feature_names]


def _from_saved(cls: type[Any], saved: persistence.SavedModel, path: StrPath) -> Any:
    """The ``cls`` model that ``saved`` (read from ``path``) describes; ModelFileError
    when its parts do not fit together."""
    error_type = persistence.ModelFileError
    if saved.classes is None and saved.params.get("output", "auto") in CLASSIFIER_OUTPUTS:
        raise error_type(f"{path}: the classes are missing")
    record = training.Record(costs=saved.costs, history=saved.history, epochs=len(saved.costs))
    try:
        model = cls(**saved.params)
    except (KeyError, TypeError, ValueError) as error:
        raise error_type(f"{path}: the configuration is not valid ({error})") from None
    try:
        model = cls.from_parameters(
            saved.parameters,
            classes=saved.classes,
            multilabel=saved.multilabel,
            record=record,
            **saved.params,
        )
    except (TypeError, ValueError) as error:
        raise error_type(f"{path}: the classes do not fit the model ({error})") from None
    if model.output_activation_ != saved.output_activation:
        raise error_type(
            f"{path}: output {saved.output_activation!r} does not fit the architecture"
        )
    if saved.feature_names is not None:
        model.feature_names_in_ = np.asarray(saved.feature_names, dtype=object)
    return model
