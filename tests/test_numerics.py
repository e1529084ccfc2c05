"""Numerics and determinism (issue 6).

* Saturated outputs (logits of +-1000), inputs far from [0, 1], tiny and huge learning
  rates give finite costs and gradients; softmax and the cross-entropies are stable.
* Divergence stops training with ``DivergenceError`` (iteration named, smaller learning
  rate suggested) and leaves finite parameters.
* The same seed gives bit-identical parameters and costs, in this process and in
  others; the global NumPy (and Python) random state is never touched.
"""

import contextlib
import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ann import ANN, DivergenceError, core
from ann.activations import ACTIVATIONS, LEAKY_SLOPE, softmax
from ann.losses import binary_cross_entropy, categorical_cross_entropy

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = ("sigmoid", "relu", "tanh", "leaky_relu", "identity")
OPTIMIZERS = ("gd", "sgd", "adam")

RNG = np.random.default_rng(7)
X = RNG.normal(size=(60, 4))
Y2 = (X[:, 0] + X[:, 1] > 0).astype(int)
Y3 = np.digitize(X[:, 0], [-0.4, 0.4])
YR = 3.0 * X[:, 0] - X[:, 2] + 0.5
TARGETS = {"sigmoid": ((8, 1), Y2), "softmax": ((8, 3), Y3), "identity": ((8, 1), YR)}

STRICT = dict(over="raise", invalid="raise", divide="raise")
"""Overflow, NaN and division by zero are errors (underflow to 0 is fine)."""


def all_finite(arrays):
    return all(np.isfinite(a).all() for a in arrays.values())


def initialized(output, activation="sigmoid", **kw):
    sizes, labels = TARGETS[output]
    kw.setdefault("quiet", True)
    model = ANN(list(sizes), activation=activation, output=output, **kw)
    model.initialize_parameters(X.shape[1])
    if output != "identity":
        model.classes_ = np.unique(labels)
    return model, labels


# ------------------------------------------------------------ exact stable losses
def test_binary_cross_entropy_of_saturated_logits_is_exact():
    Z = np.array([[1000.0, -1000.0, 1000.0, -1000.0]])
    T = np.array([[0.0, 1.0, 1.0, 0.0]])
    with np.errstate(**STRICT):
        A = 1 / (1 + np.exp(np.clip(-Z, -700, 700)))
        losses = binary_cross_entropy(Z, A, T)
    np.testing.assert_array_equal(losses, [1000.0, 1000.0, 0.0, 0.0])


def test_categorical_cross_entropy_and_softmax_of_huge_logits():
    Z = np.array([[1000.0, -1000.0, 5e307], [-1000.0, 1000.0, -5e307], [0.0, 0.0, 0.0]])
    T = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with np.errstate(**STRICT):
        A = softmax(Z)
        loss = categorical_cross_entropy(Z, A, T)
    assert np.isfinite(A).all() and np.allclose(A.sum(axis=0), 1.0)
    np.testing.assert_allclose(A[:, 0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(loss, [2000.0, 1000.0, 0.0], rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_each_activation_into_out_gives_the_same_bits(name, dtype):
    values = [-1e300, -800.0, -3.5, -1e-300, -0.0, 0.0, 1e-300, 0.25, 3.5, 800.0, 1e300]
    with np.errstate(all="ignore"):  # 1e300 is inf in float32
        Z = np.array(values * 2 + [np.inf, -np.inf, np.nan], dtype=dtype).reshape(5, 5)
        out = np.full_like(Z, 7.0)
        fresh = ACTIVATIONS[name](Z)
        into = ACTIVATIONS[name](Z, out=out)
    assert into is out
    assert fresh.dtype == dtype
    assert np.array_equal(fresh, into, equal_nan=True)
    assert np.array_equal(np.signbit(fresh), np.signbit(into))
    if name == "leaky_relu":  # max(Z, slope Z) is the definition's where(Z > 0, ...)
        expected = np.where(Z > 0, Z, Z * dtype(LEAKY_SLOPE))
        assert np.array_equal(fresh, expected, equal_nan=True)
        assert np.array_equal(np.signbit(fresh), np.signbit(expected))


def test_softmax_is_shift_invariant():
    Z = RNG.normal(size=(5, 7))
    for shift in (1e3, -1e3, 1e6):
        np.testing.assert_allclose(softmax(Z + shift), softmax(Z), rtol=1e-9, atol=1e-12)


def test_model_cost_with_logits_of_1000_is_exact():
    """One layer, W = 1000: the logits are exactly +-1000; the cost must be the exact
    value computed from the logits, not log(0)."""
    model = ANN([1], quiet=True)
    model.initialize_parameters(1)
    model.classes_ = np.array([0, 1])
    model.parameters["W1"][...] = 1000.0
    x, y = np.array([[1.0], [-1.0], [1.0]]), np.array([0, 1, 1])
    with np.errstate(**STRICT):
        assert model.compute_cost(x, y) == pytest.approx(2000.0 / 3, rel=1e-12)
        grads = model.backward(x, y, model.forward(x)[1])
    np.testing.assert_allclose(grads["dW1"], [[(1.0 + -1.0 * -1.0 + 0.0) / 3]])
    np.testing.assert_allclose(grads["db1"], [[(1.0 - 1.0 + 0.0) / 3]])

    soft = ANN([2], quiet=True)
    soft.initialize_parameters(1)
    soft.classes_ = np.array([0, 1])
    soft.parameters["W1"][...] = [[1000.0], [-1000.0]]
    with np.errstate(**STRICT):
        assert soft.compute_cost(np.array([[1.0]]), [1]) == pytest.approx(2000.0, rel=1e-12)
        proba = soft.predict_proba(np.array([[1.0], [-1.0]]))
    np.testing.assert_array_equal(proba, [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("output", sorted(TARGETS))
@pytest.mark.parametrize("activation", HIDDEN)
def test_saturated_network_has_finite_cost_and_gradients(output, activation):
    """Weights scaled so that the output logits reach about +-1000 (and far beyond
    for unbounded hidden activations)."""
    model, labels = initialized(output, activation)
    for name in model.parameters:
        if name.startswith("W"):
            model.parameters[name] *= 30.0
    top = np.abs(model.forward(X)[1]["Z2"]).max()
    model.parameters["W2"] *= 1500.0 / top  # the largest |logit| is now 1500
    model.parameters["b2"] += 1000.0 * np.sign(RNG.normal(size=model.parameters["b2"].shape))
    with np.errstate(**STRICT):
        cost = model.compute_cost(X, labels)
        _AL, store = model.forward(X)
        grads = model.backward(X, labels, store)
    assert np.abs(store["Z2"]).max() > 1000
    assert np.isfinite(cost) and cost >= 0
    assert all_finite(grads)
    if output != "identity":
        proba = model.predict_proba(X)
        assert np.isfinite(proba).all() and proba.min() >= 0 and proba.max() <= 1
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("output", sorted(TARGETS))
@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("scale, offset", [(1e4, 0.0), (1.0, 1e5), (1e-6, 0.0)])
def test_inputs_far_from_unit_range_give_finite_costs_and_gradients(
    output, activation, scale, offset
):
    model, labels = initialized(output, activation, init="glorot")
    far = X * scale + offset
    with np.errstate(**STRICT):
        cost = model.compute_cost(far, labels)
        grads = model.backward(far, labels, model.forward(far)[1])
    assert np.isfinite(cost) and all_finite(grads)


@pytest.mark.parametrize("activation", ("sigmoid", "tanh"))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_training_on_large_inputs_stays_finite(activation, optimizer):
    model = ANN(
        [8, 1],
        activation=activation,
        optimizer=optimizer,
        learning_rate=0.01,
        n_iterations=30,
        batch_size=16,
        quiet=True,
    )
    model.fit(X * 1e3 + 50, Y2)
    assert np.isfinite(model.costs).all() and all_finite(model.parameters)


@pytest.mark.parametrize("dtype", ("float32", "float64"))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_tiny_learning_rate_barely_moves(dtype, optimizer):
    model = ANN(
        [8, 3],
        optimizer=optimizer,
        learning_rate=1e-12,
        n_iterations=20,
        batch_size=16,
        dtype=dtype,
        quiet=True,
    )
    start = {k: v.copy() for k, v in model.initialize_parameters(X.shape[1]).items()}
    model.fit(X, Y3)
    assert np.isfinite(model.costs).all() and all_finite(model.parameters)
    for name, value in model.parameters.items():
        assert value.dtype == np.dtype(dtype)
        # adam's step is about lr per update, whatever the gradient
        np.testing.assert_allclose(value, start[name], atol=1e-9, rtol=0)
    assert max(model.costs) - min(model.costs) < 1e-6


@pytest.mark.parametrize("output", sorted(TARGETS))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("batch_size", (None, 8))
def test_huge_learning_rate_diverges_cleanly_or_stays_finite(output, optimizer, batch_size):
    """lr = 1e6: training ends with finite parameters and costs, or stops with a
    DivergenceError and keeps finite parameters."""
    sizes, labels = TARGETS[output]
    model = ANN(
        list(sizes),
        output=output,
        optimizer=optimizer,
        learning_rate=1e6,
        n_iterations=25,
        batch_size=batch_size,
        quiet=True,
    )
    try:
        model.fit(X * 100, labels)
    except DivergenceError as error:
        assert "smaller learning rate" in str(error)
    assert all_finite(model.parameters)
    assert np.isfinite(model.costs).all()
    outputs = model.predict_proba(X) if output != "identity" else model.predict(X)
    assert np.isfinite(outputs).all()
    if output != "identity":
        np.testing.assert_allclose(outputs.sum(axis=1), 1.0, rtol=1e-12)
        assert set(model.predict(X)) <= set(model.classes_)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("n_iterations", (1, 2, 3))
@pytest.mark.parametrize("batch_size", (None, 7))
def test_divergence_in_the_last_update_is_not_silent(optimizer, n_iterations, batch_size):
    """The last update of the last epoch overflows the weights: fit must not return
    a model with infinite parameters."""
    model = ANN(
        [4, 1],
        output="identity",
        optimizer=optimizer,
        learning_rate=1e300,
        n_iterations=n_iterations,
        batch_size=batch_size,
        quiet=True,
    )
    with contextlib.suppress(DivergenceError):
        model.fit(X * 1e10, YR * 1e10)
    assert all_finite(model.parameters), "fit returned non-finite parameters silently"


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("batch_size", (None, 16))
def test_divergence_error_names_the_iteration_and_keeps_finite_parameters(optimizer, batch_size):
    rate = 1e200 if optimizer == "adam" else 5.0  # adam's steps are about lr long
    model = ANN(
        [8, 1],
        output="identity",
        optimizer=optimizer,
        learning_rate=rate,
        n_iterations=500,
        batch_size=batch_size,
        quiet=True,
    )
    with pytest.raises(DivergenceError) as caught:
        model.fit(X * 30, YR * 30)
    message = str(caught.value)
    assert "diverged at iteration" in message
    assert "smaller learning rate" in message
    if batch_size:
        assert "batch" in message
    iteration = int(message.split("iteration ")[1].split(",")[0].split(":")[0])
    assert iteration == len(model.costs)
    assert all_finite(model.parameters)
    assert np.isfinite(model.costs).all()
    assert np.isfinite(model.predict(X)).all()
    assert isinstance(caught.value, FloatingPointError)


# -------------------------------------------------------------------- consistency
def test_cost_history_matches_compute_cost():
    """costs[0] is the cost of the initial parameters, computed before the update."""
    model = ANN([8, 3], l2=0.1, n_iterations=1, quiet=True).fit(X, Y3)
    fresh = ANN([8, 3], l2=0.1, quiet=True)
    fresh.initialize_parameters(X.shape[1])
    fresh.classes_ = np.unique(Y3)
    assert model.costs[0] == pytest.approx(fresh.compute_cost(X, Y3), rel=1e-13)


def test_one_step_of_gradient_descent_over_many_blocks():
    """A full batch of three blocks (``core.CHUNK`` samples each, the last one short)
    gives the step of the unsplit gradient, with the L2 term's gradient added once."""
    rng = np.random.default_rng(3)
    big_x = rng.normal(size=(2 * core.CHUNK + 37, 5))
    big_y = (big_x[:, 0] > 0).astype(int)
    model = ANN([6, 1], learning_rate=0.5, n_iterations=1, l2=0.3, quiet=True)
    model.fit(big_x, big_y)
    fresh = ANN([6, 1], learning_rate=0.5, l2=0.3, quiet=True)
    start = fresh.initialize_parameters(5)
    fresh.classes_ = np.unique(big_y)
    grads = fresh.backward(big_x, big_y, fresh.forward(big_x)[1])
    for name, value in start.items():
        np.testing.assert_allclose(
            model.parameters[name], value - 0.5 * grads["d" + name], rtol=1e-12, atol=1e-15
        )


# -------------------------------------------------------------------- determinism
CONFIGS = [
    dict(optimizer="gd"),
    dict(optimizer="sgd", batch_size=16, momentum=0.8, nesterov=True),
    dict(optimizer="adam", batch_size=10, lr_schedule="cosine", l2=0.01),
    dict(optimizer="sgd", batch_size=8, early_stopping=True, validation_fraction=0.2, patience=3),
    dict(optimizer="adam", batch_size=16, dtype="float32", init="he", activation="relu"),
]


def fingerprint(model):
    h = hashlib.sha256()
    for name in sorted(model.parameters):
        h.update(name.encode())
        h.update(np.ascontiguousarray(model.parameters[name]).tobytes())
    h.update(json.dumps([float(c) for c in model.costs]).encode())
    h.update(
        json.dumps(
            {k: [float(v) for v in vs] for k, vs in model.history.items()}, sort_keys=True
        ).encode()
    )
    return h.hexdigest()


def train(config, seed=5):
    return ANN([6, 3], learning_rate=0.05, n_iterations=15, seed=seed, quiet=True, **config).fit(
        X, Y3
    )


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
def test_same_seed_gives_bit_identical_runs(config):
    first, second = train(config), train(config)
    assert first.costs == second.costs
    for name, value in first.parameters.items():
        assert value.tobytes() == second.parameters[name].tobytes()
    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(train(config, seed=6)) != fingerprint(first)


def test_refit_gives_the_same_model():
    model = train(CONFIGS[1])
    before = fingerprint(model)
    model.fit(X, Y3)
    assert fingerprint(model) == before


SCRIPT = """
import hashlib, json, sys
sys.path.insert(0, {root!r})
import numpy as np
from tests.test_numerics import CONFIGS, train, fingerprint
np.random.seed(12345)  # a different global state must not matter
print(json.dumps([fingerprint(train(config)) for config in CONFIGS]))
"""


def test_same_seed_gives_bit_identical_runs_across_processes():
    expected = [fingerprint(train(config)) for config in CONFIGS]
    env = dict(os.environ, PYTHONHASHSEED="random")
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT.format(root=str(ROOT))],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def _same_state(a, b):
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
def test_global_random_state_is_never_touched(config):
    np.random.seed(2024)
    random.seed(2024)
    numpy_before, python_before = np.random.get_state(), random.getstate()
    model = train(config)
    model.predict(X)
    model.score(X, Y3)
    model.initialize_parameters(X.shape[1])
    model.fit(X, Y3, validation_data=(X[:10], Y3[:10]))
    assert _same_state(np.random.get_state(), numpy_before)
    assert random.getstate() == python_before


def test_seed_changes_only_what_it_should():
    """The seed fixes the initial weights: initialize_parameters twice is identical."""
    model = ANN([5, 2, 1], seed=9, quiet=True)
    first = {k: v.copy() for k, v in model.initialize_parameters(4).items()}
    second = model.initialize_parameters(4)
    for name in first:
        assert first[name].tobytes() == second[name].tobytes()
