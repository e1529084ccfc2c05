"""ann.export: a network handed to PyTorch or ONNX computes what it computes in ann."""

import copy
import io
import itertools
import json
import sys
import types
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

# The torch and onnx extras; without them (as in CI's lower-bounds run) the file skips.
torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")
nn = torch.nn

from ann import ANN, MLPClassifier, MLPRegressor, NotFittedError
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


def fit_kind(kind):
    """A model of the given kind, briefly fitted on random data: ``(model, X)``. The kinds
    cover what the torch module and the ONNX graph must keep to predict as the model does:
    labels that are not 0..k-1 (strings, bytes, NumPy integers in an object array),
    multi-label and k-class sigmoid outputs, 0 hidden layers, several regression outputs,
    float32, and scikit-learn's estimators."""
    rng = np.random.RandomState(3)
    X = rng.randn(50, 4)
    three = rng.randint(0, 3, 50)
    indicator = (rng.rand(50, 3) > 0.5).astype(int)
    values = rng.randn(50, 3)
    quick = dict(learning_rate=0.5, n_iterations=5, quiet=True)
    estimator = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    fits = {
        "ann binary strings": lambda: ANN([5, 1], **quick).fit(
            X, np.array(["no", "yes"])[three % 2]
        ),
        "ann bytes": lambda: ANN([5, 3], **quick).fit(X, np.array([b"a", b"\xe9", b"c"])[three]),
        "ann numpy ints in objects": lambda: ANN([5, 3], **quick).fit(
            X, np.array([np.int64(7), np.int64(8), np.int64(9)], dtype=object)[three]
        ),
        "ann multi-label": lambda: ANN([5, 3], output="sigmoid", **quick).fit(X, indicator),
        "ann 3 sigmoid classes": lambda: ANN([5, 3], output="sigmoid", **quick).fit(X, three + 4),
        "ann logistic regression": lambda: ANN([1], **quick).fit(X, three % 2 + 1),
        "ann softmax, no hidden layer": lambda: ANN([3], **quick).fit(X, three - 1),
        "ann linear regression, 3 outputs": lambda: ANN([3], output="identity", **quick).fit(
            X, values
        ),
        "ann regressor float32": lambda: ANN(
            [5, 1], activation="relu", output="identity", dtype="float32", **quick
        ).fit(X, values[:, 0]),
        "ann multi-label float32": lambda: ANN(
            [5, 3], output="sigmoid", dtype="float32", **quick
        ).fit(X, indicator),
        "mlp binary": lambda: MLPClassifier(**estimator).fit(X, np.array(["b", "a"])[three % 2]),
        "mlp multi-class": lambda: MLPClassifier(**estimator).fit(X, three * 10),
        "mlp multi-label": lambda: MLPClassifier(**estimator).fit(X, indicator),
        "mlp multi-label float32": lambda: MLPClassifier(**estimator, dtype="float32").fit(
            X, indicator
        ),
        "mlp regressor": lambda: MLPRegressor(**estimator).fit(X, values[:, 0]),
        "mlp regressor, 3 outputs": lambda: MLPRegressor(**estimator).fit(X, values),
        "mlp poisson": lambda: MLPRegressor(loss="poisson", **estimator).fit(X, np.exp(values)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 5 epochs are enough here
        return fits[kind](), X


KINDS = [
    "ann binary strings",
    "ann bytes",
    "ann numpy ints in objects",
    "ann multi-label",
    "ann 3 sigmoid classes",
    "ann logistic regression",
    "ann softmax, no hidden layer",
    "ann linear regression, 3 outputs",
    "ann regressor float32",
    "ann multi-label float32",
    "mlp binary",
    "mlp multi-class",
    "mlp multi-label",
    "mlp multi-label float32",
    "mlp regressor",
    "mlp regressor, 3 outputs",
    "mlp poisson",
]


def assert_predicts_as(model, back, X):
    """``back`` (an ANN) predicts what ``model`` predicts, to the bit."""
    expected = model.predict(X)
    assert back.predict(X).shape == expected.shape
    assert np.array_equal(back.predict(X), expected)
    if getattr(model, "network_", model).is_classifier:
        assert np.array_equal(back.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind != "mlp poisson"])
def test_a_round_trip_through_torch_predicts_what_the_model_predicts(kind):
    model, X = fit_kind(kind)
    module = to_torch(model)
    assert_predicts_as(model, from_torch(module), X)
    # the labels are the module's attributes: they go where the module goes
    buffer = io.BytesIO()
    torch.save(module, buffer)
    buffer.seek(0)
    for copied in (copy.deepcopy(module), torch.load(buffer, weights_only=False)):
        assert_predicts_as(model, from_torch(copied), X)


def test_from_torch_arguments_name_the_labels_a_module_lacks():
    model, X = fit_kind("mlp multi-label")
    module = to_torch(model)
    assert np.array_equal(module.classes_, model.classes_) and module.multilabel_ is True
    # a state_dict keeps the weights only: rebuilt, the module no longer says multi-label
    rebuilt = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3), nn.Sigmoid()).double()
    rebuilt.load_state_dict(module.state_dict())
    assert from_torch(rebuilt).predict(X).shape == (len(X),)  # the largest of 3 outputs
    assert_predicts_as(model, from_torch(rebuilt, classes=[0, 1, 2], multilabel=True), X)
    # the arguments win over the module's attributes
    assert from_torch(module, multilabel=False).predict(X).shape == (len(X),)
    named = from_torch(module, classes=["x", "y", "z"], multilabel=False)
    assert set(named.predict(X)) <= {"x", "y", "z"}
    module.classes_ = np.array([0, 1])
    with pytest.raises(ValueError, match=r"module\.classes_ \(set by to_torch\) must list 3"):
        from_torch(module)
    regressor = to_torch(fit_kind("mlp regressor")[0])
    assert not hasattr(regressor, "classes_") and not hasattr(regressor, "multilabel_")


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
        (
            [linear(3, 1, torch.bfloat16)],
            r"all float32 or all float64.*bfloat16.*module\.float\(\)",
        ),
        ([nn.LazyLinear(2)], r"module 0 .*LazyLinear.*not supported.*after one forward pass"),
        ([linear(3, 4), nn.Dropout(), linear(4, 1)], r"module 1 .*Dropout.*ANN\(dropout=p\)"),
    ],
)
def test_from_torch_refuses_what_ann_cannot_compute(modules, message):
    with pytest.raises(ValueError, match=message):
        from_torch(nn.Sequential(*modules))


def test_from_torch_of_a_meta_module_says_it_has_no_values():
    with torch.device("meta"):
        module = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
    with pytest.raises(ValueError, match=r"Linear layer 1 \(weight\) is on PyTorch's meta device"):
        from_torch(module)
    torch.manual_seed(0)
    weights = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
    module.to_empty(device="cpu").load_state_dict(weights.state_dict())  # the remedy it names
    X = np.random.RandomState(0).randn(10, 3).astype(np.float32)
    np.testing.assert_allclose(
        from_torch(module).predict_proba(X)[:, 1:], run_torch(weights, X), rtol=1e-6, atol=1e-6
    )


def test_from_torch_checks_each_weight_against_its_layer_shape():
    layer = linear(3, 4)
    layer.weight = nn.Parameter(torch.zeros(4, 5))  # in_features still says 3
    with pytest.raises(
        ValueError, match=r"Linear layer 1 \(weight\) has shape \(4, 5\).* \(4, 3\)"
    ):
        from_torch(nn.Sequential(layer))


def test_from_torch_reads_a_training_module_with_gradients_and_copies_it():
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3), nn.Softmax(dim=1))
    module = module.double().train()
    X = np.random.RandomState(0).randn(10, 3)
    module(torch.from_numpy(X)).log().sum().backward()  # weights that require and hold grads
    model = from_torch(module)
    assert module.training and all(p.grad is not None for p in module.parameters())
    np.testing.assert_allclose(model.predict_proba(X), run_torch(module, X), rtol=0, atol=1e-15)
    before = module[0].weight.detach().clone()
    model.parameters["W1"][...] = 0  # the ANN's parameters are its own
    assert torch.equal(module[0].weight.detach(), before)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_from_torch_and_to_torch_on_a_gpu():
    model, X = fit_kind("ann multi-label")
    module = to_torch(model).cuda()
    back = from_torch(module)
    assert_predicts_as(model, back, X)
    with torch.no_grad():
        outputs = module(torch.from_numpy(X).cuda()).cpu().numpy()
    np.testing.assert_allclose(outputs, model.predict_proba(X), rtol=0, atol=1e-12)


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


def onnx_outputs(path, X):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X})[0]


@pytest.mark.parametrize("input_dtype", [None, "float32"])
@pytest.mark.parametrize("kind", KINDS)
def test_onnx_of_every_kind_equals_the_model(tmp_path, kind, input_dtype):
    model, X = fit_kind(kind)
    network = getattr(model, "network_", model)
    X = X.astype(input_dtype or network.dtype)  # by default, the graph takes the model's
    proto = to_onnx(model, tmp_path / "model.onnx", input_dtype=input_dtype)
    outputs = onnx_outputs(tmp_path / "model.onnx", X)
    assert outputs.dtype == np.dtype(network.dtype)  # the model's, whatever the input's
    tolerance = TOLERANCE[network.dtype]
    np.testing.assert_allclose(
        outputs, expected_outputs(network, X), rtol=tolerance, atol=tolerance
    )
    metadata = {p.key: p.value for p in proto.metadata_props}
    if network.is_classifier:
        labels = [c.decode("latin-1") if isinstance(c, bytes) else c for c in model.classes_]
        assert json.loads(metadata["classes"]) == labels
        assert json.loads(metadata["multilabel"]) == (model.predict(X).ndim == 2)
    else:
        assert metadata == {}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("input_dtype", ["float64", "float32", np.float16, "uint8", "int64", bool])
def test_onnx_takes_the_input_dtype_asked_for(tmp_path, dtype, input_dtype):
    model, _ = make_model("tanh", "softmax", dtype)
    X = (3 * np.abs(np.random.RandomState(1).randn(30, 4))).astype(input_dtype)
    proto = to_onnx(model, tmp_path / "model.onnx", input_dtype=input_dtype)
    operators = [node.op_type for node in proto.graph.node]
    assert (operators[0] == "Cast") == (np.dtype(input_dtype) != np.dtype(dtype))
    session = onnxruntime.InferenceSession(
        str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    (input_,) = session.get_inputs()
    assert input_.name == "X" and input_.type == onnx_type(np.dtype(input_dtype))
    (outputs,) = session.run(None, {"X": X})
    assert outputs.dtype == np.dtype(dtype)
    np.testing.assert_allclose(
        outputs, model.predict_proba(X), rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype]
    )


def onnx_type(dtype):
    """onnxruntime's name of a NumPy dtype's tensor type: tensor(float), tensor(double), ..."""
    names = {"float32": "float", "float64": "double", "float16": "float16"}
    return f"tensor({names.get(dtype.name, dtype.name)})"


@pytest.mark.parametrize(
    "input_dtype,error,message",
    [
        ("complex64", ValueError, r"input_dtype must be one of .*got complex64"),
        (object, ValueError, r"input_dtype must be one of .*got object"),
        (np.longdouble, ValueError, r"input_dtype must be one of"),
        (">f8", ValueError, r"input_dtype must be one of"),
        ("pixels", TypeError, r"input_dtype must be a NumPy dtype or its name, got 'pixels'"),
    ],
)
def test_to_onnx_checks_the_input_dtype(tmp_path, binary, input_dtype, error, message):
    with pytest.raises(error, match=message):
        to_onnx(binary[0], tmp_path / "model.onnx", input_dtype=input_dtype)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_parameters_are_not_exported(tmp_path, binary, value):
    model, _ = binary
    model.parameters["b2"][0, 0] = value  # as a diverged fit leaves them
    estimator = fit_kind("mlp multi-class")[0]
    estimator.coefs_[0][1, 2] = value  # scikit-learn's view of W1.T
    for exported, name in [(model, "b2"), (estimator, "W1")]:
        for export in (to_torch, lambda m: to_onnx(m, tmp_path / "model.onnx")):
            with pytest.raises(
                ValueError, match=f"{name} holds 1 NaN or infinite value: .*cannot be exported"
            ):
                export(exported)
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
