"""The tables the program prints, in Markdown: the results (a row per published
result, a cell per setting), which code produced them, each row's settings, and a
search's candidates."""

import statistics

from ann.commands._provenance import describe
from ann.commands.classics.settings import ROWS, SEEDS, SETTINGS, configure


def percent(fraction):
    return f"{100 * fraction:.2f}%"


def spread(values):
    """``median (min-max)`` of fractions, in percent: the table's cell for the seeds."""
    middle = statistics.median(values)
    if len(values) == 1:
        return percent(middle)
    return f"{percent(middle)} ({100 * min(values):.2f}-{100 * max(values):.2f})"


def duration(seconds):
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def cell(row, runs):
    """The figure of ``runs`` (one row and setting, several seeds) in the row's measure
    (accuracy or error), ``*`` when the budget stopped some run, and how many seeds
    when fewer than ``SEEDS``."""
    if not runs:
        return "not run"
    if any(run.accuracy is None for run in runs):
        return "diverged"
    values = [run.accuracy for run in runs]
    if ROWS[row].measure == "error":
        values = [1 - value for value in values]
    text = spread(values) + ("*" if any(run.stopped for run in runs) else "")
    return text + (f", {len(runs)} of {len(SEEDS)} seeds" if len(runs) < len(SEEDS) else "")


def published_cell(row):
    info = ROWS[row]
    text = f"{percent(info.figure)}{' error' if info.measure == 'error' else ''}"
    return f"{text} ({info.note})" if info.note else text


def time_cell(runs_by_setting):
    times = [
        duration(statistics.median(run.seconds for run in runs)) if runs else "-"
        for runs in runs_by_setting
    ]
    return " / ".join(times)


def table(runs, rows):
    """The Markdown table of ``runs`` for ``rows``, one line per row."""
    lines = [
        "| source | network | published | `ann`, published settings | `ann`, modern "
        "| training time (published / modern) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        by_setting = [
            [run for run in runs if run.row == row and run.setting == setting]
            for setting in SETTINGS
        ]
        lines.append(
            f"| {ROWS[row].source} | {ROWS[row].network} | {published_cell(row)} "
            f"| {cell(row, by_setting[0])} | {cell(row, by_setting[1])} "
            f"| {time_cell(by_setting)} |"
        )
    return "\n".join(lines)


def _number(value):
    """``0.5``, or ``0.5/0.2`` for one value per hidden layer."""
    if isinstance(value, (list, tuple)):
        return "/".join(f"{item:g}" for item in value)
    return f"{value:g}"


def describe_config(config):
    """ANN's arguments in a few words, e.g. ``relu, init he, adam 0.002, batch 64, ...``."""
    parts = [config.get("activation", "sigmoid")]
    if config.get("output", "auto") != "auto":
        parts.append(f"{config['output']} outputs")
    if config.get("loss", "auto") != "auto":
        parts.append(config["loss"].replace("_", " "))
    parts.append(f"init {config.get('init', 'article')}")
    optimizer = f"{config['optimizer']} {config['learning_rate']:g}"
    if config["optimizer"] == "sgd" and config.get("momentum"):
        optimizer += (
            f", {'Nesterov ' if config.get('nesterov') else ''}momentum {config['momentum']:g}"
        )
    parts += [
        optimizer,
        f"batch {config['batch_size']}",
        f"{config['n_iterations']} epochs {config.get('lr_schedule', 'constant')}",
    ]
    for name in ("l2", "dropout", "input_dropout", "max_norm"):
        if config.get(name):
            parts.append(f"{name.replace('_', ' ')} {_number(config[name])}")
    parts.append(config.get("dtype", "float64"))
    return ", ".join(parts)


def settings_table(rows, quick=False):
    """A Markdown table of each row's published and modern settings, as the runs of a
    ``quick`` run (a few epochs) or of a full one use them."""
    lines = ["| row | published settings | modern settings |", "| --- | --- | --- |"]
    for row in rows:
        published, modern = (describe_config(configure(row, s, quick)) for s in SETTINGS)
        lines.append(f"| `{row}` | {published} | {modern} |")
    return "\n".join(lines)


def search_table(results):
    lines = ["| candidate | validation accuracy | training time |", "| --- | --- | --- |"]
    for changes, runs in results:
        accuracies = [run.accuracy for run in runs]
        figure = "diverged" if None in accuracies else spread(accuracies)
        figure += "*" if any(run.stopped for run in runs) else ""
        changes = ", ".join(f"{name}={value}" for name, value in changes.items())
        lines.append(
            f"| {changes} | {figure} | {duration(statistics.median(run.seconds for run in runs))} |"
        )
    return "\n".join(lines)


BEFORE_PROVENANCE = "recorded before provenance was stored (commit and library versions unknown)"


def describe_code(code):
    """A run's ``provenance`` in one line: the code and libraries, then the device it
    trained on when recorded (``--device``; runs recorded before it was stored have
    none)."""
    if not code:
        return BEFORE_PROVENANCE
    return describe(code) + (f", device {code['device']}" if code.get("device") else "")


def provenance_lines(runs, title="The code behind these figures:"):
    """Which code produced ``runs``: ``title``, then a line per commit, library versions
    and device with how many runs of which rows, those recorded before provenance was
    stored first; [] without runs."""
    groups = {}
    for run in runs:
        key = describe_code(run.provenance)
        groups.setdefault(key, []).append(run)
    lines = [title]
    for key in sorted(groups, key=lambda key: key != BEFORE_PROVENANCE):
        members = groups[key]
        rows = sorted({run.row for run in members}, key=list(ROWS).index)
        plural = "s" if len(members) > 1 else ""
        lines.append(f"- {len(members)} run{plural} ({', '.join(rows)}): {key}")
    return lines if groups else []
