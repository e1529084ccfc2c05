"""``python -m scripts.benchmark.versus``: two versions of the engine in one process.

As in test_benchmark.py nothing asserts on timings; these tests check what the tool
reports, that the same code gives the same bits, that a difference is found and named,
and that bad refs are usage errors."""

import importlib.util
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_benchmark import run_script

from ann.commands.benchmark import harness, versus

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "fullbatch float64",
    "fullbatch float32",
    "adam200 float64",
    "adam200 float32",
    "mlp200 float64",
} | ({"tiny torch float64"} if importlib.util.find_spec("torch") else set())
"""The cases of a quick run; the per-batch cost on PyTorch tensors where PyTorch is."""

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode,
    reason="not a git checkout: the tool exports git refs",
)


def run_versus(*args, timeout=300):
    return run_script(*args, timeout=timeout, module="scripts.benchmark.versus")


@pytest.fixture(scope="module")
def same_code(mnist_dir, tmp_path_factory):
    """HEAD against HEAD, quick, bits required identical: (process, JSON)."""
    path = tmp_path_factory.mktemp("versus") / "versus.json"
    result = run_versus(
        "HEAD",
        "HEAD",
        "--quick",
        "--require-identical",
        "--json",
        str(path),
        "--data-dir",
        str(mnist_dir),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads(path.read_text())


def test_same_code_gives_identical_bits_in_every_case(same_code):
    result, data = same_code
    records = {record["case"]: record for record in data["comparisons"]}
    assert set(records) == CASES, "mlp200 too: both versions have the estimators"
    assert data["identical"] is True
    assert all(record["identical"] and record["difference"] is None for record in records.values())
    assert "identical bits in every case" in result.stdout


def test_json_has_the_ratios_floors_and_rounds(same_code):
    _, data = same_code
    assert data["rounds"] == 2 and data["mode"] == "quick"
    for record in data["comparisons"]:
        rounds = record["rounds"]
        assert set(rounds) == {
            "floor",
            "old",
            "new",
            "fit old",
            "fit new",
            "cpu floor",
            "cpu old",
            "cpu new",
        }
        assert all(len(times) == 2 and min(times) > 0 for times in rounds.values())
        per_round = np.array(rounds["new"]) / np.array(rounds["old"])
        assert record["ratio"] == pytest.approx(np.median(per_round))
        assert record["ratio_min"] == pytest.approx(per_round.min())
        assert record["ratio_max"] == pytest.approx(per_round.max())
        assert record["ratio_of_minima"] == pytest.approx(min(rounds["new"]) / min(rounds["old"]))
        cpu = np.array(rounds["cpu new"]) / np.array(rounds["cpu old"])
        assert record["cpu_ratio"] == pytest.approx(np.median(cpu))
        assert record["cpu_ratio_min"] <= record["cpu_ratio"] <= record["cpu_ratio_max"]
        assert record["old_s"] == pytest.approx(np.median(rounds["old"]))
        floor = np.array(rounds["floor"])
        assert record["new_to_floor"] == pytest.approx(np.median(rounds["new"] / floor))
        assert record["gflop"] > 0


def test_json_names_both_versions_and_the_load(same_code):
    result, data = same_code
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    for version in ("old", "new"):
        assert data[version]["ref"] == "HEAD" and data[version]["commit"] == head
        assert data[version]["package"] == f"ann_{version}"
    machine = data["machine"]
    assert len(machine["load_average_start"]) == 3 and len(machine["load_average_end"]) == 3
    assert machine["cores"] >= 1 and machine["cpu"]
    assert "| fullbatch float64 (iteration) |" in result.stdout


def trained(costs, *parameters):
    return versus.Trained(1.0, 1.0, 1.0, list(costs), [np.asarray(p) for p in parameters])


def test_difference_finds_the_first_changed_bit():
    W = np.arange(6.0).reshape(2, 3)
    assert versus.difference(trained([0.5, 0.25], W), trained([0.5, 0.25], W.copy())) is None
    nudged = np.nextafter(0.25, 1.0)
    found = versus.difference(trained([0.5, 0.25], W), trained([0.5, nudged], W))
    assert found.startswith("cost 1:")
    assert "2 costs against 3" in versus.difference(trained([1, 2]), trained([1, 2, 3]))
    moved = W.copy()
    moved[1, 2] += 1e-12
    assert versus.difference(trained([1.0], W), trained([1.0], moved)).startswith(
        "parameter array 0"
    )
    assert "float32" in versus.difference(trained([1.0], W), trained([1.0], W.astype("float32")))


def test_export_renames_absolute_imports(tmp_path):
    source = versus.export("HEAD", tmp_path, "ann_copy")
    copy = tmp_path / "ann_copy"
    assert source["package"] == "ann_copy" and len(source["commit"]) == 40
    texts = {path.name: path.read_text() for path in copy.rglob("*.py")}
    assert "__init__.py" in texts and "network.py" in texts
    assert not any(versus.ABSOLUTE_IMPORT.search(text) for text in texts.values())
    assert any("from ann_copy." in text for text in texts.values())


def test_plain_import_of_ann_cannot_be_renamed(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "module.py").write_text("import numpy\nimport ann\n")
    with pytest.raises(versus.BenchmarkError, match="imports ann by name"):
        versus.rename_imports(package, "ann_old")


def test_working_tree_copy_is_this_package(tmp_path):
    versus.export(None, tmp_path, "ann_tree")
    ours = sorted(
        path
        for path in (p.relative_to(ROOT / "ann") for p in (ROOT / "ann").rglob("*.py"))
        if path.parts[0] != versus.COMMANDS
    )
    copied = sorted(
        p.relative_to(tmp_path / "ann_tree") for p in (tmp_path / "ann_tree").rglob("*.py")
    )
    assert ours == copied


@pytest.mark.parametrize("refs", [["no-such-ref-0123"], ["HEAD", "no-such-ref-0123"]])
def test_a_bad_ref_is_a_usage_error(refs, mnist_dir, tmp_path):
    result = run_versus(
        *refs, "--quick", "--json", str(tmp_path / "v.json"), "--data-dir", str(mnist_dir)
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-ref-0123" in lines[0] and "not a commit" in lines[0]
    assert not (tmp_path / "v.json").exists()


def test_counts_in_messages_agree_with_their_nouns():
    """``1 round``, not ``1 rounds`` (a run with --rounds 1, --repeats 1, one core)."""
    assert harness.counted(1, "round") == "1 round"
    assert harness.counted(2, "round") == "2 rounds"
    assert harness.counted(0, "epoch") == "0 epochs"
    assert harness.counted(1, "parameter array") == "1 parameter array"
    assert harness.counted(3, "pass", "passes") == "3 passes"
    one, two = versus.Trained(1, 1, 1, [0.5], []), versus.Trained(1, 1, 1, [0.5, 0.25], [])
    assert versus.difference(one, two) == "1 cost against 2"
