"""The peers ``ann`` is measured against: which are installed and run, and their
reference loops (scikit-learn's MLPClassifier and PyTorch on the CPU) for each section."""

import dataclasses
import importlib
import importlib.metadata
import importlib.util
import time
import warnings

import numpy as np

from ann.commands.benchmark.harness import (
    HIDDEN,
    IDENTICAL_HIDDEN,
    IDENTICAL_RATE,
    bar_hits,
    counted,
    settle,
)

LIBRARIES = {"torch": ("PyTorch", "torch"), "sklearn": ("scikit-learn", "scikit-learn")}
"""The peers: module name -> (name people use, distribution name for its version)."""


@dataclasses.dataclass(frozen=True)
class Peers:
    """The peer libraries of a run: ``modules`` maps a module name of ``libraries``
    (``LIBRARIES``) to the imported module when it runs, ``reasons`` to why it does not
    (``not installed``, ``not run in a quick run``, ...)."""

    modules: dict = dataclasses.field(default_factory=dict)
    reasons: dict = dataclasses.field(default_factory=dict)
    libraries: dict = dataclasses.field(default_factory=lambda: dict(LIBRARIES))

    @classmethod
    def detect(cls, quick=False, no_peers=False, libraries=LIBRARIES):
        """Look up each library of ``libraries``; import it unless ``quick`` or
        ``no_peers`` (an installed library is then said to be not run, not missing)."""
        modules, reasons = {}, {}
        for module in libraries:
            if importlib.util.find_spec(module) is None:
                reasons[module] = "not installed"
            elif quick or no_peers:
                reasons[module] = "not run in a quick run" if quick else "not run (--no-peers)"
            else:
                try:
                    modules[module] = importlib.import_module(module)
                except Exception as error:  # an installed library that fails to load
                    reasons[module] = f"cannot be imported ({error})"
        return cls(modules, reasons, dict(libraries))

    @property
    def torch(self):
        return self.modules.get("torch")

    @property
    def sklearn(self):
        return self.modules.get("sklearn")

    def why_not(self, module):
        """``scikit-learn not installed``, ``PyTorch not run in a quick run``, ...: why
        ``module`` is not run."""
        return f"{self.libraries[module][0]} {self.reasons[module]}"

    def versions(self):
        """Each peer that runs, with its version (and PyTorch's threads)."""
        parts = []
        if self.torch is not None:
            threads = counted(self.torch.get_num_threads(), "thread")
            parts.append(f"torch {self.torch.__version__} ({threads})")
        if self.sklearn is not None:
            parts.append(f"scikit-learn {self.sklearn.__version__}")
        return parts

    def describe(self):
        """The peers in one line: those that run, then why the others do not (with the
        version of those installed)."""
        others = []
        for module, reason in self.reasons.items():
            name, distribution = self.libraries[module]
            installed = "" if reason == "not installed" else f" {_version(distribution)}"
            others.append(f"{name}{installed} {reason}")
        return "; ".join(self.versions() + others)


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "version unknown"


# ---------------------------------------------------------------------- full batch


def sklearn_fullbatch(X, y):
    """One full-batch iteration of the tutorial's network in scikit-learn: plain SGD
    at 0.1 through ``partial_fit`` on all of ``X``."""
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="logistic",
        solver="sgd",
        batch_size=X.shape[0],
        learning_rate_init=0.1,
        momentum=0.0,
        shuffle=False,
        random_state=1,
    )
    classes = np.unique(y)

    def iteration():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(X, y, classes=classes)

    return iteration


def torch_fullbatch(torch, X, y, dtype):
    """The same in PyTorch: 784-196-1 sigmoid, the cross entropy of the logit, SGD 0.1."""
    torch_dtype = getattr(torch, dtype)
    torch.manual_seed(1)
    net = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], HIDDEN), torch.nn.Sigmoid(), torch.nn.Linear(HIDDEN, 1)
    ).to(torch_dtype)
    inputs = torch.from_numpy(X)
    targets = torch.from_numpy(y.astype(dtype)).reshape(-1, 1)
    loss_function = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)

    def iteration():
        optimizer.zero_grad()
        loss = loss_function(net(inputs), targets)
        loss.backward()
        optimizer.step()

    return iteration


# ------------------------------------------------------------- identical settings


def mlp_trainer(estimator, X, y, batch, epochs, seed=1, **extra):
    """A function that trains scikit-learn's ``MLPClassifier`` or a drop-in with its
    parameters (``ann.MLPClassifier``, ``extra`` its own ones) and returns its
    ``predict``: its defaults (ReLU, Adam at 0.001, alpha 1e-4, ...) with one hidden
    layer of 100, exactly ``epochs`` epochs (``tol=0`` and no early end), reshuffled
    every epoch. scikit-learn trains in X's dtype."""

    def train():
        model = estimator(
            hidden_layer_sizes=(IDENTICAL_HIDDEN,),
            batch_size=batch or X.shape[0],
            max_iter=epochs,
            tol=0,
            n_iter_no_change=10**9,
            shuffle=True,
            random_state=seed,
            **extra,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached
            return model.fit(X, y).predict

    return train


def torch_trainer(torch, X, y, batch, epochs, seed=1):
    """The same for PyTorch on the CPU: an equivalent ``nn.Sequential``,
    ``torch.optim.Adam`` (its default betas and epsilon are scikit-learn's), the cross
    entropy of the logits, a new ``randperm`` of the samples every epoch cut into
    batches of ``batch``, in X's dtype."""
    classes = np.unique(y)
    targets = torch.from_numpy(np.searchsorted(classes, y).astype(np.int64))
    inputs = torch.from_numpy(X)
    size = batch or X.shape[0]

    def train():
        torch.manual_seed(seed)
        net = torch.nn.Sequential(
            torch.nn.Linear(X.shape[1], IDENTICAL_HIDDEN),
            torch.nn.ReLU(),
            torch.nn.Linear(IDENTICAL_HIDDEN, len(classes)),
        )
        net = net.to(getattr(torch, X.dtype.name))
        optimizer = torch.optim.Adam(net.parameters(), lr=IDENTICAL_RATE)
        loss_function = torch.nn.CrossEntropyLoss()
        for _ in range(epochs):
            for index in torch.randperm(X.shape[0]).split(size):
                optimizer.zero_grad()
                loss_function(net(inputs[index]), targets[index]).backward()
                optimizer.step()

        def predict(X_test):
            with torch.no_grad():
                return classes[net(torch.from_numpy(X_test)).argmax(dim=1).numpy()]

        return predict

    return train


# ----------------------------------------------------------------- time to accuracy


def torch_time_to_accuracy(torch, data, task, bars, seed, max_epochs=20):
    """PyTorch CPU, float32, Adam (lr 1e-3): 784-196-1 ReLU, batch 64 for 5v8;
    784-256-10 ReLU, batch 128 for 10 classes. Returns ``(times, curve)``: the training
    time at which each bar was first reached (None if never) and (time, accuracy) per
    epoch."""
    X, y, X_test, y_test = data.task(task, "float32")
    torch.manual_seed(seed)
    binary = task == "5v8"
    hidden, outputs, batch = (196, 1, 64) if binary else (256, 10, 128)
    net = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, outputs)
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    if binary:
        loss_function = torch.nn.BCEWithLogitsLoss()
        targets = torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)
    else:
        loss_function = torch.nn.CrossEntropyLoss()
        targets = torch.from_numpy(y.astype(np.int64))
    inputs, test_inputs = torch.from_numpy(X), torch.from_numpy(X_test)
    train, hits, curve = 0.0, {}, []
    settle()
    for _ in range(max_epochs):
        start = time.perf_counter()
        for index in torch.randperm(len(inputs)).split(batch):
            optimizer.zero_grad()
            loss = loss_function(net(inputs[index]), targets[index])
            loss.backward()
            optimizer.step()
        train += time.perf_counter() - start
        with torch.no_grad():
            out = net(test_inputs)
            predicted = (out[:, 0] > 0).numpy() if binary else out.argmax(1).numpy()
        accuracy = float(np.mean(predicted == y_test))
        curve.append((train, accuracy))
        if bar_hits(bars, hits, train, accuracy):
            break
    settle()
    return {bar: hits.get(bar) for bar in bars}, curve


def sklearn_time_to_accuracy(data, task, bars, seed):
    """scikit-learn's default MLPClassifier (``random_state=seed``), trained epoch by
    epoch with ``partial_fit`` and stopped by its own rule (no improvement of the loss
    by ``tol`` for more than ``n_iter_no_change`` epochs, or ``max_iter`` epochs), as
    ``fit`` does. Returns ``(times, curve)``; the curve's last point is the finish."""
    from sklearn.neural_network import MLPClassifier

    X, y, X_test, y_test = data.task(task, "float64")
    model = MLPClassifier(random_state=seed)
    classes = np.unique(y)
    train, hits, curve = 0.0, {}, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(model.max_iter):
            start = time.perf_counter()
            model.partial_fit(X, y, classes=classes)
            train += time.perf_counter() - start
            accuracy = float(model.score(X_test, y_test))
            curve.append((train, accuracy))
            bar_hits(bars, hits, train, accuracy)
            if model._no_improvement_count > model.n_iter_no_change:
                break
    return {bar: hits.get(bar) for bar in bars}, curve


# ------------------------------------------------------------------------- devices


class TorchLoop:
    """PyTorch's own training loop at ``ANN``'s ``settings`` (its constructor's
    arguments): ``epoch()`` trains one epoch (section ``device``), ``parameters()``
    gives the network's parameters as ANN's NumPy ``W1, b1, ...``.

    ``X`` is a tensor (n, features) on the device to train on; ``labels`` (n,) NumPy
    class labels; ``parameters`` ANN's initial ``W1, b1, ...`` (NumPy, ``Wl`` of shape
    (units_l, units_{l-1}) as ``nn.Linear``'s weight, ``bl`` (units_l, 1)), copied into
    the network, so both start alike. The network: ``nn.Linear`` layers with the hidden
    ``activation`` (ReLU or sigmoid), ``nn.Dropout`` of ``input_dropout`` before the
    first and of ``dropout`` after each hidden layer; one output unit is trained on the
    binary cross entropy of its logit, several on the cross entropy of the softmax. The
    optimizer: ``gd`` is ``torch.optim.SGD`` without momentum, ``adam`` and
    ``sklearn_adam`` ``torch.optim.Adam`` (the same work; ``sklearn_adam`` adds ``eps``
    to the square root of the second moment where PyTorch adds ``eps * sqrt(1 -
    beta_2**t)``); ``l2`` is weight decay on the weights only, ``l2 / batch_size`` (ANN
    adds ``l2 / n * W`` to the gradient of a batch of n). Mini-batches take the samples
    in the order of a new ``np.random.default_rng(seed).permutation`` every epoch, moved
    to the device, as ``ANN`` does; a full batch (``batch_size`` None) takes them as
    they come."""

    def __init__(self, torch, X, labels, parameters, settings, seed=1):
        classes = np.unique(labels)
        binary = parameters[f"W{len(parameters) // 2}"].shape[0] == 1
        indices = torch.from_numpy(np.searchsorted(classes, labels)).to(X.device)
        self.X = X
        self.targets = indices.to(X.dtype).reshape(-1, 1) if binary else indices
        self.size = min(settings.get("batch_size") or X.shape[0], X.shape[0])
        self.net = _torch_network(torch, parameters, settings, X.dtype, X.device)
        self.optimizer = _torch_optimizer(torch, self.net, settings, self.size)
        self.loss = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
        self.torch, self.rng = torch, np.random.default_rng(seed)

    def step(self, inputs, targets):
        """One update on a batch: ``inputs`` (b, features), their ``targets``."""
        self.optimizer.zero_grad(set_to_none=True)
        self.loss(self.net(inputs), targets).backward()
        self.optimizer.step()

    def epoch(self):
        """One pass over the samples, in a new order unless a full batch."""
        self.net.train()
        n = self.X.shape[0]
        if self.size >= n:
            self.step(self.X, self.targets)
            return
        order = self.torch.from_numpy(self.rng.permutation(n)).to(self.X.device)
        for start in range(0, n, self.size):
            index = order[start : start + self.size]
            self.step(self.X[index], self.targets[index])

    def parameters(self):
        """The network's ``W1, b1, ...`` now, in ANN's shapes (NumPy, on the host)."""
        linears = [m for m in self.net if isinstance(m, self.torch.nn.Linear)]
        found = {}
        for l, linear in enumerate(linears, start=1):
            found[f"W{l}"] = linear.weight.detach().cpu().numpy()
            found[f"b{l}"] = linear.bias.detach().cpu().numpy()[:, None]
        return found


def _torch_network(torch, parameters, settings, dtype, device):
    """``nn.Sequential`` of ANN's layers, its weights copied from ``parameters``."""
    activations = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}
    activation = settings.get("activation", "sigmoid")
    if activation not in activations:
        raise ValueError(f"the PyTorch loop has no hidden activation {activation!r}")
    n_layers = len(parameters) // 2
    modules = []
    if settings.get("input_dropout"):
        modules.append(torch.nn.Dropout(settings["input_dropout"]))
    for l in range(1, n_layers + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dtype, device=device)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
            linear.bias.copy_(torch.from_numpy(np.ascontiguousarray(b[:, 0])))
        modules.append(linear)
        if l < n_layers:
            modules.append(activations[activation]())
            if settings.get("dropout"):
                modules.append(torch.nn.Dropout(settings["dropout"]))
    return torch.nn.Sequential(*modules)


def _torch_optimizer(torch, net, settings, batch_size):
    """The optimizer of ANN's ``settings`` over ``net``'s parameters, for batches of
    ``batch_size`` samples (see ``torch_loop``)."""
    name, rate = settings.get("optimizer", "gd"), settings["learning_rate"]
    if name not in ("gd", "adam", "sklearn_adam"):
        raise ValueError(f"the PyTorch loop has no optimizer {name!r}")
    decay = settings.get("l2", 0.0) / batch_size
    weights = [p for key, p in net.named_parameters() if key.endswith("weight")]
    biases = [p for key, p in net.named_parameters() if key.endswith("bias")]
    groups = [{"params": weights, "weight_decay": decay}, {"params": biases, "weight_decay": 0.0}]
    if name == "gd":
        return torch.optim.SGD(groups, lr=rate)
    return torch.optim.Adam(
        groups,
        lr=rate,
        betas=(settings.get("beta_1", 0.9), settings.get("beta_2", 0.999)),
        eps=settings.get("epsilon", 1e-8),
    )
