"""The pictures of ann.plotting: rendered from trained models and inspected."""

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text

from ann import ANN
from ann.plotting import (
    confusion_matrix,
    initial_weights,
    plot_confusion,
    plot_cost,
    plot_costs,
    plot_mistakes,
    plot_weights,
    save_figure,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def images_8x8(n, seed):
    """Random 8x8 "images" (64 features) and two labelings: the brighter half (binary)
    and the brightest quadrant (4 classes)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 64))
    grid = X.reshape(n, 8, 8)
    binary = (grid[:, :, :4].sum(axis=(1, 2)) > grid[:, :, 4:].sum(axis=(1, 2))).astype(int)
    quadrants = np.stack(
        [grid[:, :4, :4], grid[:, :4, 4:], grid[:, 4:, :4], grid[:, 4:, 4:]], axis=1
    ).sum(axis=(2, 3))
    return X, binary, quadrants.argmax(axis=1)


@pytest.fixture(scope="module")
def data():
    X, binary, four = images_8x8(400, seed=0)
    X_test, binary_test, four_test = images_8x8(150, seed=1)
    return X, binary, four, X_test, binary_test, four_test


@pytest.fixture(scope="module")
def binary_model(data):
    X, y, _, X_test, y_test, _ = data
    model = ANN([12, 1], learning_rate=0.5, n_iterations=60, quiet=True)
    return model.fit(X, y, validation_data=(X_test, y_test))


@pytest.fixture(scope="module")
def multi_model(data):
    X, _, y, *_ = data
    model = ANN(
        [10, 4], optimizer="adam", learning_rate=0.01, n_iterations=30, batch_size=50, quiet=True
    )
    return model.fit(X, y)


def n_images(figure):
    return sum(
        isinstance(artist, AxesImage) for axes in figure.axes for artist in axes.get_children()
    )


def legend_texts(axes):
    return [text.get_text() for text in axes.get_legend().get_texts()]


def assert_png(path):
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


# ----------------------------------------------------------------------------- cost
def test_plot_cost_with_validation_and_accuracy(binary_model, tmp_path):
    path = tmp_path / "cost.png"
    figure = plot_cost(binary_model, path=path)
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 2  # cost, and accuracy on the right
    cost_axes, accuracy_axes = figure.axes
    assert legend_texts(cost_axes) == [
        "training cost",
        "validation cost",
        "training accuracy",
        "validation accuracy",
    ]
    assert cost_axes.get_ylabel().startswith("cost")
    assert accuracy_axes.get_ylabel().startswith("accuracy")
    assert cost_axes.get_xlabel().startswith("iteration")
    assert "64-12-1" in cost_axes.get_title() and "learning rate 0.5" in cost_axes.get_title()
    training = cost_axes.get_lines()[0]
    np.testing.assert_allclose(training.get_ydata(), binary_model.costs)
    np.testing.assert_allclose(
        accuracy_axes.get_lines()[1].get_ydata(), binary_model.history["val_accuracy"]
    )
    assert_png(path)


def test_plot_cost_without_accuracy_for_a_regressor(data):
    X, *_ = data
    model = ANN([5, 1], output="identity", n_iterations=5, quiet=True)
    model.fit(X, X[:, :1])
    figure = plot_cost(model)
    assert len(figure.axes) == 1
    assert legend_texts(figure.axes[0]) == ["training cost"]


def test_plot_cost_epochs_for_mini_batches(multi_model):
    figure = multi_model.plot_cost()
    assert figure.axes[0].get_xlabel().startswith("epoch")
    assert legend_texts(figure.axes[0]) == ["training cost", "training accuracy"]


def test_plot_cost_needs_a_fitted_model():
    with pytest.raises(ValueError, match="fit it first"):
        plot_cost(ANN([3, 1]))
    with pytest.raises(TypeError, match="fitted ANN"):
        plot_cost("model")


# ---------------------------------------------------------------------------- costs
def test_plot_costs_compares_runs(binary_model, tmp_path):
    runs = {"12 hidden units": binary_model, "a list": [0.7, 0.5, 0.4, 0.35]}
    figure = plot_costs(runs, path=tmp_path / "compare.png", title="Two runs")
    assert len(figure.axes) == 1
    axes = figure.axes[0]
    assert axes.get_title() == "Two runs"
    texts = legend_texts(axes)
    assert len(texts) == 2
    assert texts[0].startswith("12 hidden units") and f"{binary_model.costs[-1]:.4f}" in texts[0]
    assert texts[1] == "a list: final cost 0.3500"
    np.testing.assert_allclose(axes.get_lines()[1].get_ydata(), runs["a list"])
    assert_png(tmp_path / "compare.png")
    assert plot_costs(runs, log_scale=True).axes[0].get_yscale() == "log"


@pytest.mark.parametrize(
    "runs, error, message",
    [
        ({}, ValueError, "empty"),
        ([1, 2], TypeError, "dict"),
        ({"unfitted": ANN([2, 1])}, ValueError, "fit it first"),
        ({"empty": []}, ValueError, "empty"),
        ({"text": "abc"}, TypeError, "sequence of costs"),
        ({"words": ["a", "b"]}, TypeError, "numbers"),
        ({"matrix": [[1, 2], [3, 4]]}, ValueError, "one sequence"),
    ],
)
def test_plot_costs_validates(runs, error, message):
    with pytest.raises(error, match=message):
        plot_costs(runs)


# -------------------------------------------------------------------------- weights
def test_plot_weights_one_image_per_unit(binary_model, tmp_path):
    figure = plot_weights(binary_model, path=tmp_path / "weights.png", max_units=10)
    assert len(figure.axes) == 10
    assert n_images(figure) == 10
    W1 = binary_model.parameters["W1"]
    for unit, axes in enumerate(figure.axes):
        image = axes.images[0]
        np.testing.assert_array_equal(image.get_array(), W1[unit].reshape(8, 8))
        low, high = image.get_clim()
        assert low == -high == -np.abs(W1[unit]).max()  # white means zero
    assert "first 10 of 12" in figure._suptitle.get_text()
    assert_png(tmp_path / "weights.png")
    every = plot_weights(binary_model, max_units=None)
    assert n_images(every) == 12 and "all 12" in every._suptitle.get_text()


def overlap_area(a, b):
    """The area (in pixels) that two display boxes share."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0) * max(height, 0)


@pytest.mark.parametrize("units,image_shape", [(1, None), (12, None), (64, None), (30, (4, 16))])
def test_plot_weights_labels_each_unit_above_its_picture(data, units, image_shape):
    X, y, *_ = data
    model = ANN([units, 1], n_iterations=2, quiet=True).fit(X, y)
    figure = plot_weights(model, max_units=None, image_shape=image_shape)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)  # places the titles and shrinks each axes to its image's aspect
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text()]
    assert len(texts) == len(figure.axes) + 1  # a title per picture, and the figure's
    for text in texts:
        box = text.get_window_extent(renderer)
        for axes in figure.axes:  # no label hides a pixel of any picture
            assert overlap_area(box, axes.get_window_extent(renderer)) == 0, text.get_text()
        assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1
        assert figure.bbox.y0 <= box.y0 and box.y1 <= figure.bbox.y1
    assert [axes.get_title() for axes in figure.axes] == [str(u + 1) for u in range(units)]


def test_plot_weights_since_init(binary_model, data):
    X, y, *_ = data
    start = initial_weights(binary_model)
    fresh = ANN([12, 1], learning_rate=0.5, n_iterations=1, quiet=True)
    fresh.initialize_parameters(64)
    np.testing.assert_array_equal(start, fresh.parameters["W1"])  # as fit draws them
    change = binary_model.parameters["W1"] - start
    assert np.abs(change).max() > 0
    figure = plot_weights(binary_model, max_units=4, since_init=True)
    assert n_images(figure) == 4
    for unit, axes in enumerate(figure.axes):
        np.testing.assert_allclose(axes.images[0].get_array(), change[unit].reshape(8, 8))
    assert "W1 - W1(initial)" in figure._suptitle.get_text()
    other = ANN([12, 1], seed=7, n_iterations=3, quiet=True).fit(X, y)
    assert not np.array_equal(initial_weights(other), start)  # follows the seed


def test_plot_weights_image_shape(binary_model):
    figure = plot_weights(binary_model, image_shape=(4, 16))
    assert figure.axes[0].images[0].get_array().shape == (4, 16)
    with pytest.raises(ValueError, match="holds 60 pixels"):
        plot_weights(binary_model, image_shape=(6, 10))
    with pytest.raises(TypeError, match="pair"):
        plot_weights(binary_model, image_shape=64)
    with pytest.raises(ValueError, match="at least 1"):
        plot_weights(binary_model, max_units=0)


def test_plot_weights_needs_square_images_or_a_shape():
    rng = np.random.default_rng(0)
    X = rng.random((30, 10))
    model = ANN([3, 1], n_iterations=2, quiet=True).fit(X, X[:, 0] > 0.5)
    with pytest.raises(ValueError, match="not a perfect square"):
        plot_weights(model)
    assert n_images(plot_weights(model, image_shape=(2, 5))) == 3


def test_plot_weights_needs_a_fitted_model():
    with pytest.raises(ValueError, match="not fitted"):
        plot_weights(ANN([3, 1]))
    with pytest.raises(TypeError, match="fitted ANN"):
        plot_weights(np.zeros((3, 64)))


# ------------------------------------------------------------------------- mistakes
def test_plot_mistakes_gallery(binary_model, data, tmp_path):
    *_, X_test, y_test, _ = data
    predicted = binary_model.predict(X_test)
    wrong = np.flatnonzero(predicted != y_test)
    assert len(wrong) > 5
    figure = plot_mistakes(
        binary_model,
        X_test,
        y_test,
        path=tmp_path / "mistakes.png",
        max_images=5,
        class_names={0: "left", 1: "right"},
    )
    assert len(figure.axes) == 5 and n_images(figure) == 5
    assert figure._suptitle.get_text().startswith(
        f"Misclassified: {len(wrong)} of {len(y_test)} samples"
    )
    probabilities = binary_model.predict_proba(X_test).max(axis=1)
    confidences = []
    for axes in figure.axes:
        title = axes.get_title()
        truth, said = title.split("\n")[0].split(", ")
        assert {truth, said} == {"true left", "said right"} or {truth, said} == {
            "true right",
            "said left",
        }
        confidences.append(float(title.split("\n")[1].split("%")[0].lstrip(">")))
        shown = axes.images[0].get_array()
        matches = [i for i in wrong if np.array_equal(X_test[i].reshape(8, 8), shown)]
        assert len(matches) == 1  # each panel is one wrong sample
        assert confidences[-1] == pytest.approx(100 * probabilities[matches[0]], abs=0.5)
    assert confidences == sorted(confidences, reverse=True)  # most confident first
    assert min(confidences) >= 50
    assert_png(tmp_path / "mistakes.png")


def test_plot_mistakes_with_none_and_all(binary_model, data):
    *_, X_test, y_test, _ = data
    right = binary_model.predict(X_test) == y_test
    figure = plot_mistakes(binary_model, X_test[right], y_test[right])
    assert n_images(figure) == 0
    assert figure.axes[0].texts[0].get_text() == "no mistakes"
    every = plot_mistakes(binary_model, X_test, y_test, max_images=None)
    assert n_images(every) == np.count_nonzero(~right)


def test_plot_mistakes_multi_class(multi_model, data):
    *_, X_test, _, y_test = data
    figure = plot_mistakes(multi_model, X_test, y_test, max_images=3)
    assert n_images(figure) == min(3, np.count_nonzero(multi_model.predict(X_test) != y_test))


def test_plot_mistakes_validates(binary_model, data):
    X, y, *_ = data
    with pytest.raises(ValueError, match="labels"):
        plot_mistakes(binary_model, X, y[:-1])
    with pytest.raises(ValueError, match="not among the model's classes"):
        plot_mistakes(binary_model, X, y + 5)
    with pytest.raises(ValueError, match="features"):
        plot_mistakes(binary_model, X[:, :10], y)
    with pytest.raises(ValueError, match="empty"):
        plot_mistakes(binary_model, X[:0], y[:0])
    with pytest.raises(ValueError, match="3 names for 2 classes"):
        plot_mistakes(binary_model, X, y, class_names=["a", "b", "c"])
    with pytest.raises(TypeError, match="class_names"):
        plot_mistakes(binary_model, X, y, class_names="ab")
    with pytest.raises(ValueError, match="max_images"):
        plot_mistakes(binary_model, X, y, max_images=0)
    with pytest.raises(ValueError, match="lacks the classes"):
        plot_mistakes(binary_model, X, y, class_names={0: "a"})
    with pytest.raises(ValueError, match="not fitted"):
        plot_mistakes(ANN([3, 1]), X, y)
    regressor = ANN([3, 1], output="identity", n_iterations=2, quiet=True).fit(X, y)
    with pytest.raises(ValueError, match="classifiers"):
        plot_mistakes(regressor, X, y)


# ------------------------------------------------------------------------ confusion
def test_plot_confusion_counts(multi_model, data, tmp_path):
    *_, X_test, _, y_test = data
    predicted = multi_model.predict(X_test)
    expected = np.zeros((4, 4), dtype=int)
    for truth, said in zip(y_test, predicted):
        expected[truth, said] += 1
    np.testing.assert_array_equal(confusion_matrix(multi_model, X_test, y_test), expected)

    figure = plot_confusion(
        multi_model,
        X_test,
        y_test,
        path=tmp_path / "confusion.png",
        class_names=["NW", "NE", "SW", "SE"],
    )
    assert len(figure.axes) == 1 and n_images(figure) == 1
    axes = figure.axes[0]
    np.testing.assert_array_equal(axes.images[0].get_array().filled(0), expected)
    annotated = np.zeros((4, 4), dtype=int)
    for text in axes.texts:
        column, row = (round(v) for v in text.get_position())
        annotated[row, column] = int(text.get_text())
    np.testing.assert_array_equal(annotated, expected)
    assert len(axes.texts) == 16
    assert [t.get_text() for t in axes.get_xticklabels()] == ["NW", "NE", "SW", "SE"]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["NW", "NE", "SW", "SE"]
    assert axes.get_xlabel() == "predicted class" and axes.get_ylabel() == "true class"
    right = int(np.trace(expected))
    assert f"{right} of {len(y_test)} right" in axes.get_title()
    assert_png(tmp_path / "confusion.png")


def test_plot_confusion_validates(multi_model, data):
    X, y, *_ = data
    with pytest.raises(ValueError, match="must have shape"):
        plot_confusion(multi_model, X, np.zeros((len(X), 2)))
    with pytest.raises(ValueError, match="not among"):
        plot_confusion(multi_model, X, y + 7)
    with pytest.raises(ValueError, match="not fitted"):
        plot_confusion(ANN([3, 4]), X, y)


# ----------------------------------------------------------------------- machinery
def test_save_figure_suffix_and_type(binary_model, tmp_path):
    figure = plot_cost(binary_model)
    assert save_figure(figure, tmp_path / "cost.svg").read_text().lstrip().startswith("<")
    with pytest.raises(TypeError, match="Figure"):
        save_figure("figure", tmp_path / "x.png")
    with pytest.raises(FileNotFoundError):
        save_figure(figure, tmp_path / "missing" / "x.png")


def test_no_pyplot_state():
    code = "import ann.plotting, ann.report, sys; print('matplotlib.pyplot' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_real_mnist_weights_are_28x28(mnist_dir):
    from ann.data import get_binary_dataset, pre_process_data

    train_x, train_y, test_x, test_y = get_binary_dataset(data_dir=mnist_dir)
    train_x, test_x = pre_process_data(train_x[:1000], test_x[:300])
    model = ANN([16, 1], learning_rate=0.5, n_iterations=20, quiet=True)
    model.fit(train_x, train_y[:1000])
    weights = plot_weights(model)
    assert n_images(weights) == 16
    assert weights.axes[0].images[0].get_array().shape == (28, 28)
    mistakes = plot_mistakes(model, test_x, test_y[:300], class_names=["5", "8"])
    assert mistakes.axes[0].images[0].get_array().shape == (28, 28)
    assert "5" in mistakes.axes[0].get_title() and "8" in mistakes.axes[0].get_title()
