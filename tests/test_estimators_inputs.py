"""ann.MLPClassifier and ann.MLPRegressor on unusual inputs and arguments: data beyond a
float32 network's range, NumPy scalars and arrays as parameters, sample weights that
sum to 0, callbacks, and what only the stochastic solvers do."""

import importlib.util
import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from test_estimators import (
    assert_same_training,
    binary,
    fit_both,
    multiclass,
    multilabel,
    pair,
    regression,
)

import ann.estimators
from ann import ANN, MLPClassifier, MLPRegressor
from ann.export import to_onnx

ONNX = importlib.util.find_spec("onnx") is not None  # the onnx extra (not in every run)

MODELS = {
    "binary": (MLPClassifier, binary),
    "multiclass": (MLPClassifier, multiclass),
    "multilabel": (MLPClassifier, multilabel),
    "regressor": (MLPRegressor, regression),
}


def fitted(name, **params):
    model_class, data = MODELS[name]
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = model_class(hidden_layer_sizes=(5,), max_iter=3, random_state=0, **params)
        return model.fit(X, y), X, y


# ------------------------------------------------- float32 networks, float64 data
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_network_refuses_data_beyond_float32_as_fit_does(name, sparse):
    model, X, y = fitted(name, dtype="float32")
    big = X.copy()
    big[3, 1] = -1e39  # finite in float64, -inf in float32
    if sparse:
        big = sp.csr_matrix(big)
    message = "Input X contains infinity or a value too large for dtype\\('float32'\\)"
    methods = ["predict", "score"]
    if name != "regressor":
        methods += ["predict_proba", "predict_log_proba"]
    for method in methods:
        arguments = (big, y) if method == "score" else (big,)
        with pytest.raises(ValueError, match=message):
            getattr(model, method)(*arguments)
    with pytest.raises(ValueError, match=message):
        model.fit(big, y)
    # the largest float32 is fine, and so is float64 data within range
    edge = X.copy()
    edge[3, 1] = np.finfo(np.float32).max
    assert model.predict(edge).shape[0] == X.shape[0]
    np.testing.assert_array_equal(model.predict(X), model.predict(X.astype(np.float32)))


def test_ann_float32_refuses_data_beyond_float32():
    X, y = binary()
    model = ANN([4, 1], dtype="float32", n_iterations=3, quiet=True).fit(X, y)
    big = X.copy()
    big[0, 0] = 1e39
    for method in ("predict", "predict_proba"):
        with pytest.raises(ValueError, match="too large for float32"):
            getattr(model, method)(big)
    with pytest.raises(ValueError, match="too large for float32"):
        model.score(big, y)


# ------------------------------------------------- NumPy scalars and arrays
def test_numpy_integers_and_arrays_as_ann_arguments(tmp_path):
    X, y = multiclass()
    plain = ANN([6, 3], n_iterations=4, batch_size=16, dropout=0.2, seed=3, quiet=True)
    numpy = ANN(
        np.array([6, 3]),
        n_iterations=np.int64(4),
        batch_size=np.int32(16),
        dropout=np.array([0.2]),
        seed=np.int64(3),
        learning_rate=np.float64(0.01),
        quiet=True,
    )
    for model in (plain, numpy):
        model.fit(X, y)
    assert numpy.costs == plain.costs
    numpy.save(tmp_path / "numpy.npz")
    loaded = ANN.load(tmp_path / "numpy.npz")
    np.testing.assert_array_equal(loaded.predict_proba(X), plain.predict_proba(X))
    assert list(loaded.layers_size) == [6, 3] and loaded.n_iterations == 4
    listed = ANN([np.int64(6), np.int64(3)], n_iterations=4, quiet=True).fit(X, y)
    listed.save(tmp_path / "listed.npz")
    np.testing.assert_array_equal(ANN.load(tmp_path / "listed.npz").predict(X), listed.predict(X))


@pytest.mark.parametrize(
    "numpy_params",
    [
        dict(hidden_layer_sizes=np.array([5, 4])),
        dict(hidden_layer_sizes=[np.int64(5), np.int64(4)]),
        dict(hidden_layer_sizes=np.array([5, 4]), dropout=np.array([0.2, 0.1])),
        dict(max_iter=np.int64(4), batch_size=np.int64(16), random_state=np.int64(0)),
        dict(dropout=np.float64(0.2), alpha=np.float32(0.001)),
    ],
)
def test_numpy_integers_and_arrays_as_estimator_arguments(tmp_path, numpy_params):
    X, y = multiclass()
    params = dict(hidden_layer_sizes=(5, 4), max_iter=4, batch_size=16, random_state=0)
    plain_params = {
        name: value.tolist() if isinstance(value, np.ndarray) else value
        for name, value in numpy_params.items()
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = MLPClassifier(**params | plain_params).fit(X, y)
        numpy = MLPClassifier(**params | numpy_params).fit(X, y)
        clone(numpy).fit(X, y)
    assert numpy.loss_curve_ == plain.loss_curve_
    numpy.network_.save(tmp_path / "model.npz")
    loaded = ANN.load(tmp_path / "model.npz")
    np.testing.assert_array_equal(loaded.predict_proba(X), numpy.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), numpy.predict(X))
    if ONNX:
        to_onnx(numpy, tmp_path / "model.onnx")


# ------------------------------------------------- sample weights that sum to 0
ZERO_SUM = {
    "adam classifier": ("classifier", {}),
    "sgd classifier": ("classifier", dict(solver="sgd")),
    "lbfgs classifier": ("classifier", dict(solver="lbfgs")),
    "adam regressor": ("regressor", {}),
    "lbfgs regressor": ("regressor", dict(solver="lbfgs")),
    "one batch": ("classifier", dict(batch_size=120)),
}


@pytest.mark.parametrize("case", ZERO_SUM)
def test_sample_weights_that_sum_to_0_are_a_clear_error(case):
    # scikit-learn divides by the sum: ZeroDivisionError.
    kind, params = ZERO_SUM[case]
    X, y = binary() if kind == "classifier" else regression()
    weights = np.tile([1.0, -1.0], len(y) // 2)
    theirs, ours = pair(kind, hidden_layer_sizes=(4,), max_iter=3, random_state=0, **params)
    with pytest.raises(ZeroDivisionError):
        theirs.fit(X, y, sample_weight=weights)
    message = f"sample_weight sums to 0 over the {len(y)} training samples: the mean loss"
    with pytest.raises(ValueError, match=message):
        ours.fit(X, y, sample_weight=weights)
    assert not hasattr(ours, "n_iter_")
    if ours.solver != "lbfgs":
        with pytest.raises(ValueError, match=message):
            ours.partial_fit(X, y, sample_weight=weights, **_classes(kind, y))


def _classes(kind, y):
    return {"classes": np.unique(y)} if kind == "classifier" else {}


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_weights_that_sum_to_0_but_not_over_the_training_part_train_as_scikit_learn(kind):
    X, y = binary() if kind == "classifier" else regression()
    weights = np.tile([1.0, -1.0], len(y) // 2)
    theirs, ours = fit_both(
        kind,
        X,
        y,
        fit=lambda m: m.fit(X, y, sample_weight=weights),
        hidden_layer_sizes=(4,),
        max_iter=4,
        random_state=0,
        early_stopping=True,
        learning_rate_init=0.01,
    )
    assert_same_training(theirs, ours, X)


def held_out(kind, X, y, random_state):
    """The samples that early stopping holds out of a one-output network with 4 hidden
    units: the split comes right after the initial parameters are drawn from
    ``random_state``."""
    rng = np.random.RandomState(random_state)
    sizes = [X.shape[1], 4, 1]
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        rng.uniform(size=(fan_in, fan_out))
        rng.uniform(size=fan_out)
    stratify = y if kind == "classifier" else None
    _, held = train_test_split(
        np.arange(len(y)), random_state=rng, test_size=0.1, stratify=stratify
    )
    return held


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_validation_weights_that_sum_to_0_are_a_clear_error(kind):
    X, y = binary() if kind == "classifier" else regression()
    held = held_out(kind, X, y, random_state=0)
    weights = np.ones(len(y))
    weights[held] = np.tile([1.0, -1.0], len(held) // 2 + 1)[: len(held)]
    if weights[held].sum():
        weights[held[-1]] = 0.0
    assert weights[held].sum() == 0 and weights.sum() != 0
    theirs, ours = pair(
        kind, hidden_layer_sizes=(4,), max_iter=3, random_state=0, early_stopping=True
    )
    with pytest.raises(ZeroDivisionError):
        theirs.fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match=f"over the {len(held)} validation samples: the mean"):
        ours.fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("dtype, weight", [("float32", 1e37), ("float64", 1e307)])
def test_sample_weights_whose_sum_overflows_are_a_clear_error(dtype, weight):
    X, y = binary()
    for solver in ("adam", "lbfgs"):
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, solver=solver, dtype=dtype)
        with pytest.raises(ValueError, match=f"out of the range of {dtype}"):
            model.fit(X, y, sample_weight=np.full(len(y), weight))


def test_ann_refuses_weights_whose_mean_loss_is_not_defined():
    X, y = binary()
    model = ANN([4, 1], n_iterations=2, quiet=True)
    with pytest.raises(ValueError, match="at least 0"):
        model.fit(X, y, sample_weight=np.tile([1.0, -1.0], len(y) // 2))
    with pytest.raises(ValueError, match="zero for every sample"):
        model.fit(X, y, sample_weight=np.zeros(len(y)))
    weights = np.zeros(len(y))
    weights[0] = 1.0  # the one sample of weight is in one part of the split only
    early = ANN([4, 1], n_iterations=2, quiet=True, early_stopping=True)
    with pytest.raises(ValueError, match="all have sample_weight 0"):
        early.fit(X, y, sample_weight=weights)


# ----------------------------------------------------------------- callbacks
@pytest.mark.parametrize("early_stopping", [False, True])
def test_callbacks_see_the_epoch_just_run(early_stopping):
    X, y = binary()
    seen = []

    def stop_at_3(model):
        seen.append((model.n_iter_, model.t_, model.loss_, model.loss_curve_[-1]))
        return model.n_iter_ == 3

    model = MLPClassifier(
        hidden_layer_sizes=(4,),
        max_iter=50,
        random_state=0,
        callbacks=[stop_at_3],
        early_stopping=early_stopping,
        warm_start=True,
    )
    model.fit(X, y)
    n = 108 if early_stopping else 120  # the training part
    assert [s[:2] for s in seen] == [(1, n), (2, 2 * n), (3, 3 * n)]
    assert [s[2] for s in seen] == [s[3] for s in seen] == model.loss_curve_
    assert model.n_iter_ == 3 and model.t_ == 3 * n
    model.fit(X, y)  # a warm start counts its own epochs, and t_ goes on
    assert [s[:2] for s in seen[3:]] == [(1, 4 * n), (2, 5 * n), (3, 6 * n)]
    if not early_stopping:
        model.partial_fit(X, y)
        assert seen[-1][:2] == (1, 7 * n)


def test_a_keyboard_interrupt_keeps_the_best_weights_as_scikit_learn_does():
    X, y = regression()

    def interrupt(model):
        if model.n_iter_ == 8:
            raise KeyboardInterrupt

    params = dict(hidden_layer_sizes=(5,), random_state=0, early_stopping=True, solver="sgd")
    theirs, ours = pair("regressor", max_iter=8, learning_rate_init=0.3, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
    assert np.argmax(theirs.validation_scores_) == 5  # not the last epoch's weights
    ours.set_params(max_iter=30, callbacks=[interrupt])
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        ours.fit(X, y)
    ours.set_params(max_iter=8)
    assert_same_training(theirs, ours, X)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(dropout=0.3), "dropout=0.3 needs a stochastic solver"),
        (dict(dropout=[0.0, 0.2]), "dropout=\\[0.0, 0.2\\] needs a stochastic solver"),
        (dict(callbacks=[print]), "callbacks are called after each epoch of a stochastic"),
    ],
)
def test_lbfgs_with_dropout_or_callbacks_is_an_error_not_ignored(params, message):
    X, y = binary()
    model = MLPClassifier(solver="lbfgs", hidden_layer_sizes=(4, 3), max_iter=5, **params)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(
            solver="lbfgs", hidden_layer_sizes=(4, 3), max_iter=5, dropout=[0, 0.0]
        )
        assert model.fit(X, y).n_iter_ == 5  # rates of 0 drop nothing


# ------------------------------------------------ scikit-learn's own tests, ported
@pytest.mark.parametrize("model_class", [MLPClassifier, MLPRegressor])
def test_warm_start_with_early_stopping_adds_validation_scores(model_class):
    X, y = load_iris(return_X_y=True)
    model = model_class(max_iter=10, random_state=0, warm_start=True, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        n_validation_scores = len(model.validation_scores_)
        model.set_params(max_iter=20)
        model.fit(X, y)
    assert len(model.validation_scores_) > n_validation_scores


@pytest.mark.parametrize("model_class", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_warm_start_stops_at_max_iter(model_class, solver):
    X, y = load_iris(return_X_y=True)
    model = model_class(
        solver=solver,
        warm_start=True,
        early_stopping=False,
        max_iter=10,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.n_iter_ == 10
    model.set_params(max_iter=20)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.n_iter_ == 20


@pytest.mark.parametrize("model_class", [MLPClassifier, MLPRegressor])
def test_partial_fit_after_fit_with_early_stopping(model_class):
    X, y = load_iris(return_X_y=True)
    model = model_class(early_stopping=True, random_state=0, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        model.partial_fit(X, y)


def test_sample_weight_with_early_stopping_trains_as_scikit_learn_does():
    X, y = regression()
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    theirs, ours = fit_both(
        "regressor",
        X,
        y,
        fit=lambda m: m.fit(X, y, sample_weight=weights),
        hidden_layer_sizes=(5,),
        max_iter=6,
        random_state=42,
        early_stopping=True,
        learning_rate_init=0.01,
    )
    assert_same_training(theirs, ours, X)


# --------------------------------------------------------- the install hint
def test_the_install_hint_names_what_users_run():
    source = inspect.getsource(ann.estimators)
    assert "ann[sklearn]" not in source
    assert "pip install scikit-learn" in ann.estimators.__doc__
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "try:\n    import ann.estimators\n"
        "except ImportError as error:\n    print(error)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "ann.estimators needs scikit-learn" in out and "pip install scikit-learn" in out
    assert 'pip install -e ".[sklearn]"' in out


# ------------------------------------------------------------ unusual inputs
def test_hidden_layer_sizes_of_fractions_are_a_type_error_as_in_sklearn():
    X, y = np.eye(4), [0, 1, 0, 1]
    with pytest.raises(TypeError, match=r"hidden_layer_sizes must be whole numbers.*2\.5"):
        MLPClassifier(hidden_layer_sizes=(2.5,), max_iter=1).fit(X, y)


@pytest.mark.parametrize("settings", [{"max_iter": 3}, {"early_stopping": True}])
def test_a_regressor_whose_loss_blows_up_says_so(settings):
    """Inputs in the tens at learning_rate_init=0.1: the loss grows a thousandfold per
    epoch (finite predictions of 1e86 after three), or becomes NaN while early stopping
    keeps the first epoch's parameters. Neither may end without a word."""
    rng = np.random.RandomState(0)
    X = rng.uniform(10, 50, size=(200, 5))
    model = MLPRegressor(
        solver="sgd", learning_rate_init=0.1, activation="identity", random_state=0, **settings
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(ann.DivergenceWarning, match=r"learning_rate_init=0\.1.*smaller"):
            model.fit(X, X.sum(axis=1) * 3)


def test_network_after_a_failed_fit_is_not_fitted():
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2)
    with pytest.raises(ValueError):
        model.fit(np.eye(4), [0, 1, 2, 2], sample_weight=np.zeros(4))
    with pytest.raises(ann.estimators.NotFittedError, match="not fitted yet"):
        model.network_


def test_the_network_names_only_its_own_optimizers_settings():
    X, y = np.eye(4), [0, 1, 0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        adam = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X, y)
        sgd = clone(adam).set_params(solver="sgd").fit(X, y)
    assert "optimizer='sklearn_adam'" in repr(adam.network_)
    assert "nesterov" not in repr(adam.network_) and "momentum" not in repr(adam.network_)
    assert "nesterov=True" in repr(sgd.network_) and "beta_2" not in repr(sgd.network_)
