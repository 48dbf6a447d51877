"""The console end to end, in headless Chromium driven by Playwright, against a live server
this module starts (tests/console/e2e_server.py, in its own process and SQLite file).

Flows: sign in with a TOTP code and approve an employer; a large grant approved by two
different staff members; a manual payout marked paid; a survivor's record that asks for
a reason first. Every page is checked with axe-core (no serious or critical violation),
must raise no Content-Security-Policy violation, and is saved as a screenshot at 1280 and
768 px under artifacts/console/ (CI keeps artifacts/).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "console"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE_SOURCE = AXE.read_text() + "\n;undefined"
WIDTHS = (1280, 768)
# Only this host resolves: the pages must need nothing from anywhere else.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine (.ci/run installs it with apt-get); "
                             "the console's server-side tests still run")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("console-e2e")
    output = folder / "server.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    with output.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.console.e2e_server",
             f"sqlite:///{folder / 'console.db'}", os.environ.get("TEST_HTTP_PORT", "0")],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        described = None
        while described is None:
            assert server.poll() is None, output.read_text()[-3000:]
            assert time.monotonic() < deadline, "the console test server did not start"
            for line in output.read_text().splitlines():
                if line.startswith('{"staff"'):
                    described = json.loads(line)
            time.sleep(0.2)
        yield described
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage", OFFLINE])
        try:
            yield browser
        finally:
            browser.close()


class Visit:
    """One browser context: a page, its CSP violations, axe checks and screenshots."""

    def __init__(self, chromium: Any, live: dict[str, Any], width: int = 1280) -> None:
        self.live = live
        self.context = chromium.new_context(viewport={"width": width, "height": 900},
                                            locale="en-GB")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.violations: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.violations.append(message.text)

    def go(self, path: str) -> Any:
        return self.page.goto(self.live["url"] + path)

    def sign_in(self, who: str) -> None:
        person = self.live["staff"][who]
        self.go("/console")
        self.page.get_by_label("E-mail").fill(person["email"])
        self.page.get_by_label("Password").fill(self.live["password"])
        self.page.get_by_role("button", name="Continue").click()
        self.page.get_by_label("Code").fill(pyotp.TOTP(person["secret"]).now())
        self.page.get_by_role("button", name="Sign in").click()
        self.page.get_by_role("heading", name="Queues").wait_for()

    def check(self, name: str, widths: tuple[int, ...] = WIDTHS) -> None:
        """axe-core finds no serious or critical violation; a screenshot per width."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width in widths:
            self.page.set_viewport_size({"width": width, "height": 900})
            if not self.page.evaluate("typeof axe !== 'undefined'"):
                self.page.evaluate(AXE_SOURCE)
            result = self.page.evaluate(
                "axe.run(document, {resultTypes: ['violations']})"
                ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
                " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)})))")
            serious = [v for v in result if v["impact"] in ("serious", "critical")]
            assert not serious, (name, width, serious)
            shot = SHOTS / f"{name}-{width}.png"
            self.page.screenshot(path=str(shot), full_page=True)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        self.page.set_viewport_size({"width": widths[0], "height": 900})
        assert not self.violations, self.violations

    def message(self) -> str:
        return self.page.locator(".messages").inner_text()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(chromium: Any, live: dict[str, Any]) -> Iterator[Any]:
    opened: list[Visit] = []

    def make(width: int = 1280) -> Visit:
        opened.append(Visit(chromium, live, width))
        return opened[-1]

    yield make
    for one in opened:
        one.close()


def test_sign_in_with_a_totp_code_and_approve_an_employer(visit):
    staff = visit()
    staff.go("/console")
    staff.check("sign-in")
    person = staff.live["staff"]["vetting"]
    staff.page.get_by_label("E-mail").fill(person["email"])
    staff.page.get_by_label("Password").fill(staff.live["password"])
    staff.page.keyboard.press("Enter")  # the form works from the keyboard
    staff.page.get_by_label("Code").wait_for()
    staff.check("two-factor-code")
    staff.page.get_by_label("Code").fill(pyotp.TOTP(person["secret"]).now())
    staff.page.get_by_role("button", name="Sign in").click()
    staff.page.get_by_role("heading", name="Queues").wait_for()
    staff.check("home")
    staff.page.get_by_role("link", name="Employers awaiting vetting").click()
    card = staff.page.get_by_role("article").filter(has_text="Harbor Bakery Co-op")
    staff.check("employers")
    card.get_by_label("Note (kept in the audit log)").fill("Visited the bakery; policies seen.")
    card.get_by_role("button", name="Approve").click()
    assert "Harbor Bakery Co-op is now vetted." in staff.message()
    staff.page.get_by_role("link", name="Vetted").click()
    assert staff.page.get_by_role("article").filter(has_text="Harbor Bakery Co-op").count() == 1


def test_a_large_grant_is_approved_by_two_different_staff_members(visit):
    first = visit()
    first.sign_in("first")
    first.go("/console/grants")
    card = first.page.get_by_role("article").filter(has_text="$250.00 requested")
    assert "left of $1,000.00" in first.page.locator("#budgets + ul").inner_text()
    first.check("grants")
    card.get_by_label("Note (the applicant sees it)").fill("Sound plan, local market.")
    card.get_by_role("button", name="Approve").click()
    assert "a second staff member must approve" in first.message()
    # The first approver cannot give the second approval.
    first.go("/console/grants?status=awaiting_second_approval")
    card = first.page.get_by_role("article").filter(has_text="$250.00 requested")
    card.get_by_label("Note (the applicant sees it)").fill("Approving again.")
    card.get_by_role("button", name="Approve").click()
    assert "different staff member" in first.message()

    second = visit(width=768)
    second.sign_in("second")
    second.go("/console/grants?status=awaiting_second_approval")
    card = second.page.get_by_role("article").filter(has_text="$250.00 requested")
    assert "yours would be the second" in card.inner_text()
    second.check("grants-second-approval", widths=(768, 1280))
    card.get_by_label("Note (the applicant sees it)").fill("Second approval: agreed.")
    card.get_by_role("button", name="Approve").click()
    assert "Approved: the payout is on its way." in second.message()


def test_a_manual_payout_is_marked_paid(visit):
    staff = visit()
    staff.sign_in("payout")
    staff.page.get_by_role("link", name="Manual payouts to hand over").click()
    card = staff.page.get_by_role("article").filter(has_text="$80.00, by hand")
    staff.check("payouts")
    card.get_by_label("Receipt or transfer reference").fill("MPESA-7QX81")
    card.get_by_role("button", name="Mark paid").click()
    assert "Marked paid." in staff.message()
    staff.page.get_by_role("link", name="Paid").click()
    assert staff.page.get_by_role("article").filter(has_text="$80.00, by hand").count() == 1


def test_a_survivors_record_asks_for_a_reason_first(visit):
    staff = visit()
    staff.sign_in("records")
    staff.go("/console/people")
    staff.check("people")
    staff.page.get_by_label("Account id").fill(staff.live["survivor_id"])
    staff.page.get_by_role("button", name="Continue").click()
    reason = staff.page.get_by_label("Access reason (at least 10 characters)")
    reason.wait_for()
    assert staff.live["survivor_alias"] not in staff.page.content()
    staff.check("record-reason")
    reason.fill("Checking the payout phone before handing over cash.")
    staff.page.get_by_role("button", name="Open").click()
    staff.page.get_by_role("heading", name="Person's record").wait_for()
    record = staff.page.locator("dl.record").inner_text()
    assert staff.live["survivor_alias"] in record and "Ikeja" in record
    staff.check("record")


def test_every_remaining_page_passes_axe_at_both_widths(visit):
    admin = visit()
    admin.sign_in("admin")
    admin.go("/console/moderation")
    assert "Overseas hostess, travel paid" in admin.page.content()
    admin.check("moderation")
    admin.go(f"/console/grants/{admin.live['large_application_id']}/read")
    admin.page.get_by_label("Access reason (at least 10 characters)").fill(
        "Reviewing the plan before the second approval.")
    admin.page.get_by_role("button", name="Open").click()
    admin.page.get_by_role("heading", name="Grant application").wait_for()
    admin.check("grant-application")
    admin.go("/console/audit")
    assert "staff.read_user" in admin.page.content()
    admin.check("audit-log")
    admin.go("/console/disbursements?status=failed")
    admin.check("payouts-failed")
    # Keyboard: the skip link is the first stop and leads to the content.
    admin.go("/console")
    admin.page.keyboard.press("Tab")
    assert admin.page.evaluate("document.activeElement.className") == "skip"
    admin.page.keyboard.press("Enter")
    assert admin.page.evaluate("document.activeElement.id") == "main"
