"""Train the network on MNIST and print its train and test accuracy.

With no flags it reproduces the article: digits 5 and 8, layers 196 1 (sigmoid),
learning rate 0.1, 1000 full-batch iterations. The command is ``ann-train`` (or
``python -m scripts.train_mnist``). Examples::

    ann-train
    ann-train --preset 5v8
    ann-train --digits all --preset mnist10 --report runs/all
    ann-train --device cuda --preset mnist10 --digits all

``--device`` trains where the data are put: no flag (or ``numpy``) is NumPy, ``cpu``
PyTorch on the CPU, ``cuda`` (``cuda:N``) and ``mps`` PyTorch on a GPU, ``cupy`` CuPy
(see ``ann/commands/_device.py``).

Every flag is checked before the data is loaded: the settings (the output layer must
fit the digits), and that each output (``--plot``, ``--save``, ``--report``) can be
written where and in the format asked.
"""

import argparse
import contextlib
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np

from ann import ANN, data, threads
from ann.activations import HIDDEN_ACTIVATIONS
from ann.commands._cli import (
    OneLineParser,
    check_picture_format,
    fraction,
    integer,
    positive_float,
    positive_int,
)
from ann.commands._device import NAMES, DeviceError, device_argument, open_device
from ann.files import check_can_create_folder, check_can_write
from ann.initializers import INITIALIZERS
from ann.optimizers import OPTIMIZERS, SCHEDULES
from ann.presets import PRESETS
from ann.validation import counted

FLAGS = {
    "layers": "layers_size",
    "activation": "activation",
    "optimizer": "optimizer",
    "learning_rate": "learning_rate",
    "iterations": "n_iterations",
    "batch_size": "batch_size",
    "lr_schedule": "lr_schedule",
    "init": "init",
    "l2": "l2",
    "dtype": "dtype",
}
"""Command-line flags that set an argument of ANN, and its name there."""


def digits(text):
    if text == "all":
        return text
    value = int(text)
    if not 0 <= value <= 9:
        raise argparse.ArgumentTypeError(f"a digit is 0 to 9, got {text}")
    return value


def build_parser():
    parser = OneLineParser(
        prog="ann-train",
        description=__doc__.split("\n\n")[0] + " (also: python -m scripts.train_mnist)",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="article",
        help="a documented configuration, see ann/presets.py (default: the article's)",
    )
    parser.add_argument(
        "--digits",
        nargs="+",
        type=digits,
        default=[5, 8],
        help="two digits for the binary task, or 'all' (default: 5 8)",
    )
    parser.add_argument(
        "--layers",
        nargs="+",
        type=positive_int,
        help="hidden and output sizes (default: 196 1, or 196 10 for all)",
    )
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS)
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS))
    parser.add_argument("--learning-rate", type=positive_float)
    parser.add_argument(
        "--iterations",
        "--epochs",
        dest="iterations",
        type=positive_int,
        help="passes over the training data (default: 1000)",
    )
    parser.add_argument(
        "--batch-size", type=positive_int, help="samples per update (default: the full batch)"
    )
    parser.add_argument("--lr-schedule", choices=sorted(SCHEDULES))
    parser.add_argument("--init", choices=sorted(INITIALIZERS))
    parser.add_argument("--l2", type=float, help="weight decay (default: 0)")
    parser.add_argument("--dtype", choices=["float64", "float32"])
    parser.add_argument(
        "--device",
        type=device_argument,
        help=f"train where the data are put: {NAMES} (cpu: PyTorch on the CPU; default: NumPy)",
    )
    parser.add_argument(
        "--validation",
        type=fraction,
        metavar="FRACTION",
        help="hold out this fraction of the training data as a validation set, scored every epoch",
    )
    parser.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop when the validation cost stops improving "
        "(with --validation, default fraction 0.1)",
    )
    parser.add_argument("--patience", type=positive_int, default=10)
    parser.add_argument("--seed", type=integer, default=1)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="MNIST folder; missing files are downloaded into it (default: $MNIST_DIR, else data/)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        help="where to write the cost curve, its format from the file name's ending "
        "(default: cost.png in the current folder; with --report, the curve goes only "
        "to DIR/cost.png unless --plot is given)",
    )
    parser.add_argument("--save", type=Path, help="write the trained model (.npz)")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write all pictures and a summary of the run to DIR",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        metavar="N",
        help="BLAS (and PyTorch CPU) threads of the fit (default: ann chooses, see "
        "docs/threads.md; ANN_NUM_THREADS sets it too)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="on a failed MNIST download, list why each attempt failed",
    )
    return parser


def check_outputs(parser, args):
    """Stop with a one-line usage error (status 2), before any training, when the cost
    curve, the model or the report could not be written where (and, for the picture, in
    the format) the flags say. Without ``--plot`` or ``--report`` the cost curve goes
    to ``cost.png``."""
    if args.plot is None and args.report is None:
        args.plot = Path("cost.png")
    outputs = [
        ("--plot", args.plot, check_can_write),
        ("--save", args.save, check_can_write),
        ("--report", args.report, check_can_create_folder),
    ]
    for flag, path, check in outputs:
        if path is None:
            continue
        try:
            check(path, flag)
            if flag == "--plot":
                check_picture_format(path)
        except OSError as error:
            parser.error(f"{flag}: {error.strerror or error}")
        except ValueError as error:
            parser.error(f"{flag}: {error}")


def classes_asked(digits):
    """How many classes ``--digits`` asks for."""
    return 10 if digits == ["all"] else len(digits)


def check_settings(parser, args, config):
    """Stop with a usage error, before loading any data, when ``--digits`` is not a task
    or the settings cannot train on it (ANN's own checks, then the output layer)."""
    if "all" in args.digits and args.digits != ["all"]:
        parser.error("--digits: 'all' alone, or digits")
    if args.digits != ["all"] and len(args.digits) < 2:
        parser.error("--digits: two digits or more, or 'all'")
    if len(set(args.digits)) != len(args.digits):
        parser.error(f"--digits: each digit once, got {' '.join(map(str, args.digits))}")
    try:
        ANN(**config)
    except (ValueError, TypeError) as error:
        parser.error(str(error))
    units = config["layers_size"][-1]
    takes, classes = (2 if units == 1 else units), classes_asked(args.digits)
    if takes != classes:
        source = "--layers" if args.layers else f"--preset {args.preset}"
        parser.error(
            f"{source}: the output layer's {units} unit{'s take' if units > 1 else ' takes'} "
            f"{takes} classes, but --digits {' '.join(map(str, args.digits))} has {classes}"
        )


def settings(args):
    """ANN's arguments for the run: the preset's, then the flags'."""
    chosen = dict(PRESETS[args.preset])
    if args.digits == ["all"] or len(args.digits) > 2:
        chosen["layers_size"] = chosen["layers_size"][:-1] + [classes_asked(args.digits)]
    for flag, name in FLAGS.items():
        if getattr(args, flag) is not None:
            chosen[name] = getattr(args, flag)
    chosen.update(
        seed=args.seed, early_stopping=args.early_stopping, patience=args.patience, quiet=args.quiet
    )
    return chosen


def data_source(args):
    """``(folder, how)``: the MNIST folder the user named and how (``--data-dir`` or
    ``MNIST_DIR``), or ``(None, None)`` for ann's default."""
    if args.data_dir is not None:
        return args.data_dir.expanduser().absolute(), "--data-dir"
    if os.environ.get("MNIST_DIR"):
        return Path(os.environ["MNIST_DIR"]).expanduser().absolute(), "MNIST_DIR"
    return None, None


@contextlib.contextmanager
def removed_if_left_empty(folder):
    """Remove ``folder`` (and the parents it lacked) when the block fails and leaves it
    empty: a failed download must not leave behind folders the user did not have."""
    new = [] if folder is None else [p for p in [folder, *folder.parents] if not p.exists()]
    try:
        yield
    except BaseException:
        for path in new:  # the innermost first
            try:
                path.rmdir()
            except OSError:  # not empty, or already gone: leave it and its parents
                break
        raise


def load(args, dtype):
    """Train and test pixels (scaled to [0, 1] in ``dtype``) and labels of the digits."""
    folder, _ = data_source(args)
    wanted = None if args.digits == ["all"] else tuple(args.digits)
    with removed_if_left_empty(folder):
        if len(args.digits) == 2:
            train_x, train_y, test_x, test_y = data.get_binary_dataset(
                wanted, args.data_dir, args.seed
            )
        else:
            train_x, train_y, test_x, test_y = data.get_dataset(wanted, args.data_dir, args.seed)
    train_x, test_x = data.pre_process_data(train_x, test_x, dtype=np.dtype(dtype))
    return train_x, train_y, test_x, test_y


def split_validation(args, train_x, train_y):
    fraction = args.validation or (0.1 if args.early_stopping else None)
    if fraction is None:
        return train_x, train_y, None
    order = np.random.default_rng(args.seed).permutation(len(train_x))
    held = order[: round(fraction * len(train_x))]
    kept = np.sort(order[len(held) :])
    return train_x[kept], train_y[kept], (train_x[held], train_y[held])


def check_device(parser, args, config):
    """The ``Device`` that ``--device`` names (NumPy without it), checked before any data
    is loaded: a usage error when its library or the device is missing, or when it
    cannot train in the run's dtype. ``main`` keeps it as ``args.device``."""
    try:
        device = open_device(args.device or "numpy")
    except DeviceError as error:
        parser.error(f"--device {args.device}: {error}")
    try:
        device.check_dtype(config.get("dtype", "float64"))
    except DeviceError as error:
        parser.error(f"--device {args.device}: {error} (--dtype float32)")
    return device


def run(args):
    """Load, train on ``args.device`` (a ``Device``), score, then write the outputs;
    returns the model."""
    config, device = settings(args), args.device
    train_x, train_y, test_x, test_y = load(args, config.get("dtype", "float64"))
    print(
        f"train_x {train_x.shape}, train_y {train_y.shape}, "
        f"test_x {test_x.shape}, test_y {test_y.shape}"
    )
    train_x, train_y, validation_data = split_validation(args, train_x, train_y)
    print(f"device         {device.describe()}")
    model = ANN(**config)
    print(model)
    X, X_test = device.put(train_x), device.put(test_x)
    if validation_data is not None:
        validation_data = (device.put(validation_data[0]), validation_data[1])
    device.synchronize()
    start = time.perf_counter()
    with threads.fixed(args.threads) if args.threads else contextlib.nullcontext():
        model.fit(X, train_y, validation_data=validation_data)
    device.synchronize()
    seconds = time.perf_counter() - start
    train_accuracy, test_accuracy = model.score(X, train_y), model.score(X_test, test_y)
    print(f"train accuracy {train_accuracy:.4f}")
    print(f"test accuracy  {test_accuracy:.4f}")
    print(
        f"training time  {seconds:.2f} s ({counted(model.n_iter_, 'pass', 'passes')}, "
        f"{seconds / model.n_iter_ * 1000:.1f} ms each, on {device.name})"
    )
    config.update(digits=args.digits, preset=args.preset, device=device.describe())
    write_outputs(args, model, (train_x, train_y), (test_x, test_y), config, seconds)
    return model


def write_outputs(args, model, train, test, config, seconds):
    """The model first (the costliest to lose), then the cost curve, then the report
    (``train`` and ``test``: the NumPy arrays, whatever the device)."""
    if args.save:
        model.save(args.save)
        print(f"model          {args.save}")
    if args.plot:
        model.plot_cost(args.plot)
        print(f"cost curve     {args.plot}")
    if args.report:
        from ann.report import write_report

        write_report(
            model,
            args.report,
            train=train,
            test=test,
            config=config,
            timings={"training_seconds": seconds},
        )
        print(f"report         {args.report}")


def download_failure(error, args):
    """The one-line message for a failed MNIST download, its hint naming how the user
    chose the folder."""
    _, how = data_source(args)
    where = {
        "--data-dir": "Pass --data-dir a folder that holds",
        "MNIST_DIR": "Set MNIST_DIR to a folder that holds",
        None: "Pass --data-dir (or set MNIST_DIR to) a folder that holds",
    }[how]
    verbose = "" if args.verbose else " (--verbose lists each download attempt)"
    return (
        f"MNIST file(s) missing from {error.directory}: {', '.join(error.missing)} (raw or "
        f".gz); downloading them failed: {error.reason}{verbose}. {where} the four MNIST "
        f"files, or run once with internet access to download them."
    )


def main(argv=None):
    """Train as ``argv`` asks; returns the model."""
    parser = build_parser()
    args = parser.parse_args(argv)
    check_outputs(parser, args)
    check_settings(parser, args, settings(args))
    args.device = check_device(parser, args, settings(args))

    def train():
        try:
            return run(args)
        except data.MNISTDownloadError as error:
            details = [f"  {url}: {reason}" for url, reason in error.failures]
            parser.fail(download_failure(error, args), details if args.verbose else ())

    return parser.run(
        train, failures=(ValueError, TypeError, OSError, ArithmeticError, RuntimeError)
    )


def command():
    """The console command ``ann-train``: ``main`` on the command line's arguments."""
    main()


if __name__ == "__main__":
    main()
