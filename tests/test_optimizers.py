"""Optimizer steps and schedules against values computed by hand."""

import math

import numpy as np
import pytest

from ann import ANN, training
from ann.optimizers import OPTIMIZERS, SCHEDULES, Progress, make_optimizer
from ann.stopping import Decision, RunAll


def run(optimizer, grads_sequence):
    p = np.array([1.0, -2.0])
    for g in grads_sequence:
        optimizer.step(p, np.array(g))
    return p


G = [0.5, 0.1]


def test_gradient_descent():
    np.testing.assert_allclose(run(OPTIMIZERS["gd"](0.1), [G, G]), [0.9, -2.02])


def test_momentum():
    # v1 = g, p1 = p0 - lr g;  v2 = 0.9 g + g = 1.9 g, p2 = p1 - lr 1.9 g
    np.testing.assert_allclose(
        run(OPTIMIZERS["sgd"](0.1, momentum=0.9), [G, G]), [1 - 0.05 - 0.095, -2 - 0.01 - 0.019]
    )


def test_nesterov():
    # step 1: v = g, update lr (g + 0.9 v) = lr 1.9 g
    # step 2: v = 1.9 g, update lr (g + 0.9 * 1.9 g) = lr 2.71 g
    np.testing.assert_allclose(
        run(OPTIMIZERS["sgd"](0.1, momentum=0.9, nesterov=True), [G, G]),
        [1 - 0.1 * 0.5 * (1.9 + 2.71), -2 - 0.1 * 0.1 * (1.9 + 2.71)],
    )


def test_sklearn_momentum_puts_the_rate_inside_the_velocity():
    # v1 = -lr g, p1 = p0 + v1; v2 = 0.9 v1 - lr2 g, p2 = p1 + v2, with the rate changed
    optimizer = OPTIMIZERS["sklearn_sgd"](0.1, momentum=0.9, nesterov=False)
    p = run(optimizer, [G])
    optimizer.learning_rate = 0.01
    optimizer.step(p, np.array(G))
    v1 = -0.1 * np.array(G)
    v2 = 0.9 * v1 - 0.01 * np.array(G)
    np.testing.assert_allclose(p, np.array([1.0, -2.0]) + v1 + v2, rtol=1e-15)


def test_sklearn_nesterov():
    # v1 = -lr g; p1 = p0 + 0.9 v1 - lr g;  v2 = 0.9 v1 - lr g;  p2 = p1 + 0.9 v2 - lr g
    g = np.array(G)
    v1 = -0.1 * g
    p1 = np.array([1.0, -2.0]) + 0.9 * v1 - 0.1 * g
    v2 = 0.9 * v1 - 0.1 * g
    p2 = p1 + 0.9 * v2 - 0.1 * g
    np.testing.assert_allclose(
        run(OPTIMIZERS["sklearn_sgd"](0.1, momentum=0.9), [G, G]), p2, rtol=1e-15
    )


def adam_by_hand(g1, g2, eps_after_correction):
    m1, v1 = 0.1 * g1, 0.001 * g1**2
    m2, v2 = 0.9 * m1 + 0.1 * g2, 0.999 * v1 + 0.001 * g2**2
    p = np.array([1.0, -2.0])
    for t, (m, v) in enumerate([(m1, v1), (m2, v2)], start=1):
        b1, b2 = 1 - 0.9**t, 1 - 0.999**t
        if eps_after_correction:
            p = p - 0.1 * (m / b1) / (np.sqrt(v / b2) + 1e-3)
        else:
            p = p - 0.1 * np.sqrt(b2) / b1 * m / (np.sqrt(v) + 1e-3)
    return p


@pytest.mark.parametrize("name,after", [("adam", True), ("sklearn_adam", False)])
def test_adam_two_steps_with_changing_gradient(name, after):
    # A large epsilon makes the two placements differ well beyond rounding.
    g1, g2 = np.array([0.5, 0.1]), np.array([-0.2, 0.3])
    p = run(OPTIMIZERS[name](0.1, epsilon=1e-3), [g1, g2])
    np.testing.assert_allclose(p, adam_by_hand(g1, g2, after), rtol=1e-12)
    assert not np.allclose(p, adam_by_hand(g1, g2, not after), rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", ["adam", "sklearn_adam"])
def test_adam_at_a_rate_of_zero_keeps_the_parameters_and_its_moments_go_on(name):
    # A schedule (invscaling) can bring the rate to 0; the rate sits in a divisor.
    g = np.array([0.5, 0.0, -0.25])
    optimizer = OPTIMIZERS[name](0.0)
    p = np.array([1.0, -2.0, 3.0])
    optimizer.step(p, g)
    assert np.array_equal(p, [1.0, -2.0, 3.0])
    optimizer.learning_rate = 0.1
    optimizer.step(p, g)  # the second step of a run whose first one had rate 0
    reference = OPTIMIZERS[name](0.1)
    reference.t, reference.M, reference.V = 1, g.copy(), g**2
    expected = np.array([1.0, -2.0, 3.0])
    reference.step(expected, g)
    np.testing.assert_allclose(p, expected, rtol=1e-15)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_leaves_gradients_alone_and_takes_the_settings(name):
    settings = {"momentum": 0.5, "nesterov": True, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-7}
    optimizer = make_optimizer(name, 0.1, settings)
    g = np.array([0.5, 0.1])
    p = np.array([1.0, 2.0])
    optimizer.step(p, g)
    assert np.array_equal(g, [0.5, 0.1]) and not np.array_equal(p, [1.0, 2.0])
    for key in ("momentum", "nesterov", "beta_1", "beta_2", "epsilon"):
        if hasattr(optimizer, key):
            assert getattr(optimizer, key) == settings[key], key


def progress(epochs_done, samples_seen=0, rate=0.4):
    return Progress(
        rate=rate,
        initial_rate=0.4,
        epochs_done=epochs_done,
        n_epochs=10,
        samples_seen=samples_seen,
        power_t=0.5,
    )


@pytest.mark.parametrize("epoch,expected", [(0, 0.4), (5, 0.2), (10, 0.0)])
def test_cosine_schedule(epoch, expected):
    assert SCHEDULES["cosine"](progress(epoch)) == pytest.approx(expected, abs=1e-15)
    assert SCHEDULES["constant"](progress(epoch, rate=0.3)) == 0.3


def test_invscaling_divides_by_a_power_of_the_samples_seen():
    assert SCHEDULES["invscaling"](progress(3, samples_seen=99)) == pytest.approx(0.04)
    huge = progress(3, samples_seen=99)._replace(power_t=1000.0)  # 100**1000 overflows
    assert SCHEDULES["invscaling"](huge) == 0.0


class RecordingDescent(OPTIMIZERS["gd"]):
    """Gradient descent that writes down the rate of every step it takes."""

    def __init__(self, learning_rate):
        super().__init__(learning_rate)
        self.rates = []

    def step(self, p, dp):
        self.rates.append(self.learning_rate)
        super().step(p, dp)


class DecayAfter:
    """A stopping rule that asks for the rate divided by 5 after epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def update(self, record, rate, flat, val_outputs):
        return Decision.DECAY if len(record.costs) == self.epoch + 1 else Decision.GO_ON

    def finish(self, flat):
        pass


N_SAMPLES, N_EPOCHS, RATE, POWER_T = 8, 6, 0.3, 0.5


def rates_used(lr_schedule, stopping):
    """The rate of each epoch of a full-batch run of ``N_EPOCHS`` under ``lr_schedule``
    (one step per epoch), as the loop set it on the optimizer."""
    model = ANN([3, 1], quiet=True)
    model.initialize_parameters(2)
    X = np.random.default_rng(0).normal(size=(N_SAMPLES, 2))
    T = (X[:, :1].T > 0).astype(float)
    optimizer = RecordingDescent(RATE)
    config = training.Config(
        n_epochs=N_EPOCHS, learning_rate=RATE, lr_schedule=lr_schedule, power_t=POWER_T
    )
    record = training.Record()
    training.train(
        training.Model(model.architecture, model.parameters, record),
        training.Data(X, T),
        config,
        optimizer=optimizer,
        stopping=stopping,
    )
    assert record.epochs == N_EPOCHS
    return optimizer.rates


FORMULAS = {
    "constant": lambda epoch: RATE,
    "adaptive": lambda epoch: RATE,
    "cosine": lambda epoch: 0.5 * RATE * (1 + math.cos(math.pi * epoch / N_EPOCHS)),
    "invscaling": lambda epoch: RATE / (epoch * N_SAMPLES + 1) ** POWER_T,
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_every_schedule_follows_its_formula_over_a_whole_run(name):
    # Epoch after epoch the rate the loop used is the formula's, from the initial rate:
    # a schedule that decays from the current rate compounds and drifts from epoch 2.
    expected = [FORMULAS[name](epoch) for epoch in range(N_EPOCHS)]
    np.testing.assert_allclose(rates_used(name, RunAll()), expected, rtol=1e-12)


def test_adaptive_keeps_the_rate_its_stopping_rule_divided():
    # adaptive's schedule keeps the current rate: after the division by 5 at epoch 2
    # every later epoch runs at the fifth (the one schedule that goes on from the rate).
    assert rates_used("adaptive", DecayAfter(2)) == pytest.approx([RATE] * 3 + [RATE / 5] * 3)
