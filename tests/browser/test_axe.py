"""The axe-core check the browser journeys run: it must be able to fail."""

import pytest

from tests.browser.axe import axe_attach

pytestmark = pytest.mark.browser

UNLABELLED = (
    '<!DOCTYPE html><html lang="en"><head><title>Form</title></head><body><main>'
    '<h1>Form</h1><form method="post" action="/next"><input name="q"><button>Go</button>'
    '</form><a href="/next">Next</a></main></body></html>'
)
LABELLED = UNLABELLED.replace('<input name="q">', '<label for="q">Query</label><input id="q">')


@pytest.fixture
def site(browser):
    """A context whose every page is checked, serving one HTML page at any address."""
    context = browser.new_context()
    page = context.new_page()
    audit = axe_attach(context, page)

    def serve(html):
        context.route(
            "http://portal.test/**",
            lambda route: route.fulfill(body=html, content_type="text/html"),
        )
        return page, audit

    yield serve
    context.close()


def test_an_unlabelled_input_is_reported_as_critical(site):
    page, audit = site(UNLABELLED)
    page.goto("http://portal.test/")
    audit.wait(page)
    assert audit.checked == ["http://portal.test/"]
    assert any("critical label" in violation for violation in audit.violations)


def test_a_page_left_at_once_is_still_checked(site):
    page, audit = site(LABELLED)
    page.goto("http://portal.test/")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("link", name="Next").click()
    audit.wait(page)
    assert len(audit.checked) == 3
    assert audit.violations == []
