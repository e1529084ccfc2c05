"""A report of one training run, written into a folder.

``write_report(model, directory, train=(X, y), test=(X, y), config={...},
timings={...})`` writes:

- ``cost.png``: the cost curve (``plot_cost``);
- ``weights.png``: the first layer's weights as images, when the inputs are square
  images or ``image_shape`` is given (``plot_weights``), and ``weights_change.png``:
  how training changed them (``plot_weights(since_init=True)``);
- ``mistakes.png``: misclassified samples of the test set (else the training set);
- ``confusion.png``: the confusion matrix, for models with more than two classes;
- ``summary.md``: configuration, accuracies, timings, the layer table and the shapes of
  one training step, for people;
- ``summary.json``: the same facts, for programs.

Every file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np

from . import arrays, plotting, validation
from .explain import explain_text, summary_text
from .files import StrPath, atomic_path

Model: TypeAlias = Any
"""A fitted ``ann.ANN``."""

__all__ = ["REPORT_VERSION", "write_report"]

REPORT_VERSION = 1


def _plain(value: object) -> Any:
    """``value`` with NumPy scalars and arrays, tuples, paths... turned into JSON types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    return str(value)


def _check_pair(name: str, pair: object) -> None:
    """TypeError unless ``pair`` is None or a pair ``(X, y)``."""
    if pair is not None and (not isinstance(pair, (tuple, list)) or len(pair) != 2):
        raise TypeError(f"{name} must be a pair (X, y), got {type(pair).__name__}")


def _check_mapping(name: str, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict, got {type(value).__name__}")
    return value


def _write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return path


def _class_names(
    model: Model, class_names: plotting.ClassNames | None, config: Mapping[str, Any]
) -> plotting.ClassNames | None:
    """Names for the classes: ``class_names``, else ``config['digits']`` when it names
    one digit per class (``get_binary_dataset`` labels 5 and 8 as 0 and 1), else None."""
    if class_names is not None or not getattr(model, "is_classifier", False):
        return class_names
    digits = config.get("digits")
    if (
        isinstance(digits, (list, tuple))
        and len(digits) == len(model.classes_)
        and len(digits) == 2
    ):
        return [str(d) for d in digits]
    return None


def _format_seconds(value: object) -> str:
    if not isinstance(value, numbers.Real):
        return str(value)
    seconds = float(value)
    if seconds >= 60:
        return f"{seconds / 60:.1f} min ({seconds:.1f} s)"
    return f"{seconds:.2f} s"


def _markdown(facts: dict[str, Any], summary: str, walk_through: str) -> str:
    lines = ["# Training report", "", f"Model: `{facts['model']}`", ""]
    regressor = any("r2" in result for result in facts["results"].values())
    score = "R²" if regressor else "accuracy"
    lines += ["## Results", "", f"| set | samples | {score} | cost |", "|---|---:|---:|---:|"]
    for name, result in facts["results"].items():
        accuracy = result.get("r2" if regressor else "accuracy")
        accuracy = (
            "" if accuracy is None else (f"{accuracy:.4f}" if regressor else f"{accuracy:.2%}")
        )
        cost = result.get("cost")
        cost = "" if cost is None else f"{cost:.4f}"
        lines.append(f"| {name} | {result['samples']} | {accuracy} | {cost} |")
    lines += [
        "",
        f"Iterations (epochs) run: {facts['n_iterations_run']}; training cost "
        f"of the last one, before its update: {facts['final_cost']}.",
        "",
    ]
    if facts["config"]:
        lines += ["## Configuration", "", "| setting | value |", "|---|---|"]
        lines += [f"| {key} | `{json.dumps(value)}` |" for key, value in facts["config"].items()]
        lines.append("")
    if facts["timings"]:
        lines += ["## Timings", "", "| step | time |", "|---|---:|"]
        lines += [
            f"| {key} | {_format_seconds(value)} |" for key, value in facts["timings"].items()
        ]
        lines.append("")
    lines += ["## Layers", "", "```", summary, "```", ""]
    if walk_through:
        lines += ["## Shapes of one training step", "", "```", walk_through, "```", ""]
    if facts["pictures"]:
        lines += ["## Pictures", ""]
        lines += [f"![{name}]({file})" for name, file in facts["pictures"].items()]
        lines.append("")
    return "\n".join(lines)


def write_report(
    model: Model,
    directory: StrPath,
    *,
    train: tuple[np.ndarray, np.ndarray] | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    config: Mapping[str, Any] | None = None,
    timings: Mapping[str, float] | None = None,
    class_names: plotting.ClassNames | None = None,
    image_shape: tuple[int, int] | None = None,
    max_units: int | None = 64,
    max_images: int | None = 24,
    explain_samples: int | None = 20000,
) -> dict[str, Path]:
    """Write the pictures and summaries of a fitted ``model`` into ``directory``
    (created if needed) and return ``{file name: path}`` of the files written.

    ``train`` and ``test`` are ``(X, y)`` pairs (the arrays the model was trained and is
    scored on); each is scored, and the mistakes and confusion matrix use ``test``
    (else ``train``). ``config`` (the run's settings) and ``timings`` (seconds per step)
    are dicts copied into the summaries. ``class_names`` relabels the classes in the
    pictures (by default ``config['digits']`` when it names the two classes of a binary
    problem). ``image_shape`` folds the inputs into images when they are not square.
    ``explain_samples`` caps the samples of ``train`` used for the shape walk-through in
    ``summary.md`` (all of them for the article's 11272; None: no cap).
    """
    model = plotting.check_model(model).to_numpy()
    _check_pair("train", train)
    _check_pair("test", test)
    config = _check_mapping("config", config)
    timings = _check_mapping("timings", timings)
    if explain_samples is not None:
        explain_samples = validation.check_int("explain_samples", explain_samples, minimum=1)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = _class_names(model, class_names, config)
    sample = test if test is not None else train
    written = _pictures(model, directory, sample, names, image_shape, max_units, max_images)
    walk_through = ""
    if train is not None:
        X, y = train
        if explain_samples is not None:
            X, y = arrays.first_rows(X, explain_samples), arrays.first_rows(y, explain_samples)
        walk_through = explain_text(model, X, y)
    facts = _facts(model, _results(model, train, test), config, timings, names, written)
    written["summary.json"] = _write_text(
        directory / "summary.json", json.dumps(facts, indent=2) + "\n"
    )
    written["summary.md"] = _write_text(
        directory / "summary.md", _markdown(facts, summary_text(model), walk_through)
    )
    return written


def _pictures(
    model: Model,
    directory: Path,
    sample: tuple[np.ndarray, np.ndarray] | None,
    names: plotting.ClassNames | None,
    image_shape: tuple[int, int] | None,
    max_units: int | None,
    max_images: int | None,
) -> dict[str, Path]:
    """Draw the report's pictures into ``directory``: the cost curve, and where they
    make sense the weights as images, the mistakes and the confusion matrix of
    ``sample``; returns ``{file name: path}``."""
    written = {}

    def picture(name: str, draw: Callable[[Path], object]) -> None:
        written[name] = directory / name
        draw(written[name])

    picture("cost.png", lambda path: plotting.plot_cost(model, path=path))
    try:
        plotting.check_image_shape(model.n_features_in_, image_shape)
        has_images = True
    except ValueError:
        has_images = False
    if has_images:
        picture(
            "weights.png",
            lambda path: plotting.plot_weights(model, path, max_units, image_shape),
        )
        picture(
            "weights_change.png",
            lambda path: plotting.plot_weights(model, path, max_units, image_shape, True),
        )
    # the mistakes and the confusion matrix are of class labels, not multi-label targets
    if not model.is_classifier or getattr(model, "multilabel_", False) or sample is None:
        return written
    X, y = sample
    if has_images:
        picture(
            "mistakes.png",
            lambda path: plotting.plot_mistakes(model, X, y, path, max_images, image_shape, names),
        )
    if len(model.classes_) > 2:
        picture(
            "confusion.png",
            lambda path: plotting.plot_confusion(model, X, y, path=path, class_names=names),
        )
    return written


def _results(
    model: Model,
    train: tuple[np.ndarray, np.ndarray] | None,
    test: tuple[np.ndarray, np.ndarray] | None,
) -> dict[str, dict[str, Any]]:
    """The samples, score (accuracy, or R² for a regressor) and cost of each set given."""
    results = {}
    for name, pair in (("train", train), ("test", test)):
        if pair is not None:
            X, y = pair
            score = "accuracy" if model.is_classifier else "r2"
            results[name] = {
                "samples": np.shape(X)[0],
                score: model.score(X, y),
                "cost": model.compute_cost(X, y),
            }
    return results


def _facts(
    model: Model,
    results: dict[str, dict[str, Any]],
    config: dict[str, Any],
    timings: dict[str, Any],
    names: plotting.ClassNames | None,
    pictures: dict[str, Path],
) -> dict[str, Any]:
    """What ``summary.json`` says of the run, in JSON types."""
    classifier = model.is_classifier
    facts = {
        "report_version": REPORT_VERSION,
        "model": repr(model),
        "layers": [model.n_features_in_] + list(model.layers_size),
        "hidden_activations": model.hidden_activations_,
        "output_activation": model.output_activation_,
        "parameters": model.get_params(),
        "n_parameters": int(sum(a.size for a in model.parameters.values())),
        "classes": model.classes_.tolist() if classifier else None,
        "class_names": names,
        "n_iterations_run": len(model.costs),
        "final_cost": round(float(model.costs[-1]), 6),
        "best_epoch": getattr(model, "best_epoch_", None),
        "results": results,
        "config": config,
        "timings": timings,
        "pictures": {name[:-4]: name for name in pictures},
    }
    return _plain(facts)
