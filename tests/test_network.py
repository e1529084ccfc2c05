"""The vectorized network: gradients, the article's numbers, outputs, training."""

import numpy as np
import pytest
from gradcheck import numerical_gradients

from ann import ANN
from ann.activations import HIDDEN_ACTIVATIONS


def make_data(n=40, n_features=6, n_classes=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, n_features)
    y = rng.randint(0, n_classes, size=n)
    return X, y


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def fitted(layers, X, y, **kwargs):
    """A model whose output and classes are set up for y, with random parameters."""
    model = ANN(layers, n_iterations=1, learning_rate=1e-12, quiet=True, **kwargs)
    return model.fit(X, y)


@pytest.mark.parametrize(
    "layers", [[5, 1], [5, 4, 1], [5, 4, 3, 1]], ids=["1-hidden", "2-hidden", "3-hidden"]
)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "identity"])
def test_backward_matches_finite_differences(layers, activation):
    X, y = make_data()
    model = fitted(layers, X, y, activation=activation, seed=3)
    _, store = model.forward(X)
    analytic = model.backward(X, y, store)
    numeric = numerical_gradients(model, X, y)
    for name in numeric:
        assert relative_error(analytic[name], numeric[name]) < 1e-7, name


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_backward_piecewise_activations(activation):
    # Kinks at 0: finite differences are exact away from them, so keep |Z| clear of 0.
    X, y = make_data(n=30)
    model = fitted([6, 5, 1], X, y, activation=activation, seed=2, init="he")
    rng = np.random.RandomState(4)
    for l in (1, 2):
        model.parameters[f"b{l}"][:] = rng.uniform(-0.5, 0.5, (model.layers_size[l - 1], 1))
    _, store = model.forward(X)
    assert min(np.abs(store[f"Z{l}"]).min() for l in (1, 2)) > 1e-4
    analytic = model.backward(X, y, store)
    numeric = numerical_gradients(model, X, y)
    for name in numeric:
        assert relative_error(analytic[name], numeric[name]) < 1e-7, name


@pytest.mark.parametrize(
    "output,layers,n_classes",
    [
        ("softmax", [5, 3], 3),
        ("softmax", [4, 2], 2),
        ("identity", [4, 2], None),
        ("sigmoid", [3, 1], 2),
    ],
)
def test_backward_each_output(output, layers, n_classes):
    X, y = make_data(n_classes=n_classes or 2)
    if output == "identity":
        y = np.random.RandomState(1).randn(len(X), 2)
    model = fitted(layers, X, y, activation="tanh", output=output, l2=0.3)
    _, store = model.forward(X)
    analytic = model.backward(X, y, store)
    numeric = numerical_gradients(model, X, y)
    for name in numeric:
        assert relative_error(analytic[name], numeric[name]) < 1e-7, name


def test_initialization_reproduces_the_article_stream():
    X, y = make_data(n_features=7)
    state = np.random.get_state()
    model = ANN([5, 3, 1], n_iterations=1, quiet=True).fit(X, y)
    model.initialize_parameters()
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(state, after) if isinstance(a, np.ndarray))
    np.random.seed(1)  # the article's global-state version, restored below
    try:
        sizes = [7, 5, 3, 1]
        for l in range(1, 4):
            W = np.random.randn(sizes[l], sizes[l - 1]) / np.sqrt(sizes[l - 1])
            assert np.array_equal(model.parameters[f"W{l}"], W)
            assert np.array_equal(model.parameters[f"b{l}"], np.zeros((sizes[l], 1)))
    finally:
        np.random.set_state(state)
    other = ANN([5, 3, 1], seed=2, n_iterations=1, quiet=True).fit(X, y)
    other.initialize_parameters()
    assert not np.array_equal(other.parameters["W1"], model.parameters["W1"])


def article_costs(X, Y, sizes, learning_rate, n_iterations):
    """The article's algorithm written plainly: sigmoid everywhere, cost from A,
    dA from the divide form, updates after each backward pass."""
    rng = np.random.RandomState(1)
    sizes = [X.shape[1]] + sizes
    P = {}
    for l in range(1, len(sizes)):
        P[f"W{l}"] = rng.randn(sizes[l], sizes[l - 1]) / np.sqrt(sizes[l - 1])
        P[f"b{l}"] = np.zeros((sizes[l], 1))
    L, n, costs = len(sizes) - 1, X.shape[0], []
    sigmoid = lambda Z: 1 / (1 + np.exp(-Z))
    for _ in range(n_iterations):
        A = {0: X.T}
        for l in range(1, L + 1):
            A[l] = sigmoid(P[f"W{l}"] @ A[l - 1] + P[f"b{l}"])
        costs.append(-np.mean(Y * np.log(A[L]) + (1 - Y) * np.log(1 - A[L])))
        dA = -(Y / A[L]) + (1 - Y) / (1 - A[L])
        for l in range(L, 0, -1):
            dZ = dA * A[l] * (1 - A[l])
            dW, db = dZ @ A[l - 1].T / n, dZ.sum(axis=1, keepdims=True) / n
            dA = P[f"W{l}"].T @ dZ
            P[f"W{l}"] -= learning_rate * dW
            P[f"b{l}"] -= learning_rate * db
    return costs, P


def test_costs_follow_the_article_algorithm():
    rng = np.random.RandomState(5)
    X = rng.rand(120, 20)
    y = (X[:, :10].sum(axis=1) > X[:, 10:].sum(axis=1)).astype(int)
    reference, P = article_costs(X, y, [8, 4, 1], 0.5, 30)
    model = ANN([8, 4, 1], learning_rate=0.5, n_iterations=30, quiet=True).fit(X, y)
    np.testing.assert_allclose(model.costs, reference, rtol=1e-12)
    for name, value in P.items():
        np.testing.assert_allclose(model.parameters[name], value, rtol=1e-10, atol=1e-13)


def test_article_usage_and_label_shapes():
    X, y = make_data(n=60)
    layers = [4, 1]
    results = []
    for Y in (y, y.reshape(-1, 1), y.reshape(1, -1)):
        model = ANN(layers, quiet=True)
        model.fit(X, Y, learning_rate=0.1, n_iterations=20)
        results.append(model.costs)
    assert layers == [4, 1]
    assert results[0] == results[1] == results[2]
    assert len(results[0]) == 20 and model.n_iterations == 20
    proba = model.predict_proba(X)
    assert proba.shape == (60, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    predicted = model.predict(X)
    assert predicted.shape == (60,) and set(predicted) <= {0, 1}
    assert np.array_equal(predicted, (proba[:, 1] > 0.5).astype(int))
    assert model.score(X, y) == np.mean(predicted == y)
    refit = ANN(layers, quiet=True).fit(X, y, learning_rate=0.1, n_iterations=20)
    model.fit(X, y)
    assert model.costs == refit.costs


def test_forward_store_shapes():
    X, y = make_data(n=11, n_features=6)
    model = fitted([5, 4, 1], X, y)
    A, store = model.forward(X)
    assert A.shape == (1, 11)
    assert store["A0"].shape == (6, 11)
    for l, units in enumerate([5, 4, 1], start=1):
        assert store[f"Z{l}"].shape == store[f"A{l}"].shape == (units, 11)
    grads = model.backward(X, y, store)
    assert sorted(grads) == ["dW1", "dW2", "dW3", "db1", "db2", "db3"]
    for name, value in model.parameters.items():
        assert grads["d" + name].shape == value.shape


def test_saturated_logits_give_finite_cost_and_gradients():
    X, y = make_data(n=10, n_features=3)
    model = fitted([1], X, y)
    model.parameters["W1"][:] = 1000.0
    cost = model.compute_cost(X * 1000, y)
    _, store = model.forward(X * 1000)
    grads = model.backward(X * 1000, y, store)
    assert np.isfinite(cost) and cost > 100
    assert all(np.isfinite(g).all() for g in grads.values())


def test_logistic_regression_is_one_layer():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 2)
    y = (X @ [2.0, -1.0] + 0.5 > 0).astype(int)
    model = ANN([1], learning_rate=1.0, n_iterations=300, quiet=True).fit(X, y)
    assert list(model.parameters) == ["W1", "b1"]
    assert model.score(X, y) > 0.97
    w = model.parameters["W1"][0]
    assert w[0] > 0 > w[1]


def test_linear_regression_with_identity_output():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 3)
    y = X @ [1.5, -2.0, 0.5] + 3.0
    model = ANN([1], output="identity", learning_rate=0.1, n_iterations=500, quiet=True).fit(X, y)
    np.testing.assert_allclose(model.parameters["W1"][0], [1.5, -2.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(model.parameters["b1"][0, 0], 3.0, atol=1e-6)
    assert model.predict(X).shape == (200,)
    assert model.score(X, y) == pytest.approx(1.0)
    assert not hasattr(model, "classes_")
    with pytest.raises(AttributeError, match="regressor"):
        model.predict_proba(X)


def test_softmax_multiclass_with_string_labels():
    rng = np.random.RandomState(0)
    centers = np.array([[0, 3], [3, 0], [-3, -3]])
    labels = np.array(["cat", "dog", "emu"])
    index = rng.randint(0, 3, 300)
    X = centers[index] + rng.randn(300, 2) * 0.5
    y = labels[index]
    model = ANN(
        [8, 3],
        activation="tanh",
        optimizer="adam",
        learning_rate=0.05,
        n_iterations=30,
        batch_size=32,
        quiet=True,
    ).fit(X, y)
    assert list(model.classes_) == ["cat", "dog", "emu"]
    assert model.output_activation_ == "softmax"
    proba = model.predict_proba(X)
    assert proba.shape == (300, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert np.array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert model.score(X, y) > 0.97


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_every_activation_learns_xor(activation):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 10, dtype=float)
    y = np.array([0, 1, 1, 0] * 10)
    if activation == "identity":  # a linear network cannot: it stays near chance
        model = ANN(
            [4, 1], activation="identity", n_iterations=300, learning_rate=0.5, quiet=True
        ).fit(X, y)
        assert model.score(X, y) <= 0.75
        return
    model = ANN(
        [8, 1],
        activation=activation,
        optimizer="adam",
        learning_rate=0.05,
        n_iterations=400,
        init="glorot",
        seed=0,
        quiet=True,
    ).fit(X, y)
    assert model.score(X, y) == 1.0


def test_per_layer_activations():
    X, y = make_data()
    model = fitted([5, 4, 1], X, y, activation=["relu", "tanh"])
    assert model.hidden_activations_ == ["relu", "tanh"]
    _, store = model.forward(X)
    assert (store["A1"] >= 0).all()
    np.testing.assert_allclose(store["A2"], np.tanh(store["Z2"]))


def test_minibatch_epochs_shuffle_deterministically():
    X, y = make_data(n=100)
    kwargs = dict(optimizer="sgd", batch_size=16, n_iterations=5, learning_rate=0.1, quiet=True)
    a = ANN([4, 1], **kwargs).fit(X, y)
    b = ANN([4, 1], **kwargs).fit(X, y)
    c = ANN([4, 1], seed=7, **kwargs).fit(X, y)
    assert a.costs == b.costs and len(a.costs) == 5
    assert all(np.array_equal(a.parameters[k], b.parameters[k]) for k in a.parameters)
    assert a.costs != c.costs


def test_float32_end_to_end():
    X, y = make_data()
    model = ANN([5, 1], dtype="float32", n_iterations=5, quiet=True).fit(X, y)
    assert all(v.dtype == np.float32 for v in model.parameters.values())
    A, store = model.forward(X)
    assert A.dtype == np.float32 and store["Z1"].dtype == np.float32
    reference = ANN([5, 1], n_iterations=5, quiet=True).fit(X, y)
    np.testing.assert_allclose(model.costs, reference.costs, rtol=1e-5)


def test_l2_shrinks_weights():
    X, y = make_data()
    plain = ANN([5, 1], n_iterations=200, learning_rate=0.5, quiet=True).fit(X, y)
    decayed = ANN([5, 1], n_iterations=200, learning_rate=0.5, l2=5.0, quiet=True).fit(X, y)
    assert np.linalg.norm(decayed.parameters["W1"]) < np.linalg.norm(plain.parameters["W1"])


def test_early_stopping_restores_best_parameters():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 30)
    y = rng.randint(0, 2, 80)  # pure noise: validation cost soon rises
    X_val, y_val = rng.randn(40, 30), rng.randint(0, 2, 40)
    model = ANN(
        [32, 1],
        optimizer="adam",
        learning_rate=0.05,
        n_iterations=200,
        early_stopping=True,
        patience=5,
        quiet=True,
    )
    model.fit(X, y, validation_data=(X_val, y_val))
    history = model.history
    assert len(history["val_cost"]) == len(history["cost"]) == model.n_iter_ < 200
    best = int(np.argmin(history["val_cost"]))
    assert model.best_epoch_ == best and model.n_iter_ == best + 1 + 5
    assert len(history["val_accuracy"]) == model.n_iter_
    # the parameters are those after epoch `best`'s updates: their validation cost is
    # the one recorded at the end of that epoch
    assert model.compute_cost(X_val, y_val) == pytest.approx(history["val_cost"][best])


def test_early_stopping_holds_out_a_fraction():
    X, y = make_data(n=100)
    model = ANN(
        [4, 1], n_iterations=3, early_stopping=True, validation_fraction=0.2, quiet=True
    ).fit(X, y)
    assert len(model.history["val_cost"]) == 3


def test_fit_accepts_integer_pixels_and_blocks_agree():
    # More samples than one block: the blocked gradient equals the one-block one.
    from ann import core

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(core.CHUNK + 37, 12)).astype(np.uint8)
    y = rng.randint(0, 2, len(X))
    model = fitted([3, 1], X / 255.0, y)
    T = model.encode_targets(y)
    workspace = core.Workspace(model.architecture)
    cost, _ = core.gradients(model.architecture, model.parameters, X / 255.0, T, workspace)
    blocked = workspace.grads
    _, store = model.forward(X / 255.0)
    whole = model.backward(X / 255.0, y, store)
    for name in whole:
        np.testing.assert_allclose(blocked[name], whole[name], rtol=1e-12, atol=1e-15)
    assert cost == pytest.approx(model.compute_cost(X / 255.0, y), rel=1e-12)
