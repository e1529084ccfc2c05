"""Links from the documentation to the line of code that computes a step.

The role ``{code-line}`ann/core.py: Z += parameters``` finds the one line of
``ann/core.py`` that contains ``Z += parameters`` and links to it, on a page of the site
that shows the file with numbered lines. The line is looked up at every build, so a link
follows its line when code above it moves, and a pattern that matches no line or more
than one fails the build (a warning, an error with ``-W``) instead of pointing at the
wrong place. ``{code-line}`the bias <ann/core.py: Z += parameters>``` sets the text.

The files shown are those of the setting ``codelines_files``, paths relative to
``codelines_root``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docutils import nodes
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
PAGES = "code"  # the folder of the site where the files are shown
EXPLICIT = re.compile(r"^(.*?)\s*<(.+)>$", re.DOTALL)


def page_name(path: str) -> str:
    """The site's page of the file ``path`` ("ann/core.py" -> "code/ann/core.py")."""
    return f"{PAGES}/{path}"


def find_line(source: str, pattern: str) -> list[int]:
    """The numbers (from 1) of the lines of ``source`` that contain ``pattern``."""
    return [number for number, line in enumerate(source.splitlines(), 1) if pattern in line]


def code_line_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Any = None,
    content: Any = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``{code-line}`PATH: PATTERN``` (or ``TEXT <PATH: PATTERN>``): a link to the line."""
    env = inliner.document.settings.env
    match = EXPLICIT.match(text)
    label, target = (match.group(1), match.group(2)) if match else (None, text)
    path, _, pattern = target.partition(":")
    path, pattern = path.strip(), pattern.strip()
    if path not in env.config.codelines_files or not pattern:
        message = inliner.reporter.warning(
            f"code-line {text!r}: expected 'PATH: PATTERN' with PATH one of "
            f"codelines_files {env.config.codelines_files}",
            line=lineno,
        )
        return [nodes.literal(rawtext, text)], [message]
    source_file = Path(env.config.codelines_root) / path
    env.note_dependency(str(source_file))
    numbers = find_line(source_file.read_text(encoding="utf-8"), pattern)
    if len(numbers) != 1:
        message = inliner.reporter.warning(
            f"code-line: {pattern!r} is on {len(numbers)} lines of {path} "
            f"({numbers}); it must name exactly one",
            line=lineno,
        )
        return [nodes.literal(rawtext, text)], [message]
    uri = env.app.builder.get_relative_uri(env.docname, page_name(path))
    link = nodes.reference(rawtext, "", refuri=f"{uri}#L-{numbers[0]}", classes=["code-line"])
    link += nodes.literal(text=label or f"{path}, line {numbers[0]}")
    return [link], []


def source_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """One page per file of ``codelines_files``: its code highlighted, every line
    numbered and an anchor ``L-N``."""
    formatter = HtmlFormatter(linenos="inline", lineanchors="L", anchorlinenos=True)
    for path in app.config.codelines_files:
        source = (Path(app.config.codelines_root) / path).read_text(encoding="utf-8")
        body = (
            f'<h1>{path}</h1>\n<div class="highlight codelines">'
            f"{highlight(source, PythonLexer(), formatter)}</div>"
        )
        yield page_name(path), {"title": path, "body": body}, "page.html"


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("codelines_root", ".", "env")
    app.add_config_value("codelines_files", [], "env")
    app.add_role("code-line", code_line_role)
    app.connect("html-collect-pages", source_pages)
    app.add_css_file("codelines.css")
    return {"parallel_read_safe": False, "parallel_write_safe": True}
