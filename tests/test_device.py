"""``--device`` (ann/commands/_device.py) and the benchmark's section ``device``: where the
commands put their data, the one-line reasons when a device is missing, PyTorch's
reference loop, and the section's quick run on the CPU (rows that need a GPU say NOT RUN
and why)."""

import argparse
import dataclasses
import importlib.util
import io
import json
import warnings

import numpy as np
import pytest

from ann import ANN
from ann.commands import _device
from ann.commands._device import Device, DeviceError, device_argument, open_device, why_unavailable
from ann.commands.benchmark import command, device, harness, peers

torch = pytest.importorskip("torch")

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA device (this machine has none)")
NO_CUDA = "no CUDA device: torch.cuda.is_available() is False"


# --------------------------------------------------------------------- --device


@pytest.mark.parametrize("name", ["numpy", "cpu", "cuda", "cuda:0", "cuda:12", "mps", "cupy"])
def test_device_names_are_accepted(name):
    assert device_argument(name) == name
    assert Device(name).name == name


@pytest.mark.parametrize("name", ["tpu", "gpu", "CUDA", "cuda:", "cuda:x", "cpu-numpy", ""])
def test_unknown_device_names_are_refused(name):
    with pytest.raises(argparse.ArgumentTypeError, match=r"unknown device .*choose numpy, cpu"):
        device_argument(name)
    with pytest.raises(DeviceError, match="unknown device"):
        Device(name)


def test_libraries_of_the_devices():
    libraries = {name: Device(name).library for name in ("numpy", "cpu", "cuda:1", "mps", "cupy")}
    assert libraries == {
        "numpy": "numpy",
        "cpu": "torch",
        "cuda:1": "torch",
        "mps": "torch",
        "cupy": "cupy",
    }
    assert [Device(name).is_gpu for name in ("numpy", "cpu", "cuda", "mps", "cupy")] == [
        False,
        False,
        True,
        True,
        True,
    ]


def test_numpy_and_pytorch_cpu_are_available_here():
    assert why_unavailable("numpy") is None and why_unavailable("cpu") is None
    assert open_device("cpu") == Device("cpu")


@pytest.mark.skipif(CUDA, reason="this machine has a CUDA device")
def test_missing_cuda_is_named():
    assert why_unavailable("cuda") == NO_CUDA
    assert why_unavailable("cuda:1") == NO_CUDA
    with pytest.raises(DeviceError, match=r"torch\.cuda\.is_available"):
        open_device("cuda")


@needs_cuda
def test_a_cuda_device_number_beyond_the_count_is_named():
    count = torch.cuda.device_count()
    assert why_unavailable(f"cuda:{count}") == (
        f"no CUDA device {count}: torch.cuda.device_count() is {count}"
    )
    assert why_unavailable("cuda:0") is None


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has MPS")
def test_missing_mps_is_named():
    assert why_unavailable("mps") == "no MPS device: torch.backends.mps.is_available() is False"


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_missing_cupy_is_named():
    assert why_unavailable("cupy").startswith("CuPy is not installed (pip install cupy")


def test_missing_pytorch_is_named(monkeypatch):
    found = importlib.util.find_spec
    monkeypatch.setattr(
        _device.importlib.util,
        "find_spec",
        lambda name, *args: None if name == "torch" else found(name, *args),
    )
    for name in ("cpu", "cuda", "mps"):
        assert why_unavailable(name) == "PyTorch is not installed (pip install torch)"
    assert why_unavailable("numpy") is None


def test_put_gives_arrays_of_the_device():
    X = np.arange(12.0).reshape(3, 4)
    assert Device("numpy").put(X) is X
    tensor = Device("cpu").put(X)
    assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.float64
    np.testing.assert_array_equal(tensor.numpy(), X)
    X[0, 0] = 7.0  # a writable array is shared, not copied
    assert tensor[0, 0] == 7.0
    X.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # from_numpy warns on a read-only array
        copied = Device("cpu").put(X)
    np.testing.assert_array_equal(copied.numpy(), X)
    Device("cpu").synchronize()  # nothing to wait for, and no error


@needs_cuda
def test_put_on_cuda_and_describe_the_gpu():
    tensor = Device("cuda").put(np.ones((2, 3), np.float32))
    assert tensor.is_cuda and tensor.dtype == torch.float32
    Device("cuda").synchronize()
    assert torch.cuda.get_device_name(0) in Device("cuda").describe()


def test_descriptions_name_library_version_and_threads():
    assert Device("numpy").describe() == f"numpy (NumPy {np.__version__})"
    threads = torch.get_num_threads()
    assert Device("cpu").describe() == f"cpu (PyTorch {torch.__version__}, {threads} threads)"


def test_mps_trains_in_float32_only():
    with pytest.raises(DeviceError, match="MPS device has no float64"):
        Device("mps").check_dtype("float64")
    Device("mps").check_dtype("float32")
    for name in ("numpy", "cpu", "cuda"):
        Device(name).check_dtype("float64")


# ------------------------------------------------------- PyTorch's reference loop


SETTINGS = [
    dict(
        layers_size=[5, 3],
        activation="relu",
        optimizer="adam",
        learning_rate=0.01,
        batch_size=20,
        l2=0.1,
        init="sklearn",
    ),
    dict(layers_size=[5, 1], activation="sigmoid", optimizer="gd", learning_rate=0.5),
    dict(
        layers_size=[5, 4, 3],
        activation="relu",
        optimizer="adam",
        learning_rate=0.01,
        batch_size=30,
        init="he",
    ),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["adam-l2", "article-gd", "two-hidden"])
def test_pytorchs_loop_is_anns_algorithm(settings):
    """Same network, initial parameters, optimizer, L2 and order of the samples: after
    three epochs in float64, PyTorch's loop has ANN's parameters to rounding."""
    rng = np.random.default_rng(0)
    X, labels = rng.random((120, 6)), rng.integers(0, 3, 120)
    y = labels % 2 if settings["layers_size"][-1] == 1 else labels
    initial = ANN(**settings, seed=3).initialize_parameters(6)
    initial = {name: np.array(value) for name, value in initial.items()}
    model = ANN(**settings, seed=3, n_iterations=3, quiet=True).fit(X, y)
    loop = peers.TorchLoop(torch, torch.from_numpy(X), y, initial, settings, seed=3)
    for _ in range(3):
        loop.epoch()
    trained = loop.parameters()
    assert set(trained) == set(model.parameters)
    for name, value in model.parameters.items():
        assert np.max(np.abs(initial[name] - trained[name])) > 1e-3, name  # it trained
        np.testing.assert_allclose(trained[name], value, rtol=0, atol=1e-12, err_msg=name)


def test_pytorchs_loop_drops_units_as_ann_does():
    settings = dict(
        SETTINGS[2], dropout=0.5, input_dropout=0.2, layers_size=[5, 4, 3], batch_size=30
    )
    initial = {k: np.array(v) for k, v in ANN(**settings).initialize_parameters(6).items()}
    X = torch.from_numpy(np.random.default_rng(0).random((60, 6)))
    loop = peers.TorchLoop(torch, X, np.arange(60) % 3, initial, settings)
    kinds = [type(module).__name__ for module in loop.net]
    assert kinds == ["Dropout", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert [m.p for m in loop.net if isinstance(m, torch.nn.Dropout)] == [0.2, 0.5, 0.5]


@pytest.mark.parametrize(
    "change, message",
    [({"activation": "tanh"}, "no hidden activation 'tanh'"), ({"optimizer": "sgd"}, "'sgd'")],
)
def test_pytorchs_loop_refuses_what_it_lacks(change, message):
    settings = dict(SETTINGS[0], **change)
    initial = {k: np.array(v) for k, v in ANN(**SETTINGS[0]).initialize_parameters(6).items()}
    X = torch.zeros((20, 6), dtype=torch.float64)
    with pytest.raises(ValueError, match=message):
        peers.TorchLoop(torch, X, np.arange(20) % 3, initial, settings)


# ------------------------------------------------------------ the section device


class TinyData:
    """``Data.task`` for both tasks: 784 features, 240 samples (``blobs``)."""

    def task(self, task, dtype="float64"):
        classes = (0, 1) if task == "5v8" else tuple(range(10))
        rng = np.random.default_rng(len(classes))
        centers = rng.random((len(classes), 784))
        y = np.asarray(classes)[np.arange(240) % len(classes)]
        X = (centers[y] + 0.1 * rng.standard_normal((240, 784))).astype(dtype)
        return X, y, X, y


@pytest.fixture
def tiny_section(monkeypatch):
    """The section on ``TinyData``: 120 of the 240 samples timed (scaled x2), no pause
    between libraries."""
    for name, network in device.NETWORKS.items():
        monkeypatch.setitem(device.NETWORKS, name, dataclasses.replace(network, quick_samples=120))
    monkeypatch.setattr(harness, "SETTLE_S", 0.0)
    threads = torch.get_num_threads()
    yield argparse.Namespace(quick=True, threads=1, no_peers=False)
    torch.set_num_threads(threads)


def run_section(args, quick=True):
    report = harness.Report(quick=quick, stream=io.StringIO())
    device.measure(report, TinyData(), args, peers=None)
    return report


def test_quick_section_on_the_cpu(tiny_section, tmp_path):
    report = run_section(tiny_section)
    report.write(tmp_path / "device.json")
    data = json.loads((tmp_path / "device.json").read_text())
    rows = data["sections"]["device"]
    for row in rows:
        assert {"name", "median_s", "ratio", "network", "backend", "status", "reason"} <= set(row)
    cells = {(row["network"], row["backend"], row.get("implementation")): row for row in rows}
    # the estimators train on tensors under scikit-learn's array API dispatch
    assert data["device"]["adam_implementation"] == "ann.MLPClassifier"
    for network in device.NETWORKS:
        name = "ann.MLPClassifier" if network == "adam" else "ANN"
        for backend in ("numpy", "cpu"):
            ann_row = cells[network, backend, name]
            loop_row = cells[network, backend, "pytorch"]
            assert ann_row["status"] == "RUN" and ann_row["reason"] is None
            assert ann_row["samples"] == 120 and ann_row["full_samples"] == 240
            assert len(ann_row["epoch_seconds"]) == device.QUICK_EPOCHS
            assert ann_row["median_s"] == pytest.approx(2 * np.median(ann_row["epoch_seconds"]))
            assert ann_row["ratio"] > 0 and ann_row["ratio_to"] == "pytorch cpu"
            assert loop_row["ratio"] is None and loop_row["device"].startswith("cpu (PyTorch")
        if not CUDA:
            assert cells[network, "cuda", None]["status"] == "NOT RUN"
            assert cells[network, "cuda", None]["reason"] == NO_CUDA
            assert f"NOT RUN: {NO_CUDA}" in cells[network, "cuda", None]["note"]
    article = cells["article", "numpy", "ANN"]
    assert article["thousand_iterations_s"] == pytest.approx(1000 * article["median_s"])
    targets = {target["key"]: target for target in data["targets"]}
    assert set(targets) == set(device.TARGETS)
    assert targets["device_numpy_2core"]["status"] == "NOT RUN"
    for key in ("device_cpu_article", "device_cpu_adam", "device_cpu_dropout"):
        assert targets[key]["status"] == harness.MEASURED and targets[key]["value"] > 0, key
    if not CUDA:
        for key in ("device_gpu_article", "device_gpu_adam", "device_gpu_dropout"):
            assert (targets[key]["status"], targets[key]["detail"]) == ("NOT RUN", NO_CUDA), key
        assert targets["device_gpu_article"]["unit"] == "s"
    assert set(data["device"]) == {"backends", "adam_implementation", "adam_why", "cuda_graph"}
    assert data["device"]["backends"]["numpy"] == "available"
    assert not any(target["status"] in ("PASS", "FAIL") for target in data["targets"])


def test_a_failing_backend_is_reported_and_the_others_run(tiny_section, monkeypatch):
    trainer = device.ann_trainer

    def failing_on_tensors(network, X, y, estimator=None):
        if isinstance(X, torch.Tensor):
            raise RuntimeError("no kernel\nfor this")
        return trainer(network, X, y, estimator)

    monkeypatch.setattr(device, "ann_trainer", failing_on_tensors)
    report = run_section(tiny_section, quick=False)
    rows = {row["name"]: row for row in report.data["sections"]["device"]}
    assert rows["dropout cpu"]["status"] == "FAILED"
    assert rows["dropout cpu"]["reason"] == "RuntimeError: no kernel for this"
    assert rows["dropout numpy: ANN"]["status"] == "RUN"
    targets = {target["key"]: target for target in report.data["targets"]}
    for key in ("device_cpu_article", "device_cpu_adam", "device_cpu_dropout"):
        assert targets[key]["status"] == "FAIL"
        assert targets[key]["detail"] == "ann failed: RuntimeError: no kernel for this"
    assert targets["device_cpu_beats_numpy"]["status"] == "FAIL"


def test_without_peers_ann_runs_alone(tiny_section):
    tiny_section.no_peers = True
    report = run_section(tiny_section)
    rows = report.data["sections"]["device"]
    assert not [row for row in rows if row.get("implementation") == "pytorch"]
    ann_rows = [row for row in rows if row.get("implementation") in ("ANN", "ann.MLPClassifier")]
    assert len(ann_rows) == 2 * len(device.NETWORKS)
    for row in ann_rows:
        assert row["ratio"] is None and "PyTorch's loop not run: --no-peers" in row["note"]
    targets = {target["key"]: target for target in report.data["targets"]}
    assert targets["device_cpu_adam"]["status"] == "NOT RUN"
    assert targets["device_cpu_beats_numpy"]["status"] == harness.MEASURED


class TensorEstimator:
    """A stand-in for an ``ann.MLPClassifier`` with array API support: it predicts
    arrays of its input's namespace, and counts its epochs."""

    epochs = 0

    def __init__(self, **params):
        self.params = params

    def partial_fit(self, X, y, classes=None):
        type(self).epochs += 1
        return self

    def predict(self, X):
        return X[:, 0]


def test_the_adam_network_trains_the_drop_in_when_it_takes_tensors(tiny_section, monkeypatch):
    import contextlib

    import ann

    estimator, why = device.drop_in_estimator()
    assert (estimator, why) == (ann.MLPClassifier, "it trains on PyTorch tensors")
    monkeypatch.setattr(ann, "MLPClassifier", TensorEstimator, raising=False)
    monkeypatch.setattr(device, "array_api_dispatch", contextlib.nullcontext)
    assert device.drop_in_estimator() == (TensorEstimator, "it trains on PyTorch tensors")
    TensorEstimator.epochs = 0
    report = run_section(tiny_section)
    rows = report.data["sections"]["device"]
    adam = [row for row in rows if row["network"] == "adam" and row.get("implementation")]
    assert {row["implementation"] for row in adam} == {"ann.MLPClassifier", "pytorch"}
    assert report.data["device"]["adam_implementation"] == "ann.MLPClassifier"
    runs = [row for row in adam if row["implementation"] == "ann.MLPClassifier"]
    assert {"numpy", "cpu"} <= {row["backend"] for row in runs}  # and the GPUs present
    assert TensorEstimator.epochs == 1 + (device.QUICK_EPOCHS + 1) * len(runs)  # + the probe
    others = [row for row in rows if row["network"] != "adam" and row.get("implementation")]
    assert {row["implementation"] for row in others} == {"ANN", "pytorch"}


def test_the_section_runs_only_when_named(tmp_path):
    args = command.parse_args(["--data-dir", str(tmp_path), "--json", str(tmp_path / "o.json")])
    assert "device" not in args.sections
    args = command.parse_args(["--data-dir", str(tmp_path), "--sections", "device"])
    assert args.sections == ["device"]
    with pytest.raises(argparse.ArgumentTypeError, match=r"choose from .*device"):
        command.section_list("bogus")


class NoScikitLearn:
    """``ann`` where scikit-learn is not installed: ``MLPClassifier`` cannot be imported."""

    @property
    def MLPClassifier(self):
        raise ImportError("ann.MLPClassifier needs scikit-learn (No module named 'sklearn')")


def test_without_scikit_learn_the_adam_network_trains_ann(monkeypatch):
    monkeypatch.setattr(device, "ann", NoScikitLearn())
    assert device.drop_in_estimator() == (
        None,
        "ann.MLPClassifier needs scikit-learn (No module named 'sklearn')",
    )
