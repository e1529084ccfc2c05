"""Equations as MathML, written into the HTML when the site is built.

Browsers render MathML themselves, so a page's equations need no script, no font
download and no network: the site reads the same offline as online. The LaTeX of each
``$...$`` and ``$$...$$`` is converted by ``latex2mathml``; LaTeX it cannot convert
fails the build (a warning, and the build treats warnings as errors).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def to_mathml(latex: str, display: str, node: nodes.Element) -> str:
    """The MathML of ``latex`` (``display`` is "inline" or "block"); a warning at
    ``node``'s place when it cannot be converted."""
    try:
        return convert(latex, display=display)
    except Exception as error:  # latex2mathml raises many kinds for bad LaTeX
        logger.warning("cannot render the equation %r as MathML: %s", latex, error, location=node)
        return f"<code>{latex}</code>"


def visit_inline(translator: Any, node: nodes.Element) -> None:
    """``$...$``: MathML inside the running text."""
    translator.body.append(to_mathml(node.astext(), "inline", node))
    raise nodes.SkipNode


def visit_block(translator: Any, node: nodes.Element) -> None:
    """``$$...$$``: a displayed equation, numbered when it has a label."""
    translator.body.append(translator.starttag(node, "div", CLASS="math"))
    if node.get("number"):
        translator.body.append(f'<span class="eqno">({node["number"]})</span>')
    translator.body.append(to_mathml(node.astext(), "block", node))
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_math_renderer("mathml", (visit_inline, None), (visit_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
