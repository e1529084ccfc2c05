"""scikit-learn's utilities accept ANN as one of their estimators."""

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ann import ANN


@pytest.fixture
def blobs():
    rng = np.random.RandomState(0)
    X = rng.randn(150, 4) * 3 + 10
    y = (X[:, 0] - 10 + rng.randn(150) * 0.5 > 0).astype(int)
    return X, y


def test_params_round_trip_and_clone():
    model = ANN([7, 1], activation="relu", learning_rate=0.3, seed=4)
    params = model.get_params()
    assert params["layers_size"] == [7, 1] and params["learning_rate"] == 0.3
    twin = clone(model)
    assert twin.get_params() == params and twin is not model
    assert model.set_params(learning_rate=0.2) is model and model.learning_rate == 0.2
    with pytest.raises(ValueError, match="learning_rat"):
        model.set_params(learning_rat=0.2)
    with pytest.raises(ValueError, match="learning_rate"):
        model.set_params(learning_rate=-1)
    assert model.learning_rate == 0.2  # a refused set_params changes nothing


def test_estimator_kind():
    assert is_classifier(ANN([1]))
    assert is_regressor(ANN([1], output="identity"))


def test_cross_val_score_and_pipeline(blobs):
    X, y = blobs
    model = ANN(
        [8, 1], optimizer="adam", learning_rate=0.05, n_iterations=60, batch_size=32, quiet=True
    )
    pipeline = make_pipeline(StandardScaler(), model)
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85
    assert pipeline.fit(X, y).score(X, y) > 0.9


def test_grid_search_refits_the_best(blobs):
    X, y = blobs
    X = StandardScaler().fit_transform(X)
    search = GridSearchCV(
        ANN([4, 1], n_iterations=100, quiet=True), {"learning_rate": [1e-4, 1.0]}, cv=3
    ).fit(X, y)
    assert search.best_params_ == {"learning_rate": 1.0}
    assert search.best_estimator_.score(X, y) > 0.9


def test_regressor_cross_val(blobs):
    X, _ = blobs
    X = StandardScaler().fit_transform(X)
    y = X @ [1.0, 2.0, -1.0, 0.5] + 1
    scores = cross_val_score(
        ANN([1], output="identity", learning_rate=0.1, n_iterations=300, quiet=True), X, y, cv=3
    )
    assert scores.min() > 0.999
