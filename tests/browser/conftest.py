import pytest

from tests.browser.axe import axe_attach


@pytest.fixture
def browser(chromium_path, monkeypatch):
    # Playwright's sync API runs an event loop in the test thread; the ORM calls the
    # test makes from that thread are still plain synchronous calls, so allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        from tests.conftest import missing_part

        missing_part("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Every page the test visits is checked with axe-core; a critical or serious
    # violation fails the test that met it (issue 17).
    audit = axe_attach(context, page)
    # Any Content-Security-Policy violation (an inline script or style slipping in)
    # fails the test that caused it; axe-core's own probes (it sets style attributes
    # while it measures) are not the portal's.
    violations = []

    def csp_violation(message):
        if "Content Security Policy" in message.text and not audit.caused(message):
            violations.append(f"{page.url}: {message.text} ({message.location['url']})")

    page.on("console", csp_violation)
    yield page
    audit.wait(page)
    context.close()
    assert audit.checked, "axe-core checked no page"
    assert audit.violations == [], audit.report()
    assert violations == [], "\n".join(violations)
