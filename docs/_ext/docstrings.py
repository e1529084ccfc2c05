"""Every public name the API reference documents has a docstring: one without is a
warning (an error in the ``-W`` build)."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def check(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """autodoc's hook for each documented object: ``lines`` is its docstring."""
    public = not any(part.startswith("_") for part in name.split("."))
    if public and what != "attribute" and not any(line.strip() for line in lines):
        logger.warning("%s %s has no docstring", what, name)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
