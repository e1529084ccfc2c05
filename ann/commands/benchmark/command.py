"""The command line of ``ann-benchmark`` (``python -m scripts.benchmark``): parse the
flags, pick the peers and threads, run the sections, print the targets, write the JSON."""

import argparse
import contextlib
import importlib.util
import os
import sys
import time

from ann.commands._cli import OneLineParser, positive_int
from ann.commands.benchmark import (
    accuracy,
    device,
    fullbatch,
    identical,
    load,
    memmap,
    memory,
    minibatch,
    threads,
    tree,
)
from ann.commands.benchmark.harness import (
    BenchmarkError,
    Data,
    Report,
    counted,
    machine_info,
    timed,
    usable_cores,
)
from ann.commands.benchmark.peers import Peers
from ann.files import check_can_write

SECTIONS = {
    "fullbatch": fullbatch.measure,
    "minibatch": minibatch.measure,
    "identical": identical.measure,
    "accuracy": accuracy.measure,
    "load": load.measure,
    "tree": tree.measure,
    "memory": memory.measure,
    "memmap": memmap.measure,
}
"""Each section's name and its ``measure(report, data, args, peers)``, in running order."""

ON_REQUEST = {"device": device.measure, "threads": threads.measure}
"""Sections that run only when ``--sections`` names them (after the others): ``device``
times ann on every device present beside PyTorch's loop (minutes on a 2-core CPU);
``threads`` ann's choice of threads against fixed counts, quiet and under load."""


def section_list(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = {**SECTIONS, **ON_REQUEST}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {unknown or [text]}; choose from {', '.join(known)}"
        )
    return names


def build_parser():
    parser = OneLineParser(
        prog="ann-benchmark",
        description="Benchmark ann: floors, peers, time to accuracy, memory "
        "(also: python -m scripts.benchmark).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="CI smoke test: under a minute, subsets, no peers; the targets are "
        "measured but not judged",
    )
    parser.add_argument(
        "--json",
        default=None,
        metavar="PATH",
        help="write the results as JSON to PATH (default: no file is written)",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=None,
        metavar="N",
        help="measured rounds per timing (default: 3 quick, 15 full)",
    )
    parser.add_argument(
        "--data-dir", default=None, metavar="DIR", help="MNIST directory (default: $MNIST_DIR)"
    )
    parser.add_argument(
        "--sections",
        type=section_list,
        default=list(SECTIONS),
        metavar="LIST",
        help=f"comma-separated subset of {','.join(SECTIONS)} (default: all of them), "
        f"or of those run only on request: {','.join(ON_REQUEST)}",
    )
    parser.add_argument("--no-peers", action="store_true", help="skip scikit-learn and PyTorch")
    parser.add_argument(
        "--memmap-gb",
        type=float,
        default=4.0,
        help="size of the memory-mapped file of the memmap section (default 4 GB; "
        "0.05 in a quick run)",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        metavar="N",
        help="BLAS and PyTorch threads (default: every usable core)",
    )
    return parser


def check_args(parser, args):
    """Usage errors (status 2) found before any measurement; fills in the defaults."""
    if args.repeats is None:
        args.repeats = 3 if args.quick else 15
    if args.json is not None:
        try:
            check_can_write(args.json, "--json")
        except OSError as error:
            parser.error(f"--json: {error.strerror or error}")
    data_dir = args.data_dir or os.environ.get("MNIST_DIR")
    if not data_dir:
        parser.error("no MNIST directory: pass --data-dir or set MNIST_DIR")
    if not os.path.isdir(data_dir):
        parser.error(f"--data-dir {data_dir} is not a directory")
    args.data_dir = data_dir
    args.threads = args.threads or usable_cores()
    if args.threads < usable_cores() and importlib.util.find_spec("threadpoolctl") is None:
        parser.error("--threads needs threadpoolctl (pip install threadpoolctl)")


def parse_args(argv, parser=None):
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    check_args(parser, args)
    return args


def main(argv=None):
    """Run the benchmark; returns 0 (the exit status of the ``ann-benchmark`` command)."""
    parser = build_parser()
    args = parse_args(sys.argv[1:] if argv is None else argv, parser)
    peers = Peers.detect(quick=args.quick, no_peers=args.no_peers)
    if peers.torch is not None:
        peers.torch.set_num_threads(args.threads)  # as many as NumPy's BLAS uses

    def measure_all():
        with blas_threads(args.threads):
            return run(args, peers)

    return parser.run(measure_all, failures=(BenchmarkError, OSError))


@contextlib.contextmanager
def blas_threads(threads):
    """NumPy's BLAS limited to ``threads`` threads (threadpoolctl) when that is below
    the default (``check_args`` made sure threadpoolctl is installed then)."""
    if threads >= usable_cores():
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(threads, user_api="blas"):
        yield


def header(report, machine, peers):
    """Print and record the run's mode, machine and peers."""
    report.say(f"ann benchmark ({report.data['mode']} run)")
    report.say(
        f"machine: {machine['cpu']}, {counted(machine['cores'], 'core')}"
        + (f" ({machine['usable_cores']} usable)" if "usable_cores" in machine else "")
        + f", load average {machine.get('load_average_start', '?')}"
    )
    report.say(f"python {machine['python']}, numpy {machine['numpy']}, BLAS {machine['blas']}")
    machine["peers"] = peers.versions()
    machine["peers_not_run"] = [peers.why_not(module) for module in peers.reasons]
    report.say(f"peers: {peers.describe()}")


def run(args, peers):
    """Every section of ``args.sections``, reported, and written to ``args.json`` when
    it names a file."""
    report = Report(args.quick)
    machine = machine_info()
    report.data["machine"] = machine
    report.data["repeats"] = args.repeats
    report.data["configs"] = {name: dict(c.items()) for name, c in accuracy.CONFIGS.items()}
    header(report, machine, peers)
    started = time.perf_counter()
    data = Data(args.data_dir)
    try:
        data.task("5v8")
    except (OSError, ValueError) as error:
        raise BenchmarkError(f"cannot load MNIST from {args.data_dir}: {error}") from None
    report.data["section_seconds"] = {}
    for name, measure in {**SECTIONS, **ON_REQUEST}.items():
        if name in args.sections:
            seconds = timed(lambda measure=measure: measure(report, data, args, peers))
            report.data["section_seconds"][name] = round(seconds, 2)
    with contextlib.suppress(OSError, AttributeError):
        machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report.data["elapsed_s"] = time.perf_counter() - started
    report.print_targets()
    report.say(
        f"\nelapsed {report.data['elapsed_s']:.1f} s ("
        + ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in report.data["section_seconds"].items()
        )
        + f"); load average at the end {machine.get('load_average_end', '?')}; "
        + (f"results in {args.json}" if args.json else "no JSON written (--json PATH keeps it)")
    )
    if args.json is not None:
        report.write(args.json)
    return 0
