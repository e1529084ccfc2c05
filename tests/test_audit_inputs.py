"""Bugs found by the input audit: each test failed before its fix."""

import numpy as np
import pytest

from ann import ANN, NotFittedError
from ann.plotting import initial_weights

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 3))
Y2 = (X[:, 0] > 0).astype(int)
Y3 = np.arange(30) % 3


def quick(layers=(4, 1), **kw):
    kw.setdefault("n_iterations", 3)
    kw.setdefault("quiet", True)
    return ANN(list(layers), **kw)


# ------------------------------------------------------------------ labels
def test_labels_mixing_strings_and_numbers_are_refused_with_a_clear_message():
    labels = np.array([1, "a"] * 15, dtype=object)
    with pytest.raises(TypeError, match=r"Y mixes strings and numbers"):
        quick().fit(X, labels)


def test_encode_targets_of_incomparable_labels_names_them():
    model = quick().fit(X, Y2)
    with pytest.raises(TypeError, match=r"Y holds labels of types \['int', 'str'\]"):
        model.encode_targets(np.array(["a", 1], dtype=object))


def test_object_integer_classes_survive_save_and_load(tmp_path):
    labels = np.array(list(Y2 + 5), dtype=object)
    model = quick().fit(X, labels)
    model.save(tmp_path / "model.npz")
    loaded = ANN.load(tmp_path / "model.npz")
    assert loaded.classes_.tolist() == [5, 6]
    assert loaded.predict(X).tolist() == model.predict(X).tolist()


# ------------------------------------------------------------- multi-label
@pytest.fixture(scope="module")
def multilabel():
    return quick((4, 2), output="sigmoid").fit(X, np.c_[Y2, 1 - Y2])


def test_multilabel_score_with_the_wrong_number_of_columns(multilabel):
    with pytest.raises(ValueError, match=r"Y has 3 columns but the output layer has 2 units"):
        multilabel.score(X, np.c_[Y2, 1 - Y2, Y2])


def test_multilabel_score_with_one_dimensional_labels(multilabel):
    with pytest.raises(ValueError, match=r"fitted on multi-label targets"):
        multilabel.score(X, Y2)


def test_multilabel_validation_data_must_be_multilabel_too():
    with pytest.raises(ValueError, match=r"fitted on multi-label targets"):
        quick((4, 2), output="sigmoid").fit(X, np.c_[Y2, 1 - Y2], validation_data=(X, Y2))


# ----------------------------------------------------------- sample weights
def test_a_mini_batch_of_zero_weight_is_skipped():
    """Before: ZeroDivisionError (the batch's mean cost divides by its total weight)."""
    weights = np.r_[np.zeros(25), np.ones(5)]
    model = quick(optimizer="sgd", batch_size=2, n_iterations=4)
    model.fit(X, Y2, sample_weight=weights)
    assert len(model.costs) == 4 and np.isfinite(model.costs).all()
    assert np.isfinite(model.parameters.flat).all()


def test_early_stopping_split_with_zero_weight_validation_samples():
    """Before: ZeroDivisionError when the held-out rows all had weight 0."""
    held = np.random.default_rng(3).permutation(30)[:3]  # the rows fit holds out
    weights = np.ones(30)
    weights[held] = 0
    with pytest.raises(ValueError, match=r"3 validation samples .* all have sample_weight 0"):
        quick(early_stopping=True, seed=3).fit(X, Y2, sample_weight=weights)


@pytest.mark.parametrize(
    "value, dtype", [(1e308, "float64"), (1e-320, "float64"), (1e300, "float32")]
)
def test_sample_weights_whose_sum_leaves_the_dtype_are_refused(value, dtype):
    with pytest.raises(ValueError, match=r"sample_weight sums to .* out of the range"):
        quick(dtype=dtype).fit(X, Y2, sample_weight=np.full(30, value))


# ----------------------------------------------------------------- set_params
def test_a_refused_set_params_keeps_the_hidden_activations():
    model = quick(n_iterations=5).fit(X, Y2)
    before = model.predict_proba(X)
    with pytest.raises(ValueError, match="learning_rate"):
        model.set_params(activation="relu", learning_rate=-1)
    assert model.activation == "sigmoid"
    assert np.array_equal(model.predict_proba(X), before)


@pytest.mark.parametrize(
    "change",
    [
        {"layers_size": [4, 4, 3]},
        {"layers_size": [5, 3]},
        {"activation": "relu"},
        {"output": "sigmoid"},
        {"dtype": "float32"},
    ],
)
def test_set_params_of_the_structure_unfits_the_model(change, tmp_path):
    model = quick((4, 3)).fit(X, Y3)
    model.set_params(**change)
    with pytest.raises(NotFittedError, match=r"set_params changed"):
        model.predict(X)
    with pytest.raises(NotFittedError):
        model.save(tmp_path / "model.npz")  # before: a file that did not load
    model.fit(X, Y3)  # and fitting again works with the new settings
    model.save(tmp_path / "model.npz")
    assert np.array_equal(ANN.load(tmp_path / "model.npz").predict(X), model.predict(X))


def test_set_params_of_training_settings_keeps_the_fit():
    model = quick((4, 3)).fit(X, Y3)
    before = model.predict_proba(X)
    model.set_params(learning_rate=0.5, n_iterations=7, activation="sigmoid", layers_size=(4, 3))
    assert np.array_equal(model.predict_proba(X), before)


# ------------------------------------------------------------------ pandas
def test_pandas_nullable_columns_are_numbers():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X).astype("Float64")
    model = quick().fit(frame, Y2)
    assert np.array_equal(model.predict(frame), quick().fit(X, Y2).predict(X))
    with pytest.raises(ValueError, match=r"X contains NaN"):
        model.predict(frame.where(X > 0))


# ---------------------------------------------------------------- plotting
def test_initial_weights_of_a_layer_the_model_lacks():
    model = quick().fit(X, Y2)
    with pytest.raises(ValueError, match=r"layer must be at most 2"):
        initial_weights(model, layer=3)
    with pytest.raises(ValueError, match=r"layer must be at least 1"):
        initial_weights(model, layer=0)


# ------------------------------------------------------------------ export
def test_to_onnx_of_a_model_with_bytes_labels(tmp_path):
    """Before: TypeError, bytes are not JSON serializable (the classes metadata)."""
    pytest.importorskip("onnx")
    import json

    from ann.export import to_onnx

    model = quick().fit(X, np.where(Y2, b"yes", b"no"))
    proto = to_onnx(model, tmp_path / "model.onnx")
    metadata = {entry.key: entry.value for entry in proto.metadata_props}
    assert json.loads(metadata["classes"]) == ["no", "yes"]


# ------------------------------------------------------------------ report
def test_write_report_of_a_multilabel_model(tmp_path):
    """Before: ValueError 'y must have shape (n,)' from the mistakes picture."""
    from ann.report import write_report

    features = np.random.default_rng(1).random((30, 4))  # 2 x 2 images
    targets = np.c_[Y2, 1 - Y2]
    model = quick((4, 2), output="sigmoid").fit(features, targets)
    written = write_report(model, tmp_path, train=(features, targets), test=(features, targets))
    assert "mistakes.png" not in written and "summary.json" in written


@pytest.mark.parametrize("samples, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError)])
def test_write_report_checks_explain_samples(tmp_path, samples, error):
    """Before: -1 silently dropped the last sample, 0 gave 'X is empty'."""
    from ann.report import write_report

    model = quick().fit(X, Y2)
    with pytest.raises(error, match=r"explain_samples"):
        write_report(model, tmp_path, train=(X, Y2), explain_samples=samples)
