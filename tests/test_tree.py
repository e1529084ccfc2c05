"""Tests of the tree-of-operations engine (ann.tree), its pictures and its demo."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ann import tree
from ann.tree import (
    Add,
    Constant,
    Exp,
    Input,
    LeakyReLU,
    Log,
    Multiply,
    Negate,
    Parameter,
    Power,
    ReLU,
    Sigmoid,
    Tanh,
)

ROOT = Path(__file__).resolve().parents[1]


def numeric_gradient(root, leaf, h=1e-6):
    """Central difference of root's value with respect to leaf's value."""
    x = leaf.value
    step = h * max(1.0, abs(x))
    leaf.value = x + step
    up = root.forward()
    leaf.value = x - step
    down = root.forward()
    leaf.value = x
    root.forward()
    return (up - down) / (2 * step)


# ----------------------------------------------------------------------------- operations
@pytest.mark.parametrize(
    "make, x, value, local",
    [
        (Negate, 1.5, -1.5, -1.0),
        (lambda c: Power(c, 3), -2.0, -8.0, 12.0),
        (lambda c: Power(c, 0.5), 4.0, 2.0, 0.25),
        (Exp, 0.0, 1.0, 1.0),
        (Log, math.e, 1.0, 1 / math.e),
        (ReLU, 2.0, 2.0, 1.0),
        (ReLU, -2.0, 0.0, 0.0),
        (LeakyReLU, 2.0, 2.0, 1.0),
        (LeakyReLU, -2.0, -0.02, 0.01),
        (Sigmoid, 0.0, 0.5, 0.25),
        (Tanh, 0.0, 0.0, 1.0),
    ],
)
def test_unary_value_and_local_derivative(make, x, value, local):
    node = make(Parameter(x))
    assert node.forward() == pytest.approx(value)
    assert node.grad() == [pytest.approx(local)]


def test_add_and_multiply_any_number_of_children():
    a, b, c = Parameter(2.0), Parameter(3.0), Parameter(-4.0)
    assert Add([a]).forward() == 2.0
    assert Add([a, b, c]).forward() == 1.0
    m = Multiply([a, b, c])
    assert m.forward() == -24.0
    assert m.grad() == [-12.0, -8.0, 6.0]
    assert Multiply(a).forward() == 2.0 and Multiply(a).children == [a]


@pytest.mark.parametrize(
    "values, expected",
    [
        ([0.0, 2.0, 3.0], [6.0, 0.0, 0.0]),
        ([2.0, 0.0, 3.0, 5.0], [0.0, 30.0, 0.0, 0.0]),
        ([0.0, 2.0, 0.0], [0.0, 0.0, 0.0]),
        ([7.0], [1.0]),
    ],
)
def test_multiply_grad_with_zeros(values, expected):
    node = Multiply([Constant(v) for v in values])
    node.forward()
    assert node.grad() == expected


def test_multiply_grad_is_linear_in_children():
    calls = []

    class Probe(Constant):
        @property
        def value(self):
            calls.append(1)
            return self._value

        @value.setter
        def value(self, v):
            self._value = float(v)

    node = Multiply([Probe(1.0001) for _ in range(2000)])
    node.forward()
    calls.clear()
    local = node.grad()
    assert len(calls) == 2000  # each child's value read once
    assert local[0] == pytest.approx(1.0001**1999)


def test_sigmoid_is_stable_and_exp_log_edges():
    assert Sigmoid(Constant(1000.0)).forward() == 1.0
    assert Sigmoid(Constant(-1000.0)).forward() == 0.0
    assert Sigmoid(Constant(-30.0)).forward() == pytest.approx(math.exp(-30.0), rel=1e-12)
    assert Exp(Constant(1000.0)).forward() == math.inf
    with pytest.raises(ValueError, match="Log of a non-positive value"):
        Log(Constant(0.0)).forward()
    with pytest.raises(ValueError, match="Log"):
        Log(Constant(-1.0)).forward()
    with pytest.raises(ValueError, match="non-integer exponent"):
        Power(Constant(-2.0), 0.5).forward()


# ----------------------------------------------------------------------------- gradients
UNARY = {
    "negate": Negate,
    "square": lambda c: Power(c, 2),
    "cube": lambda c: Power(c, 3),
    "exp": Exp,
    "log": lambda c: Log(Add([Exp(c), Constant(0.5)])),  # log needs a positive input
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
}


@st.composite
def random_trees(draw):
    """A random DAG over 3 parameters: earlier nodes are reused (shared subtrees)."""
    params = [Parameter(draw(st.floats(-2, 2, allow_nan=False))) for _ in range(3)]
    nodes = list(params)
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["add", "multiply"] + sorted(UNARY)))
        pick = st.sampled_from(nodes)
        if kind in ("add", "multiply"):
            children = [draw(pick) for _ in range(draw(st.integers(1, 4)))]
            nodes.append(Add(children) if kind == "add" else Multiply(children))
        else:
            nodes.append(UNARY[kind](draw(pick)))
    return nodes[-1], params


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_trees())
def test_gradients_match_finite_differences(case):
    root, params = case
    value = root.forward()
    order = root.topological_order()
    assume(all(math.isfinite(n.value) and abs(n.value) < 1e4 for n in order))
    for node in order:  # stay away from the kinks
        if isinstance(node, (ReLU, LeakyReLU)):
            assume(abs(node.children[0].value) > 1e-3)
    root.backward()
    assert root.value == value
    for p in params:
        if p not in order:
            continue
        expected = numeric_gradient(root, p)
        assert p.gradient == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_shared_parameter_gets_the_sum_over_paths():
    p = Parameter(1.5)
    square = Multiply([p, p])
    square.forward()
    square.backward()
    assert p.gradient == pytest.approx(3.0)  # 2p, not p
    assert square.grad() == [1.5, 1.5]  # grad() stays local

    q = Parameter(0.3)
    two_paths = Add([Multiply([q, Constant(4.0)]), Sigmoid(q)])
    two_paths.forward()
    two_paths.backward()
    s = 1 / (1 + math.exp(-0.3))
    assert q.gradient == pytest.approx(4.0 + s * (1 - s))


def test_backward_changes_no_value_and_resets_gradients():
    w, b, x = Parameter(0.5), Parameter(-0.2), Input(2.0)
    root = Sigmoid(Add([Multiply([w, x]), b]))
    root.forward()
    before = [n.value for n in root.topological_order()]
    root.backward()
    first = [n.gradient for n in root.topological_order()]
    root.backward()
    assert [n.gradient for n in root.topological_order()] == first  # no accumulation
    assert [n.value for n in root.topological_order()] == before
    root.backward(3.0)
    assert w.gradient == pytest.approx(3 * first[0]) and root.gradient == 3.0
    assert b.value == -0.2 and w.value == 0.5


def test_backward_needs_a_forward_pass():
    root = Add([Parameter(1.0), Multiply([Parameter(2.0), Input(1.0)])])
    with pytest.raises(ValueError, match=r"call forward\(\) first"):
        root.backward()


def test_long_chain_without_recursion():
    x = Parameter(0.3)
    node = x
    for i in range(100_000):
        node = Tanh(node) if i % 2 else Add([node, Constant(1e-3)])
    value = node.forward()
    node.backward()
    assert math.isfinite(value) and 0 < x.gradient < 1
    assert len(node.find_input_nodes()) == 0
    assert repr(node).startswith("Tanh(<1 child>")


def test_diamond_ladder_is_linear(monkeypatch):
    """Depth 30: 2**30 root-to-leaf paths, but each node is evaluated and differentiated
    once per pass."""
    counts = {"op": 0, "grad": 0}
    for cls in (Add, Multiply):
        for method in ("op", "grad"):
            original = getattr(cls, method)

            def counted(self, *args, _original=original, _method=method):
                counts[_method] += 1
                return _original(self, *args)

            monkeypatch.setattr(cls, method, counted)

    x = Parameter(1.25)
    node = x
    for _ in range(30):
        node = Add([Multiply([node, Constant(0.5)]), Multiply([Constant(0.5), node])])
    assert node.forward() == 1.25
    node.backward()
    assert x.gradient == 1.0  # 2**30 paths of weight 0.5**30
    assert counts == {"op": 90, "grad": 90}
    assert len(node.topological_order()) == 1 + 30 * 3 + 60


def test_cycle_is_an_error():
    a = Add([Parameter(1.0)])
    b = Tanh(a)
    a.children.append(b)
    with pytest.raises(ValueError, match="cycle"):
        b.forward()


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "build, error, match",
    [
        (lambda: ReLU([]), ValueError, "exactly 1 child"),
        (lambda: Sigmoid([Parameter(), Parameter()]), ValueError, "exactly 1 child"),
        (lambda: Add([]), ValueError, "at least one child"),
        (lambda: Multiply([]), ValueError, "at least one child"),
        (lambda: Add([Parameter(), 2.0]), TypeError, "child 1 is not a node"),
        (lambda: Tanh(3.0), TypeError, "children must be a node"),
        (lambda: Input(float("nan")), ValueError, "finite"),
        (lambda: Input("1"), TypeError, "real number"),
        (lambda: Constant(True), TypeError, "real number"),
        (lambda: Parameter(math.inf), ValueError, "finite"),
        (lambda: Parameter(0.0, learning_rate=0.0), ValueError, "learning_rate must be positive"),
        (lambda: Parameter(0.0, learning_rate=-1.0), ValueError, "learning_rate must be positive"),
        (
            lambda: Parameter(0.0, learning_rate=math.nan),
            ValueError,
            "learning_rate must be finite",
        ),
        (lambda: Parameter(0.0, learning_rate="fast"), TypeError, "learning_rate"),
        (lambda: Power(Parameter(), math.nan), ValueError, "exponent"),
    ],
)
def test_bad_construction(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_find_input_nodes_order_and_dedup():
    x1, x2, x3 = Input(1.0), Input(2.0), Input(3.0)
    shared = Multiply([x2, Parameter(1.0)])
    root = Add([Multiply([shared, x1]), Tanh(x3), shared, x1])
    assert root.find_input_nodes() == [x2, x1, x3]  # depth-first, first visit
    assert root.predict([10.0, 20.0, 30.0]) == pytest.approx(20 * 10 + math.tanh(30) + 20 + 10)
    assert (x2.value, x1.value, x3.value) == (10.0, 20.0, 30.0)
    assert len(root.find_parameters()) == 1


def test_tutorial_linear_classifier_predicts():
    w, b = Parameter(3.0), Parameter(2.0)
    model = Add([Multiply([w, Input()]), b])
    assert model.predict([4.0]) == 14.0
    assert model.predict(np.array([-1.0])) == -1.0


@pytest.mark.parametrize(
    "inputs, error, match",
    [
        ([1.0], ValueError, "expected 2 input values"),
        ([1.0, 2.0, 3.0], ValueError, "expected 2 input values"),
        ([1.0, float("nan")], ValueError, "input 1 must be finite"),
        ([math.inf, 1.0], ValueError, "input 0 must be finite"),
        ([1.0, "2"], TypeError, "input 1 must be a real number"),
        ([None, 1.0], TypeError, "input 0"),
        (5.0, TypeError, "sequence"),
    ],
)
def test_predict_errors(inputs, error, match):
    x1, x2 = Input(0.5), Input(0.25)
    model = Add([x1, x2])
    with pytest.raises(error, match=match):
        model.predict(inputs)
    assert (x1.value, x2.value) == (0.5, 0.25)  # nothing filled on error


def test_seed_is_reproducible_and_leaves_numpy_alone():
    state = np.random.get_state()[1].copy()
    tree.seed(7)
    first = [Parameter().value for _ in range(5)]
    tree.seed(7)
    assert [Parameter().value for _ in range(5)] == first
    assert all(-1 <= v <= 1 for v in first) and len(set(first)) == 5
    assert np.array_equal(np.random.get_state()[1], state)


# ----------------------------------------------------------------------------- training
LINE = [([x], 3 * x + 2) for x in np.linspace(-1, 1, 11)]


def test_train_model_learns_a_line():
    w, b = Parameter(0.0, learning_rate=0.05), Parameter(0.0, learning_rate=0.05)
    model = Add([Multiply([w, Input()]), b])
    losses = tree.train_model(model, tree.mse, None, LINE, num_epochs=150)
    assert len(losses) == 150 and losses[-1] < 1e-8 < losses[0]
    assert all(later <= earlier for earlier, later in zip(losses, losses[1:]))
    assert w.value == pytest.approx(3.0, abs=1e-4) and b.value == pytest.approx(2.0, abs=1e-4)


def test_train_model_uses_the_optimizer_and_each_learning_rate():
    w, b = Parameter(1.0, learning_rate=0.1), Parameter(0.0, learning_rate=0.2)
    model = Add([Multiply([w, Input()]), b])
    calls = []

    def optimizer(value, gradient, learning_rate):
        calls.append((value, gradient, learning_rate))
        return value - learning_rate * gradient

    tree.train_model(model, tree.mse, optimizer, [([2.0], 7.0)], num_epochs=1)
    # prediction 2, loss (2 - 7)^2, dloss/dpred = -10: dw = -20, db = -10
    assert calls == [(1.0, -20.0, 0.1), (0.0, -10.0, 0.2)]
    assert w.value == pytest.approx(3.0) and b.value == pytest.approx(2.0)

    w2, b2 = Parameter(1.0, learning_rate=0.1), Parameter(0.0, learning_rate=0.2)
    model2 = Add([Multiply([w2, Input()]), b2])
    tree.train_model(model2, tree.mse, None, [([2.0], 7.0)], num_epochs=1)
    assert (w2.value, b2.value) == (w.value, b.value)  # None: plain gradient descent


def test_train_model_with_binary_cross_entropy():
    tree.seed(3)
    x = Input()
    model = Sigmoid(
        Add([Multiply([Parameter(learning_rate=0.5), x]), Parameter(learning_rate=0.5)])
    )
    data = [([v], float(v > 0.3)) for v in np.linspace(-2, 2, 21)]
    losses = tree.train_model(model, tree.binary_cross_entropy, None, data, 200)
    assert losses[-1] < 0.25 * losses[0]
    assert all((model.predict(inputs) > 0.5) == bool(t) for inputs, t in data)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(num_epochs=0), ValueError, "num_epochs must be at least 1"),
        (dict(num_epochs=2.5), TypeError, "num_epochs must be an integer"),
        (dict(data=[]), ValueError, "data is empty"),
        (dict(optimizer="adam"), TypeError, "optimizer"),
        (dict(loss_fn=None), TypeError, "loss_fn"),
        (dict(model=3.0), TypeError, "model"),
        (dict(data=3), TypeError, "data must be a list of"),
        (dict(data=[([1.0, 2.0], 1.0)]), ValueError, r"data\[0\] inputs: expected 1 input values"),
        (
            dict(data=LINE + [1.5]),
            TypeError,
            r"data\[11\] must be an \(inputs, target\) pair, got 1.5",
        ),
        (dict(data=["ab"]), TypeError, r"data\[0\] must be an \(inputs, target\) pair, got 'ab'"),
        (dict(data=[([1.0], 2.0, 3.0)]), ValueError, r"data\[0\] must be .* pair, got 3 items"),
        (dict(data=[(1.0, 2.0)]), TypeError, r"data\[0\] inputs must be a sequence of numbers"),
        (dict(data=[(["x"], 2.0)]), TypeError, r"data\[0\] input 0 must be a real number"),
        (dict(data=[([math.nan], 2.0)]), ValueError, r"data\[0\] input 0 must be finite"),
        (
            dict(data=[([1.0], "a")]),
            TypeError,
            r"data\[0\] target must be a real number, got str 'a'",
        ),
        (dict(data=[([1.0], None)]), TypeError, r"data\[0\] target must be a real number"),
        (dict(data=[([1.0], [2.0])]), TypeError, r"data\[0\] target must be a real number"),
        (dict(data=LINE + [([1.0], math.inf)]), ValueError, r"data\[11\] target must be finite"),
    ],
)
def test_train_model_errors(kwargs, error, match):
    w, b = Parameter(0.5), Parameter(-0.5)
    args = dict(
        model=Add([Multiply([w, Input()]), b]),
        loss_fn=tree.mse,
        optimizer=None,
        data=LINE,
        num_epochs=1,
    )
    args.update(kwargs)
    with pytest.raises(error, match=match):
        tree.train_model(**args)
    assert (w.value, b.value) == (0.5, -0.5)  # refused before any step


def test_train_model_reports_divergence():
    model = Add([Multiply([Parameter(1.0, learning_rate=100.0), Input()]), Parameter(0.0)])
    with pytest.raises(ValueError, match="diverged"):
        tree.train_model(model, tree.mse, None, LINE, num_epochs=50)


@pytest.mark.parametrize(
    "loss_fn, prediction, target",
    [
        (tree.mse, 0.3, 1.7),
        (tree.mse, -2.0, -2.5),
        (tree.binary_cross_entropy, 0.3, 1.0),
        (tree.binary_cross_entropy, 0.9, 0.0),
        (tree.binary_cross_entropy, 0.42, 0.25),
    ],
)
def test_loss_derivatives_match_finite_differences(loss_fn, prediction, target):
    h = 1e-6
    loss, derivative = loss_fn(prediction, target)
    numeric = (loss_fn(prediction + h, target)[0] - loss_fn(prediction - h, target)[0]) / (2 * h)
    assert derivative == pytest.approx(numeric, rel=1e-6)
    assert loss >= 0


def test_binary_cross_entropy_edges():
    loss, derivative = tree.binary_cross_entropy(0.0, 1.0)
    assert math.isfinite(loss) and math.isfinite(derivative) and derivative < 0
    assert tree.binary_cross_entropy(1.0, 1.0)[0] == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match=r"target must be in \[0, 1\]"):
        tree.binary_cross_entropy(0.5, 2.0)


# ----------------------------------------------------------------------------- bridge to ANN
from ann import ANN

HIDDEN = ["sigmoid", "relu", "tanh", "leaky_relu", "identity"]


def random_ann(rng, hidden, units_out, output, l2=0.0):
    sizes = [int(rng.integers(2, 4)) for _ in hidden] + [units_out]
    model = ANN(sizes, activation=hidden, output=output, l2=l2, seed=int(rng.integers(100)))
    model.initialize_parameters(3)
    for name, value in model.parameters.items():  # non-zero biases, larger weights
        model.parameters[name] = value + rng.normal(scale=0.5, size=value.shape)
    return model


def check_against_ann(model, X, Y):
    _AL, store = model.forward(X)
    grads = model.backward(X, Y, store)
    root, nodes = tree.tree_from_ann(model, X, Y)
    cost = root.forward()
    root.backward()
    assert cost == pytest.approx(model.compute_cost(X, Y), rel=1e-12, abs=1e-12)
    tree_grads = tree.gradient_arrays(nodes)
    assert sorted(tree_grads) == sorted(grads)
    for name, expected in grads.items():
        assert tree_grads[name].shape == expected.shape
        np.testing.assert_allclose(tree_grads[name], expected, rtol=1e-10, atol=1e-10, err_msg=name)
    # one Parameter node per weight, shared by every sample
    n_weights = sum(v.size for v in model.parameters.values())
    assert len(root.find_parameters()) == n_weights
    assert [node.value for node in root.find_input_nodes()] == X.ravel().tolist()
    return root


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("activation", HIDDEN)
def test_tree_matches_ann_sigmoid_output(activation, depth):
    rng = np.random.default_rng(100 * depth + HIDDEN.index(activation))
    others = [HIDDEN[int(i)] for i in rng.integers(0, len(HIDDEN), depth - 1)]
    model = random_ann(rng, [activation] + others, 1, "auto")
    X = rng.normal(size=(4, 3))
    check_against_ann(model, X, np.array([0, 1, 1, 0]))


@pytest.mark.parametrize("activation", HIDDEN)
def test_tree_matches_ann_softmax_output(activation):
    rng = np.random.default_rng(7 + HIDDEN.index(activation))
    model = random_ann(rng, [activation, "tanh"], 3, "auto")
    X = rng.normal(size=(5, 3))
    check_against_ann(model, X, np.array([0, 2, 1, 2, 0]))


@pytest.mark.parametrize("activation", HIDDEN)
def test_tree_matches_ann_identity_output_with_l2(activation):
    rng = np.random.default_rng(31 + HIDDEN.index(activation))
    model = random_ann(rng, [activation], 2, "identity", l2=0.3)
    X = rng.normal(size=(4, 3))
    check_against_ann(model, X, rng.normal(size=(4, 2)))


@pytest.mark.parametrize("labels, sizes", [(["no", "yes"], [3, 1]), (["a", "b", "c"], [4, 3])])
def test_tree_matches_a_fitted_ann_with_string_labels(labels, sizes):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    Y = np.array([labels[i % len(labels)] for i in range(6)])
    model = ANN(sizes, activation="tanh", learning_rate=0.5, n_iterations=20, quiet=True)
    model.fit(X, Y)
    check_against_ann(model, X, Y)


@pytest.mark.parametrize("model", [3, None, "ANN", object()])
def test_tree_from_ann_needs_an_ann(model):
    with pytest.raises(TypeError, match=r"model must be an ann\.ANN"):
        tree.tree_from_ann(model, np.zeros((1, 2)), [0])


def test_tree_from_ann_needs_parameters():
    with pytest.raises(ValueError, match="no parameters"):
        tree.tree_from_ann(ANN([2, 1]), np.zeros((2, 3)), np.array([0, 1]))


@pytest.mark.parametrize(
    "X, Y, error, match",
    [
        (np.zeros((2, 2)), [0, 1], ValueError, "X has 2 features, but the model was fitted with 3"),
        (np.zeros((2, 4)), [0, 1], ValueError, "X has 4 features, but the model was fitted with 3"),
        (np.zeros(3), [0], ValueError, "X must be 2-D"),
        (np.zeros((0, 3)), [], ValueError, "X is empty"),
        ([[0.0, np.nan, 1.0]], [0], ValueError, "X contains NaN or infinite values"),
        ([["a", "b", "c"]], [0], TypeError, "X must be numeric"),
        (None, [0], TypeError, "X must be an array"),
        (np.zeros((2, 3)), [0, 1, 1], ValueError, "X has 2 samples but Y has 3 labels"),
        (np.zeros((2, 3)), [[0, 1], [1, 0]], ValueError, r"Y must have shape \(n,\)"),
        (np.zeros((2, 3)), None, TypeError, "Y must be an array of 2 labels"),
        (np.zeros((2, 3)), [0, 7], ValueError, r"Y holds labels \[7\]"),
    ],
)
def test_tree_from_ann_checks_X_and_Y(X, Y, error, match):
    model = ANN([2, 1])
    model.initialize_parameters(3)
    with pytest.raises(error, match=match):
        tree.tree_from_ann(model, X, Y)


def test_tree_from_ann_checks_regression_targets():
    model = ANN([2, 2], output="identity")
    model.initialize_parameters(3)
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"X has 2 samples but Y has shape \(3, 2\)"):
        tree.tree_from_ann(model, X, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="Y has 1 outputs but the output layer has 2 units"):
        tree.tree_from_ann(model, X, np.zeros(2))
    with pytest.raises(TypeError, match="Y must be numeric"):
        tree.tree_from_ann(model, X, [["a", "b"], ["c", "d"]])


# ----------------------------------------------------------------------------- pictures
def small_net():
    tree.seed(1)
    x = [Input(0.5), Input(-1.0)]
    hidden = [
        Tanh(Add([Multiply([Parameter(), xi]) for xi in x] + [Parameter()])) for _ in range(2)
    ]
    out = Sigmoid(Add([Multiply([Parameter(), h]) for h in hidden] + [Parameter()]))
    root = Negate(Log(out))
    root.forward()
    root.backward()
    return root


def test_draw_tree_labels_every_node(tmp_path):
    from matplotlib.figure import Figure

    from ann.treeviz import draw_tree, layered_layout

    root = small_net()
    nodes = root.topological_order()
    path = tmp_path / "net.png"
    fig = draw_tree(root, path)
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert len(labels) == len(nodes)
    assert sorted(labels) == sorted(
        f"{type(n).__name__}\nv={n.value:.4g}\ng={n.gradient:.4g}" for n in nodes
    )
    assert path.stat().st_size > 1000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    layout = layered_layout(root)
    assert all(layout[c][1] > layout[n][1] for n in nodes for c in n.children)  # edges go down


def test_draw_tree_before_forward_and_for_a_leaf():
    from ann.treeviz import draw_tree

    fig = draw_tree(Add([Parameter(1.0), Input(2.0)]))
    assert "Add\nv=?\ng=0" in [t.get_text() for t in fig.axes[0].texts]
    assert len(draw_tree(Constant(3.0)).axes[0].texts) == 1


def test_to_dot_mentions_every_node_and_edge():
    from ann.treeviz import to_dot

    root = small_net()
    dot = to_dot(root)
    nodes = root.topological_order()
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for i in range(len(nodes)):
        assert dot.count(f"  n{i} [label=") == 1
    assert dot.count(" -> ") == sum(len(n.children) for n in nodes)
    for kind in ("Negate", "Log", "Sigmoid", "Tanh", "Multiply", "Add", "Parameter", "Input"):
        assert kind in dot


# ----------------------------------------------------------------------------- demo script
def test_demo_main_trains_and_draws(tmp_path, capsys):
    from ann.commands import tree_demo

    out = tmp_path / "demo.png"
    assert tree_demo.main(["--out", str(out), "--epochs", "100", "--seed", "3"]) == 0
    text = capsys.readouterr().out
    w = float(text.split("w = ")[1].split(",")[0])
    b = float(text.split("b = ")[1].split()[0])
    assert w == pytest.approx(3.0, abs=1e-3) and b == pytest.approx(2.0, abs=1e-3)
    assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "flags",
    [
        ["--epochs", "0"],
        ["--epochs", "many"],
        ["--learning-rate", "-1"],
        ["--learning-rate", "nan"],
        ["--seed", "x"],
        ["--out", "/no/such/folder/t.png"],
        ["--bogus"],
    ],
)
def test_demo_bad_flags_exit_2_with_one_line(flags):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.tree_demo", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "error" in result.stderr
