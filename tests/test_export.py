"""ann.export: a network handed to PyTorch or ONNX computes what it computes in ann."""

import itertools
import json
import sys
import types

import numpy as np
import onnxruntime
import pytest
import torch
from torch import nn

from ann import ANN, NotFittedError
from ann.export import from_torch, to_onnx, to_torch

HIDDEN = ("sigmoid", "relu", "tanh", "leaky_relu", "identity")
OUTPUT_UNITS = {"sigmoid": 1, "softmax": 3, "identity": 2}
TOLERANCE = {"float64": 1e-12, "float32": 1e-6}


def make_model(first, output, dtype):
    """A network briefly fitted on random data: hidden activations starting with
    ``first`` (1 to 3 hidden layers, the others taken in turn from HIDDEN), the given
    output, labels that are not 0..k-1. Returns ``(model, X)``."""
    index = HIDDEN.index(first)
    depth = 1 + index % 3
    hidden = [HIDDEN[(index + j) % len(HIDDEN)] for j in range(depth)]
    sizes = [6, 5, 4][:depth] + [OUTPUT_UNITS[output]]
    rng = np.random.RandomState(index)
    X = rng.randn(40, 4)
    if output == "identity":
        y = rng.randn(40, 2)
    elif output == "sigmoid":
        y = np.array(["no", "yes"])[rng.randint(0, 2, 40)]
    else:
        y = np.array([10, 20, 30])[rng.randint(0, 3, 40)]
    model = ANN(
        sizes,
        activation=hidden,
        output=output,
        learning_rate=0.5,
        n_iterations=5,
        dtype=dtype,
        quiet=True,
    ).fit(X, y)
    return model, X.astype(dtype)


def expected_outputs(model, X):
    """What an exported network must give for ``X``: ``AL.T``, (n_samples, units_L)."""
    if not model.is_classifier:
        return model.predict(X).reshape(len(X), -1)
    probabilities = model.predict_proba(X)
    if model.output_activation_ == "sigmoid" and model.layers_size[-1] == 1:
        return probabilities[:, 1:]  # the unit gives P(classes_[1]); column 0 is 1 - that
    return probabilities


def run_torch(module, X):
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


every_model = pytest.mark.parametrize(
    "first,output,dtype", list(itertools.product(HIDDEN, OUTPUT_UNITS, TOLERANCE))
)


@pytest.fixture
def binary():
    return make_model("relu", "sigmoid", "float64")


# ------------------------------------------------------------------------ PyTorch
@every_model
def test_to_torch_outputs_equal_the_model(first, output, dtype):
    model, X = make_model(first, output, dtype)
    module = to_torch(model)
    activations = model.hidden_activations_ + [model.output_activation_]
    names = {
        "sigmoid": "Sigmoid",
        "relu": "ReLU",
        "tanh": "Tanh",
        "leaky_relu": "LeakyReLU",
        "identity": "Identity",
        "softmax": "Softmax",
    }
    expected = [name for a in activations for name in ("Linear", names[a])]
    if output == "identity":
        expected.pop()  # a regressor's output layer has no activation module
    assert [type(m).__name__ for m in module] == expected
    assert {p.dtype for p in module.parameters()} == {getattr(torch, dtype)}
    outputs = run_torch(module, X)
    assert outputs.dtype == np.dtype(dtype)
    np.testing.assert_allclose(
        outputs, expected_outputs(model, X), rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype]
    )


@every_model
def test_from_torch_inverts_to_torch(first, output, dtype):
    model, X = make_model(first, output, dtype)
    classes = model.classes_ if model.is_classifier else None
    back = from_torch(to_torch(model), classes=classes)
    assert back.hidden_activations_ == model.hidden_activations_
    assert back.output_activation_ == model.output_activation_
    assert back.dtype == dtype and back.n_features_in_ == model.n_features_in_
    for name, value in model.parameters.items():
        assert back.parameters[name].dtype == value.dtype
        assert np.array_equal(back.parameters[name], value), name
    assert np.array_equal(back.predict(X), model.predict(X))
    if model.is_classifier:
        assert np.array_equal(back.classes_, model.classes_)
        assert np.array_equal(back.predict_proba(X), model.predict_proba(X))


def test_training_continues_in_torch_from_the_model(binary):
    model, X = binary
    y = (model.predict(X) == "yes") ^ (np.arange(len(X)) % 4 == 0)  # labels to learn
    labels = np.array(["no", "yes"])[y.astype(int)]
    before = {name: value.copy() for name, value in model.parameters.items()}
    module = to_torch(model)
    logits, targets = module[:-1], torch.from_numpy(y.astype(np.float64))[:, None]
    loss_function = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    inputs = torch.from_numpy(X)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = loss_function(logits(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    # the exported network starts from the model's own cost, and training lowers it
    assert losses[0] == pytest.approx(model.compute_cost(X, labels), rel=1e-12)
    assert losses[-1] < 0.8 * losses[0]
    trained = from_torch(module, classes=model.classes_)
    np.testing.assert_allclose(
        trained.predict_proba(X)[:, 1:], run_torch(module, X), rtol=0, atol=1e-12
    )
    for name, value in model.parameters.items():
        assert np.array_equal(value, before[name]), "to_torch must copy the parameters"


def test_to_torch_leaves_torch_random_numbers_alone(binary):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    to_torch(binary[0])
    assert torch.equal(torch.rand(3), expected)


def test_from_torch_reads_a_hand_made_sequential():
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4, bias=False), nn.Linear(4, 2), nn.Softmax(dim=-1)
    )
    model = from_torch(module)
    assert model.hidden_activations_ == ["relu", "identity"]
    assert model.output_activation_ == "softmax" and model.dtype == "float32"
    assert model.layers_size == [4, 4, 2] and model.n_features_in_ == 3
    assert not model.parameters["b2"].any()
    assert model.classes_.tolist() == [0, 1]
    X = np.random.RandomState(0).randn(20, 3).astype(np.float32)
    np.testing.assert_allclose(model.predict_proba(X), run_torch(module, X), rtol=1e-6, atol=1e-6)


def linear(n_in, n_out, dtype=torch.float32, fill=None):
    layer = nn.Linear(n_in, n_out, dtype=dtype)
    if fill is not None:
        with torch.no_grad():
            layer.weight.fill_(fill)
    return layer


@pytest.mark.parametrize(
    "modules,message",
    [
        ([linear(3, 2), nn.GELU()], r"module 1 of the Sequential \(GELU\(.*is not supported"),
        ([linear(3, 4), nn.Dropout(), linear(4, 1)], r"module 1 .*Dropout.*is not supported"),
        (
            [linear(3, 4), nn.LeakyReLU(0.2), linear(4, 1)],
            r"module 1 .*negative_slope=0.2.*LEAKY_SLOPE=0.01",
        ),
        ([linear(3, 4), nn.Softmax(dim=0)], r"module 1 .*dim=0"),
        ([linear(3, 4), nn.Softmax(dim=1), linear(4, 2)], r"module 1 .*output only"),
        ([linear(3, 4), nn.Tanh()], r"module 1 .*Tanh.*not an output activation"),
        ([nn.ReLU(), linear(3, 1)], r"module 0 .*ReLU.*must follow a Linear"),
        ([linear(3, 4), nn.ReLU(), nn.Tanh(), linear(4, 1)], r"module 2 .*one activation per"),
        ([linear(3, 4), linear(5, 1)], r"module 1 .*takes 5 inputs.*gives 4"),
        ([], r"no Linear"),
        ([linear(3, 4), linear(4, 1, torch.float64)], r"all float32 or all float64"),
        ([linear(3, 1, torch.float16)], r"all float32 or all float64.*float16"),
        ([linear(3, 4), linear(4, 1, fill=float("nan"))], r"Linear layer 2 .*NaN"),
    ],
)
def test_from_torch_refuses_what_ann_cannot_compute(modules, message):
    with pytest.raises(ValueError, match=message):
        from_torch(nn.Sequential(*modules))


def test_from_torch_checks_its_arguments(binary):
    with pytest.raises(TypeError, match=r"torch\.nn\.Sequential, got Linear"):
        from_torch(linear(3, 1))
    module = to_torch(binary[0])
    for classes, message in [
        ([1, 2, 3], "2 labels"),
        (["yes", "no"], "sorted and distinct"),
        ([[0, 1]], "2 labels"),
    ]:
        with pytest.raises(ValueError, match=message):
            from_torch(module, classes=classes)
    with pytest.raises(ValueError, match="regressor"):
        from_torch(nn.Sequential(linear(3, 1)), classes=[0, 1])


def test_k_sigmoid_outputs_round_trip_as_multi_label(tmp_path):
    rng = np.random.RandomState(0)
    X, Y = rng.randn(40, 4), (rng.rand(40, 3) > 0.5).astype(int)
    model = ANN(
        [5, 3], activation="tanh", output="sigmoid", learning_rate=0.5, n_iterations=5, quiet=True
    ).fit(X, Y)
    module = to_torch(model)
    assert type(module[-1]) is nn.Sigmoid
    np.testing.assert_allclose(run_torch(module, X), model.predict_proba(X), rtol=0, atol=1e-12)
    back = from_torch(module, multilabel=True)
    assert np.array_equal(back.predict(X), model.predict(X)) and back.predict(X).shape == (40, 3)
    to_onnx(model, tmp_path / "model.onnx")
    session = onnxruntime.InferenceSession(
        str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    np.testing.assert_allclose(
        session.run(None, {"X": X})[0], model.predict_proba(X), rtol=0, atol=1e-12
    )
    with pytest.raises(ValueError, match="multilabel=True needs k >= 2 sigmoid outputs"):
        from_torch(nn.Sequential(linear(3, 2), nn.Softmax(dim=1)), multilabel=True)


def test_a_poisson_regressor_goes_to_onnx_but_not_to_torch(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(40, 4)
    counts = rng.poisson(np.exp(0.5 * X[:, 0]))
    model = ANN(
        [5, 1], activation="relu", output="exp", learning_rate=0.1, n_iterations=5, quiet=True
    ).fit(X, counts)
    to_onnx(model, tmp_path / "model.onnx")
    session = onnxruntime.InferenceSession(
        str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    np.testing.assert_allclose(
        session.run(None, {"X": X})[0][:, 0], model.predict(X), rtol=1e-12, atol=0
    )
    with pytest.raises(ValueError, match="to_torch cannot export the 'exp' activation"):
        to_torch(model)


# --------------------------------------------------------------------------- ONNX
@every_model
def test_onnx_in_onnxruntime_equals_the_model(tmp_path, first, output, dtype):
    model, X = make_model(first, output, dtype)
    path = tmp_path / "model.onnx"
    proto = to_onnx(model, path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
    (input_,), (output_,) = proto.graph.input, proto.graph.output
    assert input_.name == "X" and output_.name == f"A{model.n_layers}"
    dims = input_.type.tensor_type.shape.dim
    assert not dims[0].HasField("dim_value") and dims[1].dim_value == X.shape[1]
    metadata = {p.key: p.value for p in proto.metadata_props}
    if model.is_classifier:
        assert json.loads(metadata["classes"]) == model.classes_.tolist()
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (outputs,) = session.run(None, {"X": X})
    assert outputs.dtype == np.dtype(dtype)
    np.testing.assert_allclose(
        outputs, expected_outputs(model, X), rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype]
    )


def test_to_onnx_into_a_missing_folder_leaves_nothing(tmp_path, binary):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        to_onnx(binary[0], tmp_path / "missing" / "model.onnx")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------- models and extras
def test_an_estimator_is_exported_through_its_network(tmp_path, binary):
    model, X = binary
    estimator = types.SimpleNamespace(network_=model)
    np.testing.assert_array_equal(run_torch(to_torch(estimator), X), run_torch(to_torch(model), X))
    assert to_onnx(estimator, tmp_path / "m.onnx") == to_onnx(model, tmp_path / "n.onnx")


@pytest.mark.parametrize("export", [to_torch, lambda model: to_onnx(model, "never.onnx")])
def test_only_fitted_models_are_exported(tmp_path, monkeypatch, export):
    monkeypatch.chdir(tmp_path)
    for unfitted in (ANN([3, 1]), types.SimpleNamespace(network_=ANN([3, 1]))):
        with pytest.raises(NotFittedError, match="not fitted"):
            export(unfitted)
    for not_a_model, message in [
        ("model.npz", "got str"),
        (types.SimpleNamespace(network_="an ANN"), "network_ must be an ANN, got str"),
    ]:
        with pytest.raises(TypeError, match=message):
            export(not_a_model)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "package,call",
    [
        ("torch", lambda model, path: to_torch(model)),
        ("torch", lambda model, path: from_torch(None)),
        ("onnx", to_onnx),
    ],
)
def test_a_missing_extra_says_how_to_install_it(tmp_path, monkeypatch, binary, package, call):
    monkeypatch.setitem(sys.modules, package, None)  # what a failed import leaves
    command = f'pip install -e ".[{package}]"'
    with pytest.raises(ImportError, match=f"optional package '{package}'.*") as error:
        call(binary[0], tmp_path / "model.onnx")
    assert command in str(error.value)
    assert list(tmp_path.iterdir()) == []
