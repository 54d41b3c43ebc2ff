"""Driving Debian's Chromium with Playwright (as a driver only: no browser of its own), and
what every page visited is checked for: an axe-core report with no serious or critical
violation, no script error or refused resource, and a screenshot kept as a test artifact."""

from __future__ import annotations

import os
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
#: Where screenshots go (kept by CI as artifacts; looked at by the engineer).
SCREENSHOTS = Path(os.environ.get("ENFORCE_SHARE_SCREENSHOTS", ROOT / ".artifacts" / "web"))
_AXE = Axe()


class Watched:
    """A page whose console errors and failed requests are collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        page.on("pageerror", lambda exc: self.problems.append(str(exc)))

    def check(self, name: str, status: int | None = None) -> None:
        """Screenshot the page as ``name``, run axe on it, and fail on what either found
        (``status``: the page itself was answered with it, as a form with errors is)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_load_state("load")  # pictures too
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        violations = [v for v in _AXE.run(self.page).response["violations"]
                      if v["impact"] in ("serious", "critical")]
        assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]])
                                for v in violations]
        expected = f"the server responded with a status of {status} "
        problems = [problem for problem in self.problems if expected not in problem]
        self.problems[:] = []
        assert not problems, problems


def sign_in(page: Page, base: str, name: str, password: str) -> None:
    """Sign in through the sign-in page, as a person would."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/(admin/sync)?$"))
