"""Warm starts and ``partial_fit`` of ann.MLPClassifier and ann.MLPRegressor after
``set_params``: what scikit-learn honours gives its numbers, what would make it crash
or silently train the old network is a clear error, and a fit that fails leaves the
estimator as it was."""

import importlib.util
import pickle
import warnings

import numpy as np
import pytest
from sklearn import neural_network
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted
from test_estimators import (
    assert_same_model,
    assert_same_training,
    binary,
    fit_both,
    multiclass,
    multilabel,
    pair,
    regression,
    regression_multi,
)

from ann import ANN, MLPClassifier, MLPRegressor
from ann.export import to_onnx

ONNX = importlib.util.find_spec("onnx") is not None  # the onnx extra (not in every run)

FIRST = dict(hidden_layer_sizes=(8,), random_state=4, warm_start=True, max_iter=3)

CHANGES = {
    # name: (settings of the first fit, set_params before the second)
    "activation": ({}, dict(activation="tanh")),
    "alpha": ({}, dict(alpha=0.5)),
    "tol stops": ({}, dict(tol=0.05, max_iter=30)),
    "n_iter_no_change stops": ({}, dict(n_iter_no_change=1, tol=0.01, max_iter=30)),
    "adaptive rate": (
        dict(solver="sgd"),
        dict(learning_rate="adaptive", tol=0.05, n_iter_no_change=1, max_iter=40),
    ),
    "constant to invscaling": (dict(solver="sgd"), dict(learning_rate="invscaling")),
    "invscaling again": (dict(solver="sgd", learning_rate="invscaling"), {}),
    "power_t": (dict(solver="sgd", learning_rate="invscaling"), dict(power_t=0.2)),
    "invscaling to constant": (
        dict(solver="sgd", learning_rate="invscaling"),
        dict(learning_rate="constant"),
    ),
    "learning_rate_init adam": ({}, dict(learning_rate_init=0.05)),
    "learning_rate_init sgd": (dict(solver="sgd"), dict(learning_rate_init=0.05)),
    "momentum": (dict(solver="sgd"), dict(momentum=0.3, nesterovs_momentum=False)),
    "betas and epsilon": ({}, dict(beta_1=0.5, beta_2=0.9, epsilon=1e-3)),
    "sgd to adam": (dict(solver="sgd"), dict(solver="adam")),
    "adam to sgd": ({}, dict(solver="sgd", learning_rate_init=0.05)),
    "batch_size and shuffle": ({}, dict(batch_size=32, shuffle=False)),
    "early stopping stops": (
        dict(early_stopping=True, learning_rate_init=0.02),
        dict(tol=0.0, n_iter_no_change=3, validation_fraction=0.2, max_iter=60),
    ),
}


def warm_fits(X, y, change):
    def fit(model):
        model.fit(X, y)
        model.set_params(**change)
        model.fit(X, y)

    return fit


@pytest.mark.parametrize("name", CHANGES)
def test_fit_set_params_fit_trains_as_scikit_learn_does(name):
    first, change = CHANGES[name]
    X, y = multiclass()
    theirs, ours = fit_both("classifier", X, y, fit=warm_fits(X, y, change), **FIRST, **first)
    assert_same_training(theirs, ours, X)
    assert len(ours.loss_curve_) == 3 + ours.n_iter_
    if "stops" in name or "adaptive" in name:
        assert theirs.n_iter_ < theirs.max_iter  # the new setting ended the second fit


@pytest.mark.parametrize("name", ["alpha", "activation", "invscaling again", "adam to sgd"])
def test_regressor_fit_set_params_fit_trains_as_scikit_learn_does(name):
    first, change = CHANGES[name]
    X, y = regression_multi()
    theirs, ours = fit_both(
        "regressor",
        X,
        y,
        fit=warm_fits(X, y, change),
        **dict(FIRST, learning_rate_init=0.01) | first,
    )
    assert_same_training(theirs, ours, X)


PARTIAL_CHANGES = {
    # scikit-learn's partial_fit goes on with the optimizer of its first call: a new
    # rate, schedule or momentum is for the next fit. The rest applies at once.
    "activation": ({}, dict(activation="logistic")),
    "alpha": ({}, dict(alpha=0.3)),
    "tol and n_iter_no_change": ({}, dict(tol=0.5, n_iter_no_change=1)),
    "batch_size and shuffle": ({}, dict(batch_size=40, shuffle=False)),
    "adaptive rate divides": (
        dict(solver="sgd", learning_rate="adaptive", tol=0.5, n_iter_no_change=1),
        {},
    ),
    "to adaptive (the optimizer's schedule stays)": (
        dict(solver="sgd", tol=0.5, n_iter_no_change=1),
        dict(learning_rate="adaptive"),
    ),
    "invscaling": (dict(solver="sgd", learning_rate="invscaling"), {}),
    "to invscaling (the optimizer's schedule stays)": (
        dict(solver="sgd"),
        dict(learning_rate="invscaling", power_t=0.1),
    ),
    "power_t and learning_rate_init (the optimizer's stay)": (
        dict(solver="sgd", learning_rate="invscaling"),
        dict(power_t=0.1, learning_rate_init=0.5),
    ),
    "learning_rate_init adam (the optimizer's stays)": ({}, dict(learning_rate_init=0.5)),
    "momentum (the optimizer's stays)": (dict(solver="sgd"), dict(momentum=0.1)),
}


@pytest.mark.parametrize("name", PARTIAL_CHANGES)
def test_partial_fit_after_set_params_trains_as_scikit_learn_does(name):
    first, change = PARTIAL_CHANGES[name]
    X, y = multiclass()

    def partial(model):
        for _ in range(2):
            model.partial_fit(X, y, classes=[0, 1, 2])
        model.set_params(**change)
        for _ in range(3):
            model.partial_fit(X, y)

    theirs, ours = fit_both(
        "classifier", X, y, fit=partial, hidden_layer_sizes=(8,), random_state=2, **first
    )
    assert_same_training(theirs, ours, X)
    if ours.solver == "sgd":  # (scikit-learn's Adam keeps its rate with the bias corrections)
        assert ours._optimizer.learning_rate == theirs._optimizer.learning_rate


def test_a_warm_fit_that_never_beats_the_best_score_keeps_the_best_weights():
    # ann keeps the best weights seen across warm fits. scikit-learn's best weights are
    # its coefs_ arrays themselves after a fit with early stopping, which the next fit
    # trains in place: until the validation score improves, they are the last weights.
    X, y = regression_multi()
    change = dict(tol=1e-3, n_iter_no_change=2, validation_fraction=0.2, max_iter=60)
    ours = MLPRegressor(**FIRST, early_stopping=True, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
    best = ours.predict(X)
    ours.set_params(**change).fit(X, y)
    assert ours.n_iter_ == 3 and len(ours.validation_scores_) == 6
    assert max(ours.validation_scores_[3:]) < ours.best_validation_score_
    assert ours.best_validation_score_ == max(ours.validation_scores_[:3])
    np.testing.assert_array_equal(ours.predict(X), best)


def test_fit_after_partial_fit_takes_the_new_settings_as_scikit_learn_does():
    X, y = multiclass()

    def mixed(model):
        model.partial_fit(X, y, classes=[0, 1, 2])
        model.set_params(learning_rate="invscaling", learning_rate_init=0.2, power_t=0.3)
        model.partial_fit(X, y)  # still the first optimizer
        model.fit(X, y)  # a new one, with the new settings
        model.partial_fit(X, y)  # which goes on

    theirs, ours = fit_both(
        "classifier",
        X,
        y,
        fit=mixed,
        hidden_layer_sizes=(6,),
        random_state=1,
        solver="sgd",
        warm_start=True,
        max_iter=4,
    )
    assert_same_training(theirs, ours, X)


def test_adam_to_lbfgs_and_back_trains_as_scikit_learn_does():
    X, y = multiclass()

    def switch(model):
        model.fit(X, y)
        model.set_params(solver="lbfgs", max_iter=15)
        model.fit(X, y)
        model.set_params(solver="adam", max_iter=3)
        model.fit(X, y)

    theirs, ours = fit_both("classifier", X, y, fit=switch, **FIRST)
    assert_same_training(theirs, ours, X)
    assert len(ours.loss_curve_) == 6  # the lbfgs fit adds no epoch


# ------------------------------------------------- changes that cannot go on
def warm_fitted(kind="classifier", **params):
    X, y = binary() if kind == "classifier" else regression_multi()
    theirs, ours = fit_both(kind, X, y, **dict(FIRST, **params))
    return X, y, theirs, ours


def test_early_stopping_switched_on_is_an_error_where_scikit_learn_crashes():
    X, y, theirs, ours = warm_fitted()
    for model in (theirs, ours):
        model.set_params(early_stopping=True)
    with pytest.raises(AttributeError):
        theirs.fit(X, y)
    with pytest.raises(ValueError, match="early_stopping=True differs from the first fit's"):
        ours.fit(X, y)


def test_early_stopping_switched_off_is_an_error_where_scikit_learn_crashes():
    X, y, theirs, ours = warm_fitted(early_stopping=True)
    for model in (theirs, ours):
        model.set_params(early_stopping=False)
    with pytest.raises(TypeError):
        theirs.fit(X, y)
    with pytest.raises(ValueError, match="early_stopping=False differs from the first fit's"):
        ours.fit(X, y)
    with pytest.raises(ValueError, match="early_stopping=False differs"):
        ours.partial_fit(X, y)


def test_lbfgs_to_a_stochastic_solver_is_an_error_where_scikit_learn_crashes():
    X, y, theirs, ours = warm_fitted(solver="lbfgs")
    for model in (theirs, ours):
        model.set_params(solver="adam")
    with pytest.raises(AttributeError, match="loss_curve_"):
        theirs.fit(X, y)
    with pytest.raises(ValueError, match="from a network fitted with solver='lbfgs'"):
        ours.fit(X, y)
    with pytest.raises(ValueError, match="from a network fitted with solver='lbfgs'"):
        ours.partial_fit(X, y)


@pytest.mark.parametrize("sizes", [(9,), (8, 4), 7])
def test_new_hidden_layer_sizes_are_an_error_where_scikit_learn_trains_the_old_network(sizes):
    X, y, theirs, ours = warm_fitted()
    for model in (theirs, ours):
        model.set_params(hidden_layer_sizes=sizes)
    if sizes == (9,):  # scikit-learn goes on with its (8,) layer
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            theirs.fit(X, y)
        assert theirs.coefs_[0].shape == (X.shape[1], 8)
    message = "does not match the network fitted with hidden layers \\[8\\]"
    with pytest.raises(ValueError, match=message):
        ours.fit(X, y)
    with pytest.raises(ValueError, match=message):
        ours.partial_fit(X, y)


def test_new_number_of_outputs_is_an_error_where_scikit_learn_trains_the_old_network():
    X, y, theirs, ours = warm_fitted("regressor")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y[:, 0])  # broadcasts one target against three outputs
    assert theirs.coefs_[-1].shape[1] == 3
    with pytest.raises(ValueError, match="y has 1 outputs, the network was fitted with 3"):
        ours.fit(X, y[:, 0])
    with pytest.raises(ValueError, match="y has 1 outputs, the network was fitted with 3"):
        ours.partial_fit(X, y[:, 0])


def test_labels_after_an_indicator_matrix_are_an_error_not_a_new_meaning_of_the_outputs():
    # scikit-learn trains its multilabel outputs on the labels' one-hot coding.
    X, Y = multilabel()
    labels = np.arange(len(Y)) % Y.shape[1]
    theirs, ours = fit_both("classifier", X, Y, **FIRST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, labels)
    assert theirs.predict(X).shape == Y.shape  # still indicator rows
    message = "y is multiclass, but the network was fitted to multilabel-indicator targets"
    with pytest.raises(ValueError, match=message):
        ours.fit(X, labels)
    with pytest.raises(ValueError, match=message):
        ours.partial_fit(X, labels)
    _, ours = fit_both("classifier", X, labels % 3, **FIRST)
    with pytest.raises(ValueError, match="y is multilabel-indicator, but the network was fitted"):
        ours.fit(X, Y[:, :3])


def test_new_loss_is_an_error_and_predict_keeps_the_fitted_output():
    X, y, theirs, ours = warm_fitted("regressor")
    expected = ours.predict(X)
    for model in (theirs, ours):
        model.set_params(loss="poisson")
    np.testing.assert_array_equal(ours.predict(X), expected)  # the fitted network
    np.testing.assert_array_equal(theirs.predict(X), ours.predict(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.fit(X, np.abs(y))  # a Poisson loss on identity outputs
    assert theirs.out_activation_ == "identity"
    message = "loss='poisson' differs from the first fit's 'squared_error'"
    with pytest.raises(ValueError, match=message):
        ours.fit(X, np.abs(y))
    with pytest.raises(ValueError, match=message):
        ours.partial_fit(X, np.abs(y))
    np.testing.assert_array_equal(ours.predict(X), expected)


@pytest.mark.parametrize("first, then", [("float64", "float32"), ("float32", "float64")])
def test_new_dtype_is_an_error_not_ignored(first, then):
    X, y = binary()
    model = MLPClassifier(dtype=first, **FIRST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        model.set_params(dtype=None)  # no preference: the network's dtype goes on
        model.fit(X.astype(np.float32), y)
    assert model.coefs_[0].dtype == first
    model.set_params(dtype=then)
    message = f"dtype='{then}' differs from the network's {first}"
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    with pytest.raises(ValueError, match=message):
        model.partial_fit(X, y)
    assert model.coefs_[0].dtype == first


def test_new_solver_in_partial_fit_is_an_error_not_the_old_optimizer():
    # scikit-learn's partial_fit silently goes on with the first call's optimizer.
    X, y = binary()
    theirs, ours = pair("classifier", solver="sgd", hidden_layer_sizes=(4,), random_state=0)
    for model in (theirs, ours):
        model.partial_fit(X, y, classes=[0, 1])
        model.set_params(solver="adam")
    theirs.partial_fit(X, y)
    assert type(theirs._optimizer).__name__ == "SGDOptimizer"
    with pytest.raises(ValueError, match="solver='adam' differs from the optimizer"):
        ours.partial_fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.set_params(warm_start=True, max_iter=2).fit(X, y)  # fit makes a new one
    assert ours.n_iter_ == 2


def test_partial_fit_with_early_stopping_gets_scikit_learns_error():
    X, y = binary()
    theirs, ours = pair("classifier", hidden_layer_sizes=(4,), random_state=0)
    for model in (theirs, ours):
        model.partial_fit(X, y, classes=[0, 1])
        model.set_params(early_stopping=True)
        with pytest.raises(ValueError, match=r"^partial_fit does not support early_stopping=True$"):
            model.partial_fit(X, y)
    fresh = MLPClassifier(early_stopping=True)
    with pytest.raises(ValueError, match=r"^partial_fit does not support early_stopping=True$"):
        fresh.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(fresh, "classes_")


def test_new_dropout_applies_to_the_next_warm_fit():
    X, y = multiclass()
    models = [MLPClassifier(**FIRST) for _ in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in models:
            model.fit(X, y)
        for model in models[1:]:
            model.set_params(dropout=0.5)
        for model in models:
            model.fit(X, y)
    plain, dropped, again = (model.loss_curve_ for model in models)
    assert plain[:3] == dropped[:3] and dropped == again
    assert not np.allclose(plain[3:], dropped[3:], rtol=1e-3)
    models[0].set_params(dropout=[0.1, 0.2])
    with pytest.raises(ValueError, match=r"dropout lists 2 values for 1 hidden layer\b"):
        models[0].fit(X, y)


def test_pickled_mid_partial_fit_goes_on_as_the_original():
    X, y = multiclass()
    model = MLPClassifier(hidden_layer_sizes=(8,), random_state=0, solver="sgd")
    model.partial_fit(X, y, classes=[0, 1, 2])
    model.set_params(learning_rate="invscaling")  # for the next fit, not this optimizer
    copy = pickle.loads(pickle.dumps(model))
    for m in (model, copy):
        for _ in range(2):
            m.partial_fit(X, y)
    assert copy.loss_curve_ == model.loss_curve_
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))


# ------------------------------------------- a fit that fails changes nothing
def diverging(model_class=MLPRegressor, **params):
    """An sgd estimator whose rate makes unscaled data diverge."""
    return model_class(
        **dict(solver="sgd", learning_rate_init=1.0, max_iter=5, random_state=0) | params
    )


def test_a_first_fit_that_diverges_leaves_the_estimator_unfitted():
    X, y = regression()
    theirs, ours = diverging(neural_network.MLPRegressor), diverging()
    for model in (theirs, ours):
        with (
            warnings.catch_warnings(),
            pytest.raises(ValueError, match="Solver produced non-finite parameter weights"),
        ):
            warnings.simplefilter("ignore")  # scikit-learn's overflows
            model.fit(X * 100, y * 100)
    with pytest.raises(NotFittedError):
        ours.predict(X)
    with pytest.raises(NotFittedError):
        check_is_fitted(ours)
    for name in ("coefs_", "loss_curve_", "n_iter_", "n_features_in_", "out_activation_"):
        assert not hasattr(ours, name), name
    with pytest.raises(AttributeError):
        ours.network_.save("never.npz")


def test_a_warm_fit_that_diverges_keeps_the_state_it_had(tmp_path):
    X, y = regression()
    model, twin = (diverging(warm_start=True, learning_rate_init=0.01) for _ in range(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        twin.fit(X, y)
    before = model.predict(X)
    state = (list(model.loss_curve_), model.n_iter_, model.t_, model.loss_, model.best_loss_)
    model.set_params(learning_rate_init=1e3)
    with pytest.raises(ValueError, match="keeps the state it had before this call"):
        model.fit(X * 100, y * 100)
    np.testing.assert_array_equal(model.predict(X), before)
    assert (model.loss_curve_, model.n_iter_, model.t_, model.loss_, model.best_loss_) == state
    model.network_.save(tmp_path / "model.npz")
    np.testing.assert_array_equal(ANN.load(tmp_path / "model.npz").predict(X), before)
    if ONNX:
        to_onnx(model, tmp_path / "model.onnx")
    # and it goes on as if the failed fit had not been
    model.set_params(learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        twin.fit(X, y)
    assert model.loss_curve_ == twin.loss_curve_
    np.testing.assert_array_equal(model.predict(X), twin.predict(X))


def test_the_weights_read_before_a_failed_warm_fit_stay_views_of_the_network():
    X, y = regression()
    model = diverging(warm_start=True, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    coefs = model.coefs_
    values = [coef.copy() for coef in coefs]
    model.set_params(learning_rate_init=1e3)
    with pytest.raises(ValueError, match="keeps the state it had before this call"):
        model.fit(X * 100, y * 100)
    for coef, value in zip(coefs, values, strict=True):
        np.testing.assert_array_equal(coef, value)
    coefs[0][0, 0] = 7.0  # the network's own weight, as before the failed fit
    assert model.coefs_[0][0, 0] == 7.0


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_a_partial_fit_that_diverges_leaves_the_optimizer_as_it_was(solver):
    X, y = regression()
    bad = X.copy()
    bad[-10:] *= 1e200  # the last batch: after the optimizer's first steps
    model, twin = (
        MLPRegressor(
            hidden_layer_sizes=(6,), random_state=0, solver=solver, batch_size=20, shuffle=False
        )
        for _ in range(2)
    )
    for m in (model, twin):
        m.partial_fit(X, y)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
        model.partial_fit(bad, y)
    for m in (model, twin):
        m.partial_fit(X, y)
    assert model.loss_curve_ == twin.loss_curve_ and model.t_ == twin.t_
    np.testing.assert_array_equal(model.predict(X), twin.predict(X))


def test_an_lbfgs_fit_whose_loss_is_not_finite_is_an_error():
    X, y = regression()
    model = MLPRegressor(solver="lbfgs", hidden_layer_sizes=(5,), random_state=0, max_iter=5)
    with pytest.raises(ValueError, match="Solver produced a non-finite loss \\(nan\\)"):
        model.fit(X * 1e200, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_any_failed_fit_leaves_the_fitted_estimator_as_it_was():
    X, y = multiclass()
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    before = model.predict_proba(X)
    with pytest.raises(ValueError, match="sample_weight sums to 0"):
        # a new fit on two classes and 4 features that fails after reading them
        model.fit(X[:, :4], y % 2, sample_weight=np.tile([1.0, -1.0], len(y) // 2))
    assert model.n_features_in_ == X.shape[1] and list(model.classes_) == [0, 1, 2]
    np.testing.assert_array_equal(model.predict_proba(X), before)


def test_a_diverging_fit_with_early_stopping_keeps_the_best_weights_as_scikit_learn_does(
    tmp_path,
):
    # scikit-learn's test_mlp_diverging_loss: the validation scores become NaN, training
    # goes on, and the best finite weights are kept.
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    params = dict(
        hidden_layer_sizes=100,
        activation="identity",
        solver="sgd",
        alpha=0.0001,
        learning_rate="constant",
        learning_rate_init=1,
        shuffle=True,
        max_iter=20,
        early_stopping=True,
        n_iter_no_change=10,
        random_state=0,
    )
    theirs, ours = pair("regressor", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in (theirs, ours):
            model.fit(X, y)
    assert str(ours.validation_scores_[-1]) == str(np.nan)
    assert isinstance(ours.validation_scores_[-1], float)
    for mine, their in (
        (ours.validation_scores_, theirs.validation_scores_),
        (ours.loss_curve_, theirs.loss_curve_),
    ):
        np.testing.assert_array_equal(np.isnan(mine), np.isnan(their))
        np.testing.assert_allclose(mine, their, rtol=1e-12)  # up to 1e210; (1.6e-14)
    assert ours.n_iter_ == theirs.n_iter_ == 20 and ours.t_ == theirs.t_
    assert ours.best_validation_score_ == pytest.approx(
        theirs.best_validation_score_, rel=1e-14
    )  # (5e-16)
    assert_same_model(theirs, ours, X)
    # the network, finite, saves and exports; its record keeps the NaN losses
    ours.network_.save(tmp_path / "model.npz")
    loaded = ANN.load(tmp_path / "model.npz")
    np.testing.assert_array_equal(loaded.predict(X), ours.predict(X))
    np.testing.assert_array_equal(np.isnan(loaded.costs), np.isnan(ours.loss_curve_))
    if ONNX:
        to_onnx(ours, tmp_path / "model.onnx")
