"""Central finite differences of a model's cost, the reference for its gradients."""

import numpy as np


def finite_difference(model, X, Y, name, index, step=1e-6):
    """d cost / d parameters[name][index], by central differences."""
    parameter = model.parameters[name]
    original = parameter[index]
    parameter[index] = original + step
    plus = model.compute_cost(X, Y)
    parameter[index] = original - step
    minus = model.compute_cost(X, Y)
    parameter[index] = original
    return (plus - minus) / (2 * step)


def numerical_gradients(model, X, Y, step=1e-6):
    """Every entry of every parameter: a dict ``dW1, db1, ...`` like ``backward``'s."""
    grads = {}
    for name, P in model.parameters.items():
        grads["d" + name] = np.array(
            [finite_difference(model, X, Y, name, index, step) for index in np.ndindex(P.shape)]
        ).reshape(P.shape)
    return grads
