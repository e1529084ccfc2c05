"""Every public function on the data's own namespace and device: array-api-strict's second
device (which refuses to mix with the default one, as CUDA does with the host) and
PyTorch CPU tensors, compared with NumPy (float64, to 1e-12). What must run on the host
(pictures, reports, the tree engine, SciPy's L-BFGS) moves what it needs there; what
cannot be computed with (a meta or sparse tensor) is refused with a clear error.

The rule for mixed inputs: X's namespace and device decide; ``y``, ``sample_weight``,
``validation_data`` and ``classes`` are moved there."""

import numpy as np
import pytest

from ann import ANN, MLPClassifier, MLPRegressor, arrays, explain, plotting, report, tree

xps = pytest.importorskip("array_api_strict")
torch = pytest.importorskip("torch")
sklearn = pytest.importorskip("sklearn")

DEVICE1 = xps.Device("device1")

CONVERTERS = {
    "array_api_strict device1": lambda a: xps.asarray(np.asarray(a), device=DEVICE1),
    "torch": lambda a: torch.from_numpy(np.array(a)),
}
ON = pytest.mark.parametrize("on", list(CONVERTERS.values()), ids=list(CONVERTERS))


def close(a, b, tolerance=1e-12):
    a, b = arrays.to_numpy(a), arrays.to_numpy(b)
    return a.shape == b.shape and np.allclose(a, b, rtol=tolerance, atol=tolerance)


def same_place(a, b):
    return arrays.namespace(a) is arrays.namespace(b) and arrays.device(a) == arrays.device(b)


def data(n=60, features=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, features)
    return X, (X[:, 0] + X[:, 1] > 1).astype(np.int64), X @ rng.rand(features)


@ON
def test_ann_with_validation_data_and_weights_on_the_device(on):
    X, y, _ = data()
    weights = np.linspace(0.5, 2.0, len(y))
    settings = dict(layers_size=[5, 1], n_iterations=4, optimizer="adam", batch_size=16, quiet=True)
    host = ANN(**settings).fit(X, y, validation_data=(X[:20], y[:20]), sample_weight=weights)
    moved = ANN(**settings).fit(
        on(X), on(y), validation_data=(on(X[:20]), on(y[:20])), sample_weight=on(weights)
    )
    assert np.allclose(host.history["val_cost"], moved.history["val_cost"], rtol=1e-12)
    assert np.allclose(host.costs, moved.costs, rtol=1e-12)
    # mixed: labels, weights and the validation labels on the host, X on the device
    mixed = ANN(**settings).fit(on(X), y, validation_data=(X[:20], y[:20]), sample_weight=weights)
    assert np.allclose(mixed.costs, host.costs, rtol=1e-12)
    assert same_place(mixed.parameters.flat, on(X))


@ON
def test_from_parameters_keeps_device_parameters_there(on):
    X, y, _ = data()
    model = ANN([5, 1], n_iterations=3, quiet=True).fit(on(X), on(y))
    rebuilt = ANN.from_parameters(dict(model.parameters), layers_size=[5, 1])
    assert same_place(rebuilt.parameters.flat, on(X))
    assert close(rebuilt.predict_proba(on(X)), model.predict_proba(on(X)))
    shared = ANN.from_parameters(model.parameters, layers_size=[5, 1])
    assert shared.parameters is model.parameters  # the same views: nothing copied
    assert "(5, 4)" in rebuilt.summary()


@ON
def test_the_estimators_network_shares_the_device_parameters(on):
    X, y, _ = data()
    with sklearn.config_context(array_api_dispatch=True):
        estimator = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
        estimator.fit(on(X), on(y))
        network = estimator.network_
        assert same_place(network.parameters.flat, on(X))
        network.parameters["b1"] = on(np.full((5, 1), 0.25))  # shared: the estimator sees it
        assert close(estimator.intercepts_[0], np.full(5, 0.25))
        assert close(network.predict_proba(on(X)), estimator.predict_proba(on(X)))
        assert "relu" in network.summary()


@ON
def test_lbfgs_on_the_device_equals_numpy(on):
    X, _, values = data()
    settings = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=15, random_state=1)
    host = MLPRegressor(**settings).fit(X, values)
    with sklearn.config_context(array_api_dispatch=True):
        moved = MLPRegressor(**settings).fit(on(X), on(values))
        assert same_place(moved.predict(on(X)), on(X))
    assert abs(moved.loss_ - host.loss_) <= 1e-10 * abs(host.loss_)


@ON
def test_partial_fit_with_device_classes_and_labels(on):
    X, y, _ = data()
    host = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    with sklearn.config_context(array_api_dispatch=True):
        moved = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
        for rows in (slice(0, 30), slice(30, 60)):
            host.partial_fit(X[rows], y[rows], classes=np.array([0, 1]))
            moved.partial_fit(on(X[rows]), on(y[rows]), classes=on(np.array([0, 1])))
        assert close(moved.predict_proba(on(X)), host.predict_proba(X))
        with pytest.raises(ValueError, match="classes"):
            moved.partial_fit(on(X[:5]), on(y[:5]), classes=on(np.array([0, 2])))


@ON
def test_assigned_coefs_and_intercepts_of_any_namespace_land_on_the_parameters(on):
    X, y, _ = data()
    with sklearn.config_context(array_api_dispatch=True):
        estimator = MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0)
        estimator.fit(on(X), on(y))
        W1, W2 = np.full((4, 5), 0.1), np.full((5, 1), -0.2)
        estimator.coefs_ = [on(W1), W2]  # one of the device, one of the host
        estimator.intercepts_ = [on(np.zeros(5)), [0.3]]
        assert same_place(estimator.coefs_[0], on(X))
        reference = 1 / (1 + np.exp(-(np.maximum(X @ W1, 0) @ W2 + 0.3)))
        assert close(estimator.predict_proba(on(X))[:, 1], reference[:, 0])


@ON
def test_pictures_reports_and_the_tree_move_what_they_need_to_the_host(on, tmp_path):
    X, y, _ = data()
    model = ANN([5, 1], n_iterations=3, quiet=True).fit(X, y)
    moved = ANN([5, 1], n_iterations=3, quiet=True).fit(on(X), on(y))
    expected = plotting.confusion_matrix(model, X, y)
    assert np.array_equal(plotting.confusion_matrix(moved, on(X), on(y)), expected)
    assert plotting.plot_confusion(moved, on(X), on(y)) is not None
    assert plotting.plot_mistakes(moved, on(X), on(y), image_shape=(2, 2)) is not None
    written = report.write_report(
        moved, tmp_path, train=(on(X), on(y)), test=(on(X), on(y)), image_shape=(2, 2)
    )
    assert all(path.stat().st_size > 0 for path in written.values())
    root, _ = tree.tree_from_ann(moved, on(X[:3]), on(y[:3]))
    host_root, _ = tree.tree_from_ann(model, X[:3], y[:3])
    assert abs(root.forward() - host_root.forward()) <= 1e-12
    assert str(explain.explain_text(moved, on(X[:5]), on(y[:5]))) == str(
        explain.explain_text(model, X[:5], y[:5])
    )


def test_a_tensor_that_requires_grad_is_used_detached_and_left_unchanged():
    X, y, _ = data()
    tensor = torch.from_numpy(X.copy()).requires_grad_()
    model = ANN([5, 1], n_iterations=3, optimizer="adam", batch_size=16, quiet=True)
    model.fit(tensor, torch.from_numpy(y))
    reference = ANN([5, 1], n_iterations=3, optimizer="adam", batch_size=16, quiet=True)
    reference.fit(X, y)
    assert np.allclose(model.costs, reference.costs, rtol=1e-12)
    assert not model.parameters.flat.requires_grad and tensor.grad is None
    assert torch.equal(tensor.detach(), torch.from_numpy(X))
    assert not model.predict_proba(tensor).requires_grad
    estimator = MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0)
    with sklearn.config_context(array_api_dispatch=True):
        estimator.fit(tensor, torch.from_numpy(y))
        estimator.coefs_ = [torch.zeros(4, 5, dtype=torch.float64, requires_grad=True)] + [
            estimator.coefs_[1]
        ]
        assert not estimator.coefs_[0].requires_grad


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda X: torch.empty(X.shape, dtype=torch.float64, device="meta"), ValueError, "meta"),
        (lambda X: torch.from_numpy(X).to_sparse(), TypeError, "dense"),
    ],
    ids=["meta", "sparse COO"],
)
def test_tensors_without_values_to_compute_with_are_refused_clearly(make, error, message):
    X, y, _ = data()
    with pytest.raises(error, match=message):
        ANN([5, 1], n_iterations=2, quiet=True).fit(make(X), y)
    fitted = ANN([5, 1], n_iterations=2, quiet=True).fit(X, y)
    with pytest.raises(error, match=message):
        fitted.predict(make(X))


def test_outside_dispatch_the_estimators_return_numpy_for_tensors():
    X, y, values = data()
    classifier = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    classifier.fit(torch.from_numpy(X), torch.from_numpy(y))
    for result in (
        classifier.predict(torch.from_numpy(X)),
        classifier.predict_proba(torch.from_numpy(X)),
        classifier.coefs_[0],
    ):
        assert type(result) is np.ndarray
    regressor = MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    regressor.fit(torch.from_numpy(X), torch.from_numpy(values))
    assert type(regressor.predict(torch.from_numpy(X))) is np.ndarray
