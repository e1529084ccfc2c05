"""What the commands share (this module is not a command): one-line errors with one
exit status per kind, checked numbers, and where the repository's files are.

Every command reports a problem as one line on stderr, ``PROG: error: MESSAGE``, PROG
being its console command (``ann-train``, ``ann-classics``, ``ann-benchmark``,
``ann-tree-demo``; ``python -m scripts.NAME`` in a checkout runs the same program), and exits with

- ``USAGE_ERROR`` (2) for a usage error: a bad flag, value or combination, or an output
  that could not be written, found before any work starts (argparse's convention);
- ``FAILURE`` (1) when the work itself fails: data missing or unreadable, a failed run;
- ``INTERRUPTED`` (130, the shell's code for Ctrl-C) when interrupted.
"""

import argparse
import math
import os
import sys
from pathlib import Path

USAGE_ERROR = 2
FAILURE = 1
INTERRUPTED = 130

REPOSITORY = Path(__file__).resolve().parents[2]
"""The folder that holds the ``ann`` package: the repository in a source checkout
or an editable install, so defaults such as ``results/classics.json`` are found from any
working folder."""


def one_line(error):
    """``error`` (an exception or text) as one line: its lines joined by spaces."""
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip())


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr: ``error`` for usage
    errors (status 2), ``fail`` for failures of the work (status 1)."""

    def error(self, message):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {one_line(message)}\n")

    def fail(self, error, details=()):
        """Print ``error`` as one line, then each of ``details`` (lines); exit status 1."""
        lines = [f"{self.prog}: error: {one_line(error)}", *details]
        self.exit(FAILURE, "\n".join(lines) + "\n")

    def run(self, action, failures):
        """``action()``'s result; an exception of the tuple ``failures`` ends the program
        with ``fail``, Ctrl-C with status 130."""
        try:
            return action()
        except KeyboardInterrupt:
            self.exit(INTERRUPTED, f"{self.prog}: interrupted\n")
        except BrokenPipeError:  # the reader stopped reading (``| head``): nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(FAILURE)
        except failures as error:
            self.fail(error)


def check_picture_format(path):
    """Raise a ValueError naming ``path`` when matplotlib cannot write its format (the
    file name's ending; none means PNG)."""
    from matplotlib.figure import Figure

    suffix = Path(path).suffix[1:].lower()
    formats = Figure().canvas.get_supported_filetypes()
    if suffix and suffix not in formats:
        raise ValueError(
            f"{path}: unknown picture format {suffix!r}; use one of {', '.join(sorted(formats))}"
        )


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive and finite, got {text}")
    return value


def integer(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value
