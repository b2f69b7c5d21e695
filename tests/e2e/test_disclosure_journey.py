"""Spending disclosed end to end: a finance officer enters a ¥120 rice purchase with its invoice,
a colleague approves and publishes it, the donor sees which purchase their gift paid for, the
project page lists it with the receipt; then last year's annual report is computed, published
and shown with its charts."""

import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from charity import services
from charity.models import DonationChannel, Expenditure, ExpenditureStatus, Role
from cms.models import TransparencyReportPage
from cms.workspaces import organization_workspace_sync
from tests.cms.conftest import Site
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")


def log_in(page: Page, live_server, user):
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/en/me/$"))


@pytest.fixture
def charity(migrated_rows, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    organization = OrganizationFactory(name="山川儿童中心")
    site = Site(organization)
    project_page = site.add_project(title="留守儿童营养午餐")
    clerk = UserFactory(email="clerk@example.org")
    colleague = UserFactory(email="colleague@example.org")
    donor = UserFactory(email="donor@example.org")
    for user in (clerk, colleague):
        MembershipFactory(user=user, organization=organization, role=Role.FINANCE)
    organization_workspace_sync(organization=organization)
    services.donation_record_offline(
        actor=colleague,
        organization=organization,
        project=project_page.project,
        amount=20_000,
        currency="CNY",
        channel=DonationChannel.BANK_TRANSFER,
        received_at=timezone.now() - datetime.timedelta(days=3),
        donor_name="周明",
        donor_email=donor.email,
    )
    # Last year's books of the general fund, for the annual report.
    last = timezone.localdate().year - 1
    services.donation_record_offline(
        actor=colleague,
        organization=organization,
        project=None,
        amount=500_000,
        currency="CNY",
        channel=DonationChannel.BANK_TRANSFER,
        received_at=datetime.datetime(last, 3, 1, 10, tzinfo=CHINA),
        donor_name="蓉城公益联合会",
    )
    for amount, category in ((300_000, "program"), (20_000, "management")):
        expenditure = services.expenditure_create(
            actor=clerk,
            organization=organization,
            project=None,
            currency="CNY",
            amount=amount,
            category=category,
            payee="合作学校",
            purpose="课后辅导",
            spent_on=datetime.date(last, 6, 1),
        )
        services.expenditure_approve(actor=colleague, expenditure=expenditure)
        services.expenditure_publish(actor=colleague, expenditure=expenditure)
    return site, project_page, clerk, colleague, donor


def test_spending_is_entered_approved_published_traced_and_reported(
    live_server, browser, screenshot, charity, tmp_path
):
    _, project_page, clerk, colleague, donor = charity
    invoice = tmp_path / "invoice-rice.pdf"
    invoice.write_bytes(PDF)

    # The finance officer enters the purchase with its invoice.
    clerk_page = browser.new_page()
    log_in(clerk_page, live_server, clerk)
    clerk_page.goto(f"{live_server.url}/cms-admin/expenditures/new/")
    clerk_page.locator("#id_project").select_option(str(project_page.project_id))
    clerk_page.locator("#id_amount").fill("120")
    clerk_page.locator("#id_category").select_option("program")
    clerk_page.locator("#id_payee").fill("成都粮油公司")
    clerk_page.locator("#id_purpose").fill("大米 60 公斤")
    clerk_page.locator("#id_spent_on").fill(timezone.localdate().isoformat())
    clerk_page.keyboard.press("Escape")
    clerk_page.locator("#id_documents").set_input_files(str(invoice))
    screenshot("clerk-enters", clerk_page)
    clerk_page.get_by_role("button", name="Save as draft").click()
    expect(clerk_page.locator("[data-status]")).to_have_attribute("data-status", "draft")
    expect(clerk_page.locator("[data-four-eyes]")).to_be_visible()  # not theirs to approve
    expect(clerk_page.locator("[data-expenditure-documents]")).to_contain_text("invoice-rice.pdf")
    expenditure = Expenditure.objects.get(purpose="大米 60 公斤")

    # A colleague approves and publishes.
    colleague_page = browser.new_page()
    log_in(colleague_page, live_server, colleague)
    colleague_page.goto(f"{live_server.url}/cms-admin/expenditures/{expenditure.pk}/")
    colleague_page.get_by_role("button", name="Approve").click()
    expect(colleague_page.locator("[data-status]")).to_have_attribute("data-status", "approved")
    colleague_page.get_by_role("button", name="Publish").click()
    expect(colleague_page.locator("[data-status]")).to_have_attribute("data-status", "published")
    expect(colleague_page.locator("[data-history]")).to_contain_text("Approved")
    screenshot("colleague-published", colleague_page)
    expenditure.refresh_from_db()
    assert expenditure.status == ExpenditureStatus.PUBLISHED
    assert expenditure.approved_by == colleague

    # The donor sees where their ¥200 went.
    donor_page = browser.new_page()
    log_in(donor_page, live_server, donor)
    donor_page.goto(f"{live_server.url}/en/me/donations/")
    donor_page.get_by_role("link", name="Details").first.click()
    where = donor_page.locator("#where-it-went")
    expect(where).to_contain_text("大米 60 公斤")
    expect(where).to_contain_text("¥120")
    expect(where).to_contain_text("¥80")
    expect(where.get_by_role("link", name="receipt")).to_have_count(1)
    screenshot("donor-trace", donor_page)

    # The project page lists it with its receipt.
    visitor = browser.new_page()
    visitor.goto(f"{live_server.url}{project_page.url}")
    expect(visitor.locator("body")).to_contain_text("大米 60 公斤")
    screenshot("project-page", visitor)

    # Last year's annual report: computed, checked and published from the admin.
    colleague_page.goto(f"{live_server.url}/cms-admin/reports/new/")
    colleague_page.locator("#id_year").fill(str(timezone.localdate().year - 1))
    colleague_page.locator("#id_period").select_option("year")
    colleague_page.get_by_role("button", name="Compute the figures").click()
    expect(colleague_page.locator("[data-ratios]")).to_be_visible()
    screenshot("report-preview", colleague_page)
    colleague_page.get_by_role("button", name="Publish").click()
    expect(colleague_page.locator("[data-status]")).to_have_attribute("data-status", "published")
    report_page = TransparencyReportPage.objects.get(locale__language_code="zh-hans")
    visitor.goto(f"{live_server.url}{report_page.url}")
    charts = visitor.locator("figure.chart svg")
    assert charts.count() >= 4
    expect(charts.first).to_be_visible()
    expect(visitor.locator("[data-ratios]")).to_be_visible()
    expect(visitor.locator("details").first).to_be_attached()
    screenshot("report-page", visitor)
    visitor.goto(f"{live_server.url}{report_page.get_parent().url}")
    expect(visitor.locator("#transparency-reports a")).to_have_count(1)
