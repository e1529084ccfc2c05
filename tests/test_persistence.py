"""save and load: a round trip gives back the same model, bit for bit."""

import numpy as np
import pytest

from ann import ANN


@pytest.mark.parametrize(
    "kwargs,labels",
    [
        ({"layers_size": [5, 1]}, np.array([3, 7])),
        (
            {"layers_size": [6, 4, 3], "activation": ["relu", "tanh"], "dtype": "float32"},
            np.array(["a", "b", "c"]),
        ),
        ({"layers_size": [2], "output": "identity", "l2": 0.1}, None),
    ],
)
def test_round_trip_is_bit_identical(tmp_path, kwargs, labels):
    rng = np.random.RandomState(0)
    X = rng.randn(50, 8)
    y = labels[rng.randint(0, len(labels), 50)] if labels is not None else rng.randn(50, 2)
    model = ANN(n_iterations=15, learning_rate=0.1, quiet=True, **kwargs).fit(X, y)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ANN.load(path)
    assert loaded.get_params() == model.get_params()
    assert loaded.costs == model.costs and loaded.history == model.history
    for name, value in model.parameters.items():
        assert loaded.parameters[name].dtype == value.dtype
        assert np.array_equal(loaded.parameters[name], value)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    if labels is not None:
        assert np.array_equal(loaded.classes_, model.classes_)
        assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_save_before_fit_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not fitted"):
        ANN([1]).save(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []
