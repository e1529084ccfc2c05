"""The network's newer features: losses chosen apart from the output, k sigmoid outputs,
targets in [0, 1], sample weights, dropout, max-norm, initializations, callbacks."""

import numpy as np
import pytest
from gradcheck import numerical_gradients

from ann import ANN, core
from ann.initializers import INITIALIZERS


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def data(n=30, n_features=5, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(n, n_features), rng


def assert_gradients_match(model, X, Y):
    _, store = model.forward(X)
    analytic = model.backward(X, Y, store)
    numeric = numerical_gradients(model, X, Y)
    for name in numeric:
        assert relative_error(analytic[name], numeric[name]) < 1e-7, name


# (output, loss, units, targets)
PAIRS = [
    ("sigmoid", "squared_error", 1, "labels"),
    ("sigmoid", "squared_error", 4, "labels"),  # Nielsen ch. 1, LeCun
    ("sigmoid", "binary_cross_entropy", 4, "labels"),  # Nielsen ch. 3
    ("sigmoid", "binary_cross_entropy", 3, "multilabel"),
    ("sigmoid", "binary_cross_entropy", 1, "probabilities"),
    ("sigmoid", "squared_error", 3, "multilabel"),
    ("softmax", "squared_error", 3, "labels"),
    ("softmax", "sklearn_log_loss", 3, "labels"),
    ("sigmoid", "sklearn_binary_log_loss", 2, "multilabel"),
    ("identity", "squared_error", 2, "values"),
    ("exp", "poisson", 2, "counts"),
    ("exp", "squared_error", 1, "counts"),
]


def targets(kind, units, n, rng):
    if kind == "labels":
        return rng.randint(0, max(units, 2), size=n)
    if kind == "multilabel":
        return (rng.rand(n, units) > 0.5).astype(float)
    if kind == "probabilities":
        return rng.rand(n)
    if kind == "counts":
        return rng.poisson(2.0, size=(n, units)).astype(float)
    return rng.randn(n, units)


@pytest.mark.parametrize(
    "output, loss, units, kind", PAIRS, ids=[f"{o}-{l}-{u}-{k}" for o, l, u, k in PAIRS]
)
def test_every_output_and_loss_pair_has_exact_gradients(output, loss, units, kind):
    X, rng = data()
    Y = targets(kind, units, len(X), rng)
    if kind == "labels" and units > 1:
        Y = np.arange(len(X)) % units  # every class present
    model = ANN(
        [4, units],
        activation="tanh",
        output=output,
        loss=loss,
        l2=0.2,
        n_iterations=1,
        learning_rate=1e-12,
        quiet=True,
        init="nielsen_scaled",
    )
    model.fit(X, Y)
    assert model.loss_function_ == loss
    assert_gradients_match(model, X, Y)


@pytest.mark.parametrize(
    "input_dropout, dropout", [(0.0, [0.5, 0.3]), (0.2, [0.0, 0.5]), (0.4, [0.6, 0.2])]
)
def test_dropout_gradients_with_a_fixed_mask(input_dropout, dropout):
    X, _rng = data(n=25)
    y = np.arange(25) % 3
    model = ANN(
        [6, 5, 3],
        activation="sigmoid",
        dropout=dropout,
        input_dropout=input_dropout,
        n_iterations=1,
        learning_rate=1e-12,
        quiet=True,
        l2=0.1,
    ).fit(X, y)
    architecture = model.architecture
    rates = {0: input_dropout, **dict(enumerate(dropout, start=1))}
    masks = core.dropout_masks(architecture, rates, len(X), np.random.default_rng(3))
    assert set(masks) == {l for l, p in enumerate([input_dropout] + dropout) if p > 0}
    T = model.encode_targets(y)

    def cost():
        _, store = core.forward(architecture, model.parameters, X.T, masks)
        data_cost = core.data_cost(architecture, store, T, len(X))
        return data_cost + core.penalty(model.parameters, model.l2, len(X))

    _, store = core.forward(architecture, model.parameters, X.T, masks)
    analytic = core.backward(architecture, model.parameters, store, T, len(X))
    core.add_penalty_gradient(analytic, model.parameters, model.l2, len(X))
    for name, P in model.parameters.items():
        numeric = np.zeros_like(P)
        for index in np.ndindex(P.shape):
            original = P[index]
            P[index] = original + 1e-6
            plus = cost()
            P[index] = original - 1e-6
            numeric[index] = (plus - cost()) / 2e-6
            P[index] = original
        assert relative_error(analytic["d" + name], numeric) < 1e-7, name


def test_dropout_masks_keep_the_expected_fraction_and_scale():
    model = ANN([200, 1], dropout=0.3, input_dropout=0.5, quiet=True)
    model.initialize_parameters(100)
    rates = {0: model.input_dropout, 1: model.dropout}
    masks = core.dropout_masks(model.architecture, rates, 1000, np.random.default_rng(0))
    assert set(np.unique(masks[1])) == {0.0, 1 / 0.7}
    assert abs(np.mean(masks[1] == 0) - 0.3) < 0.01
    assert abs(np.mean(masks[0] == 0) - 0.5) < 0.01


def test_dropout_is_off_at_prediction_and_reproducible_in_training():
    X, _rng = data(n=60)
    y = (X[:, 0] > 0).astype(int)
    make = lambda: ANN(
        [8, 1],
        activation="relu",
        optimizer="adam",
        learning_rate=0.01,
        batch_size=10,
        n_iterations=5,
        dropout=0.5,
        quiet=True,
        seed=4,
    )
    a, b = make().fit(X, y), make().fit(X, y)
    assert a.costs == b.costs
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X))
    plain = ANN(
        [8, 1],
        activation="relu",
        optimizer="adam",
        learning_rate=0.01,
        batch_size=10,
        n_iterations=5,
        quiet=True,
        seed=4,
    ).fit(X, y)
    assert plain.costs != a.costs


def test_max_norm_bounds_every_units_incoming_weights():
    X, _rng = data(n=80)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = ANN(
        [10, 1],
        activation="relu",
        optimizer="sgd",
        learning_rate=0.5,
        batch_size=8,
        n_iterations=5,
        max_norm=0.5,
        quiet=True,
        init="he",
    ).fit(X, y)
    for l in (1, 2):
        norms = np.linalg.norm(model.parameters[f"W{l}"], axis=1)
        assert norms.max() <= 0.5 + 1e-12
        assert norms.max() > 0.49  # the limit was reached, so it acted


@pytest.mark.parametrize("name", ["nielsen", "nielsen_scaled"])
def test_nielsen_initializations(name):
    rng = np.random.RandomState(0)
    W, b = INITIALIZERS[name](rng, 300, 400, "sigmoid")
    expected_std = 1.0 if name == "nielsen" else 1 / np.sqrt(400)
    assert W.shape == (300, 400) and b.shape == (300, 1)
    assert abs(W.std() / expected_std - 1) < 0.02 and abs(b.std() - 1) < 0.15


def test_sklearn_initialization_draws_as_scikit_learn_does():
    from sklearn.neural_network import MLPClassifier

    _X, _rng = data(n=40, n_features=6)
    np.arange(40) % 3
    theirs = MLPClassifier(
        hidden_layer_sizes=(5, 4), activation="logistic", max_iter=1, random_state=0
    )
    theirs._random_state = np.random.RandomState(0)
    theirs.activation = "logistic"
    ours = ANN([5, 4, 3], activation="sigmoid", init="sklearn", quiet=True)
    ours.initialize_parameters(6, seed=0)
    for l, (fan_in, fan_out) in enumerate([(6, 5), (5, 4), (4, 3)], start=1):
        W, b = theirs._init_coef(fan_in, fan_out, np.float64)
        np.testing.assert_array_equal(ours.parameters[f"W{l}"], W.T)
        np.testing.assert_array_equal(ours.parameters[f"b{l}"][:, 0], b)


def test_k_sigmoid_outputs_for_classes_predict_the_largest():
    X, _rng = data(n=90)
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    model = ANN(
        [8, 3],
        output="sigmoid",
        loss="squared_error",
        activation="sigmoid",
        optimizer="sgd",
        learning_rate=1.0,
        batch_size=10,
        n_iterations=40,
        init="nielsen",
        quiet=True,
    ).fit(X, y)
    P = model.predict_proba(X)
    assert P.shape == (90, 3) and not np.allclose(P.sum(axis=1), 1)
    np.testing.assert_array_equal(model.predict(X), P.argmax(axis=1))
    assert model.score(X, y) > 0.8


def test_multilabel_targets_predict_an_indicator_matrix():
    X, _rng = data(n=100)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0]).astype(int)
    model = ANN(
        [10, 3],
        output="sigmoid",
        activation="tanh",
        optimizer="adam",
        learning_rate=0.05,
        n_iterations=150,
        quiet=True,
    ).fit(X, Y)
    assert model.multilabel_ and model.predict(X).shape == (100, 3)
    assert set(np.unique(model.predict(X))) <= {0, 1}
    assert model.score(X, Y) > 0.8
    assert model.history["accuracy"][-1] == pytest.approx(model.score(X, Y))


def test_probability_targets_are_fitted_as_soft_labels():
    X, _rng = data(n=200)
    p = 1 / (1 + np.exp(-2 * X[:, 0]))
    model = ANN(
        [1], output="sigmoid", optimizer="adam", learning_rate=0.1, n_iterations=300, quiet=True
    ).fit(X, p)
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], p, atol=0.05)
    np.testing.assert_allclose(model.parameters["W1"][0, 0], 2.0, atol=0.2)
    # scored against soft targets, as the training accuracy is: each target's nearer class
    assert model.score(X, p) == model.score(X, (p > 0.5).astype(int)) > 0.9
    assert model.history["accuracy"][-1] == pytest.approx(model.score(X, p))


def test_sample_weights_equal_repeated_samples_in_full_batch():
    X, rng = data(n=20)
    y = (X[:, 0] > 0).astype(int)
    weights = rng.randint(0, 3, size=20)
    settings = dict(layers_size=[4, 1], n_iterations=20, learning_rate=0.3, quiet=True, l2=0.1)
    weighted = ANN(**settings).fit(X, y, sample_weight=weights)
    repeated = ANN(**settings).fit(np.repeat(X, weights, axis=0), np.repeat(y, weights))
    np.testing.assert_allclose(weighted.costs, repeated.costs, rtol=1e-12)
    np.testing.assert_allclose(weighted.parameters["W1"], repeated.parameters["W1"], rtol=1e-10)


def replay_mini_batches(X, y, orders, l2, learning_rate=0.5, batch_size=8, seed=4):
    """Gradient descent by hand from ``ANN``'s initial parameters: each epoch takes the
    samples in its order from ``orders``, in consecutive batches."""
    model = ANN([5, 1], l2=l2, seed=seed, quiet=True)
    model.initialize_parameters(X.shape[1])
    model.classes_ = np.unique(y)
    for order in orders:
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            grads = model.backward(X[rows], y[rows], model.forward(X[rows])[1])
            for name, value in model.parameters.items():
                value -= learning_rate * grads["d" + name]
    return model.parameters


def test_each_epoch_takes_a_new_permutation_drawn_from_the_seed():
    X, _ = data(n=30, n_features=3)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    model = ANN(
        [5, 1], batch_size=8, n_iterations=4, learning_rate=0.5, l2=0.1, seed=4, quiet=True
    ).fit(X, y)
    rng = np.random.default_rng(4)
    shuffled = replay_mini_batches(X, y, [rng.permutation(30) for _ in range(4)], l2=0.1)
    in_order = replay_mini_batches(X, y, [np.arange(30)] * 4, l2=0.1)
    for name, value in model.parameters.items():
        np.testing.assert_allclose(value, shuffled[name], rtol=1e-12, atol=1e-14)
        assert np.abs(value - in_order[name]).max() > 1e-3, name


def test_callbacks_run_after_every_epoch_and_can_stop_training():
    X, _rng = data(n=40)
    y = (X[:, 0] > 0).astype(int)
    seen = []

    def stop_at_three(model):
        seen.append(len(model.costs))
        return len(model.costs) == 3

    model = ANN([3, 1], n_iterations=10, quiet=True, callbacks=[stop_at_three]).fit(X, y)
    assert seen == [1, 2, 3] and model.n_iter_ == 3 and len(model.costs) == 3


def test_poisson_regressor_learns_a_rate():
    rng = np.random.RandomState(1)
    X = rng.rand(400, 2)
    y = rng.poisson(np.exp(1 + X[:, 0]))
    model = ANN(
        [1], output="exp", optimizer="adam", learning_rate=0.05, n_iterations=400, quiet=True
    ).fit(X, y)
    np.testing.assert_allclose(model.parameters["W1"][0], [1.0, 0.0], atol=0.25)
    assert model.predict(X).min() > 0


def test_parameters_are_views_of_one_flat_array_and_assignment_copies():
    model = ANN([3, 2], quiet=True)
    model.initialize_parameters(4)
    flat = model.parameters.flat
    assert all(np.shares_memory(p, flat) for p in model.parameters.values())
    model.parameters["W1"] = np.ones((3, 4))
    assert np.shares_memory(model.parameters["W1"], flat) and flat[:12].sum() == 12
    with pytest.raises(ValueError, match=r"W1 has shape \(3, 4\)"):
        model.parameters["W1"] = np.ones((4, 3))
    with pytest.raises(KeyError, match="'W9' is not a parameter"):
        model.parameters["W9"] = np.ones(1)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_a_float32_model_on_float64_data_casts_each_batch(batch_size):
    rng = np.random.RandomState(0)
    X, y = rng.randn(60, 5), rng.randint(0, 3, 60)
    params = dict(activation="relu", optimizer="adam", learning_rate=0.01, n_iterations=4)
    params.update(batch_size=batch_size, dtype="float32", quiet=True)
    cast = ANN([6, 3], **params).fit(X, y, validation_data=(X[:10], y[:10]))
    given = ANN([6, 3], **params).fit(
        X.astype(np.float32), y, validation_data=(X[:10].astype(np.float32), y[:10])
    )
    assert cast.parameters.flat.dtype == np.float32
    assert cast.history == given.history
    assert np.array_equal(cast.parameters.flat, given.parameters.flat)
    with pytest.raises(ValueError, match="too large for float32"):
        ANN([6, 3], **params).fit(np.where(X > 2, 1e39, X), y)


def test_a_float32_model_keeps_no_converted_copy_of_float64_data():
    import tracemalloc

    rng = np.random.RandomState(0)
    X, y = rng.rand(4000, 200), rng.randint(0, 2, 4000)
    model = ANN([8, 1], optimizer="adam", batch_size=100, n_iterations=1, dtype="float32")
    model.set_params(quiet=True)
    tracemalloc.start()
    try:
        model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < X.astype(np.float32).nbytes / 2, f"fit allocated {peak} bytes at its peak"


def test_training_reuses_the_layers_arrays_from_one_block_to_the_next():
    import tracemalloc

    from ann import core

    rng = np.random.RandomState(0)
    X, y = rng.rand(core.CHUNK + 300, 50), rng.randint(0, 3, core.CHUNK + 300)
    model = ANN([64, 32, 3], activation="relu", n_iterations=1, quiet=True).fit(X, y)
    T = model.encode_targets(y)
    workspace = core.Workspace(model.architecture)

    def gradients():
        core.gradients(model.architecture, model.parameters, X, T, workspace)
        return workspace.grads

    first = {name: grad.copy() for name, grad in gradients().items()}
    one_layer = 64 * core.CHUNK * 8  # bytes of Z1 (or A1, or dZ1) of one block
    tracemalloc.start()
    try:
        again = gradients()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < one_layer, f"a pass over the data allocated {peak} bytes at its peak"
    # The reused arrays give the same gradients, also for the short last block, and
    # the same as one unblocked pass.
    _, store = model.forward(X)
    whole = model.backward(X, y, store)
    for name, grad in again.items():
        assert np.array_equal(grad, first[name])
        np.testing.assert_allclose(grad, whole[name], rtol=1e-10, atol=1e-15)


def test_an_output_of_exactly_one_half_is_the_first_class_as_in_scikit_learn():
    # Zero weights give sigmoid(0) = 0.5 exactly: predict says classes_[0], as
    # scikit-learn's LabelBinarizer decodes 0.5 (the threshold is "> 0.5").
    from sklearn.preprocessing import LabelBinarizer

    from ann import targets, training
    from ann.optimizers import make_optimizer
    from ann.stopping import RunAll

    X = np.random.RandomState(3).randn(10, 2)
    y = np.array(["no"] * 3 + ["yes"] * 7)
    zeros = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}
    model = ANN.from_parameters(zeros, classes=["no", "yes"], layers_size=[1], quiet=True)
    np.testing.assert_array_equal(model.predict_proba(X), np.full((10, 2), 0.5))
    sklearn_labels = LabelBinarizer().fit(y).inverse_transform(np.full((10, 1), 0.5))
    np.testing.assert_array_equal(model.predict(X), sklearn_labels)
    assert list(model.predict(X)) == ["no"] * 10
    assert model.score(X, y) == 0.3
    # The training history counts the same way: one epoch at rate 0 keeps the zeros.
    training.train(
        training.Model(
            model.architecture, model.parameters, model.record, targets.counter(model.targets)
        ),
        training.Data(X, model.encode_targets(y)),
        training.Config(n_epochs=1, learning_rate=0.0),
        optimizer=make_optimizer("gd", 0.0, {}),
        stopping=RunAll(),
    )
    assert model.history["accuracy"] == [model.score(X, y)]


FAN_OUT, FAN_IN = 60, 500


@pytest.mark.parametrize(
    "init, activation, weight_std, bias_std",
    [
        ("article", "sigmoid", np.sqrt(1 / FAN_IN), 0.0),
        ("he", "relu", np.sqrt(2 / FAN_IN), 0.0),
        # uniform in +-limit: standard deviation limit / sqrt(3)
        ("glorot", "tanh", np.sqrt(6 / (FAN_IN + FAN_OUT)) / np.sqrt(3), 0.0),
        ("sklearn", "relu", np.sqrt(6 / (FAN_IN + FAN_OUT)) / np.sqrt(3), None),
        ("sklearn", "sigmoid", np.sqrt(2 / (FAN_IN + FAN_OUT)) / np.sqrt(3), None),
        ("nielsen", "sigmoid", 1.0, 1.0),
        ("nielsen_scaled", "sigmoid", np.sqrt(1 / FAN_IN), 1.0),
    ],
)
def test_each_initialization_has_the_scale_of_its_formula(init, activation, weight_std, bias_std):
    # On a layer whose fan-in and fan-out differ, so that a formula with the wrong fan
    # is off by far more than the 10% allowed (30,000 weights: their standard deviation
    # is known to about 1%). scikit-learn's biases share the weights' limit.
    W, b = INITIALIZERS[init](np.random.RandomState(0), FAN_OUT, FAN_IN, activation)
    assert W.shape == (FAN_OUT, FAN_IN) and b.shape == (FAN_OUT, 1)
    assert W.std() == pytest.approx(weight_std, rel=0.1)
    assert abs(W.mean()) < 0.05 * weight_std
    if bias_std is None:
        assert b.std() == pytest.approx(weight_std, rel=0.3)  # 60 biases: about 10%
        assert np.abs(b).max() <= np.sqrt(3) * weight_std
    elif bias_std == 0.0:
        assert not b.any()
    else:
        assert b.std() == pytest.approx(bias_std, rel=0.3)
    # The network hands the layer's fans in that order: W1 is (units_1, n_features).
    model = ANN([FAN_OUT, 1], activation=activation, init=init, quiet=True)
    W1 = model.initialize_parameters(FAN_IN)["W1"]
    assert W1.shape == (FAN_OUT, FAN_IN)
    assert W1.std() == pytest.approx(weight_std, rel=0.1)


def test_the_column_names_seen_at_fit_are_checked_at_predict(tmp_path):
    pandas = pytest.importorskip("pandas")
    X, _ = data(n=20, n_features=3)
    y = (X[:, 0] > 0).astype(int)
    table = pandas.DataFrame(X, columns=["age", "height", "weight"])
    model = ANN([4, 1], n_iterations=5, quiet=True).fit(table, y)
    assert list(model.feature_names_in_) == ["age", "height", "weight"]
    np.testing.assert_array_equal(model.predict(table), model.predict(X))  # arrays pass
    with pytest.raises(ValueError, match="the same names in another order"):
        model.predict(table[["height", "age", "weight"]])
    renamed = table.rename(columns={"age": "years"})
    with pytest.raises(ValueError, match=r"unseen at fit: \['years'\]; missing: \['age'\]"):
        model.score(renamed, y)
    with pytest.raises(ValueError, match="X_val's columns"):
        model.fit(table, y, validation_data=(renamed, y))
    # A saved model keeps them.
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ANN.load(path)
    assert list(loaded.feature_names_in_) == ["age", "height", "weight"]
    with pytest.raises(ValueError, match="the same names in another order"):
        loaded.predict(table[["height", "age", "weight"]])
    # A fit on an array forgets the names; numbered columns are no names.
    assert not hasattr(model.fit(X, y), "feature_names_in_")
    assert not hasattr(
        ANN([2, 1], n_iterations=1, quiet=True).fit(pandas.DataFrame(X), y), "feature_names_in_"
    )
