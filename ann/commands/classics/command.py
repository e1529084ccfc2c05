"""The command line of ``ann-classics`` (``python -m scripts.classics``): parse and check
the flags, then train the table, a search or a check, and print the tables."""

import contextlib
from pathlib import Path

from ann.commands import classics
from ann.commands._cli import OneLineParser, integer, positive_float, positive_int
from ann.commands._device import NAMES, DeviceError, device_argument, open_device
from ann.commands.classics.check import check, check_table, difference, recorded_runs
from ann.commands.classics.record import RECORD, current, merge_into, read_record
from ann.commands.classics.settings import QUICK, ROWS, SEARCH, SEEDS, SETTINGS, configure
from ann.commands.classics.tables import provenance_lines, search_table, settings_table, table
from ann.commands.classics.training import Mnist, run_search, run_table
from ann.files import check_can_write
from ann.validation import counted

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # then the runs use NumPy's default number of BLAS threads
    threadpool_limits = None

READERS = ("table_only", "missing", "check")
"""The modes that read a record: without ``--json`` they read the repository's."""


def build_parser():
    parser = OneLineParser(
        prog="ann-classics",
        description=classics.__doc__.split("\n\n")[0] + " (also: python -m scripts.classics)",
    )
    parser.add_argument(
        "--rows",
        nargs="+",
        choices=list(ROWS),
        metavar="ROW",
        help=f"the rows to train (default: all): {', '.join(ROWS)}",
    )
    parser.add_argument(
        "--settings",
        nargs="+",
        choices=SETTINGS,
        default=list(SETTINGS),
        help="published, modern or both (default)",
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=integer,
        metavar="SEED",
        help="seeds of the runs (default: 1 2 3; a search and --check: 1)",
    )
    parser.add_argument(
        "--budget",
        type=positive_float,
        metavar="SECONDS",
        help="training time limit of each run (default: the row's)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"rows {' '.join(QUICK['rows'])}, {QUICK['epochs']} epochs, "
        f"the first {QUICK['train']} training images: seconds",
    )
    parser.add_argument(
        "--search",
        choices=list(ROWS),
        metavar="ROW",
        help="score the candidates of the row's settings (SEARCH) on the "
        "validation images 50,000-59,999, without the test set",
    )
    parser.add_argument(
        "--blas-threads",
        type=positive_int,
        metavar="N",
        help="BLAS threads of each run (default: 1); with --device cpu, PyTorch's threads "
        "(default: PyTorch's own, one per core)",
    )
    parser.add_argument(
        "--device",
        type=device_argument,
        help=f"train where the data are put: {NAMES} (cpu: PyTorch on the CPU; default: "
        "NumPy); each run records its device",
    )
    parser.add_argument("--data-dir", help="MNIST folder (default: $MNIST_DIR, else data/)")
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="add every run to the record PATH (created if missing) and print the "
        "table of all its runs with today's settings (default with --table-only, "
        f"--missing and --check: {RECORD}; else no record)",
    )
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="print the table of the record without training",
    )
    parser.add_argument(
        "--missing",
        action="store_true",
        help="train only the runs the record lacks (its 'not run' cells)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="train the record's runs of --rows, --settings and --seeds (default: every "
        "row, both settings, seed 1) again for their recorded epochs, and report each "
        "figure that differs from the record (exit status 1 if any does)",
    )
    return parser


def check_args(parser, args):
    """Usage errors (exit 2) found before any training; fills in the default record, and
    ``args.device``: the ``Device`` to train on."""
    for seed in args.seeds or ():
        if not 0 <= seed < 2**32:
            parser.error(f"argument --seeds: a seed is 0 to 2**32 - 1, got {seed}")
    modes = [flag for flag in ("search", *READERS) if getattr(args, flag)]
    if len(modes) > 1:
        names = " and ".join(f"--{flag.replace('_', '-')}" for flag in modes)
        parser.error(f"{names} do not go together")
    if args.search:
        check_search(parser, args)
    if args.check and args.budget:
        parser.error("--check trains each run for its recorded epochs: --budget does not apply")
    given = args.json is not None
    if not given and modes and modes[0] in READERS:
        args.json = str(RECORD)
    if args.json:
        check_record(parser, args, given)
    args.device = check_device(parser, args)


def check_device(parser, args):
    """The ``Device`` of ``--device`` (NumPy without it): a usage error when its library
    or the device is missing, or when a row to train is in a dtype it lacks."""
    try:
        device = open_device(args.device or "numpy")
        if not args.table_only:
            for row in [args.search] if args.search else chosen_rows(args):
                for setting in args.settings:
                    device.check_dtype(configure(row, setting, args.quick).get("dtype", "float64"))
    except DeviceError as error:
        parser.error(f"--device {args.device}: {error}")
    return device


def chosen_rows(args):
    """The rows of the table that ``--rows`` and ``--quick`` choose."""
    return args.rows or (list(QUICK["rows"]) if args.quick else list(ROWS))


def check_search(parser, args):
    if args.rows:
        parser.error("--search takes one row; --rows is for the table")
    if len(args.settings) != 1:
        parser.error("--search needs one of --settings published or --settings modern")
    if args.search not in SEARCH[args.settings[0]]:
        parser.error(
            f"row {args.search} has no search for the {args.settings[0]} "
            f"settings; rows with one: {', '.join(SEARCH[args.settings[0]])}"
        )


def check_record(parser, args, given):
    """The record must exist when only read (``--table-only``, ``--check``), be
    writable when written, and be a record; ``given``: whether ``--json`` named it."""
    path = Path(args.json)
    if args.table_only or args.check:
        if not path.is_file():
            hint = "" if given else " (--json PATH names another record)"
            parser.error(f"--json: no record at {path}{hint}")
    else:
        try:
            check_can_write(path, "--json")
        except OSError as error:
            parser.error(f"--json: {error.strerror or error}")
    try:
        read_record(path)
    except (OSError, ValueError) as error:
        parser.error(f"--json: {error}")


def main(argv=None):
    """Run what ``argv`` asks for; returns the list of ``Run`` trained."""
    parser = build_parser()
    args = parser.parse_args(argv)
    check_args(parser, args)
    threads = (
        threadpool_limits(args.blas_threads or 1, user_api="blas")
        if threadpool_limits
        else contextlib.nullcontext()
    )
    if args.device.library == "torch" and args.blas_threads:
        import torch

        torch.set_num_threads(args.blas_threads)

    def work():
        with threads:
            return run_check(parser, args) if args.check else run(args)

    return parser.run(work, failures=(ValueError, TypeError, OSError))


def command():
    """The console command ``ann-classics``: ``main`` on the command line's arguments."""
    main()


def run(args):
    """Train and print what ``args`` ask for; returns the list of ``Run`` trained."""
    rows = chosen_rows(args)
    runs = []
    if args.search:
        results = run_search(
            Mnist(args.data_dir, args.quick, args.device),
            args.search,
            args.settings[0],
            args.seeds or [1],
            args.budget,
            args.quick,
        )
        print(search_table(results))
        runs = [run for _, result_runs in results for run in result_runs]
        if args.json:
            merge_into(args.json, runs)
        return runs
    if not args.table_only:
        runs = run_table(
            Mnist(args.data_dir, args.quick, args.device),
            rows,
            args.settings,
            args.seeds or list(SEEDS),
            args.budget,
            args.quick,
            args.json,
            args.missing,
        )
    shown = current(read_record(args.json) if args.json else runs, args.quick)
    code = provenance_lines([run for run in shown if run.row in rows])
    parts = [table(shown, rows), "\n".join(code), settings_table(rows, args.quick)]
    print("\n\n".join(part for part in parts if part))
    return runs


def run_check(parser, args):
    """``--check``: train the record's runs again and print how each compares; exit
    status 1 when a figure differs or there is nothing to compare."""
    rows = chosen_rows(args)
    found, missing = recorded_runs(
        read_record(args.json), rows, args.settings, args.seeds or [1], args.quick
    )
    if not found:
        parser.fail(f"--check: {args.json} has no run of these rows, settings and seeds")
    pairs = check(Mnist(args.data_dir, args.quick, args.device), found)
    print(check_table(pairs, missing))
    differ = [pair for pair in pairs if difference(*pair)]
    if differ:
        verb = "differs" if len(differ) == 1 else "differ"
        parser.fail(
            f"--check: {len(differ)} of {counted(len(pairs), 'run')} {verb} from the record"
        )
    return [today for _, today in pairs]
