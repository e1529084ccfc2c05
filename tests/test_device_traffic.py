"""No host wait inside the batch loop: training on array-api-strict's second device reads
nothing back to the host and sends it no Python number per batch, for ``ANN`` and the
estimators, every optimizer, activation, output, loss, schedule, dropout, max-norm, L2
and sample weights. Each case trains 3 epochs of 10 and of 20 batches; what is counted
must not grow with the batches (a few reads per epoch are fine: the cost, the accuracy,
the stopping rule)."""

import warnings

import numpy as np
import pytest
from traffic import Traffic, on_device, xps

from ann import ANN, MLPClassifier, MLPRegressor

sklearn = pytest.importorskip("sklearn")

BATCH = 8
EPOCHS = 3

ANN_CASES = {
    "gd sigmoid (the article)": dict(optimizer="gd", batch_size=None),
    "sgd momentum": dict(optimizer="sgd"),
    "sgd nesterov, tanh, l2, max-norm": dict(
        optimizer="sgd", nesterov=True, activation="tanh", l2=0.1, max_norm=0.5
    ),
    "adam relu": dict(optimizer="adam", activation="relu"),
    "adam leaky relu, cosine": dict(
        optimizer="adam", activation="leaky_relu", lr_schedule="cosine"
    ),
    "sklearn_sgd invscaling": dict(optimizer="sklearn_sgd", lr_schedule="invscaling"),
    "sklearn_adam identity hidden": dict(optimizer="sklearn_adam", activation="identity"),
    "dropout": dict(optimizer="adam", dropout=0.3, input_dropout=0.2),
    "softmax": dict(layers_size=[5, 3], targets="classes"),
    "k sigmoids, squared error": dict(
        layers_size=[5, 3], output="sigmoid", loss="squared_error", targets="classes"
    ),
    "identity output (regressor)": dict(output="identity", targets="values"),
    "exp output (Poisson)": dict(output="exp", targets="counts"),
    "sample weights, some batches weightless": dict(optimizer="adam", weights=True),
    "early stopping": dict(optimizer="adam", early_stopping=True, validation_fraction=0.2),
}

ESTIMATOR_CASES = {
    "MLPClassifier adam": (MLPClassifier, dict(), "classes"),
    "MLPClassifier sgd nesterov, adaptive": (
        MLPClassifier,
        dict(solver="sgd", nesterovs_momentum=True, learning_rate="adaptive"),
        "binary",
    ),
    "MLPClassifier early stopping, weights": (
        MLPClassifier,
        dict(early_stopping=True, validation_fraction=0.2, weights=True),
        "classes",
    ),
    "MLPRegressor adam": (MLPRegressor, dict(), "values"),
    "MLPRegressor sgd poisson": (MLPRegressor, dict(solver="sgd", loss="poisson"), "counts"),
}


def data(n, kind, weights=False, seed=0):
    """``n`` samples of 4 features, targets of ``kind``, and weights (a third of the
    batches all of weight 0) when asked."""
    rng = np.random.RandomState(seed)
    X = rng.rand(n, 4)
    y = {
        "binary": (X[:, 0] + X[:, 1] > 1).astype(np.int64),
        "classes": rng.randint(0, 3, n),
        "values": X @ rng.rand(4),
        "counts": rng.poisson(2.0, n).astype(np.float64),
    }[kind]
    w = None
    if weights:
        w = rng.uniform(0.5, 2.0, n)
        w[: n // 3] = 0.0  # without shuffling, whole batches of weight 0
    return X, y, w


def traffic_of(fit, kind, weights, batches):
    X, y, w = data(BATCH * batches, kind, weights)
    arguments = {} if w is None else {"sample_weight": on_device(w)}
    with Traffic() as traffic, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit(on_device(X), on_device(y), **arguments)
    return traffic


def assert_nothing_grows_with_the_batches(fit, kind, weights=False, uploads_arrays=True):
    few, many = (traffic_of(fit, kind, weights, batches) for batches in (10, 20))
    assert many.reads == few.reads, f"host reads grow with the batches: {few.reads} -> {many.reads}"
    assert many.uploads["number"] == few.uploads["number"], "numbers sent per batch"
    if uploads_arrays:
        assert many.uploads == few.uploads, "host arrays sent per batch"


@pytest.mark.parametrize("case", list(ANN_CASES))
def test_ann_trains_without_host_traffic_per_batch(case):
    settings = dict(
        layers_size=[5, 1], optimizer="sgd", batch_size=BATCH, n_iterations=EPOCHS, quiet=True
    )
    settings.update(ANN_CASES[case])
    kind, weights = settings.pop("targets", "binary"), settings.pop("weights", False)
    if settings["optimizer"] == "gd":  # one full batch per epoch: the batches are the epochs
        settings["n_iterations"] = 1
    model = ANN(**settings, learning_rate=0.01 if kind != "binary" else 0.1)

    def fit(X, y, **arguments):
        model.fit(X, y, **arguments)

    if settings["optimizer"] == "gd":
        few, many = (traffic_of(fit, kind, weights, batches) for batches in (10, 20))
        assert many.reads == few.reads and many.uploads == few.uploads
        return
    # array-api-strict has no random generator: dropout's masks are drawn on the host
    assert_nothing_grows_with_the_batches(fit, kind, weights, uploads_arrays=case != "dropout")


@pytest.mark.parametrize("case", list(ESTIMATOR_CASES))
def test_the_estimators_train_without_host_traffic_per_batch(case):
    estimator, settings, kind = ESTIMATOR_CASES[case]
    settings = dict(settings)
    weights = settings.pop("weights", False)

    def fit(X, y, **arguments):
        model = estimator(
            hidden_layer_sizes=(5,), batch_size=BATCH, max_iter=EPOCHS, random_state=0, **settings
        )
        with sklearn.config_context(array_api_dispatch=True):
            model.fit(X, y, **arguments)

    assert_nothing_grows_with_the_batches(fit, kind, weights)


def test_the_count_sees_a_host_read_and_a_number_sent():
    """The counter itself: a read and an upload of a number are seen."""
    x = on_device(np.ones(3))
    with Traffic() as traffic:
        float(x[0])
        bool(x[1] > 0)
        np.asarray(x.to_device(xps.Device("CPU_DEVICE")))
        type(x).__array_namespace__(x).asarray(1.0, device=x.device)
    assert traffic.reads["__float__"] == 1 and traffic.reads["__bool__"] == 1
    assert traffic.reads["to_device"] == 1
    assert traffic.n_uploads == 1
