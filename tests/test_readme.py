"""The figures of the README and of the documentation pages agree with each other and
with the records: a gap is the difference of the two figures it compares, and a speed
quoted in two places is the same figure.

(The explain example of docs/backprop.md is checked against the code in
test_explain.py, the README's notebook command in test_notebook.py.)"""

import contextlib
import io
import re
from pathlib import Path

import pytest

from ann.commands.classics.command import main as classics

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def one_line(text):
    """``text`` with every run of white space made one space (sentences wrap)."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def text():
    """The classics page with the table it shows, as its build makes it from the record
    (``ann-classics --table-only``)."""
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        classics(["--table-only"])
    return one_line((DOCS / "classics.md").read_text() + table.getvalue())


@pytest.fixture(scope="module")
def speeds():
    """The user guide's and the performance page's text."""
    return one_line((DOCS / "guide.md").read_text() + (DOCS / "performance.md").read_text())


def percent(figure):
    return float(figure.rstrip("%"))


def classics_row(text, network):
    """(published, ann with the published settings) of Nielsen's row for ``network``."""
    match = re.search(
        rf"\| Nielsen ch\. \d \| {re.escape(network)}[^|]* \| ([\d.]+%)[^|]* \| ([\d.]+%)", text
    )
    assert match, f"no classics row for {network}"
    return percent(match.group(1)), percent(match.group(2))


def test_nielsen_gaps_are_the_differences_of_the_figures(text):
    published, ours = classics_row(text, "784-30-10 sigmoid, quadratic cost")
    claim = re.search(
        r"Nielsen ch\. 1 is ([\d.]+) points below his single run, just outside those 0\.5 "
        r"points: ([\d.]+%) \([^)]*\) against ([\d.]+%)",
        text,
    )
    assert claim, "the classics page says how far Nielsen ch. 1 is from the paper"
    gap, said_ours, said_published = claim.groups()
    assert (percent(said_ours), percent(said_published)) == (ours, published)
    assert float(gap) == pytest.approx(published - ours, abs=0.005)
    assert float(gap) > 0.5, "outside the 0.5 points, as the sentence says"

    published, ours = classics_row(text, "784-100-10 sigmoid, cross-entropy, L2")
    claim = re.search(
        r"Nielsen ch\. 3 is reproduced: ([\d.]+%) against ([\d.]+%), within 0\.5", text
    )
    assert claim and (percent(claim.group(1)), percent(claim.group(2))) == (ours, published)
    assert published - ours < 0.5


def test_the_estimators_speed_is_the_same_figure_everywhere(speeds):
    """The user guide's table of what ann's estimators add, the performance page and its
    targets quote the one recorded run."""
    text = speeds
    table = re.search(
        r"\| speed \| \| an epoch at the defaults in ([\d.]+)x scikit-learn's time, "
        r"([\d.]+)x with `dtype=\"float32\"`",
        text,
    )
    performance = re.search(
        r"`ann\.MLPClassifier\(\)` takes ([\d.]+)x the time of scikit-learn's "
        r"`MLPClassifier\(\)` per epoch, and `ann\.MLPClassifier\(dtype= \"float32\"\)` ([\d.]+)x",
        text,
    )
    targets = re.search(r"drop-in estimator ([\d.]+)x in float64 and ([\d.]+)x in float32", text)
    assert table and performance and targets
    assert table.groups() == performance.groups() == targets.groups()


def test_every_page_the_readme_links_exists():
    """The README's links into the documentation lead to its pages."""
    links = re.findall(r"\]\((docs/[^)#]+)\)", README.read_text())
    assert {"docs/backprop.md", "docs/guide.md", "docs/api.md"} <= set(links)
    for link in links:
        assert (ROOT / link).is_file(), link


def test_the_readme_is_short_and_names_the_distribution():
    readme = README.read_text()
    assert len(readme.splitlines()) <= 200
    assert "`ann-backprop`" in readme and "docs/_build/html" in readme
