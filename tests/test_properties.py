"""Property-based tests (issue 6), with hypothesis, derandomized.

* ``backward`` agrees with central finite differences of ``compute_cost`` for random
  architectures (1-3 hidden layers of 1-5 units), hidden activations, outputs, L2 on or
  off, batch sizes and inputs (float64).
* ``ANN.load`` fed random bytes, mutated valid files and forged configurations raises
  only its documented errors (``ModelFileError``, a ``ValueError``; ``FileNotFoundError``)
  or returns a model that predicts.
* Probabilities are probabilities; training never touches its inputs.

Run with ``--hypothesis-show-statistics`` to see how many examples each test ran.
"""

import json
import string

import numpy as np
import pytest
from gradcheck import finite_difference
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ann import ANN
from ann.persistence import ModelFileError, digest

HIDDEN = ("sigmoid", "relu", "tanh", "leaky_relu", "identity")
KINKED = ("relu", "leaky_relu")
OUTPUTS = ("sigmoid", "softmax", "identity")

SETTINGS = dict(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

STEP = 1e-5
RTOL = 1e-6
FLOOR = 1e-2
"""|backward - finite difference| <= RTOL * max(|backward|, |difference|, FLOOR): a
relative error below 1e-6, with an absolute floor of 1e-8 for tiny gradients."""


@st.composite
def networks(draw):
    n_hidden = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 5), min_size=n_hidden, max_size=n_hidden))
    activations = draw(st.lists(st.sampled_from(HIDDEN), min_size=n_hidden, max_size=n_hidden))
    output = draw(st.sampled_from(OUTPUTS))
    units = {"sigmoid": 1, "softmax": draw(st.integers(2, 4)), "identity": draw(st.integers(1, 3))}[
        output
    ]
    l2 = draw(st.sampled_from([0.0, 0.0, 0.3, 2.0]))
    init = draw(st.sampled_from(["article", "he", "glorot"]))
    n_features = draw(st.integers(1, 4))
    n_samples = draw(st.integers(1, 6))
    scale = draw(st.sampled_from([1.0, 3.0]))
    X = np.array(
        draw(
            st.lists(
                st.floats(-scale, scale, allow_nan=False, allow_subnormal=False),
                min_size=n_samples * n_features,
                max_size=n_samples * n_features,
            )
        )
    ).reshape(n_samples, n_features)
    if output == "identity":
        Y = np.array(
            draw(
                st.lists(
                    st.floats(-3, 3, allow_nan=False),
                    min_size=n_samples * units,
                    max_size=n_samples * units,
                )
            )
        ).reshape(n_samples, units)
    else:
        Y = np.array(
            draw(
                st.lists(st.integers(0, max(1, units - 1)), min_size=n_samples, max_size=n_samples)
            )
        )
    model = ANN(
        hidden + [units],
        activation=activations,
        output=output,
        l2=l2,
        init=init,
        seed=draw(st.integers(0, 2**32 - 1)),
        quiet=True,
    )
    model.initialize_parameters(n_features)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    for name, value in model.parameters.items():
        if name.startswith("b"):
            value += rng.normal(scale=0.5, size=value.shape)
    return model, X, Y


def away_from_kinks(model, X):
    """Every pre-activation of a ReLU-like layer is at least 1e-4 from the kink, so a
    step of STEP in any parameter does not cross it."""
    _, store = model.forward(X)
    for l, activation in enumerate(model.hidden_activations_, start=1):
        if activation in KINKED and np.abs(store[f"Z{l}"]).min() < 1e-4:
            return False
    return True


@settings(max_examples=150, **SETTINGS)
@given(networks())
def test_backward_matches_central_finite_differences(case):
    model, X, Y = case
    assume(away_from_kinks(model, X))
    before = {name: value.copy() for name, value in model.parameters.items()}
    _AL, store = model.forward(X)
    grads = model.backward(X, Y, store)
    assert set(grads) == {"d" + name for name in model.parameters}
    for name, value in model.parameters.items():
        assert grads["d" + name].shape == value.shape
        assert grads["d" + name].dtype == value.dtype
        for index in np.ndindex(value.shape):
            analytic = grads["d" + name][index]
            numeric = finite_difference(model, X, Y, name, index, STEP)
            bound = RTOL * max(abs(analytic), abs(numeric), FLOOR)
            assert abs(analytic - numeric) <= bound, (name, index, analytic, numeric)
    for name, value in before.items():  # backward and compute_cost change nothing
        np.testing.assert_array_equal(model.parameters[name], value)


@settings(max_examples=60, **SETTINGS)
@given(networks(), st.floats(-1000, 1000))
def test_outputs_are_finite_probabilities(case, shift):
    model, X, _ = case
    model.parameters[f"b{model.n_layers}"] += shift  # logits up to about +-1000
    if model.is_classifier:
        proba = model.predict_proba(X)
        assert proba.shape == (X.shape[0], len(model.classes_))
        assert np.isfinite(proba).all() and proba.min() >= 0 and proba.max() <= 1
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
        assert set(model.predict(X)) <= set(model.classes_)
    else:
        assert np.isfinite(model.predict(X)).all()


@settings(max_examples=30, **SETTINGS)
@given(networks(), st.sampled_from(["gd", "sgd", "adam"]), st.integers(1, 4))
def test_fit_leaves_its_inputs_alone_and_stays_finite(case, optimizer, batch_size):
    model, X, Y = case
    if model.is_classifier:
        Y = np.arange(X.shape[0]) % len(model.classes_)
        assume(len(set(Y)) == len(model.classes_))
    X_copy, Y_copy = X.copy(), Y.copy()
    model.set_params(optimizer=optimizer, batch_size=batch_size, n_iterations=5, learning_rate=0.01)
    model.fit(X, Y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Y, Y_copy)
    assert len(model.costs) == 5 and np.isfinite(model.costs).all()
    assert all(np.isfinite(v).all() for v in model.parameters.values())


# ------------------------------------------------------------------ ANN.load fuzzing
X_FILE = np.random.default_rng(1).normal(size=(12, 3))
Y_FILE = np.arange(12) % 3


@pytest.fixture(scope="module")
def valid_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "valid.npz"
    ANN([4, 3], n_iterations=3, quiet=True).fit(X_FILE, Y_FILE).save(path)
    return path.read_bytes()


def load_outcome(path):
    """Load ``path``: a model that predicts, or one of the documented errors."""
    try:
        model = ANN.load(path)
    except ModelFileError as error:
        assert str(error)
        return "refused"
    except FileNotFoundError:
        return "missing"
    predicted = model.predict(X_FILE)
    assert predicted.shape == (12,)
    return "loaded"


@settings(max_examples=150, **SETTINGS)
@given(st.binary(max_size=600))
def test_load_of_random_bytes_raises_only_model_file_error(tmp_path_factory, data):
    path = tmp_path_factory.getbasetemp() / "random.npz"
    path.write_bytes(data)
    assert load_outcome(path) == "refused"


@settings(max_examples=150, **SETTINGS)
@given(
    st.binary(min_size=4, max_size=4).map(lambda b: b"PK\x03\x04" + b)
    | st.binary(min_size=4, max_size=4).map(lambda b: b"\x93NUMPY" + b),
    st.binary(max_size=300),
)
def test_load_of_archive_like_bytes_raises_only_model_file_error(tmp_path_factory, head, tail):
    path = tmp_path_factory.getbasetemp() / "archive-like.npz"
    path.write_bytes(head + tail)
    assert load_outcome(path) == "refused"


mutations = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 64)),
    st.tuples(st.just("zero"), st.integers(0, 10**6), st.integers(1, 64)),
)


def mutate(data, operations):
    data = bytearray(data)
    for kind, where, amount in operations:
        if not data:
            break
        where %= len(data)
        if kind == "flip":
            data[where] ^= amount
        elif kind == "truncate":
            del data[where:]
        elif kind == "insert":
            data[where:where] = bytes([amount])
        elif kind == "delete":
            del data[where : where + amount]
        else:
            data[where : where + amount] = bytes(len(data[where : where + amount]))
    return bytes(data)


@settings(max_examples=200, **SETTINGS)
@given(st.lists(mutations, min_size=1, max_size=4))
def test_load_of_mutated_file_raises_only_model_file_error(
    valid_file, tmp_path_factory, operations
):
    data = mutate(valid_file, operations)
    path = tmp_path_factory.getbasetemp() / "mutated.npz"
    path.write_bytes(data)
    if load_outcome(path) == "loaded":  # a change the content cannot see (zip metadata)
        reference = source_model(valid_file, tmp_path_factory)
        np.testing.assert_array_equal(
            ANN.load(path).predict_proba(X_FILE), reference.predict_proba(X_FILE)
        )


def source_model(data, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "reference.npz"
    path.write_bytes(data)
    return ANN.load(path)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(string.printable, max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(string.ascii_letters, max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)

CONFIG_KEYS = [
    "format",
    "version",
    "params",
    "n_features_in",
    "output_activation",
    "costs",
    "history",
]
PARAM_KEYS = list(ANN([1]).get_params())


@settings(max_examples=200, **SETTINGS)
@given(
    st.one_of(
        st.tuples(st.sampled_from(CONFIG_KEYS), st.just(None)),
        st.tuples(st.just("params"), st.sampled_from(PARAM_KEYS)),
    ),
    json_values | st.just("<delete>"),
    st.sampled_from([None, "W1", "b1", "W2", "b2", "classes"]),
    st.sampled_from(["keep", "drop", "reshape", "float32", "nan", "int"]),
)
def test_load_of_forged_file_raises_only_model_file_error(
    valid_file, tmp_path_factory, key, value, array, change
):
    """The digest is recomputed, so every check after it is exercised: forged
    configuration entries and arrays are refused with ModelFileError, or give a model
    that predicts."""
    source = tmp_path_factory.getbasetemp() / "forge-source.npz"
    source.write_bytes(valid_file)
    with np.load(source, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    config = json.loads(arrays.pop("config").tobytes())
    config.pop("digest")
    top, sub = key
    target, field = (config["params"], sub) if sub else (config, top)
    if value == "<delete>":
        target.pop(field, None)
    else:
        target[field] = value
    if array is not None and change != "keep":
        if change == "drop":
            arrays.pop(array)
        elif change == "reshape":
            arrays[array] = arrays[array].reshape(-1)
        elif change == "float32":
            arrays[array] = arrays[array].astype(np.float32)
        elif change == "nan":
            arrays[array] = np.full(arrays[array].shape, np.nan)
        else:
            arrays[array] = arrays[array].astype(np.int64)
    config["digest"] = digest(config, arrays)
    path = tmp_path_factory.getbasetemp() / "forged.npz"
    np.savez(path, config=np.frombuffer(json.dumps(config).encode(), dtype=np.uint8), **arrays)
    load_outcome(path)
