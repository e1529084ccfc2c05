"""The record: a JSON list of runs that grows across sessions (``results/classics.json``
in the repository by default). A run replaces the recorded one of the same row, setting,
seed, kind (search or not) and config, and the table shows the runs whose config is the
script's current one, so a changed setting is never shown with figures of the old one.
Each run keeps which code produced it (``provenance``: the commit, Python, NumPy and
its BLAS); runs recorded before that was stored have None there."""

import dataclasses
import json
from pathlib import Path

from ann.commands._cli import REPOSITORY
from ann.commands.classics.settings import ROWS, configure
from ann.files import atomic_path

RECORD = REPOSITORY / "results" / "classics.json"
"""The record the repository ships, found from the package (not the working folder)."""


@dataclasses.dataclass
class Run:
    """One trained model's result: ``accuracy`` (a fraction, None if training diverged),
    training ``seconds``, ``epochs`` trained, whether the budget ``stopped`` it, the
    ``config`` it trained with (ANN's arguments), whether it was a ``search`` run
    (trained on images 0-49,999, scored on the validation images) and the
    ``provenance`` of the code that trained it (``ann.commands._provenance.provenance()``;
    None for runs recorded before it was stored)."""

    row: str
    setting: str
    seed: int
    accuracy: float
    seconds: float
    epochs: int
    stopped: bool
    config: dict | None = None
    search: bool = False
    provenance: dict | None = None


def record_key(run):
    return (run.row, run.setting, run.seed, run.search, json.dumps(run.config, sort_keys=True))


def read_record(path):
    """The runs recorded in the JSON file ``path``; [] when it does not exist."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        return [Run(**item) for item in json.loads(path.read_text())]
    except (json.JSONDecodeError, TypeError) as error:
        raise ValueError(f"{path} is not a record of classics runs: {error}") from error


def merge_into(path, runs):
    """Add ``runs`` to the record ``path``, written atomically; returns all its runs."""
    merged = {record_key(run): run for run in read_record(path) + list(runs)}
    ordered = sorted(merged.values(), key=lambda run: (run.search, run.row, run.setting, run.seed))
    with atomic_path(path, suffix=".json") as temporary:
        lines = (json.dumps(dataclasses.asdict(run)) for run in ordered)
        temporary.write_text("[\n" + ",\n".join(lines) + "\n]\n")  # a run per line
    return ordered


def current(runs, quick=False):
    """The table's runs among ``runs``: not searches, trained with today's settings."""
    return [
        run
        for run in runs
        if not run.search
        and run.row in ROWS
        and run.config == configure(run.row, run.setting, quick)
    ]
