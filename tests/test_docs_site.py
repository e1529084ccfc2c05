"""The built documentation site, opened in a real browser: headless Chromium loads the
front page and one API page and reports what it rendered.

Chromium is driven through its DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages ended by a NUL byte on file descriptors 3 and 4), so no driver or library
is needed beyond Debian's ``chromium`` package. The site is built by
``sphinx-build -W --keep-going -b html docs docs/_build/html`` (``.ci/run`` does it).
Without a built site or a browser the tests are skipped, unless ``ANN_DOCS_SITE=required``
(CI sets it), when they fail.
"""

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parent.parent / "docs" / "_build" / "html"
REQUIRED = os.environ.get("ANN_DOCS_SITE") == "required"

# What a page shows, read in the page once it has loaded.
PROBE = """JSON.stringify({
  title: document.title,
  navigation: [...document.querySelectorAll(".sidebar-tree a.reference")]
    .filter(a => a.offsetParent !== null).length,  // the links shown, not hidden
  equations: document.querySelectorAll("math").length,
  images: [...document.images].map(i => ({src: i.src, complete: i.complete,
                                           width: i.naturalWidth})),
  headings: [...document.querySelectorAll("h1")].map(h => h.textContent),
  signatures: document.querySelectorAll("dl.py dt.sig").length,
})"""


def browser():
    """The path of Chromium, or skip (fail when the site is required)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "no chromium on the path (apt-get install chromium)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").is_file():
        message = f"the documentation site is not built ({SITE} has no index.html)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return SITE


class DevTools:
    """One headless Chromium, spoken to by the DevTools protocol over two pipes."""

    def __init__(self, executable, profile):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def descriptors():  # in the child: the protocol's file descriptors 3 and 4
            # (copied out of the way first: the pipes may themselves be 3 to 6, and
            # dup2 onto the same number would leave it closed at exec)
            reading, writing = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=descriptors,
            close_fds=False,  # subprocess would close 3 and 4 after the dup2
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, session=None, **params):
        """Call ``method``; returns its result (the events met on the way are kept)."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                assert "error" not in reply, reply
                return reply["result"]
            self.events.append(reply)

    def receive(self, deadline=30.0):
        start = time.monotonic()
        while b"\0" not in self.buffer:
            assert time.monotonic() - start < deadline, "Chromium stopped answering"
            chunk = os.read(self.from_browser, 65536)
            assert chunk, "Chromium closed the pipe"
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method, session):
        """The first event ``method`` of ``session``, kept or yet to come."""
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            self.events.append(self.receive())

    def close(self):
        with contextlib.suppress(AssertionError):  # the pipe closes as it goes
            self.send("Browser.close")
        self.process.wait(timeout=30)
        os.close(self.to_browser)
        os.close(self.from_browser)


@pytest.fixture(scope="module")
def chromium():
    executable = browser()
    with tempfile.TemporaryDirectory() as profile:
        tools = DevTools(executable, profile)
        try:
            yield tools
        finally:
            tools.close()


def open_page(tools, path, screenshot=None):
    """Load ``path`` in a new tab; returns (what PROBE read, the console's errors)."""
    target = tools.send("Target.createTarget", url="about:blank")["targetId"]
    session = tools.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        tools.send(f"{domain}.enable", session)
    tools.send(  # a desktop's window: the theme shows its sidebar
        "Emulation.setDeviceMetricsOverride",
        session,
        width=1280,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    tools.send("Page.navigate", session, url=path.as_uri())
    tools.wait_for("Page.loadEventFired", session)
    time.sleep(0.5)  # the theme's scripts run after the load event
    shown = json.loads(
        tools.send("Runtime.evaluate", session, expression=PROBE, returnByValue=True)["result"][
            "value"
        ]
    )
    if screenshot is not None:
        picture = tools.send("Page.captureScreenshot", session, format="png")["data"]
        screenshot.write_bytes(base64.b64decode(picture))
    errors = [
        event["params"]
        for event in tools.events
        if event.get("sessionId") == session
        and (
            event.get("method") == "Runtime.exceptionThrown"
            or (
                event.get("method") == "Runtime.consoleAPICalled"
                and event["params"]["type"] in ("error", "assert")
            )
            or (
                event.get("method") == "Log.entryAdded"
                and event["params"]["entry"]["level"] == "error"
            )
        )
    ]
    tools.send("Target.closeTarget", targetId=target)
    return shown, errors


def test_front_page_renders(site, chromium, tmp_path):
    shown, errors = open_page(chromium, site / "index.html", tmp_path / "index.png")
    assert errors == []
    assert shown["title"].startswith("ann: backpropagation from scratch")
    assert shown["headings"][0].startswith("ann: backpropagation from scratch")
    assert shown["navigation"] >= 7  # the pages of the contents
    assert shown["equations"] >= 1  # MathML, rendered by the browser itself
    pictures = [i for i in shown["images"] if i["src"].endswith("cost.png")]
    assert pictures and all(i["complete"] and i["width"] > 0 for i in pictures)
    assert (tmp_path / "index.png").stat().st_size > 10_000  # a screenshot with content


def test_api_page_renders(site, chromium):
    shown, errors = open_page(chromium, site / "generated" / "ann.ANN.html")
    assert errors == []
    assert shown["title"].startswith("ann.ANN")
    assert shown["navigation"] >= 7
    assert shown["signatures"] >= 10  # the class and its methods


def test_every_step_links_to_a_line_of_the_code(site, chromium):
    """The derivation's links lead to the page of ann/core.py, at an anchored line."""
    page = (site / "backprop.html").read_text()
    links = [part.split('"')[0] for part in page.split('href="code/ann/core.py.html#L-')[1:]]
    assert len(links) >= 8 and all(link.isdigit() for link in links)
    source = (site / "code" / "ann" / "core.py.html").read_text()
    assert all(f'id="L-{line}"' in source for line in links)
    shown, errors = open_page(chromium, site / "backprop.html")
    assert errors == [] and shown["equations"] >= 8
