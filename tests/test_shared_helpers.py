"""The helpers that the engine, ``ANN`` and the estimators share: L-BFGS
(``ann.lbfgs``), the weight, dropout and divergence checks, the placing of parameters
drawn on the host, and the estimators' fitted state (``ann.fit_state``). Each refuses bad
input with an error that names the problem, and the array helpers work on a second
device (array-api-strict's ``device1``)."""

import warnings

import numpy as np
import pytest

from ann import arrays, lbfgs, training, validation
from ann.core import Architecture, DivergenceError, DivergenceWarning
from ann.parameters import initial_parameters, placed

xps = pytest.importorskip("array_api_strict")
pytest.importorskip("sklearn")
from ann import fit_state

DEVICE1 = xps.Device("device1")
ARCHITECTURE = Architecture((4, 3, 1), ("tanh",), "sigmoid", "binary_cross_entropy")


def problem(seed=0, n=40):
    """A small binary problem for ``ARCHITECTURE``: X (n, 4), T (1, n), the
    parameters."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    T = (X[:, :1].T + X[:, 1:2].T > 0).astype(float)
    parameters = initial_parameters(
        ARCHITECTURE.sizes, "he", np.random.RandomState(seed), ["tanh", "sigmoid"]
    )
    return X, T, parameters


def minimize(parameters, X, T, weights=None, max_iter=30):
    model = training.Model(ARCHITECTURE, parameters, training.Record())
    data = training.Data(X, T, weights)
    return lbfgs.minimize(model, data, l2=1e-3, max_fun=200, max_iter=max_iter, tol=1e-10)


def test_lbfgs_lowers_the_cost_and_leaves_the_parameters_at_its_minimum():
    X, T, parameters = problem()
    before = arrays.copy(parameters.flat)
    result = minimize(parameters, X, T)
    assert result.nit > 1
    assert result.fun < minimize(before_views(before), X, T, max_iter=1).fun
    np.testing.assert_array_equal(parameters.flat, result.x)


def before_views(flat):
    """Parameters of ``ARCHITECTURE`` made of a copy of ``flat``."""
    from ann.parameters import views

    return views(flat.copy(), ARCHITECTURE.shapes())


@pytest.mark.parametrize(
    "X, T, message",
    [
        (np.ones((5, 3)), np.ones((1, 5)), r"X must have shape \(n > 0, 4\), got \(5, 3\)"),
        (np.ones((5, 4)), np.ones((1, 4)), r"T must have shape \(1, 5\), got \(1, 4\)"),
        (np.ones((0, 4)), np.ones((1, 0)), r"X must have shape \(n > 0, 4\)"),
    ],
)
def test_lbfgs_refuses_data_of_the_wrong_shape(X, T, message):
    _, _, parameters = problem()
    before = parameters.flat.copy()
    with pytest.raises(ValueError, match=message):
        minimize(parameters, X, T)
    np.testing.assert_array_equal(parameters.flat, before)  # nothing half-done


def test_lbfgs_of_nan_data_is_a_divergence_error():
    X, T, parameters = problem()
    X[3, 2] = np.nan
    with pytest.raises(DivergenceError, match="non-finite loss"):
        minimize(parameters, X, T)


def test_lbfgs_on_a_second_device_equals_numpy_and_stays_there():
    X, T, parameters = problem()
    on_device = placed(
        initial_parameters(ARCHITECTURE.sizes, "he", np.random.RandomState(0), ["tanh"] * 2),
        xps.asarray(X, device=DEVICE1),
    )
    host = minimize(parameters, X, T)
    moved = [xps.asarray(a, device=DEVICE1) for a in (X, T)]
    device = minimize(on_device, *moved)
    assert on_device.flat.device == DEVICE1
    np.testing.assert_allclose(device.fun, host.fun, rtol=1e-12)
    np.testing.assert_allclose(arrays.to_numpy(on_device.flat), parameters.flat, atol=1e-12)


def test_placed_keeps_numpy_parameters_and_copies_others_to_the_device():
    _, _, parameters = problem()
    assert placed(parameters, np.ones(3)) is parameters
    moved = placed(parameters, xps.asarray([1.0], device=DEVICE1))
    assert moved.flat.device == DEVICE1 and moved["W1"].device == DEVICE1
    assert sorted(moved) == sorted(parameters)
    np.testing.assert_array_equal(arrays.to_numpy(moved["W2"]), parameters["W2"])


@pytest.mark.parametrize("on_device", [False, True], ids=["numpy", "device1"])
@pytest.mark.parametrize(
    "weights, message",
    [
        ([0.0, 0.0, 0.0], r"the 3 training samples of the split all have sample_weight 0"),
        ([1.0, -1.0, 0.0], r"sample_weight sums to 0 over the 3 training samples: the mean loss"),
        ([1e308, 1e308, 0.0], r"sums to inf over the 3 training samples, out of the range of"),
        ([np.nan, 1.0, 1.0], r"sums to nan over the 3 training samples"),
    ],
)
def test_a_total_weight_that_leaves_the_mean_undefined_is_refused(weights, message, on_device):
    weights = np.array(weights)
    if on_device:
        weights = xps.asarray(weights, device=DEVICE1)
    with pytest.raises(ValueError, match=message):
        validation.check_total_weight(weights, "training samples", "loss", "the split")


def test_a_total_weight_out_of_the_models_dtype_is_refused():
    validation.check_total_weight(None)
    validation.check_total_weight(np.array([3e38, 3e38]))  # fine in float64
    with pytest.raises(ValueError, match=r"out of the range of float32"):
        validation.check_total_weight(np.array([3e38, 3e38]), dtype=np.float32)


def test_dropout_rates_give_one_rate_per_hidden_layer_in_0_to_1():
    assert validation.dropout_rates(0.2, 3) == [0.2, 0.2, 0.2]
    assert validation.dropout_rates([0.1, 0.0], 2) == [0.1, 0.0]
    with pytest.raises(ValueError, match="dropout lists 3 values for 2 hidden layers"):
        validation.dropout_rates([0.1, 0.2, 0.3], 2)
    for bad in (1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="dropout"):
            validation.dropout_rates(bad, 2)
    with pytest.raises(TypeError, match="dropout"):
        validation.dropout_rates("half", 1)


def test_check_fits_refuses_values_too_large_for_the_dtype_dense_or_sparse():
    import scipy.sparse

    validation.check_fits(np.array([1e30]), np.float32)
    for X in (np.array([[1e39]]), scipy.sparse.csr_matrix(np.array([[0.0, 1e39]]))):
        with pytest.raises(ValueError, match="too large for"):
            validation.check_fits(X, np.float32)


def test_check_same_namespace_names_both_places():
    numpy_X, device_X = np.ones((2, 2)), xps.asarray(np.ones((2, 2)), device=DEVICE1)
    validation.check_same_namespace(numpy_X, np.ones(3), "predict")
    validation.check_same_namespace(device_X, xps.asarray([1.0], device=DEVICE1), "predict")
    with pytest.raises(ValueError, match=r"predict: X \(NumPy on cpu\) .*array_api_strict"):
        validation.check_same_namespace(numpy_X, xps.asarray([1.0], device=DEVICE1), "predict")
    default = xps.asarray([1.0])
    with pytest.raises(ValueError, match="same namespace and device"):
        validation.check_same_namespace(device_X, default, "predict")


@pytest.mark.parametrize(
    "classes, message",
    [
        ([], "non-empty 1-D"),
        ([[0, 1]], "non-empty 1-D"),
        ([0.0, np.nan], "NaN or infinite"),
        ([1, 2, 1], "lists a label twice"),
        ([np.datetime64("2020-01-01")], "numbers or strings"),
    ],
)
def test_check_classes_refuses_what_is_not_a_list_of_labels(classes, message):
    with pytest.raises(ValueError, match=message):
        validation.check_classes(classes)


def test_check_classes_keeps_a_list_of_labels():
    np.testing.assert_array_equal(validation.check_classes(["b", "a"]), ["b", "a"])


@pytest.mark.parametrize(
    "costs, warns",
    [
        ([1.0, 0.5, 0.4], False),
        ([1.0], False),
        ([], False),
        ([1.0, 1.4], False),
        ([1.0, 1.6], True),
        ([1.0, np.nan], True),
        ([1.0, np.inf, 0.5], True),
    ],
)
def test_warn_if_diverging_warns_for_a_cost_that_grew_or_left_the_numbers(costs, warns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        training.warn_if_diverging(costs, "learning_rate=0.1", "loss")
    diverged = [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert len(diverged) == int(warns)
    if warns:
        assert "the loss went from 1 to" in str(diverged[0].message)
        assert "(learning_rate=0.1)" in str(diverged[0].message)


def test_the_rules_of_going_on_raise_at_the_first_broken_one():
    rules = [
        fit_state.Rule(False, "dtype", "never seen"),
        fit_state.Rule(True, "solver", "differs", "the optimizer it has", "warm_start=True"),
        fit_state.Rule(True, "dtype", "is not reached"),
    ]
    settings = {"solver": "sgd", "dtype": None}
    message = (
        r"solver='sgd' differs: partial_fit goes on with the optimizer it has; "
        r"fit with warm_start=True$"
    )
    with pytest.raises(ValueError, match=message):
        fit_state.check_rules(rules, settings, incremental=True)
    fit_state.check_rules(rules[:1], settings, incremental=False)


class Owner:
    """A stand-in estimator: one parameter, and a fitted state."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def get_params(self, deep=True):
        return {"alpha": self.alpha}


def test_a_failing_fit_puts_the_attributes_and_the_parameter_values_back():
    _, _, parameters = problem()
    owner = Owner()
    owner.state = fit_state.Fitted(parameters, training.Record(costs=[1.0]), None)
    owner.n_iter_ = 3
    W1 = parameters["W1"]  # a view, which must stay valid
    before = parameters.flat.copy()
    with (
        pytest.raises(RuntimeError, match="planted"),
        fit_state.kept_if_failing(owner, owner.state),
    ):
        owner.state.record.costs.append(2.0)
        parameters.flat[...] = 0.0
        owner.n_iter_, owner.added_ = 4, True
        raise RuntimeError("planted")
    assert owner.n_iter_ == 3 and not hasattr(owner, "added_")
    assert owner.state.record.costs == [1.0]
    np.testing.assert_array_equal(W1, before[: W1.size].reshape(W1.shape))
    assert owner.state.parameters is parameters


def test_a_fit_that_succeeds_keeps_what_it_did():
    _, _, parameters = problem()
    owner = Owner()
    with fit_state.kept_if_failing(owner, None):
        owner.state = fit_state.Fitted(parameters, training.Record(), None)
    assert owner.state.parameters is parameters
