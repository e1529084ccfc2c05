"""scikit-learn's names for the settings of a multi-layer perceptron, and ann's: the
tables that translate them, once, for the estimators (``ann.estimators``) and for the
``ANN`` that ``network_`` makes of a fitted one."""

from __future__ import annotations

from typing import Any

from .optimizers import OPTIMIZER_SETTINGS as OPTIMIZER_OPTIONS

ACTIVATIONS = {
    "identity": "identity",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
}
"""scikit-learn's activation names and ann's."""

OUTPUTS = {"identity": "identity", "exp": "exp", "logistic": "sigmoid", "softmax": "softmax"}
"""scikit-learn's output activations (``out_activation_``) and ann's."""

LOSSES = {
    "identity": "sklearn_squared_error",
    "exp": "poisson",
    "logistic": "sklearn_binary_log_loss",
    "softmax": "sklearn_log_loss",
}
"""The loss that each output activation (``out_activation_``) is trained on, as
scikit-learn's."""

STOCHASTIC_SOLVERS = ("sgd", "adam")

OPTIMIZER_SETTINGS = (
    "solver",
    "learning_rate",
    "learning_rate_init",
    "power_t",
    "momentum",
    "nesterovs_momentum",
    "beta_1",
    "beta_2",
    "epsilon",
)
"""The parameters an optimizer is made with: ``fit`` makes one with their current values,
``partial_fit`` goes on with the one it has (as scikit-learn's does)."""

ANN_NAMES = {
    "alpha": "l2",
    "max_iter": "n_iterations",
    "learning_rate_init": "learning_rate",
    "power_t": "power_t",
    "momentum": "momentum",
    "nesterovs_momentum": "nesterov",
    "beta_1": "beta_1",
    "beta_2": "beta_2",
    "epsilon": "epsilon",
    "dropout": "dropout",
}
"""scikit-learn's names of the settings and ``ANN``'s (for ``network_`` and the
optimizers)."""


def ann_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``settings`` (by scikit-learn's names) that ``ANN_NAMES`` has, by
    ``ANN``'s names."""
    return {ann_name: settings[name] for name, ann_name in ANN_NAMES.items() if name in settings}


def lr_schedule(settings: dict[str, Any]) -> str:
    """The training loop's rate schedule for an optimizer made with ``settings``:
    scikit-learn's ``invscaling`` for ``sgd``, else constant (the ``adaptive`` rate is
    divided by the stopping rule)."""
    invscaling = settings["solver"] == "sgd" and settings["learning_rate"] == "invscaling"
    return "invscaling" if invscaling else "constant"


def network_settings(params: dict[str, Any]) -> dict[str, Any]:
    """The arguments of ``ANN`` for an estimator of the parameters ``params`` (its
    ``get_params()``), besides the network's structure: the optimizer (scikit-learn's
    SGD or Adam, else ``gd``) with its settings only, the rate schedule, the hidden
    activation, and the settings ``ANN_NAMES`` translates."""
    solver = params["solver"]
    optimizer = f"sklearn_{solver}" if solver in STOCHASTIC_SOLVERS else "gd"
    others = {name for options in OPTIMIZER_OPTIONS.values() for name in options}
    settings = {
        name: value
        for name, value in ann_settings(params).items()
        if name not in others or name in OPTIMIZER_OPTIONS[optimizer]
    }
    return dict(
        settings,
        activation=ACTIVATIONS[params["activation"]],
        optimizer=optimizer,
        lr_schedule=lr_schedule(params),
    )
