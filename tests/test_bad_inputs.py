"""Every bad input gets a clear error (issue 6).

One table, ``ROWS``: each row is ``(id, call, exception type, regex)``. ``call`` takes
the ``ctx`` fixture (fitted models, a temporary folder, a valid model file) and must
raise the exception (or a subclass) with a message matched by the regex, which names
the argument at fault. The exception must be a ``ValueError``, ``TypeError`` or
``FileNotFoundError`` (``IsADirectoryError`` for a folder given as a file name).

Below the table: model files (``ANN.load`` refuses damaged, altered, forged and pickled
files; ``save`` is atomic) and the state a refused call leaves behind.
"""

import io
import json
import os
import pickle
import types
import zipfile

import numpy as np
import pytest

from ann import ANN, NotFittedError, tree
from ann.persistence import ModelFileError, digest

ALLOWED = (ValueError, TypeError, FileNotFoundError, IsADirectoryError)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 3))
Y2 = (X[:, 0] > 0).astype(int)
Y3 = np.arange(24) % 3
YR = X[:, 0] * 2.0 + 1.0


def quick(layers=(4, 1), **kw):
    kw.setdefault("n_iterations", 3)
    kw.setdefault("quiet", True)
    return ANN(list(layers), **kw)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_inputs")
    c = types.SimpleNamespace(tmp=folder)
    c.clf = quick().fit(X, Y2)
    c.soft = quick((4, 3)).fit(X, Y3)
    c.reg = quick(output="identity").fit(X, YR)
    c.model_file = folder / "model.npz"
    c.clf.save(c.model_file)
    c.store = c.clf.forward(X)[1]
    return c


def _forged(c, name, edit_config=None, edit_arrays=None):
    """A copy of the valid model file with its config or arrays edited and the digest
    recomputed, so that only the check under test can refuse it."""
    with np.load(c.model_file, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    config = json.loads(arrays.pop("config").tobytes())
    config.pop("digest")
    if edit_config:
        edit_config(config)
    if edit_arrays:
        edit_arrays(arrays)
    config["digest"] = digest(config, arrays)
    path = c.tmp / name
    blob = np.frombuffer(json.dumps(config).encode(), dtype=np.uint8)
    np.savez(path, config=blob, **arrays)
    return path


def _write(c, name, data):
    path = c.tmp / name
    path.write_bytes(data)
    return path


def _truncated(c, name, fraction):
    data = c.model_file.read_bytes()
    return _write(c, name, data[: int(len(data) * fraction)])


def _flipped(c, name, where):
    data = bytearray(c.model_file.read_bytes())
    data[where] ^= 0xFF
    return _write(c, name, bytes(data))


def _npz_with_pickle(c, name):
    path = c.tmp / name
    np.savez(path, config=np.array([{"format": "ann-model"}], dtype=object))
    return path


def _set(key, value):
    return lambda config: config.__setitem__(key, value)


def _set_param(key, value):
    return lambda config: config["params"].__setitem__(key, value)


def _drop(key):
    return lambda mapping: mapping.pop(key)


def _put(key, value):
    return lambda arrays: arrays.__setitem__(key, value)


def _tiny_tree():
    w, b = tree.Parameter(0.5), tree.Parameter(0.0)
    return tree.Add([tree.Multiply([w, tree.Input(0.0)]), b])


def _data():
    import ann.data

    return ann.data


R = pytest.param
ROWS = [
    # ---------------------------------------------------------------- ANN(...)
    R(lambda c: ANN([]), ValueError, r"layers_size is empty", id="layers-empty"),
    R(lambda c: ANN([0, 1]), ValueError, r"layers_size.*at least 1.*got 0", id="layers-zero"),
    R(lambda c: ANN([4, -2]), ValueError, r"layers_size.*at least 1.*got -2", id="layers-negative"),
    R(lambda c: ANN([2.5, 1]), TypeError, r"layers_size.*integer.*2\.5", id="layers-float"),
    R(lambda c: ANN([4.0, 1]), TypeError, r"layers_size.*integer", id="layers-float-int"),
    R(lambda c: ANN(["4", 1]), TypeError, r"layers_size.*integer", id="layers-str-entry"),
    R(lambda c: ANN([True, 1]), TypeError, r"layers_size.*integer", id="layers-bool"),
    R(lambda c: ANN(4), TypeError, r"layers_size must be a list", id="layers-int"),
    R(lambda c: ANN("41"), TypeError, r"layers_size must be a list", id="layers-str"),
    R(lambda c: ANN(None), TypeError, r"layers_size must be a list", id="layers-none"),
    R(lambda c: ANN({4, 1}), TypeError, r"layers_size", id="layers-set"),
    R(
        lambda c: ANN([4, 1], activation="swish"),
        ValueError,
        r"activation='swish' is unknown; choose one of",
        id="activation-unknown",
    ),
    R(
        lambda c: ANN([4, 1], activation="softmax"),
        ValueError,
        r"activation='softmax'",
        id="activation-softmax-hidden",
    ),
    R(
        lambda c: ANN([4, 4, 1], activation=["relu"]),
        ValueError,
        r"activation lists 1 name for 2 hidden layers",
        id="activation-count",
    ),
    R(lambda c: ANN([4, 1], activation=None), TypeError, r"activation", id="activation-none"),
    R(lambda c: ANN([4, 1], activation=3), TypeError, r"activation", id="activation-int"),
    R(
        lambda c: ANN([4, 1], output="tanh"),
        ValueError,
        r"output='tanh' is unknown",
        id="output-unknown",
    ),
    R(
        lambda c: ANN([4, 1], optimizer="rmsprop"),
        ValueError,
        r"optimizer='rmsprop' is unknown",
        id="optimizer-unknown",
    ),
    R(lambda c: ANN([4, 1], optimizer=None), ValueError, r"optimizer=None", id="optimizer-none"),
    R(
        lambda c: ANN([4, 1], init="zeros"),
        ValueError,
        r"init='zeros' is unknown",
        id="init-unknown",
    ),
    R(
        lambda c: ANN([4, 1], lr_schedule="step"),
        ValueError,
        r"lr_schedule='step'",
        id="schedule-unknown",
    ),
    R(lambda c: ANN([4, 1], dtype="float16"), ValueError, r"dtype='float16'", id="dtype-unknown"),
    R(lambda c: ANN([4, 1], learning_rate=0), ValueError, r"learning_rate.*got 0", id="lr-zero"),
    R(
        lambda c: ANN([4, 1], learning_rate=-0.1),
        ValueError,
        r"learning_rate must be a finite number > 0\.0, got -0\.1",
        id="lr-negative",
    ),
    R(
        lambda c: ANN([4, 1], learning_rate=float("nan")),
        ValueError,
        r"learning_rate must be a finite",
        id="lr-nan",
    ),
    R(
        lambda c: ANN([4, 1], learning_rate=float("inf")),
        ValueError,
        r"learning_rate must be a finite",
        id="lr-inf",
    ),
    R(
        lambda c: ANN([4, 1], learning_rate="0.1"),
        TypeError,
        r"learning_rate must be a "
        r"number",
        id="lr-str",
    ),
    R(lambda c: ANN([4, 1], learning_rate=None), TypeError, r"learning_rate", id="lr-none"),
    R(
        lambda c: ANN([4, 1], n_iterations=0),
        ValueError,
        r"n_iterations.*at least 1",
        id="iterations-zero",
    ),
    R(
        lambda c: ANN([4, 1], n_iterations=-5),
        ValueError,
        r"n_iterations.*-5",
        id="iterations-negative",
    ),
    R(
        lambda c: ANN([4, 1], n_iterations=10.0),
        TypeError,
        r"n_iterations.*integer",
        id="iterations-float",
    ),
    R(lambda c: ANN([4, 1], batch_size=0), ValueError, r"batch_size.*at least 1", id="batch-zero"),
    R(lambda c: ANN([4, 1], batch_size=-8), ValueError, r"batch_size.*-8", id="batch-negative"),
    R(lambda c: ANN([4, 1], batch_size=8.5), TypeError, r"batch_size.*integer", id="batch-float"),
    R(lambda c: ANN([4, 1], momentum=1.0), ValueError, r"momentum", id="momentum-one"),
    R(lambda c: ANN([4, 1], momentum=-0.1), ValueError, r"momentum", id="momentum-negative"),
    R(
        lambda c: ANN([4, 1], beta_1=1.0),
        ValueError,
        r"beta_1 must be a finite number in \[0\.0, 1\.0\), got 1\.0",
        id="beta1-one",
    ),
    R(lambda c: ANN([4, 1], beta_2=-1), ValueError, r"beta_2", id="beta2-negative"),
    R(lambda c: ANN([4, 1], epsilon=0), ValueError, r"epsilon", id="epsilon-zero"),
    R(
        lambda c: ANN([4, 1], l2=-1e-3),
        ValueError,
        r"l2 must be a finite number >= 0\.0, got -0\.001",
        id="l2-negative",
    ),
    R(lambda c: ANN([4, 1], l2=float("nan")), ValueError, r"l2", id="l2-nan"),
    R(lambda c: ANN([4, 1], seed=-1), ValueError, r"seed.*at least 0", id="seed-negative"),
    R(lambda c: ANN([4, 1], seed=1.5), TypeError, r"seed.*integer", id="seed-float"),
    R(lambda c: ANN([4, 1], seed=None), TypeError, r"seed", id="seed-none"),
    R(lambda c: ANN([4, 1], seed=2**32), ValueError, r"seed", id="seed-too-large"),
    R(lambda c: ANN([4, 1], patience=0), ValueError, r"patience", id="patience-zero"),
    R(
        lambda c: ANN([4, 1], validation_fraction=1.0),
        ValueError,
        r"validation_fraction",
        id="validation-fraction-one",
    ),
    R(
        lambda c: ANN([4, 1], validation_fraction=0),
        ValueError,
        r"validation_fraction",
        id="validation-fraction-zero",
    ),
    R(
        lambda c: ANN([4, 1], early_stopping="yes"),
        TypeError,
        r"early_stopping must be True or False",
        id="early-stopping-str",
    ),
    R(
        lambda c: ANN([4, 1], nesterov="no"),
        TypeError,
        r"nesterov must be True or False",
        id="nesterov-str",
    ),
    R(lambda c: ANN([4, 1], quiet="no"), TypeError, r"quiet must be True or False", id="quiet-str"),
    R(
        lambda c: ANN([4, 1]).set_params(learning_rat=0.1),
        ValueError,
        r"'learning_rat' is not a parameter",
        id="set-params-unknown",
    ),
    R(
        lambda c: ANN([4, 1]).set_params(layers_size=[]),
        ValueError,
        r"layers_size",
        id="set-params-bad-value",
    ),
    # ----------------------------------------------------------------- fit: X
    R(lambda c: quick().fit(X[:, 0], Y2), ValueError, r"X must be 2-D.*\(24,\)", id="fit-X-1d"),
    R(lambda c: quick().fit(X[None], Y2), ValueError, r"X must be 2-D", id="fit-X-3d"),
    R(lambda c: quick().fit(5.0, [1]), ValueError, r"X must be 2-D", id="fit-X-scalar"),
    R(lambda c: quick().fit(np.empty((0, 3)), []), ValueError, r"X is empty", id="fit-X-empty"),
    R(
        lambda c: quick().fit(np.empty((24, 0)), Y2),
        ValueError,
        r"X is empty",
        id="fit-X-no-features",
    ),
    R(
        lambda c: quick().fit(np.where(X > 1, np.nan, X), Y2),
        ValueError,
        r"X contains NaN or infinite",
        id="fit-X-nan",
    ),
    R(
        lambda c: quick().fit(np.where(X > 1, -np.inf, X), Y2),
        ValueError,
        r"X contains NaN or infinite",
        id="fit-X-inf",
    ),
    R(
        lambda c: quick(dtype="float32").fit(X * 1e300, Y2),
        ValueError,
        r"X contains NaN or infinite.*float32",
        id="fit-X-overflows-float32",
    ),
    R(
        lambda c: quick().fit(X.astype(str), Y2),
        TypeError,
        r"X must be numeric",
        id="fit-X-strings",
    ),
    R(
        lambda c: quick().fit(X.astype(object), Y2),
        TypeError,
        r"X must be numeric",
        id="fit-X-object",
    ),
    R(lambda c: quick().fit(X + 1j, Y2), TypeError, r"X must be real", id="fit-X-complex"),
    R(
        lambda c: quick().fit([[1.0, 2.0], [3.0]], [0, 1]),
        ValueError,
        r"X must be an array.*ragged",
        id="fit-X-ragged",
    ),
    R(lambda c: quick().fit(None, Y2), TypeError, r"X must be an array", id="fit-X-none"),
    # ----------------------------------------------------------------- fit: Y
    R(
        lambda c: quick().fit(X, Y2[:-1]),
        ValueError,
        r"X has 24 samples but Y has 23",
        id="fit-Y-shorter",
    ),
    R(
        lambda c: quick().fit(X[:10], Y2),
        ValueError,
        r"X has 10 samples but Y has 24",
        id="fit-Y-longer",
    ),
    R(lambda c: quick().fit(X, None), TypeError, r"Y must be an array", id="fit-Y-none"),
    R(lambda c: quick().fit(X, np.zeros((24, 2))), ValueError, r"Y must have shape", id="fit-Y-2d"),
    R(
        lambda c: quick().fit(X, Y3),
        ValueError,
        r"3 classes, but the output layer \(sigmoid, 1 unit\) takes 2",
        id="fit-Y-third-class-binary",
    ),
    R(
        lambda c: quick((4, 3)).fit(X, Y2),
        ValueError,
        r"2 classes.*softmax, 3 units.*3",
        id="fit-Y-too-few-classes-softmax",
    ),
    R(
        lambda c: quick().fit(X, np.zeros(24, int)),
        ValueError,
        r"Y has a single class",
        id="fit-Y-one-class",
    ),
    R(
        lambda c: quick().fit(X, Y2 + 0.5),
        ValueError,
        r"Y must hold class labels.*"
        r"non-integer",
        id="fit-Y-non-integer",
    ),
    R(
        lambda c: quick().fit(X, np.where(Y2 > 0, np.nan, 0.0)),
        ValueError,
        r"Y contains NaN",
        id="fit-Y-nan",
    ),
    R(
        lambda c: quick().fit(X, np.where(Y2 > 0, 1j, 0)),
        TypeError,
        r"Y must hold class labels.*complex",
        id="fit-Y-complex",
    ),
    R(
        lambda c: quick().fit(X[:2], [[0], [1, 0]]),
        ValueError,
        r"Y must be an array.*"
        r"ragged",
        id="fit-Y-ragged",
    ),
    R(
        lambda c: quick().fit(X, np.array([None, 1] * 12)),
        TypeError,
        r"Y must hold class labels",
        id="fit-Y-object",
    ),
    R(
        lambda c: quick(output="identity").fit(X, np.array(["a"] * 24)),
        TypeError,
        r"Y must be numeric",
        id="fit-regression-Y-strings",
    ),
    R(
        lambda c: quick(output="identity").fit(X, np.full(24, np.inf)),
        ValueError,
        r"Y contains NaN or infinite",
        id="fit-regression-Y-inf",
    ),
    R(
        lambda c: quick(output="identity").fit(X, YR[:5]),
        ValueError,
        r"X has 24 samples but Y",
        id="fit-regression-Y-length",
    ),
    R(
        lambda c: quick(output="identity").fit(X, np.zeros((24, 2))),
        ValueError,
        r"Y has 2 outputs but the output layer has 1",
        id="fit-regression-Y-outputs",
    ),
    R(
        lambda c: quick(output="identity").fit(X, YR + 1j),
        TypeError,
        r"Y",
        id="fit-regression-Y-complex",
    ),
    R(
        lambda c: quick(output="softmax").fit(X, Y2),
        ValueError,
        r"softmax.* needs at least 2 output units",
        id="softmax-one-unit",
    ),
    R(
        lambda c: quick((4, 2), output="sigmoid").fit(X, Y3),
        ValueError,
        r"labels have 3 classes, but the output layer \(sigmoid, 2 units\) takes 2",
        id="sigmoid-units-classes",
    ),
    R(
        lambda c: quick((4, 2), output="sigmoid").fit(X, np.full((24, 2), 1.5)),
        ValueError,
        r"targets for sigmoid outputs must be numbers in \[0, 1\]",
        id="sigmoid-targets-above-one",
    ),
    R(
        lambda c: quick((4, 3), output="sigmoid").fit(X, np.zeros((24, 2))),
        ValueError,
        r"Y has 2 columns but the output layer has 3 units",
        id="multilabel-columns",
    ),
    R(
        lambda c: quick((4, 1), loss="categorical_cross_entropy"),
        ValueError,
        r"does not go with the sigmoid output",
        id="loss-output-mismatch",
    ),
    R(
        lambda c: quick((4, 1), loss="hinge"),
        ValueError,
        r"loss='hinge' is unknown",
        id="loss-unknown",
    ),
    R(
        lambda c: quick((4, 1), dropout=1.0),
        ValueError,
        r"dropout must be .* \[0.0, 1.0\)",
        id="dropout-one",
    ),
    R(
        lambda c: quick((4, 1), dropout=[0.1, 0.2]),
        ValueError,
        r"dropout lists 2 values for 1 hidden layer\b",
        id="dropout-count",
    ),
    R(
        lambda c: quick((4, 1), input_dropout=-0.1),
        ValueError,
        r"input_dropout",
        id="input-dropout-negative",
    ),
    R(lambda c: quick((4, 1), max_norm=0), ValueError, r"max_norm", id="max-norm-zero"),
    R(
        lambda c: quick((4, 1), callbacks=[1]),
        TypeError,
        r"callbacks must be a list of "
        r"callables",
        id="callbacks-not-callable",
    ),
    R(
        lambda c: quick().fit(X, Y2, sample_weight=np.ones(3)),
        ValueError,
        r"sample_weight must have shape \(24,\)",
        id="sample-weight-length",
    ),
    R(
        lambda c: quick().fit(X, Y2, sample_weight=-np.ones(24)),
        ValueError,
        r"sample_weight must hold finite values of at least 0",
        id="sample-weight-negative",
    ),
    R(
        lambda c: quick().fit(X, Y2, sample_weight=np.zeros(24)),
        ValueError,
        r"sample_weight is zero for every sample",
        id="sample-weight-zeros",
    ),
    R(
        lambda c: quick(output="exp").fit(X, -np.ones(24)),
        ValueError,
        r"output='exp' \(Poisson\) needs targets of at least 0",
        id="poisson-negative",
    ),
    # ------------------------------------------------------ fit: other arguments
    R(
        lambda c: quick().fit(X, Y2, learning_rate=0),
        ValueError,
        r"learning_rate",
        id="fit-lr-zero",
    ),
    R(
        lambda c: quick().fit(X, Y2, learning_rate=-1),
        ValueError,
        r"learning_rate",
        id="fit-lr-negative",
    ),
    R(
        lambda c: quick().fit(X, Y2, learning_rate=float("inf")),
        ValueError,
        r"learning_rate",
        id="fit-lr-inf",
    ),
    R(
        lambda c: quick().fit(X, Y2, n_iterations=0),
        ValueError,
        r"n_iterations",
        id="fit-iterations-zero",
    ),
    R(
        lambda c: quick().fit(X, Y2, n_iterations=-3),
        ValueError,
        r"n_iterations",
        id="fit-iterations-negative",
    ),
    R(
        lambda c: quick().fit(X, Y2, validation_data=X),
        TypeError,
        r"validation_data must be a pair",
        id="fit-validation-not-pair",
    ),
    R(
        lambda c: quick().fit(X, Y2, validation_data=(X[:, :2], Y2)),
        ValueError,
        r"X_val has 2 features",
        id="fit-validation-features",
    ),
    R(
        lambda c: quick().fit(X, Y2, validation_data=(X, Y2[:3])),
        ValueError,
        r"24 samples but Y has 3",
        id="fit-validation-length",
    ),
    R(
        lambda c: quick().fit(X, Y2, validation_data=(X, Y2 + 2)),
        ValueError,
        r"not among the classes",
        id="fit-validation-unknown-labels",
    ),
    R(
        lambda c: quick(early_stopping=True, validation_fraction=0.01).fit(X, Y2),
        ValueError,
        r"validation_fraction",
        id="fit-validation-fraction-too-small",
    ),
    # -------------------------------------------------- use before fit
    R(lambda c: ANN([4, 1]).predict(X), NotFittedError, r"not fitted yet", id="predict-before-fit"),
    R(
        lambda c: ANN([4, 1]).predict_proba(X),
        NotFittedError,
        r"not fitted yet",
        id="proba-before-fit",
    ),
    R(lambda c: ANN([4, 1]).score(X, Y2), NotFittedError, r"not fitted yet", id="score-before-fit"),
    R(lambda c: ANN([4, 1]).forward(X), NotFittedError, r"not fitted yet", id="forward-before-fit"),
    R(
        lambda c: ANN([4, 1]).backward(X, Y2, {}),
        NotFittedError,
        r"not fitted yet",
        id="backward-before-fit",
    ),
    R(
        lambda c: ANN([4, 1]).compute_cost(X, Y2),
        NotFittedError,
        r"not fitted yet",
        id="cost-before-fit",
    ),
    R(
        lambda c: ANN([4, 1]).encode_targets(Y2),
        NotFittedError,
        r"call fit",
        id="encode-before-fit",
    ),
    R(
        lambda c: ANN([4, 1]).save(c.tmp / "unfitted.npz"),
        NotFittedError,
        r"not fitted yet",
        id="save-before-fit",
    ),
    R(
        lambda c: ANN([4, 1]).initialize_parameters(),
        TypeError,
        r"n_features",
        id="initialize-no-features",
    ),
    R(
        lambda c: ANN([4, 1]).initialize_parameters(0),
        ValueError,
        r"n_features",
        id="initialize-zero-features",
    ),
    R(
        lambda c: ANN([4, 1]).initialize_parameters(3.0),
        TypeError,
        r"n_features",
        id="initialize-float-features",
    ),
    # -------------------------------------------------- prediction after fit
    R(
        lambda c: c.clf.predict(X[:, :2]),
        ValueError,
        r"X has 2 features, but the model was fitted with 3",
        id="predict-fewer-features",
    ),
    R(
        lambda c: c.clf.predict(np.hstack([X, X])),
        ValueError,
        r"X has 6 features, but the model was fitted with 3",
        id="predict-more-features",
    ),
    R(lambda c: c.clf.predict(X[0]), ValueError, r"X must be 2-D", id="predict-X-1d"),
    R(lambda c: c.clf.predict(np.empty((0, 3))), ValueError, r"X is empty", id="predict-X-empty"),
    R(
        lambda c: c.clf.predict(np.full((2, 3), np.nan)),
        ValueError,
        r"X contains NaN",
        id="predict-X-nan",
    ),
    R(
        lambda c: c.clf.predict(np.array([["a", "b", "c"]])),
        TypeError,
        r"X must be numeric",
        id="predict-X-strings",
    ),
    R(lambda c: c.clf.predict(None), TypeError, r"X must be an array", id="predict-X-none"),
    R(
        lambda c: c.soft.predict_proba(X[:, :1]),
        ValueError,
        r"X has 1 features",
        id="proba-features",
    ),
    R(
        lambda c: c.soft.predict_proba(np.full((1, 3), np.inf)),
        ValueError,
        r"X contains NaN or infinite",
        id="proba-X-inf",
    ),
    R(
        lambda c: c.clf.score(X, Y2[:-2]),
        ValueError,
        r"24 samples but Y has 22",
        id="score-Y-length",
    ),
    R(lambda c: c.clf.score(X[:, :2], Y2), ValueError, r"X has 2 features", id="score-features"),
    R(lambda c: c.reg.score(X, YR[:3]), ValueError, r"24 samples but Y", id="score-reg-Y"),
    R(lambda c: c.clf.forward(X[:, :2]), ValueError, r"X has 2 features", id="forward-features"),
    R(lambda c: c.clf.forward(X.ravel()), ValueError, r"X must be 2-D", id="forward-X-1d"),
    R(
        lambda c: c.clf.backward(X, Y2, None),
        ValueError,
        r"store must be the dict",
        id="backward-store-none",
    ),
    R(
        lambda c: c.clf.backward(X, Y2, {"Z1": 0}),
        ValueError,
        r"store must be the dict",
        id="backward-store-incomplete",
    ),
    R(
        lambda c: c.clf.backward(X, Y2, c.clf.forward(X[:5])[1]),
        ValueError,
        r"store holds outputs of shape \(1, 5\)",
        id="backward-store-other-X",
    ),
    R(
        lambda c: c.clf.backward(X, Y2[:3], c.store),
        ValueError,
        r"24 samples but Y has 3",
        id="backward-Y-length",
    ),
    R(
        lambda c: c.clf.backward(X, Y2 + 2, c.store),
        ValueError,
        r"not among the classes",
        id="backward-Y-unknown",
    ),
    R(
        lambda c: c.clf.backward(X[:, :2], Y2, c.store),
        ValueError,
        r"X has 2 features",
        id="backward-X-features",
    ),
    R(
        lambda c: c.clf.compute_cost(X, Y2[:1]),
        ValueError,
        r"24 samples but Y has 1",
        id="cost-Y-length",
    ),
    R(
        lambda c: c.clf.compute_cost(np.full((24, 3), np.nan), Y2),
        ValueError,
        r"X contains NaN",
        id="cost-X-nan",
    ),
    R(
        lambda c: c.reg.predict_proba(X),
        AttributeError,
        r"predict_proba is for "
        r"classifiers",
        id="proba-regressor",
    ),
    # ----------------------------------------------------------- save and load
    R(
        lambda c: c.clf.save(None),
        TypeError,
        r"path must be a str or path-like",
        id="save-path-none",
    ),
    R(lambda c: c.clf.save(3), TypeError, r"path must be a str or path-like", id="save-path-int"),
    R(lambda c: c.clf.save(""), ValueError, r"path must be a non-empty", id="save-path-empty"),
    R(lambda c: c.clf.save(c.tmp), IsADirectoryError, r"is a directory", id="save-path-folder"),
    R(
        lambda c: c.clf.save(c.tmp / "no" / "m.npz"),
        FileNotFoundError,
        r"folder .* does not exist",
        id="save-missing-folder",
    ),
    R(
        lambda c: ANN.load(c.tmp / "absent.npz"),
        FileNotFoundError,
        r"no model file",
        id="load-missing",
    ),
    R(lambda c: ANN.load(c.tmp), FileNotFoundError, r"no model file", id="load-folder"),
    R(lambda c: ANN.load(None), TypeError, r"path must be a str or path-like", id="load-path-none"),
    R(
        lambda c: ANN.load(_write(c, "empty.npz", b"")),
        ModelFileError,
        r"not an ann model file: the file is empty",
        id="load-empty-file",
    ),
    R(
        lambda c: ANN.load(_write(c, "text.npz", b"hello")),
        ModelFileError,
        r"not an ann model file \(corrupt, or a file of another kind\)",
        id="load-text-file",
    ),
    R(
        lambda c: ANN.load(_truncated(c, "half.npz", 0.5)),
        ModelFileError,
        r"not a readable model file",
        id="load-truncated-half",
    ),
    R(
        lambda c: ANN.load(_truncated(c, "most.npz", 0.99)),
        ModelFileError,
        r"not a readable model file",
        id="load-truncated-end",
    ),
    R(
        lambda c: ANN.load(_flipped(c, "flip.npz", 200)),
        ModelFileError,
        r"model file",
        id="load-byte-flipped",
    ),
    R(
        lambda c: ANN.load(_write(c, "raw.pkl", pickle.dumps({"W1": 1}))),
        ModelFileError,
        r"not an ann model file \(corrupt, or a file of another kind\)",
        id="load-raw-pickle",
    ),
    R(
        lambda c: ANN.load(_npz_with_pickle(c, "objects.npz")),
        ModelFileError,
        r"^(?!.*allow_pickle).*not a model file: its entry 'config' holds pickled Python objects",
        id="load-object-array",
    ),
    R(
        lambda c: (np.save(c.tmp / "one.npy", np.zeros(3)), ANN.load(c.tmp / "one.npy")),
        ModelFileError,
        r"not a model file",
        id="load-npy-file",
    ),
    R(
        lambda c: (np.savez(c.tmp / "noconf.npz", W1=np.zeros(3)), ANN.load(c.tmp / "noconf.npz")),
        ModelFileError,
        r"no 'config' entry",
        id="load-no-config",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-shape.npz", edit_arrays=_put("W1", np.zeros((5, 3))))),
        ModelFileError,
        r"W1 has shape \(5, 3\).*needs \(4, 3\)",
        id="load-wrong-shape",
    ),
    R(
        lambda c: ANN.load(
            _forged(
                c,
                "f-dtype.npz",
                edit_arrays=lambda a: a.__setitem__("W1", a["W1"].astype(np.float32)),
            )
        ),
        ModelFileError,
        r"W1 has .* dtype float32",
        id="load-wrong-dtype",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-arch.npz", edit_config=_set_param("layers_size", [5, 1]))),
        ModelFileError,
        r"W1 has shape \(4, 3\)",
        id="load-architecture-mismatch",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-nofeat.npz", edit_config=_set("n_features_in", 7))),
        ModelFileError,
        r"needs \(4, 7\)",
        id="load-features-mismatch",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-miss.npz", edit_arrays=_drop("b2"))),
        ModelFileError,
        r"parameter b2 is missing",
        id="load-missing-parameter",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-cls.npz", edit_arrays=_drop("classes"))),
        ModelFileError,
        r"classes are missing",
        id="load-missing-classes",
    ),
    R(
        lambda c: ANN.load(
            _forged(c, "f-cls3.npz", edit_arrays=_put("classes", np.array([0, 1, 2])))
        ),
        ModelFileError,
        r"classes do not fit",
        id="load-classes-too-many",
    ),
    R(
        lambda c: ANN.load(
            _forged(c, "f-clsdup.npz", edit_arrays=_put("classes", np.array([1, 0])))
        ),
        ModelFileError,
        r"not distinct sorted",
        id="load-classes-unsorted",
    ),
    R(
        lambda c: ANN.load(
            _forged(c, "f-nan.npz", edit_arrays=_put("W2", np.full((1, 4), np.nan)))
        ),
        ModelFileError,
        r"W2 holds NaN",
        id="load-nan-parameter",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-extra.npz", edit_arrays=_put("W9", np.zeros(2)))),
        ModelFileError,
        r"unexpected entries \['W9'\]",
        id="load-extra-array",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-params.npz", edit_config=_drop("params"))),
        ModelFileError,
        r"'params' is missing",
        id="load-missing-params",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-costs.npz", edit_config=_drop("costs"))),
        ModelFileError,
        r"'costs' is missing",
        id="load-missing-costs",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-costs2.npz", edit_config=_set("costs", "abc"))),
        ModelFileError,
        r"'costs'",
        id="load-costs-string",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-hist.npz", edit_config=_set("history", [1]))),
        ModelFileError,
        r"'history'",
        id="load-history-list",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-hist2.npz", edit_config=_set("history", {"cost": 3}))),
        ModelFileError,
        r"history 'cost'",
        id="load-history-value",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-bad.npz", edit_config=_set_param("activation", "swish"))),
        ModelFileError,
        r"configuration is not valid.*activation",
        id="load-bad-param",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-unk.npz", edit_config=_set_param("evil", 1))),
        ModelFileError,
        r"configuration is not valid",
        id="load-unknown-param",
    ),
    R(
        lambda c: ANN.load(
            _forged(c, "f-out.npz", edit_config=_set("output_activation", "softmax"))
        ),
        ModelFileError,
        r"does not fit the architecture",
        id="load-output-mismatch",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-ver.npz", edit_config=_set("version", 99))),
        ModelFileError,
        r"version 99 is not supported",
        id="load-version",
    ),
    R(
        lambda c: ANN.load(_forged(c, "f-fmt.npz", edit_config=_set("format", "other"))),
        ModelFileError,
        r"not an ann model file",
        id="load-format",
    ),
    # ----------------------------------------------------------- the tree engine
    R(lambda c: tree.Add([]), ValueError, r"Add needs at least one child", id="tree-add-no-child"),
    R(
        lambda c: tree.Negate([tree.Input(1.0), tree.Input(2.0)]),
        ValueError,
        r"Negate needs exactly 1 child, got 2",
        id="tree-wrong-child-count",
    ),
    R(
        lambda c: tree.Sigmoid([]),
        ValueError,
        r"Sigmoid needs exactly 1 child, got 0",
        id="tree-unary-no-child",
    ),
    R(lambda c: tree.Add([1.0]), TypeError, r"Add child 0 is not a node", id="tree-child-not-node"),
    R(
        lambda c: tree.Multiply(None),
        TypeError,
        r"Multiply children must be",
        id="tree-children-none",
    ),
    R(
        lambda c: tree.Input("a"),
        TypeError,
        r"Input value must be a real number",
        id="tree-input-str",
    ),
    R(
        lambda c: tree.Input(float("nan")),
        ValueError,
        r"Input value must be finite",
        id="tree-input-nan",
    ),
    R(
        lambda c: tree.Parameter(1.0, learning_rate=0),
        ValueError,
        r"learning_rate",
        id="tree-lr-zero",
    ),
    R(
        lambda c: tree.Parameter(1.0, learning_rate=-1),
        ValueError,
        r"learning_rate",
        id="tree-lr-negative",
    ),
    R(
        lambda c: tree.Parameter(float("inf")),
        ValueError,
        r"Parameter value must be finite",
        id="tree-parameter-inf",
    ),
    R(
        lambda c: tree.train_model(_tiny_tree(), tree.mse, None, [([1.0], 1.0)], 0),
        ValueError,
        r"num_epochs must be at least 1",
        id="tree-epochs-zero",
    ),
    R(
        lambda c: tree.train_model(_tiny_tree(), tree.mse, None, [([1.0], 1.0)], -2),
        ValueError,
        r"num_epochs",
        id="tree-epochs-negative",
    ),
    R(
        lambda c: tree.train_model(_tiny_tree(), tree.mse, None, [([1.0], 1.0)], 2.0),
        TypeError,
        r"num_epochs must be an integer",
        id="tree-epochs-float",
    ),
    R(
        lambda c: tree.train_model(_tiny_tree(), tree.mse, None, [], 1),
        ValueError,
        r"data is empty",
        id="tree-data-empty",
    ),
    R(
        lambda c: tree.train_model(3, tree.mse, None, [([1.0], 1.0)], 1),
        TypeError,
        r"model must be a tree node",
        id="tree-model-not-node",
    ),
    R(
        lambda c: tree.train_model(_tiny_tree(), "mse", None, [([1.0], 1.0)], 1),
        TypeError,
        r"loss_fn must be callable",
        id="tree-loss-not-callable",
    ),
    R(
        lambda c: _tiny_tree().predict([1.0, 2.0]),
        ValueError,
        r"expected 1 input values",
        id="tree-predict-count",
    ),
    R(
        lambda c: _tiny_tree().predict([float("inf")]),
        ValueError,
        r"input 0 must be finite",
        id="tree-predict-inf",
    ),
    R(
        lambda c: tree.tree_from_ann(ANN([2, 1]), X, Y2),
        ValueError,
        r"no parameters yet",
        id="tree-from-unfitted-ann",
    ),
    R(
        lambda c: tree.tree_from_ann(c.clf, X[0], Y2[:1]),
        ValueError,
        r"X must be 2-D",
        id="tree-from-ann-X-1d",
    ),
    # --------------------------------------------------------------------- data
    R(
        lambda c: _data().load_mnist(c.tmp / "no-mnist", download=False, quiet=True),
        FileNotFoundError,
        r"MNIST file\(s\) missing",
        id="data-missing-dir",
    ),
    R(
        lambda c: _data().load_mnist(3, download=False),
        TypeError,
        r"data_dir must be a str or path-like",
        id="data-dir-int",
    ),
    R(
        lambda c: _data().get_binary_dataset(digits=(5,), data_dir=c.tmp),
        ValueError,
        r"digits must be exactly 2",
        id="data-binary-one-digit",
    ),
    R(
        lambda c: _data().get_dataset(digits=[1, 10], data_dir=c.tmp),
        ValueError,
        r"digits must be integers 0-9",
        id="data-digit-out-of-range",
    ),
    R(
        lambda c: _data().get_dataset(seed=-1, data_dir=c.tmp),
        ValueError,
        r"seed",
        id="data-seed-negative",
    ),
    R(
        lambda c: _data().pre_process_data([[0]], np.zeros((1, 1))),
        TypeError,
        r"train_x must be a NumPy array",
        id="data-preprocess-list",
    ),
    R(
        lambda c: _data().pre_process_data(np.zeros((2, 3)), np.zeros((2, 4))),
        ValueError,
        r"train_x has 3 features but test_x has 4",
        id="data-preprocess-features",
    ),
    R(
        lambda c: _data().pre_process_data(np.zeros(3), np.zeros((2, 3))),
        ValueError,
        r"train_x must be 2-D",
        id="data-preprocess-1d",
    ),
]


@pytest.mark.parametrize("call, error, pattern", ROWS)
def test_bad_input_is_refused_with_a_clear_message(ctx, call, error, pattern):
    with pytest.raises(error, match=pattern) as caught:
        call(ctx)
    if error is not AttributeError:
        assert isinstance(caught.value, ALLOWED), type(caught.value)
    assert str(caught.value), "the message is empty"


def test_table_has_unique_ids_and_documented_errors():
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids))
    for row in ROWS:
        error = row.values[1]
        assert issubclass(error, ALLOWED + (AttributeError,)), row.id


# ------------------------------------------------- a refused call changes nothing
@pytest.mark.parametrize(
    "override", [{"learning_rate": -1.0}, {"learning_rate": 0}, {"n_iterations": 0}]
)
def test_refused_fit_arguments_leave_the_model_unchanged(override):
    model = quick(learning_rate=0.05, n_iterations=4)
    with pytest.raises(ValueError):
        model.fit(X, Y2, **override)
    assert model.learning_rate == 0.05
    assert model.n_iterations == 4
    model.fit(X, Y2)  # the model is still usable with its own settings


def test_refused_set_params_leaves_the_model_unchanged():
    model = ANN([4, 1], learning_rate=0.05)
    with pytest.raises(ValueError):
        model.set_params(learning_rate=0.1, n_iterations=0)
    assert model.learning_rate == 0.05 and model.n_iterations == 2500


def test_refused_fit_keeps_the_fitted_model(ctx):
    model = quick().fit(X, Y2)
    before = {k: v.copy() for k, v in model.parameters.items()}
    with pytest.raises(ValueError):
        model.fit(X, Y3)
    with pytest.raises(ValueError):
        model.fit(X[:, :2], Y2[:5])
    assert model.parameters.keys() == before.keys()
    for name, value in before.items():
        np.testing.assert_array_equal(model.parameters[name], value)


def test_labels_shapes_that_are_accepted():
    """Every form of the same binary labels trains the same network, which predicts
    labels of the form it was given."""
    reference = quick().fit(X, Y2)
    predicted = reference.predict(X)
    for labels, classes in (
        (Y2, [0, 1]),
        (Y2[:, None], [0, 1]),
        (Y2[None, :], [0, 1]),
        (Y2.astype(bool), [False, True]),
        (Y2.astype(float), [0.0, 1.0]),
        (np.where(Y2 > 0, "yes", "no"), ["no", "yes"]),
    ):
        model = quick().fit(X, labels)
        assert model.costs == reference.costs
        np.testing.assert_array_equal(model.classes_, classes)
        np.testing.assert_array_equal(model.predict(X), np.asarray(classes)[predicted])
        assert model.predict(X).dtype == np.asarray(labels).dtype


# --------------------------------------------------------------------- model files
def test_load_never_unpickles(tmp_path):
    """An .npz whose arrays hold a pickle that would run code is refused, and the code
    does not run."""
    marker = tmp_path / "executed"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    payload = np.empty(1, dtype=object)
    payload[0] = Boom()
    for name in ("config", "W1"):
        path = tmp_path / f"evil-{name}.npz"
        np.savez(path, **{name: payload})
        with pytest.raises(ModelFileError):
            ANN.load(path)
        assert not marker.exists()
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ModelFileError):
        ANN.load(path)
    assert not marker.exists()


def test_load_refuses_every_truncation(ctx, tmp_path):
    data = ctx.model_file.read_bytes()
    path = tmp_path / "cut.npz"
    for cut in list(range(0, len(data), max(1, len(data) // 64))) + [len(data) - 1]:
        path.write_bytes(data[:cut])
        with pytest.raises(ModelFileError):
            ANN.load(path)


def test_load_refuses_an_altered_parameter(ctx, tmp_path):
    """A changed weight without a new digest: the digest check refuses it."""
    with np.load(ctx.model_file, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["W1"] = arrays["W1"] + 1e-12
    np.savez(tmp_path / "altered.npz", **arrays)
    with pytest.raises(ModelFileError, match="digest does not match"):
        ANN.load(tmp_path / "altered.npz")


def test_load_refuses_an_altered_config(ctx, tmp_path):
    with np.load(ctx.model_file, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    text = arrays["config"].tobytes().decode().replace('"learning_rate": ', '"learning_rate": 1')
    arrays["config"] = np.frombuffer(text.encode(), dtype=np.uint8)
    np.savez(tmp_path / "altered.npz", **arrays)
    with pytest.raises(ModelFileError, match="digest does not match"):
        ANN.load(tmp_path / "altered.npz")


def test_load_refuses_an_unsupported_zip_entry(ctx, tmp_path):
    """A deflated archive is fine; an entry with an unknown compression method is a
    ModelFileError, not a NotImplementedError."""
    data = bytearray(ctx.model_file.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.infolist()[0].filename == "config.npy"
    central = data.index(b"PK\x01\x02")  # the first central directory entry
    data[central + 10 : central + 12] = (99).to_bytes(2, "little")  # method 99 (AE-x)
    path = tmp_path / "method.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        ANN.load(path)


def test_save_then_load_round_trip(ctx, tmp_path):
    for model in (ctx.clf, ctx.soft, ctx.reg):
        path = tmp_path / "m.npz"
        model.save(path)
        loaded = ANN.load(path)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        for name, value in model.parameters.items():
            np.testing.assert_array_equal(loaded.parameters[name], value)


def test_save_is_atomic_when_the_writer_crashes(ctx, tmp_path, monkeypatch):
    """np.savez fails half-way: the old file is intact and no temporary file is left."""
    path = tmp_path / "model.npz"
    ctx.clf.save(path)
    before = path.read_bytes()
    real_savez = np.savez

    def crash(file, *args, **kwargs):
        real_savez(file, *args, **kwargs)  # write most of it...
        file.truncate(100)
        raise OSError("disk full")  # ...then fail

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        ctx.soft.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    monkeypatch.undo()
    ANN.load(path)


def test_save_interrupted_leaves_no_file_when_there_was_none(ctx, tmp_path, monkeypatch):
    def crash(file, *args, **kwargs):
        file.write(b"PK\x03\x04 partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        ctx.clf.save(tmp_path / "new.npz")
    assert list(tmp_path.iterdir()) == []


def test_save_gives_the_permissions_of_an_ordinary_file(ctx, tmp_path):
    """The temporary file (0600 from mkstemp) must not make the model file private."""
    ordinary = tmp_path / "ordinary"
    ordinary.write_bytes(b"")
    ctx.clf.save(tmp_path / "model.npz")
    assert os.stat(tmp_path / "model.npz").st_mode & 0o777 == os.stat(ordinary).st_mode & 0o777
    os.chmod(tmp_path / "model.npz", 0o640)
    ctx.clf.save(tmp_path / "model.npz")  # replacing keeps the file's permissions
    assert os.stat(tmp_path / "model.npz").st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "content",
    [b"hello world\n1 2 3\n", b"", b"\x80\x04K\x01.", np.lib.format.MAGIC_PREFIX + b"\x01\x00"],
    ids=["text", "empty", "pickle", "npy-header-only"],
)
def test_load_of_another_kind_of_file_names_the_problem(tmp_path, content):
    # NumPy takes such a file for a pickle and advises loading it "unsafely": the
    # message must say the file is not a model file, and never suggest unpickling it.
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=r"not a(n ann)? model file") as caught:
        ANN.load(path)
    assert "allow_pickle" not in str(caught.value)
    assert "pickle.load" not in str(caught.value)
