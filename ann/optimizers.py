"""Optimizers and learning-rate schedules.

An optimizer updates every parameter of the network at once, in place::

    optimizer.step(p, dp)

where ``p`` is the network's flat parameter vector (``W1, b1, ..., WL, bL`` laid end to
end; ``model.parameters`` holds views into it) and ``dp`` the gradient in the same layout.
``optimizer.learning_rate`` is the current rate; the schedule changes it between epochs.
An update is a few passes over one array, into buffers kept from one step to the next.

``sgd`` and ``adam`` follow PyTorch's conventions; ``sklearn_sgd`` and ``sklearn_adam``
follow scikit-learn's, which differ where the learning rate enters the momentum and where
Adam adds its epsilon. They coincide at a constant rate but for that epsilon.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

from . import arrays


class Optimizer(Protocol):
    """What the training loop needs of an optimizer: the rate, which the loop sets
    before every epoch, and ``step``, which updates the flat parameters in place."""

    learning_rate: float

    def step(self, p: Any, dp: Any) -> None: ...


class GradientDescent:
    """Plain gradient descent, the tutorial's rule: p <- p - lr * dp."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate
        self._scratch: Any = None

    def _buffer(self, p: Any) -> Any:
        """An array shaped like ``p``, kept from step to step (NumPy writes into it)."""
        if self._scratch is None or self._scratch.shape != p.shape:
            self._scratch = arrays.namespace(p).empty_like(p)
        return self._scratch

    def step(self, p: Any, dp: Any) -> None:
        """Update the flat parameters ``p`` in place from their gradient ``dp`` (same
        shape)."""
        p -= arrays.multiply(dp, self.learning_rate, out=self._buffer(p))


class SGD(GradientDescent):
    """Gradient descent with momentum ``mu`` (PyTorch's form)::

        v <- mu * v + dp
        p <- p - lr * v                    (classical)
        p <- p - lr * (dp + mu * v)        (Nesterov)

    The velocity ``v`` starts as the first gradient.
    """

    def __init__(self, learning_rate: float, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        self.momentum, self.nesterov = momentum, nesterov
        self.velocity: Any = None

    def step(self, p: Any, dp: Any) -> None:
        if self.velocity is None:
            self.velocity = arrays.namespace(dp).asarray(dp, copy=True)
        else:
            self.velocity *= self.momentum
            self.velocity += dp
        direction = self.velocity
        if self.nesterov:
            direction = arrays.multiply(self.velocity, self.momentum, out=self._buffer(p))
            direction += dp
        p -= arrays.multiply(direction, self.learning_rate, out=self._buffer(p))


class SklearnSGD(GradientDescent):
    """Gradient descent with momentum, scikit-learn's form (the rate inside the velocity)::

        v <- mu * v - lr * dp
        p <- p + v                         (classical)
        p <- p + mu * v - lr * dp          (Nesterov)

    The velocity ``v`` starts at zero.
    """

    def __init__(self, learning_rate: float, momentum: float = 0.9, nesterov: bool = True) -> None:
        super().__init__(learning_rate)
        self.momentum, self.nesterov = momentum, nesterov
        self.velocity: Any = None

    def step(self, p: Any, dp: Any) -> None:
        if self.velocity is None:
            self.velocity = arrays.namespace(p).zeros_like(p)
        step = arrays.multiply(dp, self.learning_rate, out=self._buffer(p))
        self.velocity *= self.momentum
        self.velocity -= step
        if self.nesterov:
            p -= step
            step = arrays.multiply(self.velocity, self.momentum, out=step)
            p += step
        else:
            p += self.velocity


class Adam(GradientDescent):
    """Adam (Kingma and Ba, 2015), with epsilon added after the bias correction (PyTorch)::

        m <- b1 m + (1 - b1) dp          v <- b2 v + (1 - b2) dp**2
        p <- p - lr * m_hat / (sqrt(v_hat) + eps),
        m_hat = m / (1 - b1**t),         v_hat = v / (1 - b2**t)

    The moments are kept without their (1 - b) factors, ``M = m / (1 - b1)`` and
    ``V = v / (1 - b2)``, which folds those factors into two scalars of the update and
    saves two passes over the parameters per step; the rate moves into the scalars of
    the denominator and saves a third (10 passes).
    """

    def __init__(
        self,
        learning_rate: float,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.M: Any = None
        self.V: Any = None

    def _scales(self) -> tuple[float, float]:
        """``(rate, root_scale)`` of this step: ``p <- p - rate * M / (root_scale *
        sqrt(V) + eps)``. Here ``rate = lr (1 - b1) / (1 - b1**t)`` and ``root_scale =
        sqrt((1 - b2) / (1 - b2**t))``."""
        t, b1, b2 = self.t, self.beta_1, self.beta_2
        return self.learning_rate * (1 - b1) / (1 - b1**t), math.sqrt((1 - b2) / (1 - b2**t))

    def step(self, p: Any, dp: Any) -> None:
        if self.M is None or self.V is None:
            xp = arrays.namespace(dp)
            self.M, self.V = xp.zeros_like(dp), xp.zeros_like(dp)
        M, V, scratch = self.M, self.V, self._buffer(dp)
        self.t += 1
        M *= self.beta_1
        M += dp
        V *= self.beta_2
        V += arrays.multiply(dp, dp, out=scratch)
        rate, root_scale = self._scales()
        if rate == 0:
            return  # (a schedule's rate may reach 0)
        # rate * M / (root_scale sqrt(V) + eps), with the rate moved into the
        # denominator's two scalars: one pass over the parameters fewer.
        denominator = arrays.sqrt(V, out=scratch)
        denominator *= root_scale / rate
        denominator += self.epsilon / rate
        p -= arrays.divide(M, denominator, out=scratch)


class SklearnAdam(Adam):
    """Adam as scikit-learn writes it: the bias corrections folded into the rate and
    epsilon added to the uncorrected ``sqrt(v)``::

        lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t)
        p <- p - lr_t * m / (sqrt(v) + eps)
    """

    def _scales(self) -> tuple[float, float]:
        t, b1, b2 = self.t, self.beta_1, self.beta_2
        rate = self.learning_rate * math.sqrt(1 - b2**t) / (1 - b1**t)
        return rate * (1 - b1), math.sqrt(1 - b2)


OPTIMIZERS: dict[str, type[GradientDescent]] = {
    "gd": GradientDescent,
    "sgd": SGD,
    "adam": Adam,
    "sklearn_sgd": SklearnSGD,
    "sklearn_adam": SklearnAdam,
}

OPTIMIZER_SETTINGS: dict[str, tuple[str, ...]] = {
    "gd": (),
    "sgd": ("momentum", "nesterov"),
    "adam": ("beta_1", "beta_2", "epsilon"),
    "sklearn_sgd": ("momentum", "nesterov"),
    "sklearn_adam": ("beta_1", "beta_2", "epsilon"),
}
"""The model's settings each optimizer takes, besides the learning rate."""


def make_optimizer(name: str, learning_rate: float, settings: Mapping[str, Any]) -> GradientDescent:
    """``OPTIMIZERS[name]`` at ``learning_rate``, with its entries of the ``settings``
    mapping (for example a model's ``get_params()``)."""
    return OPTIMIZERS[name](
        learning_rate, **{key: settings[key] for key in OPTIMIZER_SETTINGS[name]}
    )


class Progress(NamedTuple):
    """Where training stands when an epoch ends: the rate used, the initial rate, epochs
    done out of ``n_epochs``, samples seen since the first fit and the ``invscaling``
    exponent."""

    rate: float
    initial_rate: float
    epochs_done: int
    n_epochs: int
    samples_seen: int
    power_t: float


def constant(progress: Progress) -> float:
    return progress.rate


def cosine(progress: Progress) -> float:
    """Cosine decay from the initial rate at epoch 0 towards 0 after the last epoch."""
    return (
        0.5
        * progress.initial_rate
        * (1 + math.cos(math.pi * progress.epochs_done / progress.n_epochs))
    )


def invscaling(progress: Progress) -> float:
    """scikit-learn's: initial_rate / (samples_seen + 1) ** power_t (0 once the power
    overflows)."""
    try:
        return progress.initial_rate / (progress.samples_seen + 1) ** progress.power_t
    except OverflowError:
        return 0.0


SCHEDULES: dict[str, Callable[[Progress], float]] = {
    "constant": constant,
    "cosine": cosine,
    "invscaling": invscaling,
    "adaptive": constant,
}
"""The rate of the next epoch, ``schedule(progress)``, called as each epoch ends.
``adaptive`` (scikit-learn's) keeps the rate; its stopping rule divides it by 5 when the
loss stalls (see ``ann.stopping``)."""
