"""The training loop's own checks: data of the wrong shape and a bad configuration are
clear errors before any update (the loop trusts the values its callers checked)."""

import numpy as np
import pytest

from ann import ANN, training
from ann.optimizers import make_optimizer
from ann.stopping import RunAll


@pytest.fixture
def model():
    network = ANN([3, 2], quiet=True)
    network.initialize_parameters(4)
    return training.Model(network.architecture, network.parameters, network.record)


def train(model, data, **config):
    settings = dict(n_epochs=1, learning_rate=0.1, **config)
    training.train(
        model,
        data,
        training.Config(**settings),
        optimizer=make_optimizer("gd", 0.1, {}),
        stopping=RunAll(),
    )


@pytest.mark.parametrize(
    "X, T, weights, message",
    [
        (np.zeros((10, 4)), np.zeros((3, 10)), None, r"T must have shape \(2, 10\)"),
        (np.zeros((10, 4)), np.zeros((2, 9)), None, r"T must have shape \(2, 10\)"),
        (np.zeros((10, 5)), np.zeros((2, 10)), None, r"X must have shape \(n > 0, 4\)"),
        (np.zeros((0, 4)), np.zeros((2, 0)), None, r"X must have shape \(n > 0, 4\)"),
        (np.zeros(4), np.zeros((2, 1)), None, r"X must have shape"),
        (np.zeros((10, 4)), np.zeros((2, 10)), np.ones(9), r"weights must have shape \(10,\)"),
    ],
)
def test_data_of_the_wrong_shape_is_named_before_any_update(model, X, T, weights, message):
    before = model.parameters.flat.copy()
    with pytest.raises(ValueError, match="data: " + message):
        train(model, training.Data(X, T, weights))
    assert np.array_equal(model.parameters.flat, before) and model.record.costs == []


def test_a_validation_set_of_the_wrong_shape_is_named(model):
    data = training.Data(np.zeros((10, 4)), np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"validation: T must have shape \(2, 3\)"):
        training.train(
            model,
            data,
            training.Config(n_epochs=1, learning_rate=0.1),
            optimizer=make_optimizer("gd", 0.1, {}),
            stopping=RunAll(),
            validation=training.Data(np.zeros((3, 4)), np.zeros((1, 3))),
        )


@pytest.mark.parametrize(
    "settings, error, message",
    [
        (dict(n_epochs=0), ValueError, "n_epochs must be at least 1"),
        (dict(n_epochs=2.5), TypeError, "n_epochs must be an integer"),
        (dict(learning_rate=float("nan")), ValueError, "learning_rate must be a finite"),
        (dict(batch_size=0), ValueError, "batch_size must be at least 1"),
        (dict(lr_schedule="warm"), ValueError, "lr_schedule='warm' is unknown"),
        (dict(dropout={1: 1.0}), ValueError, r"dropout must be a finite number in \[0.0, 1.0\)"),
        (dict(dropout={-1: 0.5}), ValueError, "a dropout layer must be at least 0"),
        (dict(max_norm=0.0), ValueError, "max_norm must be a finite number"),
        (dict(callbacks=(3,)), TypeError, "callbacks and shuffle must be callables"),
    ],
)
def test_a_bad_configuration_is_named(settings, error, message):
    with pytest.raises(error, match=message):
        training.Config(**{"n_epochs": 1, "learning_rate": 0.1, **settings})


def test_dropout_without_a_random_source_is_refused(model):
    data = training.Data(np.zeros((10, 4)), np.zeros((2, 10)))
    with pytest.raises(ValueError, match="dropout needs rng"):
        train(model, data, dropout={1: 0.5})


@pytest.mark.parametrize("n, fraction, held", [(17, 0.1, 2), (19, 0.25, 5), (30, 0.1, 3)])
def test_the_validation_split_holds_out_the_rounded_share(n, fraction, held):
    # round(fraction * n), as documented: 1.7 -> 2 and 4.75 -> 5 (int would hold 1 and 4).
    kept, held_out = training.random_split(n, fraction, np.random.default_rng(0))
    assert len(held_out) == held and len(kept) == n - held
    assert sorted(np.concatenate([kept, held_out])) == list(range(n))
    # ANN's early stopping trains on the rest: one epoch sees n - held samples.
    X = np.random.default_rng(1).normal(size=(n, 2))
    model = ANN([3, 1], n_iterations=1, early_stopping=True, validation_fraction=fraction)
    model.set_params(quiet=True).fit(X, (X[:, 0] > 0).astype(int))
    assert model.t_ == n - held


def test_input_divisor_leaves_the_callers_float_data_unchanged():
    # Float data already in the model's dtype is not copied on the way in: every
    # block divided in place would divide the caller's array, once per epoch.
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 255, size=(40, 3))
    y = (X[:, 0] > X[:, 1]).astype(int)
    original = X.copy()
    settings = dict(layers_size=[4, 1], n_iterations=3, learning_rate=0.5, quiet=True)
    divided = ANN(**settings, input_divisor=255.0).fit(X, y)
    predicted, probabilities = divided.predict(X), divided.predict_proba(X)
    np.testing.assert_array_equal(X, original)
    first = ANN(**settings).fit(X / 255.0, y)
    assert divided.costs == first.costs
    np.testing.assert_array_equal(predicted, first.predict(X / 255.0))
    np.testing.assert_array_equal(probabilities, first.predict_proba(X / 255.0))
    np.testing.assert_array_equal(X, original)
