"""axe-core (shipped with axe-playwright-python) run in the page, for the portal walks."""

from axe_playwright_python.sync_playwright import Axe

WIDTHS = (360, 1280)
BLOCKING = {"serious", "critical"}
_axe = Axe()


def serious_violations(page):
    """The serious or critical axe-core violations on the page as it is now: [(rule id, first target)]."""
    results = _axe.run(page)
    return [
        (violation["id"], node["target"])
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING
        for node in violation["nodes"]
    ]


class Walk:
    """Visit pages at one width and collect each page's blocking violations, and a page wider than the
    screen, under its URL path."""

    def __init__(self, page, width):
        self.page = page
        self.width = width
        page.set_viewport_size({"width": width, "height": 900})
        self.found = {}

    def check(self, label=None):
        problems = serious_violations(self.page)
        scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > self.width:
            problems.append(("wider than the screen", scroll_width))
        if problems:
            self.found[label or self.page.url] = problems
        return problems
