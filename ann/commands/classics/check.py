"""``--check``: train recorded runs again with today's code and compare each figure with
the record's, so a change of arithmetic that moves the table shows, run by run."""

import itertools
import math

from ann.commands.classics.record import current
from ann.commands.classics.settings import ROWS
from ann.commands.classics.tables import percent, provenance_lines
from ann.commands.classics.training import log, train_once


def recorded_runs(runs, rows, settings, seeds, quick=False):
    """The runs of the record ``runs`` to check, one per row, setting and seed (with
    today's settings, not searches), and the ``(row, setting, seed)`` the record lacks."""
    table = {(run.row, run.setting, run.seed): run for run in current(runs, quick)}
    wanted = list(itertools.product(rows, settings, seeds))
    found = [table[key] for key in wanted if key in table]
    return found, [key for key in wanted if key not in table]


def train_again(mnist, recorded):
    """``recorded`` trained again: same row, setting, seed and config, stopped after the
    same number of epochs whatever the time (the budget stopped some recorded runs)."""
    split = mnist.split(ROWS[recorded.row].split, recorded.config.get("dtype", "float64"))
    return train_once(
        recorded.row,
        recorded.setting,
        recorded.seed,
        split,
        math.inf,
        recorded.config,
        epochs=recorded.epochs,
    )


def figure(row, accuracy):
    """A run's figure as the table shows it: accuracy, or error for an error row."""
    if accuracy is None:
        return "diverged"
    return percent(1 - accuracy if ROWS[row].measure == "error" else accuracy)


def difference(recorded, today):
    """How ``today``'s run differs from ``recorded``, in words; "" when it does not."""
    changes = []
    if recorded.accuracy is None or today.accuracy is None:
        if (recorded.accuracy is None) != (today.accuracy is None):
            changes.append("one diverged")
    elif not math.isclose(recorded.accuracy, today.accuracy, rel_tol=0, abs_tol=1e-12):
        points = 100 * (today.accuracy - recorded.accuracy)
        if ROWS[recorded.row].measure == "error":
            points = -points
        changes.append(f"{points:+.2f} points")
    if recorded.epochs != today.epochs:
        changes.append(f"{today.epochs} epochs, not {recorded.epochs}")
    return ", ".join(changes)


def check(mnist, found):
    """Train every run of ``found`` again; returns ``(recorded, today)`` pairs."""
    pairs = []
    for recorded in found:
        today = train_again(mnist, recorded)
        change = difference(recorded, today) or "same"
        log(f"{recorded.row} {recorded.setting} seed {recorded.seed}: {change}")
        pairs.append((recorded, today))
    return pairs


def check_table(pairs, missing):
    """The comparison in Markdown: a line per run trained again, then per run the
    record lacks; then which code recorded the runs and which trained them today."""
    lines = [
        "| row | setting | seed | recorded | today | difference |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for recorded, today in pairs:
        lines.append(
            f"| {recorded.row} | {recorded.setting} | {recorded.seed} "
            f"| {figure(recorded.row, recorded.accuracy)} | {figure(today.row, today.accuracy)} "
            f"| {difference(recorded, today) or 'same'} |"
        )
    for row, setting, seed in missing:
        lines.append(f"| {row} | {setting} | {seed} | not in the record | - | - |")
    lines.append("")
    lines += provenance_lines([recorded for recorded, _ in pairs], "Recorded with:")
    lines += provenance_lines([today for _, today in pairs], "Trained again with:")
    return "\n".join(lines)
