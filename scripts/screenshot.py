"""Take the README screenshot: log in as a demo user on a running portal.

Usage: python scripts/screenshot.py http://127.0.0.1:8000 docs/screenshot.png [QUERY]
With a QUERY, it searches for it and shows the results.
"""

import sys

from playwright.sync_api import sync_playwright

DEMO_PASSWORD = "demo-ecoes-2019"  # noqa: S105 - the public demo password of seed_demo


def main(base_url: str, out: str, query: str = "") -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1100, "height": 640})
        page.goto(base_url + "/accounts/login/")
        page.get_by_label("E-mail address").fill("user@nlen.example")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("networkidle")
        if query:
            page.get_by_role("searchbox").fill(query)
            page.get_by_role("button", name="Search", exact=True).click()
            page.wait_for_url("**/search/**")
        page.screenshot(path=out, full_page=False)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
