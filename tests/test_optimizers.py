"""Optimizer steps and schedules against values computed by hand."""
import numpy as np
import pytest

from ann.optimizers import OPTIMIZERS, SCHEDULES


def run(optimizer, grads_sequence, learning_rate=0.1):
    parameters = {"W1": np.array([1.0, -2.0])}
    for g in grads_sequence:
        optimizer.step(parameters, {"dW1": np.array(g)}, learning_rate)
    return parameters["W1"]


G = [0.5, 0.1]


def test_gradient_descent():
    np.testing.assert_allclose(run(OPTIMIZERS["gd"](), [G, G]), [0.9, -2.02])


def test_momentum():
    # v1 = g, p1 = p0 - lr g;  v2 = 0.9 g + g = 1.9 g, p2 = p1 - lr 1.9 g
    np.testing.assert_allclose(run(OPTIMIZERS["sgd"](momentum=0.9), [G, G]),
                               [1 - 0.05 - 0.095, -2 - 0.01 - 0.019])


def test_nesterov():
    # step 1: v = g, update lr (g + 0.9 v) = lr 1.9 g
    # step 2: v = 1.9 g, update lr (g + 0.9 * 1.9 g) = lr 2.71 g
    np.testing.assert_allclose(run(OPTIMIZERS["sgd"](momentum=0.9, nesterov=True), [G, G]),
                               [1 - 0.1 * 0.5 * (1.9 + 2.71), -2 - 0.1 * 0.1 * (1.9 + 2.71)])


def test_adam_two_steps_with_changing_gradient():
    g1, g2 = np.array([0.5, 0.1]), np.array([-0.2, 0.3])
    m1, v1 = 0.1 * g1, 0.001 * g1 ** 2
    p1 = np.array([1.0, -2.0]) - 0.1 * (m1 / 0.1) / (np.sqrt(v1 / 0.001) + 1e-8)
    m2, v2 = 0.9 * m1 + 0.1 * g2, 0.999 * v1 + 0.001 * g2 ** 2
    p2 = p1 - 0.1 * (m2 / (1 - 0.9 ** 2)) / (np.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-8)
    np.testing.assert_allclose(run(OPTIMIZERS["adam"](), [g1, g2]), p2, rtol=1e-12)


def test_every_optimizer_leaves_gradients_alone():
    for name, make in OPTIMIZERS.items():
        g = {"dW1": np.array([0.5, 0.1])}
        make().step({"W1": np.array([1.0, 2.0])}, g, 0.1)
        assert np.array_equal(g["dW1"], [0.5, 0.1]), name


@pytest.mark.parametrize("epoch,expected", [(0, 0.4), (5, 0.2), (10, 0.0)])
def test_cosine_schedule(epoch, expected):
    assert SCHEDULES["cosine"](0.4, epoch, 10) == pytest.approx(expected, abs=1e-15)
    assert SCHEDULES["constant"](0.4, epoch, 10) == 0.4
