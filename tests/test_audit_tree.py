"""ann.tree.tree_from_ann against ANN for every output/loss pair (audit; before the fix,
the tree took the output's own loss always and had no exp output)."""

import numpy as np
import pytest

from ann import ANN, tree
from ann.losses import LOSS_OUTPUTS

X = np.random.default_rng(0).normal(size=(5, 3))


def _targets(output, units):
    rng = np.random.default_rng(1)
    if output == "identity":
        return rng.normal(size=(5, units))
    if output == "exp":
        return rng.poisson(2, size=(5, units)).astype(float)
    return np.arange(5) % max(units, 2)


@pytest.mark.parametrize(
    "output, loss, units",
    [
        (output, loss, units)
        for loss, outputs in LOSS_OUTPUTS.items()
        if not loss.startswith("sklearn")
        for output in outputs
        for units in ((3,) if output == "softmax" else (1, 3))
    ],
)
def test_tree_from_ann_follows_the_model_loss(output, loss, units):
    """The tree's cost and gradients equal the ANN's for every output/loss pair (before:
    the output's own loss always, and no exp output)."""
    Xs = X
    Y = _targets(output, units)
    if units == 1 and output != "softmax":
        Y = Y[:, 0] if Y.ndim == 2 else Y
    model = ANN(
        [4, units], n_iterations=3, quiet=True, activation="tanh", output=output, loss=loss, l2=0.1
    ).fit(Xs, Y)
    root, nodes = tree.tree_from_ann(model, Xs, Y)
    assert root.forward() == pytest.approx(model.compute_cost(Xs, Y), abs=1e-10)
    root.backward()
    expected = model.backward(Xs, Y, model.forward(Xs)[1])
    for name, gradient in tree.gradient_arrays(nodes).items():
        np.testing.assert_allclose(gradient, expected[name], atol=1e-10)


# ---------------------------------------------------------------- Power
def test_power_of_zero_to_a_negative_exponent_is_a_clear_error():
    """Before: ZeroDivisionError from Python's float power."""
    with pytest.raises(ValueError, match=r"0 to the negative exponent"):
        tree.Power(tree.Parameter(0.0), -1).forward()


def test_power_derivative_at_zero_below_one_is_a_clear_error():
    root = tree.Power(tree.Parameter(0.0), 0.5)
    assert root.forward() == 0.0
    with pytest.raises(ValueError, match=r"derivative of x \*\* 0.5 at x = 0"):
        root.backward()


@pytest.mark.parametrize("base, exponent, expected", [(1e200, 2, np.inf), (-1e200, 3, -np.inf)])
def test_power_overflow_is_infinite_as_exp(base, exponent, expected):
    """Before: OverflowError."""
    assert tree.Power(tree.Constant(base), exponent).forward() == expected


# ---------------------------------------------------------------- train_model
def test_train_model_refuses_a_loss_that_is_not_a_pair():
    with pytest.raises(TypeError, match=r"loss_fn must return a pair"):
        tree.train_model(tree.Parameter(0.5), lambda p, t: 1.0, None, [([], 1.0)], 2)


def test_train_model_refuses_a_nan_loss():
    """Before: the history filled with NaN silently."""
    with pytest.raises(ValueError, match=r"diverged at epoch 1: the loss is nan"):
        tree.train_model(
            tree.Parameter(0.5), lambda p, t: (float("nan"), 1.0), None, [([], 1.0)], 2
        )


# ---------------------------------------------------------------- gradient_arrays
@pytest.mark.parametrize("bad", [None, 5, {"W1": np.zeros(3)}, {"W1": [1, 2]}])
def test_gradient_arrays_refuses_what_tree_from_ann_does_not_return(bad):
    """Before: AttributeError ('NoneType' object has no attribute 'items', 'float' object
    has no attribute 'gradient')."""
    with pytest.raises(TypeError, match=r"parameter_nodes"):
        tree.gradient_arrays(bad)
