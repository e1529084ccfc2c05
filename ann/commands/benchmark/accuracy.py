"""Section ``accuracy``: time to accuracy (training time, evaluation excluded, until the
test accuracy checked after each epoch first reaches the bar) for the ``CONFIGS`` below
and for PyTorch and scikit-learn's default MLPClassifier when they run; each figure is
the median over the seeds ``SEEDS``."""

import math

import numpy as np

from ann.commands.benchmark.harness import bar_hits, counted, format_time, median, timed_fit
from ann.commands.benchmark.peers import sklearn_time_to_accuracy, torch_time_to_accuracy
from ann.presets import PRESETS

CONFIGS = {
    # The documented configurations (ann.presets) measured for the time-to-accuracy
    # targets: the task, the bars, and the preset's constructor arguments
    # (``n_iterations`` is the schedule's length: the run stops as soon as all its bars
    # are reached). Each is run with every seed of ``SEEDS``.
    "5v8-fast": {
        "task": "5v8",
        "bars": (0.990,),
        "params": PRESETS["fast"],
        "why": "preset 'fast': 784-128-1 ReLU, Adam 3e-3, 3-epoch cosine, float32",
    },
    "5v8": {
        "task": "5v8",
        "bars": (0.990, 0.994),
        "params": PRESETS["5v8"],
        "why": "preset '5v8': 784-256-1 ReLU, Adam 2e-3, 12-epoch cosine, float32",
    },
    "10": {
        "task": "10",
        "bars": (0.980,),
        "params": PRESETS["mnist10"],
        "why": "preset 'mnist10': 784-256-10 ReLU, Nesterov SGD 0.1, 6-epoch cosine, float32",
    },
}

SEEDS = (1, 2, 3)  # every time to accuracy is the median over these seeds

PEER_TASKS = (("5v8", (0.990, 0.994)), ("10", (0.980,)))
"""The tasks and bars the peers are timed to."""


def ann_time_to_accuracy(params, data, task, bars, seed, max_epochs=None):
    """Run ``fit`` with ``params`` and ``seed``; returns ``(times, curve)``: the
    training time at which each bar was first reached (None if never) and (time,
    accuracy) per epoch."""
    params = dict(params, seed=seed)
    X, y, X_test, y_test = data.task(task, params.get("dtype", "float64"))
    if max_epochs is not None:
        params["n_iterations"] = min(params["n_iterations"], max_epochs)
    train, hits, curve = 0.0, {}, []

    def on_epoch(model, seconds):
        nonlocal train
        train += seconds
        accuracy = model.score(X_test, y_test)
        curve.append((train, accuracy))
        return bar_hits(bars, hits, train, accuracy)

    timed_fit(on_epoch, X, y, **params)
    return {bar: hits.get(bar) for bar in bars}, curve


def reached_note(seconds, curve):
    """``reached at epoch k of N`` (or ``not reached``) and the final accuracy."""
    epochs = len(curve)
    if seconds is None:
        return f"not reached in {counted(epochs, 'epoch')}; final {curve[-1][1]:.2%}"
    epoch = next(i for i, (t, _) in enumerate(curve, 1) if t >= seconds)
    return f"at epoch {epoch} of {epochs} run; final {curve[-1][1]:.2%}"


def median_over_seeds(seconds):
    """The median of the seeds' times to a bar, a seed that never reached it (None)
    counting as slower than all others; None when the median seed did not reach it."""
    value = float(np.median([math.inf if s is None else s for s in seconds]))
    return None if math.isinf(value) else value


def seeds_note(seconds, curves):
    """Each seed's time, then at which epoch the median seed got there (or, when most
    seeds did not, the final accuracies)."""
    middle = median_over_seeds(seconds)
    note = f"median of {len(seconds)} seeds (" + ", ".join(format_time(s) for s in seconds) + "); "
    if middle is None:
        return (
            note
            + "not reached by most; final "
            + ", ".join(f"{curve[-1][1]:.2%}" for curve in curves)
        )
    return note + reached_note(middle, curves[seconds.index(middle)])


def report_over_seeds(report, results, who, label, bars, runs, task, **extra):
    """Report the median over seeds of ``runs`` (``(times, curve)`` per seed, in the
    order of SEEDS) for each bar, and keep the best median of ``who`` per bar in
    ``results``. Each row keeps the median seed's curve (else the first seed's)."""
    curves = [curve for _, curve in runs]
    for bar in bars:
        seconds = [times[bar] for times, _ in runs]
        middle = median_over_seeds(seconds)
        entry = results.setdefault(f"{task}_{bar * 100:.1f}", {})
        if who not in entry or (middle is not None and (entry[who] is None or middle < entry[who])):
            entry[who] = middle
        curve = curves[0] if middle is None else curves[seconds.index(middle)]
        report.row(
            f"{label}: {task} to {bar:.1%}",
            middle,
            note=seeds_note(seconds, curves),
            bar=bar,
            curve=curve,
            seeds=list(SEEDS[: len(runs)]),
            seconds_by_seed=seconds,
            **extra,
        )


def measure_ann(report, results, data, quick):
    """The time to accuracy of each of ``CONFIGS`` (quick: 5v8-fast, 3 epochs at most)."""
    for name in ["5v8-fast"] if quick else list(CONFIGS):
        config = CONFIGS[name]
        runs = [
            ann_time_to_accuracy(
                config["params"],
                data,
                config["task"],
                config["bars"],
                seed,
                max_epochs=3 if quick else None,
            )
            for seed in SEEDS
        ]
        report_over_seeds(
            report,
            results,
            "ann",
            f"ann {name}",
            config["bars"],
            runs,
            config["task"],
            config=name,
            params=config["params"],
        )


def measure_torch(report, results, data, torch):
    for task, bars in PEER_TASKS:
        runs = [torch_time_to_accuracy(torch, data, task, bars, seed) for seed in SEEDS]
        report_over_seeds(report, results, "pytorch", "pytorch", bars, runs, task)


def measure_sklearn(report, results, data):
    """scikit-learn's default MLPClassifier's time to each bar, and to its finish."""
    for task, bars in PEER_TASKS:
        runs = [sklearn_time_to_accuracy(data, task, bars, seed) for seed in SEEDS]
        report_over_seeds(
            report,
            results,
            "sklearn",
            "scikit-learn default (MLPClassifier(), float64)",
            bars,
            runs,
            task,
        )
        totals = [curve[-1][0] for _, curve in runs]
        results.setdefault(f"{task}_finish", {})["sklearn"] = median(totals)
        report.row(
            f"scikit-learn default: {task} to finish",
            median(totals),
            note=f"median of {len(totals)} seeds ("
            + ", ".join(
                f"{format_time(t)}: {counted(len(curve), 'epoch')}, final {curve[-1][1]:.2%}"
                for t, (_, curve) in zip(totals, runs)
            )
            + ")",
            seconds_by_seed=totals,
        )


def compare(report, results, target, key, peer_key, peer, limit, strict=False):
    """ann's time to ``key`` over the peer's time to ``peer_key``. SKIP when the peer
    was not run; FAIL when ann never reached the bar; PASS when ann did and the peer
    never did."""
    ann_time = results.get(key, {}).get("ann")
    ran = peer_key in results and peer in results[peer_key]
    peer_time = results.get(peer_key, {}).get(peer)
    detail = f"ann {format_time(ann_time)}, {peer} {format_time(peer_time)}"
    if not ran:
        report.target(target, None, limit, detail=detail + f" ({peer} not run)")
    elif ann_time is None or peer_time is None:
        report.target(
            target,
            None,
            limit,
            detail=detail + " (bar not reached)",
            status="PASS" if ann_time is not None else "FAIL",
        )
    else:
        report.target(target, ann_time / peer_time, limit, detail=detail, strict=strict)


def measure(report, data, args, peers):
    report.section(
        "accuracy",
        "Time to test accuracy (training time, evaluation "
        f"excluded; float32 unless stated; median over seeds {SEEDS})",
    )
    results = {}  # "5v8_99.0" -> {"ann": seconds, "pytorch": ..., "sklearn": ...}
    measure_ann(report, results, data, args.quick)
    if args.quick:
        report.note("quick mode: PyTorch, scikit-learn, 99.4% and 10-class runs skipped")
    else:
        if peers.torch is not None:
            measure_torch(report, results, data, peers.torch)
        else:
            report.note(f"{peers.why_not('torch')}: its time to accuracy is skipped")
        if peers.sklearn is not None:
            measure_sklearn(report, results, data)
        else:
            report.note(f"{peers.why_not('sklearn')}: its time to accuracy is skipped")
    compare(report, results, "5v8_99.0", "5v8_99.0", "5v8_99.0", "pytorch", 0.5)
    compare(report, results, "5v8_99.4", "5v8_99.4", "5v8_99.4", "sklearn", 1.0, strict=True)
    compare(report, results, "10_98.0", "10_98.0", "10_finish", "sklearn", 0.3)
