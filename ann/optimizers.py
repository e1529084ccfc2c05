"""Optimizers and learning-rate schedules.

An optimizer updates the parameters in place from their gradients::

    optimizer.step(parameters, grads, learning_rate)

where ``parameters`` maps ``"W1"``, ``"b1"``, ... to arrays and ``grads`` maps
``"dW1"``, ``"db1"``, ... to arrays of the same shapes. The conventions are PyTorch's.
"""
import math

import numpy as np


class GradientDescent:
    """Plain gradient descent, the tutorial's rule: p <- p - lr * dp."""

    def step(self, parameters, grads, learning_rate):
        for name, p in parameters.items():
            p -= learning_rate * grads["d" + name]


class SGD:
    """Gradient descent with momentum ``mu`` (PyTorch's form)::

        v <- mu * v + dp
        p <- p - lr * v                    (classical)
        p <- p - lr * (dp + mu * v)        (Nesterov)
    """

    def __init__(self, momentum=0.9, nesterov=False):
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = {}

    def step(self, parameters, grads, learning_rate):
        for name, p in parameters.items():
            g = grads["d" + name]
            v = self.velocity.get(name)
            if v is None:
                v = self.velocity[name] = g.copy()
            else:
                v *= self.momentum
                v += g
            p -= learning_rate * (g + self.momentum * v if self.nesterov else v)


class Adam:
    """Adam (Kingma and Ba, 2015)::

        m <- b1 m + (1 - b1) dp          v <- b2 v + (1 - b2) dp**2
        p <- p - lr * m_hat / (sqrt(v_hat) + eps),
        m_hat = m / (1 - b1**t),         v_hat = v / (1 - b2**t)
    """

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m, self.v = {}, {}

    def step(self, parameters, grads, learning_rate):
        self.t += 1
        bias_1 = 1 - self.beta_1 ** self.t
        bias_2 = 1 - self.beta_2 ** self.t
        for name, p in parameters.items():
            g = grads["d" + name]
            m = self.m.setdefault(name, np.zeros_like(p))
            v = self.v.setdefault(name, np.zeros_like(p))
            m *= self.beta_1
            m += (1 - self.beta_1) * g
            v *= self.beta_2
            v += (1 - self.beta_2) * (g * g)
            denominator = np.sqrt(v / bias_2)
            denominator += self.epsilon
            p -= (learning_rate / bias_1) * m / denominator


OPTIMIZERS = {"gd": GradientDescent, "sgd": SGD, "adam": Adam}


def constant(learning_rate, epoch, n_epochs):
    return learning_rate


def cosine(learning_rate, epoch, n_epochs):
    """Cosine decay from ``learning_rate`` at epoch 0 towards 0 after the last epoch."""
    return 0.5 * learning_rate * (1 + math.cos(math.pi * epoch / n_epochs))


SCHEDULES = {"constant": constant, "cosine": cosine}
"""Learning rate of each epoch: ``schedule(learning_rate, epoch, n_epochs)``."""
