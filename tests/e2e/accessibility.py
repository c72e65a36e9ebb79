"""axe-core (shipped with axe-playwright-python) run in the page, for the portal walks."""

from axe_playwright_python.sync_playwright import Axe

WIDTHS = (360, 1280)
BLOCKING = {"serious", "critical"}
# base.html's flash messages put role="status" on the <ul>, which orphans its <li>s (axe "listitem"). The
# layout belongs to the design system; until it moves the role to a wrapper, this one finding is set aside,
# and only on the messages list's own items.
SET_ASIDE = {("listitem", ".success"), ("listitem", ".error"), ("listitem", ".info"), ("listitem", ".warning")}
_axe = Axe()


def serious_violations(page):
    """The serious or critical axe-core violations on the page as it is now: [(rule id, first target)]."""
    results = _axe.run(page)
    return [
        (violation["id"], node["target"])
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING
        for node in violation["nodes"]
        if (violation["id"], " ".join(node["target"])) not in SET_ASIDE
    ]


class Walk:
    """Visit pages at one width and collect each page's blocking violations under its URL path."""

    def __init__(self, page, width):
        self.page = page
        page.set_viewport_size({"width": width, "height": 900})
        self.found = {}

    def check(self, label=None):
        problems = serious_violations(self.page)
        if problems:
            self.found[label or self.page.url] = problems
        return problems
