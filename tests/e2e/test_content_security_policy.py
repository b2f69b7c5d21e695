"""Under the Content-Security-Policy the public site and the Wagtail admin work in a real browser:
no page breaks the policy (Chromium reports every refused script, style, frame or request on
the console), and the scripts that moved out of the templates still run."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from charity.models import Role
from cms.models import CharityProjectPage
from tests.cms.conftest import Site
from tests.factories import (
    PASSWORD,
    DonationFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from tests.volunteers.factories import ShiftFactory
from volunteers import services_matching
from volunteers.models import AssignmentProposal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]


@pytest.fixture
def violations(page: Page):
    """Every policy violation the browser reports while the test runs."""
    found = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            found.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return found


@pytest.fixture
def site(migrated_rows):
    site = Site(OrganizationFactory(name="山川儿童中心"))
    site.add_project(title="留守儿童营养午餐", summary="每天五元，让孩子吃上午餐")
    return site


def visit(page: Page, url: str):
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    page.wait_for_load_state("networkidle")


def test_public_pages_keep_to_the_policy(live_server, page: Page, violations, site):
    project_page = CharityProjectPage.objects.get(title="留守儿童营养午餐")
    for path in (
        "/zh-hans/",
        "/zh-hans/projects/",
        project_page.url,
        f"/en/give/{project_page.project_id}/",
        "/en/accounts/login/",
        "/en/volunteer/",
        "/zh-hans/open-data/",
    ):
        visit(page, f"{live_server.url}{path}")
    # site.js ran: it marks <html class="js"> and reveals the menu button.
    expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))
    assert violations == []


def test_an_inline_script_would_be_refused(live_server, page: Page, violations, site):
    """The check above can see a violation: one injected script is reported and does not run."""
    visit(page, f"{live_server.url}/en/accounts/login/")
    page.evaluate(
        """() => {
            const el = document.createElement("div");
            el.innerHTML = '<img src="x" onerror="document.body.dataset.pwned = 1">';
            document.body.appendChild(el);
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.body.dataset.pwned") is None
    assert violations


def test_the_wagtail_admin_keeps_to_the_policy(live_server, page: Page, violations, site):
    admin = UserFactory(is_staff=True, is_superuser=True)
    visit(page, f"{live_server.url}/en/accounts/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    project_page = CharityProjectPage.objects.get(title="留守儿童营养午餐")
    for path in (
        "/cms-admin/",
        f"/cms-admin/pages/{project_page.pk}/edit/",
        f"/cms-admin/pages/{project_page.get_parent().pk}/",
        "/cms-admin/expenditures/",
        "/cms-admin/relief_shifts/",
        "/cms-admin/relief_tasks/new/",
        "/cms-admin/expenditures/new/",
        "/cms-admin/images/",
        "/cms-admin/snippets/",
    ):
        visit(page, f"{live_server.url}{path}")
    # The page editor's preview panel renders the page in a same-origin frame.
    visit(page, f"{live_server.url}/cms-admin/pages/{project_page.pk}/edit/")
    page.get_by_role("button", name=re.compile("Toggle preview|Preview", re.I)).first.click()
    frame = page.frame_locator("iframe").first
    expect(frame.locator("h1")).to_contain_text("留守儿童营养午餐", timeout=15_000)
    # Django's admin, and a public page as the logged-in editor sees it (with Wagtail's userbar).
    visit(page, f"{live_server.url}/django-admin/")
    visit(page, f"{live_server.url}{project_page.url}")
    assert violations == []


def test_the_receipts_print_button_still_prints(live_server, page: Page, violations, site):
    """Its script moved from the template into site.js."""
    gift = DonationFactory(received=True)
    page.add_init_script("window.print = () => { document.documentElement.dataset.printed = 1; };")
    visit(page, f"{live_server.url}/en/donations/{gift.guest_token}/receipt/")
    page.locator("[data-print]").click()
    expect(page.locator("html")).to_have_attribute("data-printed", "1")
    assert violations == []


def test_a_proposal_page_reloads_itself_when_the_solver_is_done(
    live_server, page: Page, violations
):
    """Its status polling moved from the template into site.js."""
    organization = OrganizationFactory(slug="flood-relief")
    coordinator = UserFactory()
    MembershipFactory(organization=organization, user=coordinator, role=Role.COORDINATOR)
    ShiftFactory(task__organization=organization)
    now = timezone.now()
    proposal = services_matching.assignment_proposal_request(
        actor=coordinator,
        organization=organization,
        starts_at=now,
        ends_at=now + datetime.timedelta(days=14),
    )
    solved_status = AssignmentProposal.objects.get(pk=proposal.pk).solver_status
    # As while a worker is still solving.
    AssignmentProposal.objects.filter(pk=proposal.pk).update(solver_status="pending")

    visit(page, f"{live_server.url}/en/accounts/login/")
    page.locator("input[name=login]").fill(coordinator.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/en/me/$"))
    visit(page, f"{live_server.url}/en/volunteer/orgs/flood-relief/assignments/{proposal.pk}/")
    expect(page.locator("[data-poll-status-url]")).to_be_visible()

    AssignmentProposal.objects.filter(pk=proposal.pk).update(solver_status=solved_status)

    expect(page.locator("[data-poll-status-url]")).to_have_count(0, timeout=10_000)
    assert violations == []
