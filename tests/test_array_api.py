"""The engine on other array namespaces: array-api-strict (the standard, nothing more) on
its second device, which refuses to mix with the default one as CUDA does with the host,
and PyTorch tensors on the CPU (and CUDA where a GPU is present). In float64, whole
training runs equal NumPy's to 1e-12; arrays come back in the input's namespace."""

import numpy as np
import pytest

from ann import ANN, arrays, core, training
from ann.activations import HIDDEN_ACTIVATIONS
from ann.optimizers import make_optimizer
from ann.stopping import RunAll
from ann.targets import counter

xps = pytest.importorskip("array_api_strict")
torch = pytest.importorskip("torch")

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA device (this machine has none)")

NAMESPACES = {
    "array_api_strict": lambda a: xps.asarray(a, device=xps.Device("device1")),
    "torch": torch.from_numpy,
    "torch-cuda": pytest.param(
        lambda a: torch.from_numpy(a).to("cuda"), marks=needs_cuda, id="torch-cuda"
    ),
}
CONVERTERS = [
    pytest.param(NAMESPACES["array_api_strict"], id="array_api_strict"),
    pytest.param(NAMESPACES["torch"], id="torch"),
    NAMESPACES["torch-cuda"],
]

TOLERANCE = 1e-12


def close(a, b, tolerance=TOLERANCE):
    """Equal to ``tolerance``, relative to the larger magnitude (at least 1)."""
    a, b = arrays.to_numpy(a), arrays.to_numpy(b)
    scale = max(1.0, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return a.shape == b.shape and float(np.max(np.abs(a - b))) <= tolerance * scale


def data(n=120, features=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, features)
    labels = rng.randint(0, 3, n)
    return X, labels, X @ rng.randn(features, 2), rng.uniform(0.2, 2.0, n)


OUTPUTS = [  # (layers, output, loss, targets)
    ([6, 1], "auto", "auto", "binary"),
    ([6, 3], "auto", "auto", "classes"),
    ([6, 3], "sigmoid", "auto", "classes"),
    ([6, 3], "sigmoid", "squared_error", "classes"),
    ([6, 3], "softmax", "squared_error", "classes"),
    ([6, 2], "identity", "auto", "values"),
    ([6, 2], "exp", "auto", "counts"),
    ([6, 2], "exp", "squared_error", "counts"),
]


def targets_of(kind, labels, values):
    return {
        "binary": labels % 2,
        "classes": labels,
        "values": values,
        "counts": np.abs(np.round(values)),
    }[kind]


@pytest.mark.parametrize("convert", CONVERTERS)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("layers, output, loss, kind", OUTPUTS)
def test_core_passes_equal_numpys(convert, activation, layers, output, loss, kind):
    X, labels, values, weights = data()
    model = ANN(layers, activation=activation, output=output, loss=loss, init="he", quiet=True)
    model.initialize_parameters(X.shape[1])
    T = model.encode_targets(targets_of(kind, labels, values))
    architecture, P = model.architecture, model.parameters
    Q = {name: convert(value.copy()) for name, value in P.items()}
    masks = core.dropout_masks(architecture, {0: 0.2, 1: 0.3}, len(X), np.random.default_rng(1))
    AL, store = core.forward(architecture, P, X.T, masks)
    AL2, store2 = core.forward(
        architecture, Q, convert(X).T, {l: convert(m) for l, m in masks.items()}
    )
    assert close(AL, AL2) and all(close(store[k], store2[k]) for k in store)
    for w in (None, weights):
        grads = core.backward(architecture, P, store, T, len(X), w)
        grads2 = core.backward(
            architecture, Q, store2, convert(T), len(X), None if w is None else convert(w)
        )
        assert all(close(grads[k], grads2[k]) for k in grads)
        cost = core.cost(architecture, P, X, T, 0.3, w)
        cost2 = core.cost(
            architecture, Q, convert(X), convert(T), 0.3, None if w is None else convert(w)
        )
        assert abs(cost - cost2) <= TOLERANCE * max(1.0, abs(cost))


OPTIMIZERS = [
    dict(optimizer="gd", learning_rate=0.5),
    dict(optimizer="sgd", batch_size=32, learning_rate=0.1, lr_schedule="cosine"),
    dict(optimizer="sgd", nesterov=True, batch_size=50, learning_rate=0.1, l2=0.2),
    dict(optimizer="adam", batch_size=40, learning_rate=0.01, max_norm=0.8),
    dict(optimizer="sklearn_sgd", batch_size=32, learning_rate=0.1, lr_schedule="invscaling"),
    dict(optimizer="sklearn_adam", batch_size=64, learning_rate=0.02, early_stopping=True),
]


@pytest.mark.parametrize("convert", CONVERTERS)
@pytest.mark.parametrize("settings", OPTIMIZERS, ids=lambda s: s["optimizer"])
@pytest.mark.parametrize("layers, output, loss, kind", OUTPUTS[::2])
def test_whole_training_runs_equal_numpys(convert, settings, layers, output, loss, kind):
    X, labels, values, weights = data()
    Y = targets_of(kind, labels, values)
    params = dict(activation="tanh", output=output, loss=loss, n_iterations=6, quiet=True)
    ours = ANN(layers, **params, **settings).fit(X, Y, sample_weight=weights)
    theirs = ANN(layers, **params, **settings).fit(convert(X), Y, sample_weight=weights)
    assert type(theirs.parameters.flat) is type(convert(X))
    assert close(np.array(ours.costs), np.array(theirs.costs))
    assert close(ours.parameters.flat, theirs.parameters.flat)
    assert ours.history.keys() == theirs.history.keys()
    assert close(
        np.array(ours.history["val_cost"] or [0.0]), np.array(theirs.history["val_cost"] or [0.0])
    )


class SameDraws:
    """A stand-in for the dropout masks' random source: every namespace gets the same
    uniform draws (from a NumPy stream), so that the masks are fixed."""

    def __init__(self, convert, seed=7):
        self.convert, self.rng = convert, np.random.default_rng(seed)

    def random(self, shape):
        return self.convert(self.rng.random(shape))


@pytest.mark.parametrize("convert", CONVERTERS)
def test_dropout_with_fixed_masks_trains_as_numpy_does(convert):
    X, labels, _, _ = data()
    runs = []
    for to in (np.asarray, convert):
        model = ANN([8, 7, 3], activation="relu", quiet=True)
        model.initialize_parameters(X.shape[1])
        model.parameters = arrays_like(model.parameters, to(X))
        config = training.Config(
            n_epochs=5, learning_rate=0.05, batch_size=30, dropout={0: 0.1, 1: 0.3, 2: 0.5}
        )
        training.train(
            training.Model(
                model.architecture, model.parameters, model.record, counter(model.targets)
            ),
            training.Data(to(X), to(model.encode_targets(labels))),
            config,
            optimizer=make_optimizer("adam", 0.05, model.get_params()),
            stopping=RunAll(),
            rng=SameDraws(to),
        )
        runs.append(model)
    assert close(np.array(runs[0].costs), np.array(runs[1].costs))
    assert close(runs[0].parameters.flat, runs[1].parameters.flat)


def arrays_like(parameters, reference):
    from ann.parameters import views

    shapes = {name: tuple(value.shape) for name, value in parameters.items()}
    return views(arrays.like(parameters.flat, reference), shapes)


@pytest.mark.parametrize("convert", CONVERTERS)
def test_arrays_come_back_in_the_inputs_namespace(convert):
    X, labels, values, _ = data()
    kind = type(convert(X))
    classifier = ANN([5, 3], n_iterations=3, quiet=True).fit(convert(X), labels)
    assert type(classifier.parameters["W1"]) is kind
    assert type(classifier.predict(convert(X))) is kind
    assert type(classifier.predict_proba(convert(X))) is kind
    AL, store = classifier.forward(convert(X))
    assert type(AL) is kind and all(type(v) is kind for v in store.values())
    grads = classifier.backward(convert(X), labels, store)
    assert all(type(g) is kind for g in grads.values())
    # NumPy in, NumPy out, from a model trained elsewhere; the same numbers
    assert isinstance(classifier.predict_proba(X), np.ndarray)
    assert close(classifier.predict_proba(X), classifier.predict_proba(convert(X)))
    assert classifier.score(X, labels) == classifier.score(convert(X), labels)
    words = np.array(["cat", "dog", "eel"])[labels]
    named = ANN([5, 3], n_iterations=2, quiet=True).fit(convert(X), words)
    assert isinstance(named.predict(convert(X)), np.ndarray)  # strings stay NumPy's
    assert set(named.predict(convert(X))) <= set(words)
    regressor = ANN([5, 2], output="identity", n_iterations=3, quiet=True).fit(convert(X), values)
    assert type(regressor.predict(convert(X))) is kind and regressor.predict(X).shape == (120, 2)


@pytest.mark.parametrize("convert", CONVERTERS)
def test_a_model_trained_on_another_namespace_saves_explains_and_exports(convert, tmp_path):
    from ann.export import to_onnx, to_torch

    X, labels, _, _ = data()
    model = ANN([5, 3], n_iterations=3, quiet=True).fit(convert(X), labels)
    model.save(tmp_path / "m.npz")
    loaded = ANN.load(tmp_path / "m.npz")
    assert isinstance(loaded.parameters.flat, np.ndarray)
    assert close(loaded.predict_proba(X), model.predict_proba(X))
    assert "(5, 5)" in model.summary() and "dW1" in model.explain(convert(X[:4]), labels[:4])
    host = model.to_numpy()
    assert isinstance(host.parameters.flat, np.ndarray) and host.costs == model.costs
    assert close(host.parameters.flat, model.parameters.flat)
    net = to_torch(model)
    with torch.no_grad():
        probabilities = net(torch.from_numpy(X)).numpy()
    assert close(probabilities, model.predict_proba(X))
    to_onnx(model, tmp_path / "m.onnx")
    assert (tmp_path / "m.onnx").stat().st_size > 0


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=needs_cuda)])
def test_dropout_on_a_torch_device_is_drawn_there_and_reproducible(device):
    X, labels, _, _ = data()
    settings = dict(activation="relu", dropout=0.3, optimizer="adam", batch_size=32)
    settings.update(n_iterations=3, learning_rate=0.01, quiet=True)
    runs = [ANN([8, 3], **settings).fit(torch.from_numpy(X).to(device), labels) for _ in range(2)]
    assert runs[0].costs == runs[1].costs
    assert torch.equal(runs[0].parameters.flat, runs[1].parameters.flat)
    assert runs[0].parameters.flat.device.type == device
    source = arrays.random_source(np.random.default_rng(0), torch.zeros(1, device=device))
    draws = source.random((4, 5))
    assert draws.device.type == device and draws.shape == (4, 5)


def test_float32_tensors_train_in_float32():
    X, labels, _, _ = data()
    model = ANN([5, 3], dtype="float32", optimizer="adam", batch_size=32, n_iterations=3)
    model.set_params(quiet=True).fit(torch.from_numpy(X), labels)
    assert model.parameters.flat.dtype == torch.float32
    reference = ANN([5, 3], dtype="float32", optimizer="adam", batch_size=32, n_iterations=3)
    reference.set_params(quiet=True).fit(X, labels)
    assert close(reference.parameters.flat, model.parameters.flat, 1e-5)


def test_foreign_inputs_are_checked_in_their_namespace():
    X, labels, _, _ = data()
    bad = torch.from_numpy(X.copy())
    bad[3, 2] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite"):
        ANN([4, 3], quiet=True).fit(bad, labels)
    with pytest.raises(ValueError, match="must be 2-D"):
        ANN([4, 3], quiet=True).fit(torch.from_numpy(X[:, 0]), labels)
    with pytest.raises(TypeError, match="must be real"):
        ANN([4, 3], quiet=True).fit(torch.from_numpy(X).to(torch.complex128), labels)
    with pytest.raises(ValueError, match="too large for float32"):
        ANN([4, 3], dtype="float32", quiet=True).fit(torch.from_numpy(X * 1e39), labels)
    model = ANN([4, 3], n_iterations=2, quiet=True).fit(torch.from_numpy(X), labels)
    with pytest.raises(ValueError, match="has 4 features, but the model was fitted with 5"):
        model.predict(torch.from_numpy(X[:, :4]))


def test_the_estimators_follow_scikit_learns_array_api_dispatch():
    import sklearn

    from ann import MLPClassifier, MLPRegressor

    X, labels, values, weights = data(n=150)
    settings = dict(hidden_layer_sizes=(6,), max_iter=4, random_state=0, early_stopping=True)
    numpy_fit = MLPClassifier(**settings).fit(X, labels, sample_weight=weights)
    with sklearn.config_context(array_api_dispatch=True):
        tensor_fit = MLPClassifier(**settings).fit(
            torch.from_numpy(X), torch.from_numpy(labels), sample_weight=weights
        )
        assert type(tensor_fit.coefs_[0]) is torch.Tensor
        assert close(np.array(numpy_fit.loss_curve_), np.array(tensor_fit.loss_curve_))
        assert numpy_fit.validation_scores_ == tensor_fit.validation_scores_
        probabilities = tensor_fit.predict_proba(torch.from_numpy(X))
        assert type(probabilities) is torch.Tensor
        assert close(probabilities, numpy_fit.predict_proba(X))
        predicted = tensor_fit.predict(torch.from_numpy(X))
        assert type(predicted) is torch.Tensor
        assert np.array_equal(predicted.numpy(), numpy_fit.predict(X))
        with pytest.raises(ValueError, match=r"MLPClassifier.predict\(\): .*same namespace"):
            tensor_fit.predict(X)
        online = MLPClassifier(hidden_layer_sizes=(6,), random_state=0, dtype="float64")
        for rows in (slice(0, 75), slice(75, 150)):
            online.partial_fit(torch.from_numpy(X[rows]), labels[rows], classes=[0, 1, 2])
        assert online.n_iter_ == 1 and type(online.predict(torch.from_numpy(X))) is torch.Tensor
        regressor = MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=1)
        regressor.fit(torch.from_numpy(X), torch.from_numpy(values))
        assert type(regressor.predict(torch.from_numpy(X))) is torch.Tensor
        lbfgs = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20, random_state=1)
        lbfgs.fit(torch.from_numpy(X), torch.from_numpy(values))
    reference = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20, random_state=1)
    reference.fit(X, values)
    assert abs(lbfgs.loss_ - reference.loss_) <= 1e-10 * abs(reference.loss_)
