"""Sphinx configuration of ann's documentation site (build: see the README)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # import ann from this checkout
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))
# The kernels that run the examples draw their figures inline (Agg, which CI sets for
# the tests, would show none).
os.environ.pop("MPLBACKEND", None)

project = "ann"
author = "the ann authors"
copyright = "the ann authors, MIT license"

extensions = [
    "myst_nb",  # Markdown pages (MyST) and notebooks executed at build time
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",  # the NumPy-style Parameters sections of the docstrings
    "mathml",  # docs/_ext/mathml.py: equations as MathML, rendered with no script
    "codelines",  # docs/_ext/codelines.py: links to the line of the code that computes
    "docstrings",  # docs/_ext/docstrings.py: a public name without a docstring is a warning
]

html_theme = "furo"
html_title = "ann: backpropagation from scratch"
html_math_renderer = "mathml"
templates_path = ["_templates"]
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# Every code cell runs at build time; an error fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# Parameter types as written ("sequence of int"), not as cross-references.
napoleon_google_docstring = False  # "name: text" in prose is no Google field
napoleon_use_param = False
napoleon_use_rtype = False

autosummary_generate = True
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

# Cross-references must resolve; those to other projects cannot, as the build is
# offline (no intersphinx inventories), and are named here.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(np|numpy|npt|torch|sklearn|scipy|dask|matplotlib|onnx|tqdm|mnist)(\..*)?"),
    (r"py:.*", r"(Any|Callable|Iterator|Iterable|Mapping|MutableMapping|Sequence|Literal)"),
    (r"py:.*", r"(collections\.abc|typing|os|pathlib|argparse|dataclasses)\..*"),
    (r"py:.*", r"(Path|PathLike|Figure|ArrayLike|DTypeLike|NDArray|Self|TextIO)"),
    (r"py:.*", r"(abc|enum|types|random)\..*"),
    # Sphinx splits the dataclasses' string annotations ("dict[str, list[float]]") at
    # the comma when it shows their signatures.
    (r"py:class", r"dict\[str"),
    # Type aliases of ann's modules, shown by their names.
    (r"py:.*", r"(\w+\.)*(StrPath|ClassNames|MatrixLike|Fingerprint|MNISTArrays)"),
]

codelines_root = str(ROOT)
codelines_files = ["ann/core.py", "ann/activations.py", "ann/losses.py", "ann/optimizers.py"]
if (ROOT / "ann" / "textbook.py").is_file():  # the textbook version, where it exists
    codelines_files.append("ann/textbook.py")
html_static_path = ["_static"]

# The names of ann.__all__ are documented once, as ann.NAME (their module pages leave
# them out); a reference to one by the module that defines it resolves there.
import ann  # noqa: E402

autosummary_context = {"public_names": ", ".join(ann.__all__)}


def public_name(app, env, node, contnode):
    """``ann.network.ANN`` -> the page of ``ann.ANN`` (a ``missing-reference`` hook)."""
    target = node.get("reftarget", "")
    module, _, name = target.rpartition(".")
    if node.get("refdomain") == "py" and module.startswith("ann.") and name in ann.__all__:
        node["reftarget"] = f"ann.{name}"
        return env.domains["py"].resolve_xref(
            env, node["refdoc"], app.builder, node["reftype"], f"ann.{name}", node, contnode
        )
    return None


def skip_foreign(app, what, name, obj, skip, options):
    """Leave out the methods scikit-learn's base classes add to the estimators (metadata
    routing): they are scikit-learn's, documented there."""
    if name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


def numpy_sections_of_callables(app):
    """napoleon reads the NumPy-style sections of classes, functions and modules, but
    not the docstrings of attributes and constants, whose first line (prose, often with
    a colon) it would take for a type."""
    listeners = app.events.listeners["autodoc-process-docstring"]
    (napoleon,) = [x for x in listeners if x.handler.__module__ == "sphinx.ext.napoleon"]
    app.disconnect(napoleon.id)

    def process(app, what, name, obj, options, lines):
        if what not in ("attribute", "data", "property"):
            napoleon.handler(app, what, name, obj, options, lines)

    app.connect("autodoc-process-docstring", process)


def setup(app):
    app.connect("builder-inited", numpy_sections_of_callables)
    app.connect("missing-reference", public_name)
    app.connect("autodoc-skip-member", skip_foreign)
