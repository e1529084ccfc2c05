"""write_report: a complete folder of pictures and summaries for one run."""

import json

import numpy as np
import pytest

from ann import ANN
from ann.report import write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def images(n, n_classes, seed, side=6):
    rng = np.random.default_rng(seed)
    X = rng.random((n, side * side))
    y = np.digitize(X[:, :side].mean(axis=1), np.linspace(0.35, 0.65, n_classes - 1))
    return X, y


@pytest.fixture(scope="module")
def multi_run():
    train, test = images(300, 3, seed=0), images(100, 3, seed=1)
    model = ANN(
        [8, 3], optimizer="adam", learning_rate=0.02, n_iterations=20, batch_size=50, quiet=True
    ).fit(*train, validation_data=test)
    return model, train, test


def test_report_is_complete(multi_run, tmp_path):
    model, train, test = multi_run
    directory = tmp_path / "runs" / "first"  # created, parents too
    config = {"layers": [8, 3], "optimizer": "adam", "digits": ["all"], "seed": 1}
    written = write_report(
        model,
        directory,
        train=train,
        test=test,
        config=config,
        timings={"training_seconds": 1.25, "loading_seconds": 0.5},
    )
    expected = {
        "cost.png",
        "weights.png",
        "weights_change.png",
        "mistakes.png",
        "confusion.png",
        "summary.md",
        "summary.json",
    }
    assert set(written) == expected
    assert {p.name for p in directory.iterdir()} == expected  # no temporary left
    for name in expected:
        assert written[name] == directory / name and written[name].stat().st_size > 0
        if name.endswith(".png"):
            assert written[name].read_bytes()[:8] == PNG_MAGIC

    facts = json.loads((directory / "summary.json").read_text())
    assert facts["config"] == config
    assert facts["timings"] == {"training_seconds": 1.25, "loading_seconds": 0.5}
    assert facts["results"]["train"]["accuracy"] == model.score(*train)
    assert facts["results"]["test"]["accuracy"] == model.score(*test)
    assert facts["results"]["test"]["samples"] == 100
    assert facts["results"]["test"]["cost"] == pytest.approx(model.compute_cost(*test))
    assert facts["layers"] == [36, 8, 3]
    assert facts["n_parameters"] == 36 * 8 + 8 + 8 * 3 + 3
    assert facts["n_iterations_run"] == 20
    assert facts["parameters"]["optimizer"] == "adam"
    assert facts["classes"] == [0, 1, 2]
    assert set(facts["pictures"].values()) == {n for n in expected if n.endswith(".png")}

    markdown = (directory / "summary.md").read_text()
    assert f"{model.score(*test):.2%}" in markdown
    assert "training_seconds" in markdown and "1.25 s" in markdown
    assert '| optimizer | `"adam"` |' in markdown
    assert "dW1 = dZ1 A0.T / n" in markdown and "dA0" not in markdown
    assert "(8, 36)" in markdown  # the layer table
    for name in expected - {"summary.md", "summary.json"}:
        assert f"]({name})" in markdown


def test_report_overwrites_an_existing_folder(multi_run, tmp_path):
    model, _train, test = multi_run
    write_report(model, tmp_path, test=test)
    first = (tmp_path / "summary.json").read_text()
    written = write_report(model, tmp_path, test=test, timings={"again": 2})
    assert json.loads((tmp_path / "summary.json").read_text())["timings"] == {"again": 2}
    assert first != (tmp_path / "summary.json").read_text()
    assert "train" not in json.loads(first)["results"]
    assert set(written) == {p.name for p in tmp_path.iterdir()}


def test_binary_report_has_no_confusion_and_names_the_digits(tmp_path):
    train, test = images(200, 2, seed=2), images(80, 2, seed=3)
    model = ANN([5, 1], learning_rate=0.5, n_iterations=30, quiet=True).fit(*train)
    written = write_report(
        model, tmp_path, train=train, test=test, config={"digits": [5, 8]}, explain_samples=50
    )
    assert set(written) == {
        "cost.png",
        "weights.png",
        "weights_change.png",
        "mistakes.png",
        "summary.md",
        "summary.json",
    }
    facts = json.loads((tmp_path / "summary.json").read_text())
    assert facts["class_names"] == ["5", "8"]
    assert "n = 50 samples" in (tmp_path / "summary.md").read_text()


def test_report_without_images_or_data(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((60, 7))  # 7 features: not an image
    y = (X[:, 0] > 0.5).astype(int)
    model = ANN([3, 1], n_iterations=3, quiet=True).fit(X, y)
    assert set(write_report(model, tmp_path / "a", train=(X, y))) == {
        "cost.png",
        "summary.md",
        "summary.json",
    }
    assert set(write_report(model, tmp_path / "b")) == {"cost.png", "summary.md", "summary.json"}
    regressor = ANN([3, 1], output="identity", n_iterations=3, quiet=True).fit(X, X[:, 1])
    write_report(regressor, tmp_path / "c", train=(X, X[:, 1]))
    facts = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert "r2" in facts["results"]["train"] and facts["classes"] is None
    markdown = (tmp_path / "c" / "summary.md").read_text()
    assert "| set | samples | R² | cost |" in markdown
    assert f"{regressor.score(X, X[:, 1]):.4f}" in markdown


def test_report_validates(multi_run, tmp_path):
    model, train, _ = multi_run
    with pytest.raises(ValueError, match="not fitted"):
        write_report(ANN([3, 1]), tmp_path)
    with pytest.raises(TypeError, match="pair"):
        write_report(model, tmp_path, train=train[0])
    with pytest.raises(TypeError, match="config must be a dict"):
        write_report(model, tmp_path, config=[("a", 1)])
    with pytest.raises(TypeError, match="timings must be a dict"):
        write_report(model, tmp_path, timings=3.0)
    with pytest.raises(TypeError):
        write_report(model, tmp_path, train)  # keyword-only
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError):
        write_report(model, tmp_path / "file")
