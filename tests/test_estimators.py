"""ann.MLPClassifier and ann.MLPRegressor against scikit-learn's: its conformance checks,
the same loss curves and predictions, and what ann adds."""

import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from sklearn import neural_network
from sklearn.datasets import (
    load_digits,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

import ann
from ann import MLPClassifier, MLPRegressor, core

# How close ann comes to scikit-learn: each tolerance is 30 to 100 times the largest
# difference measured over this suite and the other tests of the estimators (the same
# with 1 and 2 BLAS threads), in brackets.
RTOL = 1e-12  # the training losses, loss_curve_ (1.4e-14)
FINAL_RTOL = 1e-13  # loss_, best_loss_, the regressors' score (1.8e-15)
SCORE_TOL = dict(rtol=1e-13, atol=1e-14)  # validation scores, R^2 near 0 (9e-14, 4e-16)
COEF_TOL = dict(rtol=1e-11, atol=1e-13)  # coefs_ and intercepts_ (4.9e-13, 6.9e-14)
VALUE_TOL = dict(rtol=1e-11, atol=1e-12)  # a regressor's predictions (7.4e-12, 5.7e-13)
PROBA_TOL = dict(rtol=1e-12, atol=1e-13)  # predict_proba (2.9e-13, 5.1e-15)


SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])


def failing_before_1_9(estimator):
    """The checks the oldest supported scikit-learn (CI's lower-bounds run) runs more
    strictly than 1.9 does: before 1.9 the array API check wants a classifier's
    ``classes_`` in the namespace of ``X``, where the labels stay NumPy (as string labels
    must, and as 1.9 allows)."""
    if SKLEARN_VERSION >= (1, 9) or isinstance(estimator, MLPRegressor):
        return {}
    return {"check_array_api_input": "classes_ stays NumPy (allowed from scikit-learn 1.9)"}


@parametrize_with_checks(
    [MLPClassifier(max_iter=100), MLPRegressor(max_iter=100)],
    expected_failed_checks=failing_before_1_9,
)
def test_scikit_learn_conformance(estimator, check):
    # scikit-learn runs its own MLPs through these checks with max_iter=100, and marks
    # none of them as an expected failure (from 1.9 neither does this test).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ------------------------------------------------------------------- the datasets
def binary():
    return make_classification(120, 8, n_informative=4, random_state=0)


def multiclass():
    return make_classification(150, 10, n_informative=6, n_classes=3, random_state=1)


def multilabel():
    return make_multilabel_classification(120, 9, n_classes=4, random_state=2)


def strings():
    X, y = multiclass()
    return X, np.array(["cat", "dog", "emu"])[y]


def regression():
    X, y = make_regression(130, 7, noise=5.0, random_state=3)
    return X, y / 100


def regression_multi():
    X, y = make_regression(110, 6, n_targets=3, noise=2.0, random_state=4)
    return X, y / 100


def counts():
    rng = np.random.RandomState(5)
    X = rng.randn(100, 5)
    return X, rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1]))


CLASSIFICATION = {
    "binary": binary,
    "multiclass": multiclass,
    "multilabel": multilabel,
    "strings": strings,
}
REGRESSION = {"one output": regression, "three outputs": regression_multi}

SETTINGS = {
    "adam": dict(solver="adam"),
    "sgd nesterov": dict(solver="sgd", learning_rate_init=0.05),
    "sgd classical": dict(
        solver="sgd", nesterovs_momentum=False, momentum=0.5, learning_rate_init=0.05
    ),
    "sgd invscaling": dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5),
    "adam early stopping": dict(solver="adam", early_stopping=True, validation_fraction=0.2),
    "sgd early stopping": dict(solver="sgd", early_stopping=True, learning_rate_init=0.05),
    "adam small batches tanh": dict(solver="adam", batch_size=16, activation="tanh", alpha=0.01),
    "adam logistic no shuffle": dict(solver="adam", activation="logistic", shuffle=False),
}


def pair(kind, **params):
    """scikit-learn's estimator and ann's, with the same parameters."""
    ours = {"classifier": MLPClassifier, "regressor": MLPRegressor}[kind]
    theirs = {"classifier": neural_network.MLPClassifier, "regressor": neural_network.MLPRegressor}[
        kind
    ]
    return theirs(**params), ours(**params)


def fit_both(kind, X, y, fit=None, **params):
    theirs, ours = pair(kind, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in (theirs, ours):
            (fit or (lambda m: m.fit(X, y)))(model)
    return theirs, ours


def assert_same_training(theirs, ours, X):
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=RTOL, atol=0)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=FINAL_RTOL)
    if theirs.best_loss_ is None:
        assert ours.best_loss_ is None
    else:
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=FINAL_RTOL)
    if theirs.validation_scores_ is None:
        assert ours.validation_scores_ is None and ours.best_validation_score_ is None
    else:
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, **SCORE_TOL)
        assert ours.best_validation_score_ == pytest.approx(
            theirs.best_validation_score_, rel=SCORE_TOL["rtol"], abs=SCORE_TOL["atol"]
        )
    assert_same_model(theirs, ours, X)


def assert_same_model(theirs, ours, X):
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **COEF_TOL)
    predicted, expected = ours.predict(X), theirs.predict(X)
    if predicted.dtype.kind == "f":
        np.testing.assert_allclose(predicted, expected, **VALUE_TOL)
    else:
        np.testing.assert_array_equal(predicted, expected)
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    if hasattr(theirs, "classes_"):
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), **PROBA_TOL)


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("data", CLASSIFICATION)
def test_classifier_trains_as_scikit_learn_does(data, setting):
    if data == "strings" and "early stopping" in setting and SKLEARN_VERSION < (1, 9):
        pytest.skip("scikit-learn's own MLP fails on string labels with early stopping before 1.9")
    X, y = CLASSIFICATION[data]()
    theirs, ours = fit_both(
        "classifier",
        X,
        y,
        hidden_layer_sizes=(12, 7),
        max_iter=6,
        random_state=7,
        **SETTINGS[setting],
    )
    assert_same_training(theirs, ours, X)


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("data", REGRESSION)
def test_regressor_trains_as_scikit_learn_does(data, setting):
    X, y = REGRESSION[data]()
    params = dict(SETTINGS[setting])
    params["learning_rate_init"] = min(params.get("learning_rate_init", 0.01), 0.01)
    theirs, ours = fit_both(
        "regressor", X, y, hidden_layer_sizes=(10,), max_iter=6, random_state=8, **params
    )
    assert_same_training(theirs, ours, X)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=FINAL_RTOL)


def test_poisson_regressor_trains_as_scikit_learn_does():
    X, y = counts()
    theirs, ours = fit_both(
        "regressor",
        X,
        y,
        loss="poisson",
        hidden_layer_sizes=(8,),
        max_iter=10,
        random_state=0,
        learning_rate_init=0.01,
    )
    assert_same_training(theirs, ours, X)


def test_until_convergence_the_same_epochs_and_stopping():
    # tol and n_iter_no_change stop both at the same epoch, with the adaptive rate
    # divided by 5 along the way.
    X, y = binary()
    theirs, ours = fit_both(
        "classifier",
        X,
        y,
        hidden_layer_sizes=(6,),
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.2,
        tol=1e-3,
        n_iter_no_change=3,
        max_iter=300,
        random_state=1,
    )
    assert theirs.n_iter_ < 300
    assert_same_training(theirs, ours, X)
    assert ours._optimizer.learning_rate == theirs._optimizer.learning_rate


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_sample_weight_trains_as_scikit_learn_does(solver):
    X, y = multiclass()
    weights = np.random.RandomState(0).uniform(0, 3, len(y))
    theirs, ours = fit_both(
        "classifier",
        X,
        y,
        fit=lambda m: m.fit(X, y, sample_weight=weights),
        hidden_layer_sizes=(9,),
        max_iter=8,
        random_state=2,
        solver=solver,
        early_stopping=solver == "adam",
    )
    if solver == "adam":
        assert_same_training(theirs, ours, X)
    else:
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-14)  # (2.3e-16)
        assert_same_model(theirs, ours, X)


def test_lbfgs_matches_scikit_learn():
    X, y = regression_multi()
    theirs, ours = fit_both(
        "regressor", X, y, solver="lbfgs", hidden_layer_sizes=(5,), max_iter=30, random_state=3
    )
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=5e-12)  # (5.4e-14)
    assert_same_model(theirs, ours, X)
    with pytest.raises(AttributeError, match="loss_curve_"):
        ours.loss_curve_


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_batches_of_several_blocks_train_as_scikit_learn_does(solver):
    # A batch larger than ann.core.CHUNK goes through the core in blocks: their
    # gradients add up to the batch's, with the L2 term's added once.
    rng = np.random.RandomState(0)
    X = rng.randn(2 * core.CHUNK + 37, 3)
    y = X @ [0.5, -1.0, 0.25] + 0.1 * rng.randn(len(X))
    theirs, ours = fit_both(
        "regressor",
        X,
        y,
        solver=solver,
        batch_size=len(X),
        alpha=30.0,
        hidden_layer_sizes=(4,),
        max_iter=3,
        random_state=0,
        learning_rate_init=0.05,
    )
    assert ours.n_iter_ == theirs.n_iter_ == 3
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=FINAL_RTOL)
    if solver == "sgd":
        assert_same_training(theirs, ours, X)
    else:
        assert_same_model(theirs, ours, X)


def test_partial_fit_and_warm_start_continue_as_scikit_learn_does():
    X, y = multiclass()

    def partial(model):
        for start in range(0, 150, 50):
            model.partial_fit(X[start : start + 50], y[start : start + 50], classes=[0, 1, 2])

    theirs, ours = fit_both(
        "classifier",
        X,
        y,
        fit=partial,
        hidden_layer_sizes=(8,),
        random_state=4,
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.3,
    )
    assert_same_training(theirs, ours, X)

    def warm(model):
        model.fit(X, y)
        model.set_params(max_iter=4)
        model.fit(X, y)

    theirs, ours = fit_both(
        "classifier",
        X,
        y,
        fit=warm,
        hidden_layer_sizes=(8,),
        random_state=4,
        warm_start=True,
        max_iter=3,
    )
    assert len(ours.loss_curve_) == 7
    assert_same_training(theirs, ours, X)


def test_warm_start_with_new_optimizer_settings_trains_as_scikit_learn_does():
    X, y = multiclass()

    def warm(model):
        model.fit(X, y)
        model.set_params(momentum=0.5, nesterovs_momentum=False, learning_rate_init=0.05)
        model.fit(X, y)

    theirs, ours = fit_both(
        "classifier",
        X,
        y,
        fit=warm,
        hidden_layer_sizes=(8,),
        random_state=5,
        solver="sgd",
        warm_start=True,
        max_iter=3,
    )
    assert_same_training(theirs, ours, X)
    network = ours.network_
    assert network.optimizer == "sklearn_sgd" and network.momentum == 0.5
    assert "sgd" in network.explain(X[:3], y[:3])


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_gives_the_dense_results(fmt):
    X, y = binary()
    X[np.abs(X) < 0.8] = 0
    dense = MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0).fit(X, y)
    sparse = MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0).fit(
        sp.csr_matrix(X).asformat(fmt), y
    )
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-14)  # (1.3e-16)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)),
        dense.predict_proba(X),
        rtol=1e-14,  # (6.2e-16)
    )


def test_float32_input_trains_in_float32_as_scikit_learn_does():
    X, y = multiclass()
    X = X.astype(np.float32)
    theirs, ours = fit_both("classifier", X, y, hidden_layer_sizes=(8,), max_iter=4, random_state=0)
    assert ours.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=5e-6)  # (5.5e-8)


def test_pickle_and_joblib_keep_predictions_and_training(tmp_path):
    X, y = multiclass()
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0, warm_start=True).fit(
        X, y
    )
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # the loaded copy still trains: its coefs_ are views of the flat parameters
    copy = pickle.loads(pickle.dumps(model))
    for m in (model, copy):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(X, y)
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
    assert np.shares_memory(copy.coefs_[0], copy.network_.parameters.flat)


def test_feature_names_as_scikit_learn():
    X, y = binary()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.predict(X)
    with pytest.raises(ValueError, match="The feature names should match"):
        model.predict(frame.rename(columns={"f0": "g0"}))


def test_coefs_and_intercepts_are_views_in_scikit_learns_layout():
    X, y = binary()
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0).fit(X, y)
    assert [c.shape for c in model.coefs_] == [(8, 5), (5, 1)]
    assert [b.shape for b in model.intercepts_] == [(5,), (1,)]
    before = model.predict_proba(X)
    model.coefs_ = [np.zeros((8, 5)), np.zeros((5, 1))]
    model.intercepts_[1][...] = 2.0
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], 1 / (1 + np.exp(-2.0)))
    assert not np.allclose(before, model.predict_proba(X))
    with pytest.raises(ValueError, match="W1 has shape"):
        model.coefs_ = [np.zeros((3, 5)), np.zeros((5, 1))]


# ---------------------------------------------------------------- what ann adds
def test_float32_dtype_trains_close_to_float64():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    wide = MLPClassifier(hidden_layer_sizes=(32,), max_iter=5, random_state=0).fit(X, y)
    narrow = MLPClassifier(
        hidden_layer_sizes=(32,), max_iter=5, random_state=0, dtype="float32"
    ).fit(X, y)
    assert narrow.coefs_[0].dtype == np.float32 and narrow.predict_proba(X).dtype == np.float32
    np.testing.assert_allclose(narrow.loss_curve_, wide.loss_curve_, rtol=1e-4)
    assert (narrow.predict(X) == wide.predict(X)).mean() > 0.99


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_float32_on_float64_data_trains_as_on_float32_data(solver, early_stopping):
    # float64 data is cast one batch at a time: the same numbers as a float32 copy.
    X, y = multiclass()
    params = dict(hidden_layer_sizes=(8,), max_iter=6, random_state=3, dtype="float32")
    params.update(solver=solver, early_stopping=early_stopping)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cast = MLPClassifier(**params).fit(X, y, sample_weight=np.linspace(0.5, 2, len(y)))
        given = MLPClassifier(**params).fit(
            X.astype(np.float32), y, sample_weight=np.linspace(0.5, 2, len(y))
        )
    assert cast.network_.parameters.flat.dtype == np.float32
    assert cast.loss_ == given.loss_ and cast.n_iter_ == given.n_iter_
    assert np.array_equal(cast.network_.parameters.flat, given.network_.parameters.flat)
    assert np.array_equal(cast.predict_proba(X), given.predict_proba(X))
    with pytest.raises(ValueError, match="too large for dtype\\('float32'\\)"):
        MLPClassifier(**params).fit(np.where(X > 1, 1e39, X), y)


def test_dropout_changes_training_and_is_reproducible():
    X, y = multiclass()
    params = dict(hidden_layer_sizes=(16, 8), max_iter=4, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    dropped = MLPClassifier(dropout=[0.5, 0.2], **params).fit(X, y)
    again = MLPClassifier(dropout=[0.5, 0.2], **params).fit(X, y)
    assert not np.allclose(plain.loss_curve_, dropped.loss_curve_)
    assert dropped.loss_curve_ == again.loss_curve_
    # prediction uses every unit: no randomness left
    np.testing.assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))


def test_callbacks_see_every_epoch_and_can_stop():
    X, y = binary()
    seen = []

    def record(model):
        seen.append((len(model.loss_curve_), model.loss_curve_[-1]))
        return len(model.loss_curve_) == 4

    model = MLPClassifier(
        hidden_layer_sizes=(4,), max_iter=50, random_state=0, callbacks=[record]
    ).fit(X, y)
    assert model.n_iter_ == 4 and [s[0] for s in seen] == [1, 2, 3, 4]
    assert [s[1] for s in seen] == model.loss_curve_


def test_validation_loss_curve_and_leaky_relu():
    X, y = multiclass()
    model = MLPClassifier(
        hidden_layer_sizes=(8,),
        activation="leaky_relu",
        max_iter=7,
        early_stopping=True,
        random_state=0,
        n_iter_no_change=100,
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert len(model.validation_loss_curve_) == len(model.loss_curve_) == 7
    assert all(np.isfinite(model.validation_loss_curve_))
    assert model.network_.hidden_activations_ == ["leaky_relu"]


def test_verbose_prints_scikit_learns_lines(capsys):
    X, y = binary()
    MLPClassifier(
        hidden_layer_sizes=(4,), max_iter=2, random_state=0, verbose=True, early_stopping=True
    ).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ") and lines[1].startswith("Validation score: ")


def test_works_in_pipelines_and_grid_search():
    X, y = multiclass()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), MLPClassifier(max_iter=20, random_state=0)),
        {"mlpclassifier__alpha": [1e-4, 1e-1]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_score_ > 0.6


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "params",
    [dict(solver="newton"), dict(max_iter=0), dict(batch_size=-1), dict(learning_rate="cyclic")],
)
def test_bad_parameters_get_scikit_learns_errors(params):
    X, y = binary()
    with pytest.raises(InvalidParameterError) as theirs:
        neural_network.MLPClassifier(**params).fit(X, y)
    with pytest.raises(InvalidParameterError) as ours:
        MLPClassifier(**params).fit(X, y)
    assert in_any_order(str(ours.value)) == in_any_order(str(theirs.value))


def in_any_order(message):
    """The message with the options listed in braces sorted (a set prints in any order)."""
    head, brace, rest = message.partition("{")
    if not brace:
        return message
    options, _, tail = rest.partition("}")
    return head + "{" + ", ".join(sorted(options.split(", "))) + "}" + tail


@pytest.mark.parametrize(
    "params, message",
    [
        (
            dict(activation="swish"),
            r"The 'activation' parameter of MLPClassifier must be a str "
            r"among .*'leaky_relu'",
        ),
        (dict(dtype="float16"), r"The 'dtype' parameter of MLPClassifier must be None or a str"),
        (
            dict(dropout=1.5),
            r"The 'dropout' parameter of MLPClassifier must be a float in the "
            r"range \[0.0, 1.0\) or an array-like",
        ),
        (dict(callbacks=print), r"The 'callbacks' parameter of MLPClassifier"),
    ],
)
def test_bad_extra_parameters_get_errors_in_scikit_learns_words(params, message):
    X, y = binary()
    with pytest.raises(InvalidParameterError, match=message):
        MLPClassifier(**params).fit(X, y)


def test_misuse_gets_scikit_learns_errors():
    X, y = binary()
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        MLPClassifier(solver="lbfgs").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPClassifier(hidden_layer_sizes=(4, 0)).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, X[:, 0])
    with pytest.raises(ValueError, match=r"dropout lists 2 values for 1 hidden layer\b"):
        MLPClassifier(hidden_layer_sizes=(4,), dropout=[0.1, 0.2]).fit(X, y)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
        X, y = regression()
        MLPRegressor(solver="sgd", learning_rate_init=1.0, max_iter=5, random_state=0).fit(
            X * 100, y * 100
        )


def test_import_ann_works_without_scikit_learn():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "import ann\n"
        "try:\n    ann.MLPClassifier\n"
        "except ImportError as error:\n    print(error)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "needs scikit-learn" in out and 'pip install "scikit-learn>=1.7"' in out
    with pytest.raises(AttributeError, match="no attribute 'MLPClassifer'"):
        ann.MLPClassifer


@pytest.mark.parametrize("max_iter", [1, 10, 30])
def test_lbfgs_follows_scikit_learn_while_rounding_allows(max_iter):
    """ann sums the loss and the gradient in another order than scikit-learn (a few
    units in the last place apart), and L-BFGS-B amplifies such differences about 1.4
    times per iteration: on this problem the parameters agree to 1e-12 through iteration
    54, then part (scikit-learn against itself with the rows of X shuffled parts the same
    way). Equality is tested where it holds."""
    X, y = regression_multi()
    theirs, ours = fit_both(
        "regressor",
        X,
        y,
        solver="lbfgs",
        hidden_layer_sizes=(5,),
        max_iter=max_iter,
        random_state=3,
    )
    assert ours.n_iter_ == theirs.n_iter_ == max_iter
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * np.abs(b).max())
