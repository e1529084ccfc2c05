"""A fit that makes the cost much worse says so (a DivergenceWarning); a healthy fit,
full-batch or mini-batch, says nothing."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

from ann import ANN, DivergenceWarning


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def test_a_rate_far_too_large_warns_with_the_costs_and_the_rate(digits):
    X, y = digits
    model = ANN([32, 10], learning_rate=1e4, n_iterations=20, quiet=True)
    with pytest.warns(DivergenceWarning, match=r"learning_rate=10000\).*smaller learning rate"):
        model.fit(X, y)
    assert model.costs[-1] > 100 * model.costs[0]  # what the warning is about
    assert model.score(X, y) < 0.5


@pytest.mark.parametrize(
    "settings",
    [
        dict(learning_rate=0.5, n_iterations=30),
        dict(optimizer="adam", batch_size=32, learning_rate=0.01, n_iterations=5),
        dict(optimizer="sgd", batch_size=16, learning_rate=0.05, n_iterations=5, dropout=0.5),
    ],
)
def test_a_healthy_fit_does_not_warn(digits, settings):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        model = ANN([32, 10], activation="relu", quiet=True, **settings).fit(X, y)
    assert model.costs[-1] < model.costs[0]


def test_one_epoch_cannot_be_judged_and_does_not_warn(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        ANN([8, 10], learning_rate=1e4, n_iterations=1, quiet=True).fit(X, y)
    np.testing.assert_equal(DivergenceWarning.__mro__[1], RuntimeWarning)
