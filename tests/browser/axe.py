"""axe-core on every page the browser journeys visit.

axe-core is a pinned npm package (package.json at the repository root, installed by
`npm ci`). Its script, and a few lines that run it, are added to every document of the
test's browser context before the page's own scripts (an init script is not subject to
the page's Content-Security-Policy, so the portal's policy stays as strict as in
production). Each HTML document runs axe once it has loaded and hands the violations back
to Python through an exposed function.

Chromium does not evaluate anything in a page whose next document the test is holding,
so a page cannot be checked "just before it is left". Instead, when the browser asks for
the next document (a link, a form post, `page.goto`), the request waits until every HTML
document received so far has started its check (it finishes loading meanwhile: only the
next document is held) and every check started has reported; at the end of the test the
fixture waits the same way. So no page is missed however quickly a test moves on.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import missing_part

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# The impacts that fail a test (issue 17: 0 critical and 0 serious violations).
FAILING_IMPACTS = ("critical", "serious")

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
RUN_OPTIONS = (
    "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa',"
    " 'best-practice']}, resultTypes: ['violations']}"
)

RUN_ON_LOAD = f"""
window.addEventListener("load", () => {{
  if (window !== window.top || document.contentType !== "text/html") return;
  if (!location.protocol.startsWith("http")) return;
  const id = `${{Date.now()}}-${{Math.random()}}`;
  window.__axeStarted(id);
  axe.run(document, {RUN_OPTIONS})
    .then(results => window.__axeReport(id, location.href, results.violations
      .filter(v => {list(FAILING_IMPACTS)!r}.includes(v.impact))
      .map(v => ({{id: v.id, impact: v.impact, help: v.help,
                   targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}}))))
    .catch(error => window.__axeReport(id, location.href, [
      {{id: "axe-error", impact: "critical", help: String(error), targets: []}}]));
}});
"""

# Below Playwright's action timeout (15 s in tests/browser/conftest.py), so a slow check
# never makes the test's own click time out.
WAIT_SECONDS = 8


@dataclass
class AxeAudit:
    """The pages axe-core checked in one test and the failing violations it found."""

    running: set = field(default_factory=set)
    documents: int = 0  # HTML documents received in the main frame
    started_runs: int = 0
    checked: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def started(self, run_id: str) -> None:
        self.started_runs += 1
        self.running.add(run_id)

    def document_received(self, response) -> None:
        headers = response.headers
        if (
            response.status == 204
            or 300 <= response.status < 400
            or "text/html" not in headers.get("content-type", "")
            or "attachment" in headers.get("content-disposition", "")
        ):
            return
        # A check still running belongs to the document this one replaces; its report
        # can no longer come.
        self.running.clear()
        self.documents += 1

    @property
    def pending(self) -> bool:
        return bool(self.running) or self.started_runs < self.documents

    def reported(self, run_id: str, url: str, violations: list[dict]) -> None:
        self.running.discard(run_id)
        self.checked.append(url)
        for violation in violations:
            self.violations.append(
                f"{url}: {violation['impact']} {violation['id']}: {violation['help']}"
                f" ({'; '.join(violation['targets'])})"
            )

    def wait(self, page) -> None:
        """Let every check already started report (page events run while waiting)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while self.pending and time.monotonic() < deadline and not page.is_closed():
            page.wait_for_timeout(25)
        if self.pending:
            # On a loaded machine a check can be slow; note the page as unchecked rather
            # than fail the journey, and do not make every later page wait for it too.
            self.unchecked.append(page.url)
            self.running.clear()
            self.started_runs = self.documents

    @staticmethod
    def caused(console_message) -> bool:
        return console_message.location.get("url") == str(AXE_SCRIPT)

    def report(self) -> str:
        return "axe-core found on the pages visited:\n" + "\n".join(self.violations)


def axe_attach(context, page) -> AxeAudit:
    """Run axe-core in every document of `context`; hold `page`'s navigations for it."""
    if not AXE_SCRIPT.exists():
        missing_part(f"axe-core is not installed at {AXE_SCRIPT} (run `npm ci`)")
    audit = AxeAudit()
    context.expose_function("__axeStarted", audit.started)
    context.expose_function("__axeReport", audit.reported)
    context.add_init_script(path=AXE_SCRIPT)
    context.add_init_script(script=RUN_ON_LOAD)

    def before_navigation(route, request):
        if request.is_navigation_request():
            audit.wait(page)
        route.fallback()  # to any other handler, else to the network

    def on_response(response):
        request = response.request
        if request.is_navigation_request() and request.frame == page.main_frame:
            audit.document_received(response)

    page.route("**/*", before_navigation)
    page.on("response", on_response)
    return audit
