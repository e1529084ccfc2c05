"""Full-batch training by SciPy's L-BFGS-B over the flat parameter array, with the core's
cost and gradient: scikit-learn's ``solver="lbfgs"``, for a network that
``ann.training.Model`` describes (the training loop's other form, without epochs)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize

from . import arrays, core, threads, training
from .core import DivergenceError


def minimize(
    model: training.Model,
    data: training.Data,
    *,
    l2: float,
    max_fun: int,
    max_iter: int,
    tol: float,
) -> Any:
    """Minimize the mean cost of ``model`` on ``data`` (plus the L2 term ``l2``) with at
    most ``max_fun`` evaluations and ``max_iter`` iterations, to a projected gradient of
    ``tol``. The parameters end at the minimum found (in place, on their device); returns
    SciPy's ``OptimizeResult``. A ``ValueError`` when ``data`` does not fit the network's
    shapes, a ``DivergenceError`` when the loss is not finite."""
    training.check_data(model.architecture, data, "data")
    architecture, parameters = model.architecture, model.parameters
    workspace = core.Workspace(architecture, like=parameters.flat)
    dtype = np.dtype(arrays.dtype_name(parameters.flat.dtype))

    def cost_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        parameters.flat[...] = arrays.like(flat.astype(dtype), parameters.flat)
        with governor.step():
            cost, _ = core.gradients(
                architecture, parameters, data.X, data.T, workspace, weights=data.weights, l2=l2
            )
        # SciPy takes a float and NumPy: the one wait per evaluation
        gradient = arrays.to_numpy(workspace.grads.flat).astype(np.float64)
        return float(arrays.to_numpy(cost)), gradient

    work = threads.multiply_adds(architecture.sizes, data.X.shape[0])
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        threads.fitting(work, parameters.flat) as governor,
    ):
        result = scipy.optimize.minimize(
            cost_and_gradient,
            arrays.to_numpy(parameters.flat).astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    if not np.isfinite(result.fun):
        raise DivergenceError(
            f"Solver produced a non-finite loss ({result.fun}). The input data may "
            "contain large values and need to be preprocessed."
        )
    parameters.flat[...] = arrays.like(result.x.astype(dtype), parameters.flat)
    return result
