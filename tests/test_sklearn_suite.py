"""scikit-learn's own tests of its MLPs (``sklearn/neural_network/tests/test_mlp.py``,
from the installed scikit-learn), run against ann's ``MLPClassifier`` and
``MLPRegressor``: the module is loaded afresh with its two names bound to ann's classes.
The tests that read scikit-learn's private attributes are expected to fail (listed in
``PRIVATE``)."""

import importlib.util

import pytest

import ann

spec = importlib.util.find_spec("sklearn.neural_network.tests.test_mlp")
if spec is None or spec.loader is None:  # a scikit-learn installed without its tests
    pytest.skip("scikit-learn's tests are not installed", allow_module_level=True)
suite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(suite)
suite.MLPClassifier, suite.MLPRegressor = ann.MLPClassifier, ann.MLPRegressor

PRIVATE = {
    "test_gradient": "_loss_grad_lbfgs",
    "test_n_iter_no_change": "_no_improvement_count",
    "test_n_iter_no_change_inf": "_no_improvement_count",
}
"""The tests that read scikit-learn's private attributes, and which ones."""


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture of the same name, at its default seed."""
    return 42


for name, test in vars(suite).items():
    if name.startswith("test_") and callable(test):
        if name in PRIVATE:
            test = pytest.mark.xfail(reason=f"reads {PRIVATE[name]}", strict=True)(test)
        globals()[name] = test
