"""A tree-of-operations engine: scalar automatic differentiation, one node at a time.

A network is a syntax tree (more exactly a DAG: nodes may be shared). Leaves hold
numbers -- :class:`Input`, :class:`Parameter`, :class:`Constant` -- and every inner
node is an :class:`Operation` on its ``children``. Each operation class states two
rules side by side: ``op`` (the value from the children's values) and ``grad`` (the
local derivative of that value with respect to each child).

* ``forward()`` visits every node once, children before parents, and caches the
  result in ``node.value``.
* ``backward(derivative=1.0)`` visits every node once, parents before children, and
  leaves in ``node.gradient`` the derivative of the root with respect to that node,
  summed over every path (scaled by ``derivative``). It reads the values cached by
  the latest ``forward()`` and never changes a value; an optimizer steps afterwards
  (:func:`train_model`).

Both walks are iterative (an explicit stack, no recursion) and cost time linear in
nodes + edges, so deep chains and heavily shared subtrees are fine.

Randomness: a ``Parameter()`` without a value draws it uniformly from [-1, 1] using a
private :class:`random.Random`; call :func:`seed` for reproducible values. NumPy's
global random state is never touched.

Example::

    >>> from ann import tree
    >>> tree.seed(0)
    >>> w, b = tree.Parameter(), tree.Parameter()
    >>> model = tree.Add([tree.Multiply([w, tree.Input(0.0)]), b])
    >>> data = [([x], 3 * x + 2) for x in (-1.0, -0.5, 0.0, 0.5, 1.0)]
    >>> losses = tree.train_model(model, tree.mse, None, data, num_epochs=500)
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "Add",
    "Constant",
    "Exp",
    "Input",
    "Leaf",
    "LeakyReLU",
    "Log",
    "Multiply",
    "Negate",
    "NeuralNetNode",
    "Operation",
    "Parameter",
    "Power",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "binary_cross_entropy",
    "gradient_arrays",
    "mse",
    "seed",
    "train_model",
    "tree_from_ann",
]

_rng = random.Random()


def seed(n: int) -> None:
    """Seed the generator that draws default ``Parameter`` values (NumPy untouched)."""
    _rng.seed(n)


def _check_number(value: object, what: str) -> float:
    """Return ``value`` as a float; TypeError if not a real number, ValueError if NaN/inf."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    return value


# --------------------------------------------------------------------------- nodes
class NeuralNetNode:
    """A node of the tree: ``children`` feed ``op``; ``value`` and ``gradient`` are caches.

    ``value`` is the result of the latest ``forward()`` (None before it) and
    ``gradient`` is d(root)/d(node) from the latest ``backward()`` of a root above it.
    """

    value: float | None = None

    def __init__(self, children: Iterable[NeuralNetNode] = ()) -> None:
        self.children = list(children)
        self.gradient = 0.0

    def op(self, x: list[float]) -> float:
        """The node's value given its children's values ``x`` (a list of floats)."""
        raise NotImplementedError

    def grad(self) -> list[float]:
        """Local derivatives d(self)/d(child), one per child, from the cached values."""
        raise NotImplementedError

    def cached_value(self) -> float:
        """``value`` as the latest ``forward()`` left it; ValueError before any."""
        value = self.value
        if value is None:
            raise ValueError(f"{type(self).__name__} has no value yet: call forward() first")
        return value

    # ---- graph walks
    def topological_order(self) -> list[NeuralNetNode]:
        """Every node reachable from here once, children before parents.

        Depth-first, children left to right, a node listed when its subtree is done
        (post-order); iterative, so depth is unlimited. ValueError on a cycle.
        """
        order: list[NeuralNetNode] = []
        finished: dict[NeuralNetNode, bool] = {}  # False while open, True when done
        stack: list[tuple[NeuralNetNode, bool]] = [(self, False)]
        while stack:
            node, closing = stack.pop()
            if closing:
                finished[node] = True
                order.append(node)
                continue
            if node in finished:  # reached again through another parent
                continue
            finished[node] = False
            stack.append((node, True))
            children = node.children
            for i in range(len(children) - 1, -1, -1):  # leftmost child on top
                child = children[i]
                state = finished.get(child)
                if state is None:
                    stack.append((child, False))
                elif state is False:  # an open node is an ancestor
                    raise ValueError(
                        f"cycle through a {type(child).__name__} node: the graph must be acyclic"
                    )
        return order

    def find_input_nodes(self) -> list[Input]:
        """Each ``Input`` below this node once, in order of first visit (depth-first,
        children left to right). This is the order ``predict`` fills them in."""
        return [n for n in self.topological_order() if isinstance(n, Input)]

    def find_parameters(self) -> list[Parameter]:
        """Each ``Parameter`` below this node once, same order as ``find_input_nodes``."""
        return [n for n in self.topological_order() if isinstance(n, Parameter)]

    # ---- passes
    def forward(self) -> float:
        """Evaluate every node below (each once), cache ``node.value``; return this value."""
        return _forward(self.topological_order())

    def __call__(self) -> float:
        return self.forward()

    def backward(self, derivative: float = 1.0) -> None:
        """Set ``node.gradient`` = derivative * d(self)/d(node) for every node below.

        Gradients of the nodes below are reset first (no accumulation across calls);
        a node whose gradient is exactly 0 passes nothing down (its ``grad()`` is
        skipped). Uses the values of the latest ``forward()`` (ValueError if there
        was none); changes no value.
        """
        _backward(self.topological_order(), _check_number(derivative, "derivative"))

    def predict(self, inputs: Iterable[float]) -> float:
        """Fill the ``Input`` nodes (``find_input_nodes`` order) with ``inputs``; evaluate."""
        order = self.topological_order()
        input_nodes = [n for n in order if isinstance(n, Input)]
        for node, v in zip(input_nodes, _check_inputs(inputs, len(input_nodes))):
            node.value = v
        return _forward(order)

    def __repr__(self) -> str:
        k = len(self.children)
        return f"{type(self).__name__}(<{k} child{'' if k == 1 else 'ren'}>, value={self.value})"


def _forward(order: list[NeuralNetNode]) -> float:
    for node in order:
        if node.children:
            # children come before their parents in ``order``: every value is set
            node.value = node.op(cast("list[float]", [child.value for child in node.children]))
    return order[-1].cached_value()


def _backward(order: list[NeuralNetNode], derivative: float) -> None:
    for node in order:
        if node.value is None:
            raise ValueError(
                "backward() needs the values of a forward() pass; call forward() first"
            )
        node.gradient = 0.0
    order[-1].gradient = derivative
    for node in reversed(order):
        if node.children and node.gradient != 0.0:
            upstream = node.gradient
            for child, local in zip(node.children, node.grad()):
                child.gradient += upstream * local


def _check_inputs(inputs: Iterable[object], n: int, where: str = "") -> list[float]:
    """``inputs`` as a list of ``n`` finite floats; messages start with ``where``."""
    try:
        values = list(inputs)
    except TypeError:
        raise TypeError(
            f"{where}inputs must be a sequence of numbers, got {type(inputs).__name__}"
        ) from None
    if len(values) != n:
        raise ValueError(
            f"{where}inputs: expected {n} input values (one per Input node), got {len(values)}"
        )
    return [_check_number(v, f"{where}input {i}") for i, v in enumerate(values)]


# --------------------------------------------------------------------------- leaves
class Leaf(NeuralNetNode):
    """A node without children holding a finite number ``value``."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    @property
    def value(self) -> float:
        return self._value

    @value.setter
    def value(self, v: float) -> None:
        self._value = _check_number(v, f"{type(self).__name__} value")

    def op(self, x: list[float]) -> float:
        return self._value

    def grad(self) -> list[float]:
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._value!r})"


class Input(Leaf):
    """A value supplied from outside, e.g. by ``predict``."""

    def __init__(self, value: float = 0.0) -> None:
        super().__init__(value)


class Constant(Leaf):
    """A fixed number (never trained)."""


class Parameter(Leaf):
    """A trainable number; default value uniform in [-1, 1] (see :func:`seed`)."""

    def __init__(self, value: float | None = None, learning_rate: float = 0.01) -> None:
        super().__init__(_rng.uniform(-1.0, 1.0) if value is None else value)
        self.learning_rate = learning_rate

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, lr: float) -> None:
        lr = _check_number(lr, "learning_rate")
        if lr <= 0:
            raise ValueError(f"learning_rate must be positive, got {lr}")
        self._learning_rate = lr


# --------------------------------------------------------------------------- operations
class Operation(NeuralNetNode):
    """An inner node. ``children``: one node or an iterable of nodes.

    ``arity`` is the exact number of children required (None: at least one).
    """

    arity: int | None = None

    def __init__(self, children: NeuralNetNode | Iterable[NeuralNetNode]) -> None:
        if isinstance(children, NeuralNetNode):
            children = [children]
        try:
            children = list(children)
        except TypeError:
            raise TypeError(
                f"{type(self).__name__} children must be a node or a list of nodes, "
                f"got {type(children).__name__}"
            ) from None
        for i, child in enumerate(children):
            if not isinstance(child, NeuralNetNode):
                raise TypeError(
                    f"{type(self).__name__} child {i} is not a node: {type(child).__name__}"
                )
        if self.arity is None and not children:
            raise ValueError(f"{type(self).__name__} needs at least one child, got 0")
        if self.arity is not None and len(children) != self.arity:
            raise ValueError(
                f"{type(self).__name__} needs exactly {self.arity} child, got {len(children)}"
            )
        super().__init__(children)


class Add(Operation):
    """x0 + x1 + ...;  d/dxi = 1."""

    def op(self, x: list[float]) -> float:
        return sum(x)

    def grad(self) -> list[float]:
        return [1.0] * len(self.children)


class Multiply(Operation):
    """x0 * x1 * ...;  d/dxi = product of the others (prefix * suffix products, O(k))."""

    def op(self, x: list[float]) -> float:
        return math.prod(x)

    def grad(self) -> list[float]:
        x = [c.cached_value() for c in self.children]
        k = len(x)
        out, running = [1.0] * k, 1.0
        for i in range(k):  # out[i] = x0 * ... * x(i-1)
            out[i] = running
            running *= x[i]
        running = 1.0
        for i in range(k - 1, -1, -1):  # times x(i+1) * ... * x(k-1)
            out[i] *= running
            running *= x[i]
        return out


class Negate(Operation):
    """-x;  d/dx = -1."""

    arity = 1

    def op(self, x: list[float]) -> float:
        return -x[0]

    def grad(self) -> list[float]:
        return [-1.0]


class Power(Operation):
    """x ** exponent (a fixed real);  d/dx = exponent * x ** (exponent - 1).

    A negative x with a non-integer exponent is a ValueError, and so is 0 to a negative
    exponent (and the infinite derivative at 0 of an exponent below 1); a result too
    large for a float is +-inf, as for ``Exp``.
    """

    arity = 1

    def __init__(
        self, children: NeuralNetNode | Iterable[NeuralNetNode], exponent: float = 2
    ) -> None:
        super().__init__(children)
        self.exponent = _check_number(exponent, "Power exponent")

    def op(self, x: list[float]) -> float:
        if x[0] < 0 and not self.exponent.is_integer():
            raise ValueError(
                f"Power: negative base {x[0]} with non-integer exponent {self.exponent}"
            )
        return _power(x[0], self.exponent)

    def grad(self) -> list[float]:
        x, p = self.children[0].cached_value(), self.exponent
        if p == 0:
            return [0.0]
        if x == 0 and p < 1:
            raise ValueError(
                f"Power: the derivative of x ** {p} at x = 0 is infinite (or undefined)"
            )
        return [p * _power(x, p - 1)]


def _power(x: float, p: float) -> float:
    """``x ** p``, +-inf where it overflows; ValueError for 0 to a negative power."""
    if x == 0 and p < 0:
        raise ValueError(f"Power: 0 to the negative exponent {p} (division by zero)")
    try:
        return x**p
    except OverflowError:
        odd = p.is_integer() and int(p) % 2 == 1
        return -math.inf if x < 0 and odd else math.inf


class Exp(Operation):
    """exp(x), +inf when it overflows (x > ~709.78);  d/dx = exp(x) (the cached value)."""

    arity = 1

    def op(self, x: list[float]) -> float:
        try:
            return math.exp(x[0])
        except OverflowError:
            return math.inf

    def grad(self) -> list[float]:
        return [self.cached_value()]


class Log(Operation):
    """Natural log;  d/dx = 1/x.  Defined for x > 0 only: x <= 0 raises ValueError
    (no silent -inf/NaN; keep inputs away from 0, e.g. see ``binary_cross_entropy``)."""

    arity = 1

    def op(self, x: list[float]) -> float:
        if not x[0] > 0:
            raise ValueError(f"Log of a non-positive value {x[0]}")
        return math.log(x[0])

    def grad(self) -> list[float]:
        return [1.0 / self.children[0].cached_value()]


class ReLU(Operation):
    """max(0, x);  d/dx = 1 if x > 0 else 0."""

    arity = 1

    def op(self, x: list[float]) -> float:
        return x[0] if x[0] > 0 else 0.0

    def grad(self) -> list[float]:
        return [1.0 if self.children[0].cached_value() > 0 else 0.0]


class LeakyReLU(Operation):
    """x if x > 0 else 0.01 x;  d/dx = 1 if x > 0 else 0.01."""

    arity = 1
    slope = 0.01

    def op(self, x: list[float]) -> float:
        return x[0] if x[0] > 0 else self.slope * x[0]

    def grad(self) -> list[float]:
        return [1.0 if self.children[0].cached_value() > 0 else self.slope]


class Sigmoid(Operation):
    """1 / (1 + exp(-x)), computed without overflow for any x;  d/dx = s (1 - s)."""

    arity = 1

    def op(self, x: list[float]) -> float:
        if x[0] >= 0:
            return 1.0 / (1.0 + math.exp(-x[0]))
        e = math.exp(x[0])
        return e / (1.0 + e)

    def grad(self) -> list[float]:
        s = self.cached_value()
        return [s * (1.0 - s)]


class Tanh(Operation):
    """tanh(x);  d/dx = 1 - tanh(x)**2."""

    arity = 1

    def op(self, x: list[float]) -> float:
        return math.tanh(x[0])

    def grad(self) -> list[float]:
        a = self.cached_value()
        return [1.0 - a * a]


# --------------------------------------------------------------------------- training
def mse(prediction: float, target: float) -> tuple[float, float]:
    """Squared error of one sample: ``(loss, dloss/dprediction)`` = ((p - t)**2, 2 (p - t))."""
    d = float(prediction) - float(target)
    return d * d, 2.0 * d


BCE_EPS = 1e-12


def binary_cross_entropy(prediction: float, target: float) -> tuple[float, float]:
    """-(t log p + (1 - t) log(1 - p)) and its derivative (p - t) / (p (1 - p)).

    ``prediction`` is a probability; it is clipped to [BCE_EPS, 1 - BCE_EPS] so that the
    loss stays finite (the derivative is taken at the clipped point). ``target`` in [0, 1].
    """
    t = float(target)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"binary_cross_entropy target must be in [0, 1], got {target}")
    p = min(max(float(prediction), BCE_EPS), 1.0 - BCE_EPS)
    loss = -(t * math.log(p) + (1.0 - t) * math.log1p(-p))
    return loss, (p - t) / (p * (1.0 - p))


def _gradient_descent(value: float, gradient: float, learning_rate: float) -> float:
    return value - learning_rate * gradient


def train_model(
    model: NeuralNetNode,
    loss_fn: Callable[[float, float], tuple[float, float]],
    optimizer: Callable[[float, float, float], float] | None,
    data: Iterable[tuple[Sequence[float], float]],
    num_epochs: int,
) -> list[float]:
    """Per-sample training of ``model``; returns the mean loss of each epoch.

    ``data``: list of ``(inputs, target)`` pairs, visited in the given order; each
    ``inputs`` holds one number per ``Input`` node and ``target`` is a finite number.
    Every pair is checked before training starts (TypeError/ValueError naming it).
    ``loss_fn(prediction, target) -> (loss, dloss/dprediction)`` (e.g. :func:`mse`).
    ``optimizer(value, gradient, learning_rate) -> new value``, applied to every
    ``Parameter`` with its own learning_rate; ``None`` is plain gradient descent.
    Per sample: predict, loss, backward from the root with dloss/dprediction (all
    gradients first), then step every parameter. A parameter that becomes NaN/inf
    raises ValueError (training diverged).
    """
    if not isinstance(model, NeuralNetNode):
        raise TypeError(f"model must be a tree node, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable (prediction, target) -> (loss, derivative)")
    if optimizer is None:
        optimizer = _gradient_descent
    elif not callable(optimizer):
        raise TypeError(
            "optimizer must be None or callable (value, gradient, learning_rate) -> value"
        )
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, numbers.Integral):
        raise TypeError(f"num_epochs must be an integer, got {type(num_epochs).__name__}")
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    order = model.topological_order()
    input_nodes = [n for n in order if isinstance(n, Input)]
    parameters = [n for n in order if isinstance(n, Parameter)]
    data = _check_data(data, len(input_nodes))
    history = []
    for epoch in range(num_epochs):
        total = 0.0
        for inputs, target in data:
            for node, v in zip(input_nodes, inputs):
                node.value = v
            prediction = _forward(order)
            result = loss_fn(prediction, target)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise TypeError(
                    "loss_fn must return a pair (loss, dloss/dprediction), got "
                    f"{type(result).__name__} {result!r}"
                )
            loss = _check_loss(result[0], epoch)
            _backward(order, _check_number(result[1], "loss derivative"))
            for p in parameters:
                new = optimizer(p.value, p.gradient, p.learning_rate)
                try:
                    p.value = new
                except (TypeError, ValueError) as exc:
                    raise ValueError(
                        f"training diverged at epoch {epoch + 1}: {exc} "
                        f"(try a smaller learning rate)"
                    ) from None
            total += loss
        history.append(total / len(data))
    return history


def _check_loss(loss: object, epoch: int) -> float:
    """The loss returned by ``loss_fn``: a real number, finite unless training diverged."""
    if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
        raise TypeError(f"loss_fn returned a loss of type {type(loss).__name__}: {loss!r}")
    if not math.isfinite(loss):
        raise ValueError(
            f"training diverged at epoch {epoch + 1}: the loss is {loss} "
            "(try a smaller learning rate, or check loss_fn)"
        )
    return float(loss)


def _check_data(data: Iterable[Any], n_inputs: int) -> list[tuple[list[float], float]]:
    """``data`` as a list of ``(inputs, target)``: ``n_inputs`` floats and a float."""
    try:
        data = list(data)
    except TypeError:
        raise TypeError(
            f"data must be a list of (inputs, target) pairs, got {type(data).__name__}"
        ) from None
    if not data:
        raise ValueError("data is empty: need at least one (inputs, target) pair")
    checked = []
    for i, pair in enumerate(data):
        if not isinstance(pair, (tuple, list)):
            raise TypeError(f"data[{i}] must be an (inputs, target) pair, got {pair!r}")
        if len(pair) != 2:
            raise ValueError(f"data[{i}] must be an (inputs, target) pair, got {len(pair)} items")
        checked.append(
            (
                _check_inputs(pair[0], n_inputs, f"data[{i}] "),
                _check_number(pair[1], f"data[{i}] target"),
            )
        )
    return checked


# --------------------------------------------------------------------------- bridge to ANN
_HIDDEN_OPS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "identity": None,
}


def _output_nodes(output: str, z: list[NeuralNetNode]) -> list[NeuralNetNode]:
    """The output activations ``a = g(z)`` as nodes."""
    if output == "sigmoid":
        return [Sigmoid(zk) for zk in z]
    if output == "exp":
        return [Exp(zk) for zk in z]
    if output == "softmax":
        # a_k = exp(z_k - c - log sum_j exp(z_j - c)), c = max_j z_j (a constant)
        c = max(zk.forward() for zk in z)
        log_sum = Log(Add([Exp(Add([zj, Constant(-c)])) for zj in z]))
        return [Exp(Add([zk, Constant(-c), Negate(log_sum)])) for zk in z]
    if output == "identity":
        return list(z)
    raise ValueError(f"tree_from_ann: unknown output activation {output!r}")


def _sample_loss(
    output: str, z: list[NeuralNetNode], t: list[float], loss: str | None = None
) -> NeuralNetNode:
    """The loss of one sample as a tree, from the output pre-activations ``z`` (nodes)
    and the target column ``t`` (floats); terms with a zero coefficient are left out.
    ``loss`` is the model's ``loss_function_`` (None: the output's own loss)."""
    if loss == "squared_error" and output != "identity":
        # 1/2 sum_k (a_k - t_k)**2 on the output activations (Nielsen's quadratic cost)
        a = _output_nodes(output, z)
        return Multiply(
            [Constant(0.5), Add([Power(Add([ak, Constant(-tk)]), 2) for ak, tk in zip(a, t)])]
        )
    if output == "exp":
        # Poisson deviance: sum_k exp(z_k) - t_k z_k - t_k + t_k log t_k
        return Add(
            [
                Add(
                    [
                        Exp(zk),
                        Multiply([Constant(-tk), zk]),
                        Constant(tk * math.log(tk) - tk if tk > 0 else 0.0),
                    ]
                )
                for zk, tk in zip(z, t)
            ]
        )
    if output == "sigmoid":
        # -(t log a + (1 - t) log(1 - a)), a = sigmoid(z), with 1 - a = sigmoid(-z)
        terms = []
        for zk, tk in zip(z, t):
            if tk != 0.0:
                terms.append(Multiply([Constant(tk), Log(Sigmoid(zk))]))
            if tk != 1.0:
                terms.append(Multiply([Constant(1.0 - tk), Log(Sigmoid(Negate(zk)))]))
        return Negate(Add(terms))
    if output == "softmax":
        # -sum_k t_k (z_k - c - log sum_j exp(z_j - c)); the shift c = max_j z_j (taken
        # as a constant: the cost does not depend on it) keeps exp from overflowing
        c = max(zk.forward() for zk in z)
        log_sum = Add([Log(Add([Exp(Add([zj, Constant(-c)])) for zj in z])), Constant(c)])
        terms = [
            Multiply([Constant(tk), Add([zk, Negate(log_sum)])])
            for zk, tk in zip(z, t)
            if tk != 0.0
        ]
        return Negate(Add(terms)) if terms else Constant(0.0)
    if output == "identity":
        # 1/2 sum_k (z_k - t_k)**2
        return Multiply(
            [Constant(0.5), Add([Power(Add([zk, Constant(-tk)]), 2) for zk, tk in zip(z, t)])]
        )
    raise ValueError(f"tree_from_ann: unknown output activation {output!r}")


def tree_from_ann(
    model: Any, X: npt.ArrayLike, Y: npt.ArrayLike
) -> tuple[NeuralNetNode, dict[str, np.ndarray]]:
    """The cost of the vectorized :class:`ann.ANN` on a small batch, as a scalar tree.

    ``X`` (n_samples, ``model.n_features_in_``), finite, becomes ``Input`` nodes
    (``find_input_nodes()`` lists them in ``X.ravel()`` order); ``Y`` holds one label
    (regression: one row of values) per sample, as for ``model.backward``, and is
    encoded with ``model.encode_targets``. Every weight and bias becomes one
    ``Parameter`` shared by all samples, so the result is a DAG.

    The cost is the mean over samples of the model's loss: the one that goes with
    ``model.output_activation_`` (sigmoid: binary cross-entropy, softmax: categorical
    cross-entropy, identity: half squared error, exp: Poisson deviance), or half the
    squared error on the outputs when ``model.loss_function_`` is ``squared_error``,
    plus ``l2 / (2 n) * sum(W**2)`` when ``model.l2 > 0``. (scikit-learn's clipped
    log-losses count as the exact ones, whose gradient they share.) Returns
    ``(cost_root, parameter_nodes)`` where ``parameter_nodes[name]`` is an object array
    of ``Parameter`` nodes shaped like ``model.parameters[name]``. After
    ``cost_root.forward(); cost_root.backward()``, ``gradient_arrays(parameter_nodes)``
    matches ``model.backward``. The tree computes
    in float64 (Python floats): compare against a ``dtype='float64'`` model.
    """
    import numpy as np

    from . import arrays, targets, validation

    if not all(hasattr(model, name) for name in ("parameters", "to_numpy", "encode_targets")):
        raise TypeError(f"tree_from_ann: model must be an ann.ANN, got {type(model).__name__}")
    if not model.parameters:
        raise ValueError(
            "tree_from_ann: the model has no parameters yet; call fit or "
            "initialize_parameters first"
        )
    model = model.to_numpy()
    X = validation.check_X(arrays.host(X), model.n_features_in_, dtype=np.float64)
    X = X / (model.input_divisor or 1.0)
    Y = targets.check_targets(model.targets, Y, X.shape[0])
    T = np.asarray(model.encode_targets(Y), dtype=float)
    n, L = X.shape[0], model.n_layers
    activations = list(model.hidden_activations_) + [model.output_activation_]

    nodes: dict[str, np.ndarray] = {}
    for name, array in model.parameters.items():
        grid = np.empty(array.shape, dtype=object)
        for index in np.ndindex(array.shape):
            grid[index] = Parameter(float(array[index]))
        nodes[name] = grid

    losses = []
    for s in range(n):
        a: list[NeuralNetNode] = [Input(float(v)) for v in X[s]]
        for l in range(1, L + 1):
            W, b = nodes[f"W{l}"], nodes[f"b{l}"]
            z: list[NeuralNetNode] = [
                Add([Multiply([W[i, j], a[j]]) for j in range(len(a))] + [b[i, 0]])
                for i in range(W.shape[0])
            ]
            if l < L:
                op = _HIDDEN_OPS[activations[l - 1]]
                a = z if op is None else [op(zi) for zi in z]
        values = [float(v) for v in T[:, s]]
        losses.append(_sample_loss(activations[-1], z, values, model.loss_function_))
    cost: NeuralNetNode = Multiply([Constant(1.0 / n), Add(losses)])

    l2 = float(getattr(model, "l2", 0.0) or 0.0)
    if l2 > 0:
        squares = [Power(w, 2) for l in range(1, L + 1) for w in nodes[f"W{l}"].ravel()]
        cost = Add([cost, Multiply([Constant(l2 / (2 * n)), Add(squares)])])
    return cost, nodes


def gradient_arrays(
    parameter_nodes: Mapping[str, np.ndarray], prefix: str = "d"
) -> dict[str, np.ndarray]:
    """``{'dW1': array of node.gradient, ...}`` from ``tree_from_ann``'s parameter nodes."""
    import numpy as np

    if not isinstance(parameter_nodes, Mapping):
        raise TypeError(
            "parameter_nodes must be the mapping of name to array of Parameter nodes that "
            f"tree_from_ann returns, got {type(parameter_nodes).__name__}"
        )
    for name, grid in parameter_nodes.items():
        cells = np.asarray(grid, dtype=object).ravel()
        if not all(isinstance(cell, NeuralNetNode) for cell in cells):
            raise TypeError(f"parameter_nodes[{name!r}] must be an array of tree nodes")
    return {
        prefix + name: np.vectorize(lambda node: node.gradient, otypes=[float])(grid)
        for name, grid in parameter_nodes.items()
    }
