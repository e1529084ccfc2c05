"""``python -m scripts.benchmark.versus OLD_REF [NEW_REF]``: two versions of the engine
timed against each other in one process, and checked to give the same bits.

The ``ann`` package of each git ref (NEW_REF left out: the working tree, uncommitted
changes included) is copied into a temporary folder under its own top-level name,
``ann_old`` and ``ann_new`` (the package imports itself relatively; the few absolute
``from ann...`` imports are renamed in the copy), so both engines live in this process
and see the same data, the same BLAS threads and the same load.

Cases (each in float64 and float32 unless said):

* ``fullbatch``: the article's full-batch iteration, ``ANN([196, 1],
  learning_rate=0.1)`` (784-196-1 sigmoid) on the 11272 training images of 5 and 8
  scaled to [0, 1]; timed inside ``fit``, ``FULLBATCH_ITERATIONS`` iterations a round
  after the first (which includes fit's set-up).
* ``adam200``: an epoch of 784-100-10 ReLU Adam at batch 200 (``ANN([100, 10],
  activation="relu", optimizer="adam", batch_size=200, learning_rate=1e-3)``) on the
  first ``--samples`` training images of the ten digits; timed inside ``fit``.
* ``mlp200``: ``MLPClassifier(hidden_layer_sizes=(100,), batch_size=200, max_iter=1)``
  of each version (float64 data; skipped with a note where a version has no estimators
  or scikit-learn is missing); the whole ``fit``.
* ``tiny torch``: the Python cost of one batch, ``ANN([4, 1], optimizer="adam",
  batch_size=8)`` on the first ``TINY_FEATURES`` pixels of ``TINY_SAMPLES`` images of 5
  and 8 as PyTorch CPU tensors (float64) on one PyTorch thread, where the products are
  too small to matter and what is left is the engine's own work per batch (skipped with
  a note where PyTorch is missing); an epoch's time over its batches.

Every case has its floor, the matrix products its pass cannot avoid
(``identical.epoch_floor``). A round times, for every case, the floor and then the two
versions, old first in even rounds and new first in odd ones; one round of warm-up comes
first. The table gives medians, the new/old ratio (the median over rounds of the
round's ratio) with its spread (the smallest and largest round's ratio), the ratio of
the two versions' fastest rounds, the same ratio of the process's CPU time (the time
other processes hold the cores is not counted in it, but a BLAS thread that spins while
it waits for its partner is), each version's ratio to the floor, and the ratio of whole
fits (set-up included). Both versions run at the BLAS threads the process starts
with (``ANN_NUM_THREADS`` set to them, unless it is set already). Every training's
costs and final parameters of the two versions are compared bit for bit;
``--require-identical`` makes a difference an error (exit status 1).
"""

import contextlib
import dataclasses
import importlib
import io
import math
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from pathlib import Path
from unittest import mock

import numpy as np

from ann import arrays, threads
from ann.commands._cli import REPOSITORY, OneLineParser, positive_int
from ann.commands._provenance import git_commit
from ann.commands.benchmark.harness import (
    HIDDEN,
    IDENTICAL_HIDDEN,
    IDENTICAL_RATE,
    BenchmarkError,
    Data,
    Report,
    counted,
    format_time,
    machine_info,
    median,
    paired,
    timed,
    timed_fit,
)
from ann.commands.benchmark.identical import epoch_floor, floor_gflop
from ann.files import check_can_write

VERSIONS = ("old", "new")
DTYPES = ("float64", "float32")
ROUNDS = 9
"""Measured rounds of a full run (after one round of warm-up); a quick run has 2."""
SAMPLES = 20000
"""Training images of the ten digits for ``adam200`` and ``mlp200`` (quick: 1000)."""
QUICK_SAMPLES = 1000
FULLBATCH_ITERATIONS = 3
"""Full-batch iterations timed per round, after the first (quick: 1)."""
ADAM_EPOCHS = 1
"""Batch-200 epochs timed per round, after the first."""
TINY_SAMPLES, TINY_FEATURES, TINY_BATCH = 2048, 16, 8
"""The ``tiny torch`` case: samples, pixels and batch size (256 batches an epoch)."""
WORKING_TREE = "working tree"

ABSOLUTE_IMPORT = re.compile(r"^(\s*)from ann(?=[.\s])", re.MULTILINE)
PLAIN_IMPORT = re.compile(r"^\s*import ann\b", re.MULTILINE)


# ------------------------------------------------------------------------ versions


def git(*arguments, binary=False):
    """Run git in the repository; the completed process (stdout as bytes if ``binary``)."""
    try:
        return subprocess.run(
            ["git", "-C", str(REPOSITORY), *arguments],
            capture_output=True,
            text=not binary,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise BenchmarkError(f"git cannot run: {error}") from None


def resolve(ref):
    """The commit hash of ``ref``; a BenchmarkError naming it when it is none."""
    result = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if result.returncode != 0:
        raise BenchmarkError(f"{ref!r} is not a commit of the repository at {REPOSITORY}")
    return result.stdout.strip()


COMMANDS = "commands"
"""The subpackage of the commands, which ``export`` leaves out."""


def export(ref, folder, name):
    """Write the ``ann`` package of ``ref`` (None: the working tree) to ``folder/name``
    with its absolute imports of ``ann`` renamed; returns its provenance. The commands
    (``ann/commands``, this program among them) are left out: the engine is compared."""
    destination = Path(folder) / name
    if ref is None:
        shutil.copytree(
            REPOSITORY / "ann", destination, ignore=shutil.ignore_patterns("__pycache__", COMMANDS)
        )
        status = git("status", "--porcelain", "--", "ann")
        changed = bool(status.stdout.strip()) if status.returncode == 0 else None
        source = {"ref": WORKING_TREE, "commit": git_commit()[0], "changed": changed}
    else:
        commit = resolve(ref)
        archive = git("archive", "--format=tar", commit, "ann", binary=True)
        if archive.returncode != 0:
            message = archive.stderr.decode(errors="replace").strip()
            raise BenchmarkError(f"{ref}: no ann package to export ({message})")
        unpacked = Path(folder) / f".{name}"
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(unpacked, filter="data")
        (unpacked / "ann").rename(destination)
        shutil.rmtree(unpacked)
        shutil.rmtree(destination / COMMANDS, ignore_errors=True)
        source = {"ref": ref, "commit": commit, "changed": False}
    rename_imports(destination, name)
    return {**source, "package": name}


def rename_imports(package, name):
    """``from ann...`` becomes ``from NAME...`` in every module of ``package``; a plain
    ``import ann`` (whose name the code then uses) cannot be renamed and is an error."""
    for path in sorted(package.rglob("*.py")):
        text = path.read_text()
        if PLAIN_IMPORT.search(text):
            raise BenchmarkError(f"{path.name} imports ann by name: it cannot run as {name}")
        path.write_text(ABSOLUTE_IMPORT.sub(rf"\1from {name}", text))


def load(folder, name):
    """Import the package ``name`` from ``folder`` (and only from there)."""
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(folder))
    if Path(module.__file__).resolve().parent != (Path(folder) / name).resolve():
        raise BenchmarkError(f"{name} was imported from {module.__file__}, not from {folder}")
    return module


# --------------------------------------------------------------------------- cases


@dataclasses.dataclass
class Trained:
    """One training of one version: ``seconds`` per unit of the case (an iteration or
    an epoch, timed inside fit; the whole fit for an estimator), ``fit_seconds`` the
    whole fit, ``cpu_seconds`` the process's CPU time per unit (every thread's), and
    what is compared bit for bit: the ``costs`` and final ``parameters``."""

    seconds: float
    fit_seconds: float
    cpu_seconds: float
    costs: list
    parameters: list


@dataclasses.dataclass
class Case:
    """A measurement: ``train(engine)`` trains the engine (a version's package) and
    returns a Trained; ``floor()`` runs the products it cannot avoid (``gflop``)."""

    name: str
    unit: str
    train: object
    floor: object
    gflop: float


def network_trainer(X, y, timed_units, batches=1, **params):
    """``train(engine)``: ``engine.ANN(**params)`` fitted for ``timed_units + 1``
    epochs; the time per epoch is the median of all but the first (fit's set-up),
    divided by ``batches`` for a time per batch."""

    def train(engine):
        epochs, cpu_marks = [], []

        def on_epoch(model, seconds):
            epochs.append(seconds)
            cpu_marks.append(time.process_time())

        start = time.perf_counter()
        model = timed_fit(
            on_epoch, X, y, network=engine.ANN, n_iterations=timed_units + 1, **params
        )
        fit_seconds = time.perf_counter() - start
        parameters = dict(model.parameters)
        return Trained(
            median(epochs[1:]) / batches,
            fit_seconds,
            median(np.diff(cpu_marks)) / batches,  # each epoch after the first
            list(model.costs),
            [arrays.to_numpy(parameters[key]) for key in sorted(parameters)],
        )

    return train


def estimator_trainer(X, y):
    """``train(engine)``: ``engine.MLPClassifier`` at batch 200 for one epoch."""

    def train(engine):
        model = engine.MLPClassifier(
            hidden_layer_sizes=(IDENTICAL_HIDDEN,), batch_size=200, max_iter=1, random_state=1
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached
            seconds, cpu_seconds = timed_with_cpu(lambda: model.fit(X, y))
        return Trained(
            seconds,
            seconds,
            cpu_seconds,
            list(model.loss_curve_),
            [*model.coefs_, *model.intercepts_],
        )

    return train


def fullbatch_cases(data, quick):
    """The article's full-batch iteration in each dtype."""
    cases = []
    for dtype in DTYPES:
        X, y = data.task("5v8", dtype)[:2]
        if quick:
            X, y = X[:QUICK_SAMPLES], y[:QUICK_SAMPLES]
        sizes = (X.shape[1], HIDDEN, 1)
        train = network_trainer(
            X,
            y,
            1 if quick else FULLBATCH_ITERATIONS,
            layers_size=[HIDDEN, 1],
            learning_rate=0.1,
            dtype=dtype,
        )
        floor = epoch_floor(X, sizes, None)
        gflop = floor_gflop(len(X), sizes)
        cases.append(Case(f"fullbatch {dtype}", "iteration", train, floor, gflop))
    return cases


def batch200_cases(data, samples, engines):
    """An epoch of Adam at batch 200 in each dtype, then the estimators' epoch (when
    both versions have them). Returns ``(cases, notes)``."""
    cases, notes = [], []
    for dtype in DTYPES:
        X, y = data.task("10", dtype)[:2]
        X, y = X[:samples], y[:samples]
        sizes = (X.shape[1], IDENTICAL_HIDDEN, 10)
        train = network_trainer(
            X,
            y,
            ADAM_EPOCHS,
            layers_size=[IDENTICAL_HIDDEN, 10],
            activation="relu",
            optimizer="adam",
            batch_size=200,
            learning_rate=IDENTICAL_RATE,
            dtype=dtype,
        )
        floor = epoch_floor(X, sizes, 200)
        cases.append(Case(f"adam200 {dtype}", "epoch", train, floor, floor_gflop(len(X), sizes)))
    missing = estimators_missing(engines)
    if missing:
        notes.append(f"mlp200 skipped: {missing}")
    else:
        X, y = data.task("10", "float64")[:2]
        X, y = X[:samples], y[:samples]
        floor = epoch_floor(X, (X.shape[1], IDENTICAL_HIDDEN, 10), 200)
        gflop = floor_gflop(len(X), (X.shape[1], IDENTICAL_HIDDEN, 10))
        cases.append(
            Case("mlp200 float64", "epoch, whole fit", estimator_trainer(X, y), floor, gflop)
        )
    return cases, notes


def tiny_torch_cases(data):
    """The Python cost of a batch on PyTorch CPU tensors at one thread (a product of a
    few hundred multiply-adds): ``(cases, notes)``, no case where PyTorch is missing."""
    try:
        import torch
    except ImportError:
        return [], ["tiny torch skipped: PyTorch is not installed"]
    X, y = data.task("5v8", "float64")[:2]
    X, y = X[:TINY_SAMPLES, :TINY_FEATURES], y[:TINY_SAMPLES]
    batches = math.ceil(len(X) / TINY_BATCH)
    settings = dict(layers_size=[4, 1], optimizer="adam", batch_size=TINY_BATCH)
    train = network_trainer(
        torch.from_numpy(X), torch.from_numpy(y), 2, batches, learning_rate=1e-3, **settings
    )

    def on_one_thread(engine):
        saved = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with ann_threads(1):
                return train(engine)
        finally:
            torch.set_num_threads(saved)

    sizes = (TINY_FEATURES, 4, 1)
    floor = epoch_floor(X[:TINY_BATCH], sizes, TINY_BATCH)  # one batch's products, NumPy
    gflop = floor_gflop(TINY_BATCH, sizes)
    return [Case("tiny torch float64", "batch", on_one_thread, floor, gflop)], []


def estimators_missing(engines):
    """Why a version's ``MLPClassifier`` cannot be imported, or None when both can."""
    reasons = []
    for version, engine in engines.items():
        try:
            engine.MLPClassifier  # noqa: B018 (imported on first use)
        except (AttributeError, ImportError) as error:
            reasons.append(f"the {version} version's MLPClassifier cannot be imported ({error})")
    return "; ".join(reasons) or None


# ------------------------------------------------------------------------ checking


def difference(old, new):
    """None when two trainings gave the same bits (costs and parameters), else what
    differs first, in words."""
    if len(old.costs) != len(new.costs):
        return f"{counted(len(old.costs), 'cost')} against {len(new.costs)}"
    costs_old, costs_new = np.asarray(old.costs, float), np.asarray(new.costs, float)
    if costs_old.tobytes() != costs_new.tobytes():
        first = int(np.flatnonzero(costs_old.view(np.int64) != costs_new.view(np.int64))[0])
        return (
            f"cost {first}: {costs_old[first]!r} against {costs_new[first]!r} "
            f"(largest difference {np.max(np.abs(costs_old - costs_new)):.3g})"
        )
    if len(old.parameters) != len(new.parameters):
        return f"{counted(len(old.parameters), 'parameter array')} against {len(new.parameters)}"
    for index, (a, b) in enumerate(zip(old.parameters, new.parameters)):
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"parameter array {index}: {a.dtype}{a.shape} against {b.dtype}{b.shape}"
        if np.ascontiguousarray(a).tobytes() != np.ascontiguousarray(b).tobytes():
            return f"parameter array {index}: largest difference {np.max(np.abs(a - b)):.3g}"
    return None


# ------------------------------------------------------------------------- timing


def timed_with_cpu(function):
    """``(wall seconds, CPU seconds of the process)`` of one call of ``function``."""
    cpu = time.process_time()
    seconds = timed(function)
    return seconds, time.process_time() - cpu


def order_of(round_number):
    """The versions in the order a round runs them: old first in even rounds."""
    return VERSIONS if round_number % 2 == 0 else VERSIONS[::-1]


def time_rounds(cases, engines, rounds):
    """``{case: {key: [seconds per round]}}`` and ``{case: the first difference
    between the versions' bits, or None}``, over one round of warm-up and ``rounds``
    measured rounds. The keys: ``floor``, ``old``, ``new`` (wall time per unit), ``fit
    old``, ``fit new`` (the whole fit), ``cpu floor``, ``cpu old``, ``cpu new`` (CPU
    time per unit)."""
    keys = ("floor", *VERSIONS, "fit old", "fit new", "cpu floor", "cpu old", "cpu new")
    times = {case.name: {key: [] for key in keys} for case in cases}
    differences = {case.name: None for case in cases}
    for round_number in range(rounds + 1):
        for case in cases:
            floor, floor_cpu = timed_with_cpu(case.floor)
            trained = {version: case.train(engines[version]) for version in order_of(round_number)}
            differences[case.name] = differences[case.name] or difference(
                trained["old"], trained["new"]
            )
            if round_number == 0:
                continue  # warm-up
            times[case.name]["floor"].append(floor)
            times[case.name]["cpu floor"].append(floor_cpu)
            for version in VERSIONS:
                times[case.name][version].append(trained[version].seconds)
                times[case.name][f"fit {version}"].append(trained[version].fit_seconds)
                times[case.name][f"cpu {version}"].append(trained[version].cpu_seconds)
    return times, differences


def comparison(case, times, difference_found):
    """The record of one case: medians, the new/old ratio and its spread, the ratio of
    the fastest rounds (a burst of load only adds time), the ratios to the floor, the
    whole fits' ratio, the ratio of CPU times and its spread, and whether the bits are
    the same."""
    old, new, floor = times["old"], times["new"], times["floor"]
    per_round = np.asarray(new) / np.asarray(old)
    cpu_per_round = np.asarray(times["cpu new"]) / np.asarray(times["cpu old"])
    return {
        "case": case.name,
        "unit": case.unit,
        "gflop": case.gflop,
        "floor_s": median(floor),
        "old_s": median(old),
        "new_s": median(new),
        "ratio": paired(new, old),
        "ratio_min": float(per_round.min()),
        "ratio_max": float(per_round.max()),
        "ratio_of_minima": min(new) / min(old),
        "old_to_floor": paired(old, floor),
        "new_to_floor": paired(new, floor),
        "fit_ratio": paired(times["fit new"], times["fit old"]),
        "cpu_ratio": float(np.median(cpu_per_round)),
        "cpu_ratio_min": float(cpu_per_round.min()),
        "cpu_ratio_max": float(cpu_per_round.max()),
        "identical": difference_found is None,
        "difference": difference_found,
        "rounds": times,
    }


# ------------------------------------------------------------------------- report


def report_case(report, record):
    """Three rows for a case: its floor, then each version against the floor."""
    name = record["case"]
    report.row(
        f"floor {name}",
        record["floor_s"],
        1.0,
        f"floor {name}",
        note=f"{record['gflop']:.3g} GFLOP per {record['unit']}",
    )
    report.row(f"old {name}", record["old_s"], record["old_to_floor"], f"floor {name}")
    same = "bits identical" if record["identical"] else f"bits DIFFER: {record['difference']}"
    report.row(
        f"new {name}",
        record["new_s"],
        record["new_to_floor"],
        f"floor {name}",
        note=f"new/old {record['ratio']:.3f}x ({record['ratio_min']:.3f}-"
        f"{record['ratio_max']:.3f}), fastest {record['ratio_of_minima']:.3f}x; whole fit "
        f"{record['fit_ratio']:.3f}x; CPU time {record['cpu_ratio']:.3f}x; {same}",
    )


def summary_table(report, records):
    """The comparisons as one Markdown table."""
    columns = (
        "case", "old", "new", "new/old (min-max)", "fastest new/old", "CPU new/old (min-max)",
        "old/floor", "new/floor", "whole fit new/old", "costs and parameters",
    )  # fmt: skip
    report.say()
    report.say("   | " + " | ".join(columns) + " |")
    report.say("   |" + " --- |" * len(columns))
    for r in records:
        cells = (
            f"{r['case']} ({r['unit']})",
            format_time(r["old_s"]),
            format_time(r["new_s"]),
            f"{r['ratio']:.3f}x ({r['ratio_min']:.3f}-{r['ratio_max']:.3f})",
            f"{r['ratio_of_minima']:.3f}x",
            f"{r['cpu_ratio']:.3f}x ({r['cpu_ratio_min']:.3f}-{r['cpu_ratio_max']:.3f})",
            f"{r['old_to_floor']:.2f}x",
            f"{r['new_to_floor']:.2f}x",
            f"{r['fit_ratio']:.3f}x",
            "identical" if r["identical"] else "DIFFER",
        )
        report.say("   | " + " | ".join(cells) + " |")


# -------------------------------------------------------------------------- command


def build_parser():
    parser = OneLineParser(
        prog="python -m scripts.benchmark.versus",
        description="Time the ann engine of OLD_REF against NEW_REF (default: the working "
        "tree) in one process, alternating, and check that their costs are the same bits.",
    )
    parser.add_argument("old_ref", metavar="OLD_REF", help="git ref of the old version")
    parser.add_argument(
        "new_ref",
        metavar="NEW_REF",
        nargs="?",
        default=None,
        help="git ref of the new version (default: the working tree)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke test: {QUICK_SAMPLES} samples, one timed iteration, 2 rounds",
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"measured rounds after the warm-up (default: {ROUNDS}; quick: 2)",
    )
    parser.add_argument(
        "--samples",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"images of the ten digits for the batch-200 cases (default: {SAMPLES})",
    )
    parser.add_argument("--json", default="versus.json", metavar="PATH", help="results file")
    parser.add_argument(
        "--data-dir", default=None, metavar="DIR", help="MNIST directory (default: $MNIST_DIR)"
    )
    parser.add_argument(
        "--require-identical",
        action="store_true",
        help="exit with status 1 when the two versions' costs or parameters differ",
    )
    return parser


def parse_args(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (2 if args.quick else ROUNDS)
    args.samples = args.samples or (QUICK_SAMPLES if args.quick else SAMPLES)
    args.data_dir = args.data_dir or os.environ.get("MNIST_DIR")
    if not args.data_dir:
        parser.error("no MNIST directory: pass --data-dir or set MNIST_DIR")
    if not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir {args.data_dir} is not a directory")
    try:
        check_can_write(args.json, "--json")
        for ref in filter(None, (args.old_ref, args.new_ref)):
            resolve(ref)
    except OSError as error:
        parser.error(f"--json: {error.strerror or error}")
    except BenchmarkError as error:
        parser.error(str(error))
    return parser, args


def run(args):
    """Export, load, time and compare; write the JSON. Returns the exit status."""
    report = Report(args.quick)
    report.data.update(machine=machine_info(), rounds=args.rounds, samples=args.samples)
    with tempfile.TemporaryDirectory(prefix="ann-versus-") as folder:
        sources = {
            "old": export(args.old_ref, folder, "ann_old"),
            "new": export(args.new_ref, folder, "ann_new"),
        }
        engines = {version: load(folder, f"ann_{version}") for version in VERSIONS}
        report.data.update(sources)
        header(report, sources)
        data = Data(args.data_dir)
        cases = fullbatch_cases(data, args.quick)
        more, notes = batch200_cases(data, args.samples, engines)
        tiny, tiny_notes = tiny_torch_cases(data)
        more, notes = more + tiny, notes + tiny_notes
        with same_threads():
            times, differences = time_rounds(cases + more, engines, args.rounds)
    records = [comparison(case, times[case.name], differences[case.name]) for case in cases + more]
    report.section(
        "versus", f"new against old, {counted(args.rounds, 'round')} after a warm-up round"
    )
    for record in records:
        report_case(report, record)
    for note in notes:
        report.note(note)
    summary_table(report, records)
    return finish(report, records, args)


def ann_threads(count):
    """``ANN_NUM_THREADS`` set to ``count`` for the block: the threads of every version
    that reads it (one without it runs at the BLAS's own count)."""
    return mock.patch.dict(os.environ, {threads.ENVIRONMENT: str(count)})


def same_threads():
    """Both versions at the BLAS threads of now (unless ``ANN_NUM_THREADS`` is set
    already), so that a version that chooses its threads by timing neither runs at
    others than a version that does not nor gives other bits."""
    if os.environ.get(threads.ENVIRONMENT):
        return contextlib.nullcontext()
    return ann_threads(max((lib.num_threads for lib in threads.POOLS.blas), default=1))


def header(report, sources):
    machine = report.data["machine"]
    report.say(
        f"machine: {machine['cpu']}, {counted(machine['cores'], 'core')}, load average "
        f"{machine.get('load_average_start', '?')}; BLAS {machine['blas']}"
    )
    for version in VERSIONS:
        source = sources[version]
        changed = " with uncommitted changes" if source["changed"] else ""
        report.say(f"{version}: {source['ref']} ({source['commit'][:12]}{changed})")


def finish(report, records, args):
    """The verdict on the bits, the load at the end and the JSON; the exit status."""
    report.data["comparisons"] = records
    report.data["identical"] = all(record["identical"] for record in records)
    with contextlib.suppress(OSError, AttributeError):
        report.data["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report.say()
    if report.data["identical"]:
        report.say("costs and parameters: old and new give identical bits in every case")
    else:
        for record in records:
            if not record["identical"]:
                report.say(
                    f"costs and parameters DIFFER in {record['case']}: {record['difference']}"
                )
    report.say(
        f"load average at the end {report.data['machine'].get('load_average_end', '?')}; "
        f"results in {args.json}"
    )
    report.write(args.json)
    return 1 if args.require_identical and not report.data["identical"] else 0


def main(argv=None):
    parser, args = parse_args(sys.argv[1:] if argv is None else argv)
    return parser.run(lambda: run(args), failures=(BenchmarkError, OSError))


if __name__ == "__main__":
    sys.exit(main())
