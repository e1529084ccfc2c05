"""Train the network on MNIST and print its train and test accuracy.

With no flags it reproduces the article: digits 5 and 8, layers 196 1 (sigmoid),
learning rate 0.1, 1000 full-batch iterations. Examples::

    python -m scripts.train_mnist
    python -m scripts.train_mnist --preset 5v8
    python -m scripts.train_mnist --digits all --preset mnist10 --report runs/all
"""

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np

from ann import (
    ANN,
    data,
)
from ann.activations import HIDDEN_ACTIVATIONS
from ann.files import check_can_create_folder, check_can_write
from ann.initializers import INITIALIZERS
from ann.optimizers import OPTIMIZERS, SCHEDULES
from ann.presets import PRESETS
from scripts._cli import OneLineParser, fraction, integer, positive_float, positive_int

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
        prog="python -m scripts.train_mnist", description=__doc__.split("\n\n")[0]
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
        "--data-dir", type=Path, help="MNIST folder (default: $MNIST_DIR, else data/)"
    )
    parser.add_argument(
        "--plot",
        type=Path,
        default=Path("cost.png"),
        help="where to write the cost curve (default: cost.png)",
    )
    parser.add_argument("--save", type=Path, help="write the trained model (.npz)")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write all pictures and a summary of the run to DIR",
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
    curve, the model or the report could not be written where the flags say."""
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
        except OSError as error:
            parser.error(f"{flag}: {error.strerror or error}")


def settings(args):
    """ANN's arguments for the run: the preset's, then the flags'."""
    chosen = dict(PRESETS[args.preset])
    if args.digits == ["all"] or len(args.digits) > 2:
        classes = 10 if args.digits == ["all"] else len(args.digits)
        chosen["layers_size"] = chosen["layers_size"][:-1] + [classes]
    for flag, name in FLAGS.items():
        if getattr(args, flag) is not None:
            chosen[name] = getattr(args, flag)
    chosen.update(
        seed=args.seed, early_stopping=args.early_stopping, patience=args.patience, quiet=args.quiet
    )
    return chosen


def load(args, dtype):
    if args.digits == ["all"] or len(args.digits) > 2:
        wanted = None if args.digits == ["all"] else tuple(args.digits)
        train_x, train_y, test_x, test_y = data.get_dataset(wanted, args.data_dir, args.seed)
    elif len(args.digits) == 2:
        train_x, train_y, test_x, test_y = data.get_binary_dataset(
            tuple(args.digits), args.data_dir, args.seed
        )
    else:
        raise ValueError("--digits takes two digits, more, or 'all'")
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


def run(args):
    config = settings(args)
    train_x, train_y, test_x, test_y = load(args, config.get("dtype", "float64"))
    print(
        f"train_x {train_x.shape}, train_y {train_y.shape}, "
        f"test_x {test_x.shape}, test_y {test_y.shape}"
    )
    train_x, train_y, validation_data = split_validation(args, train_x, train_y)
    model = ANN(**config)
    print(model)
    start = time.perf_counter()
    model.fit(train_x, train_y, validation_data=validation_data)
    seconds = time.perf_counter() - start
    train_accuracy, test_accuracy = model.score(train_x, train_y), model.score(test_x, test_y)
    print(f"train accuracy {train_accuracy:.4f}")
    print(f"test accuracy  {test_accuracy:.4f}")
    print(
        f"training time  {seconds:.2f} s ({model.n_iter_} passes, "
        f"{seconds / model.n_iter_ * 1000:.1f} ms each)"
    )
    model.plot_cost(args.plot)
    print(f"cost curve     {args.plot}")
    if args.save:
        model.save(args.save)
        print(f"model          {args.save}")
    if args.report:
        from ann.report import write_report

        config.update(digits=args.digits, preset=args.preset)
        write_report(
            model,
            args.report,
            train=(train_x, train_y),
            test=(test_x, test_y),
            config=config,
            timings={"training_seconds": seconds},
        )
        print(f"report         {args.report}")
    return model


def fail(error, details=()):
    """Print ``error`` as one line on stderr, then each of ``details``; exit status 1."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    print(f"train_mnist: error: {' '.join(lines)}", *details, sep="\n", file=sys.stderr)
    sys.exit(1)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    check_outputs(parser, args)
    try:
        return run(args)
    except KeyboardInterrupt:
        sys.exit("interrupted")
    except data.MNISTDownloadError as error:
        if not args.verbose:
            fail(f"{error} (--verbose lists each download attempt)")
        fail(error, [f"  {url}: {reason}" for url, reason in error.failures])
    except (ValueError, TypeError, OSError, ArithmeticError, RuntimeError) as error:
        fail(error)


if __name__ == "__main__":
    main()
