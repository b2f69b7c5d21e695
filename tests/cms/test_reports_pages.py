"""Transparency reports from the staff admin to their public page: finance staff compute a draft,
check it, publish; the page shows the frozen figures with charts and data tables, the flagged
ratios and the ledger head, in both languages, and the organization's page lists it."""

import datetime
import json
import re

import pytest
from django.utils import timezone
from wagtail.models import Locale
from wagtail.users.models import UserProfile

from charity import services
from charity.models import LedgerHead, ReportStatus, Role, TransparencyReport
from cms.models import TransparencyReportPage
from cms.services import report_pages_ensure
from cms.workspaces import organization_workspace_sync
from tests.charity.test_expenditures import give, spend
from tests.cms.conftest import Site
from tests.factories import MembershipFactory, OrganizationFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/cms-admin/reports/"
YEAR = 2025  # a year that has ended by the test clock


def admin_user(organization, role=Role.FINANCE):
    """A member who reads the admin in English and can reach it (the organization's workspace)."""
    user = MembershipFactory(organization=organization, role=role, user=UserFactory()).user
    organization_workspace_sync(organization=organization)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save(update_fields=["preferred_language"])
    return user


@pytest.fixture
def books():
    """An organization with public fundraising whose year had management costs above 10%."""
    en = Locale.objects.get_or_create(language_code="en")[0]
    project = ProjectFactory(title="留守儿童午餐")
    organization = project.organization
    organization.has_public_fundraising = True
    organization.public_fundraising_certificate = "53100000500021"
    organization.save(update_fields=["has_public_fundraising", "public_fundraising_certificate"])
    site = Site(organization)
    org_page_en = site.org_page.copy_for_translation(en, copy_parents=True)
    org_page_en.save_revision().publish()
    clerk, colleague = admin_user(organization), admin_user(organization)
    give(project, 100_000, days_ago=(timezone.localdate() - datetime.date(YEAR, 3, 1)).days)
    for amount, category in ((40_000, "program"), (6_000, "management")):
        spend(
            project,
            amount,
            creator=clerk,
            approver=colleague,
            category=category,
            spent_on=datetime.date(YEAR, 6, 1),
        )
    return site, organization, clerk, colleague


def test_finance_computes_checks_and_publishes_a_report_that_gets_its_pages(client, books):
    _, organization, clerk, colleague = books
    client.force_login(clerk)
    response = client.post(
        f"{BASE}new/", {"organization": organization.pk, "year": YEAR, "period": "year"}
    )
    report = TransparencyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{report.pk}/"
    assert report.status == ReportStatus.DRAFT
    preview = client.get(f"{BASE}{report.pk}/")
    body = preview.content.decode()
    assert preview.context["can_publish"] and not preview.context["period_open"]
    assert "¥1,000" in body and "¥460" in body  # income and spending
    assert "data-flagged" in body  # 6,000 of 46,000 is 13.04% > 10%
    assert not TransparencyReportPage.objects.exists()  # a draft is not public

    client.force_login(colleague)
    response = client.post(f"{BASE}{report.pk}/publish/")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED
    assert report.ledger_seq == LedgerHead.objects.get().seq
    pages = TransparencyReportPage.objects.filter(report=report).live()
    assert sorted(p.locale.language_code for p in pages) == ["en", "zh-hans"]
    assert all(str(YEAR) in p.title for p in pages)
    # Publishing again changes nothing and makes no second page.
    client.post(f"{BASE}{report.pk}/publish/")
    report_pages_ensure(report=report)
    assert TransparencyReportPage.objects.count() == 2


def test_a_quarter_that_has_not_ended_cannot_be_published(client, books):
    _, organization, clerk, colleague = books
    today = timezone.localdate()
    client.force_login(clerk)
    client.post(
        f"{BASE}new/",
        {"organization": organization.pk, "year": today.year, "period": (today.month - 1) // 3 + 1},
    )
    report = TransparencyReport.objects.get()
    client.force_login(colleague)
    response = client.post(f"{BASE}{report.pk}/publish/")
    assert response.status_code == 200
    assert "once its period has ended" in " ".join(response.context["errors"])
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert not TransparencyReportPage.objects.exists()


def test_other_organizations_and_other_roles_see_no_report(client, books):
    _, organization, clerk, _ = books
    report = services.report_create(
        actor=clerk, organization=organization, period_kind="year", year=YEAR
    )
    outsider = admin_user(OrganizationFactory(), Role.OWNER)
    client.force_login(outsider)
    assert client.get(f"{BASE}{report.pk}/", follow=True).status_code == 404
    response = client.post(f"{BASE}{report.pk}/publish/")
    assert response.status_code in (302, 404)
    response = client.post(
        f"{BASE}new/", {"organization": organization.pk, "year": YEAR, "period": "2"}
    )
    assert "organization" in response.context["form"].errors
    client.force_login(admin_user(organization, Role.EDITOR))
    assert client.get(BASE).status_code in (302, 403)
    assert client.get(f"{BASE}{report.pk}/", follow=True).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert TransparencyReport.objects.count() == 1


@pytest.fixture
def published(books):
    site, organization, clerk, colleague = books
    report = services.report_create(
        actor=clerk, organization=organization, period_kind="year", year=YEAR
    )
    report = services.report_publish(actor=colleague, report=report)
    report_pages_ensure(report=report)
    return site, report


def svg_charts(body: str) -> list[str]:
    return re.findall(r"<figure class=\"chart\".*?</figure>", body, flags=re.S)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_report_page_shows_frozen_figures_charts_with_tables_and_the_flag(
    client, published, language
):
    _, report = published
    page = TransparencyReportPage.objects.get(report=report, locale__language_code=language)
    response = client.get(page.url)
    assert response.status_code == 200
    body = response.content.decode()
    charts = svg_charts(body)
    assert len(charts) == 4  # income, categories, groups, projects
    for chart in charts:
        assert "<table" in chart  # every chart has its figures as a table
    assert sum("<svg" in chart for chart in charts) == 4
    assert "data-flagged" in body and "13.04" in body
    assert report.ledger_hash in body
    for fmt in ("csv", "xlsx", "json"):
        assert f"/open-data/reports/{report.pk}.{fmt}" in body
    listing = client.get(page.get_parent().url).content.decode()
    assert page.url in listing


def test_downloads_of_a_published_report_and_none_of_a_draft(client, published):
    _, report = published
    response = client.get(f"/open-data/reports/{report.pk}.json")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    document = json.loads(response.content)
    assert document["ledger_hash"] == report.ledger_hash
    assert document["figures"]["totals"][0]["management"] == 6_000
    assert client.get(f"/open-data/reports/{report.pk}.xlsx").status_code == 200
    assert client.get(f"/open-data/reports/{report.pk}.pdf").status_code == 404
    draft = TransparencyReport.objects.create(
        organization=report.organization,
        period_kind="quarter",
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 3, 31),
        created_by=report.created_by,
    )
    assert client.get(f"/open-data/reports/{draft.pk}.csv").status_code == 404
    assert client.get("/open-data/reports/999999.csv").status_code == 404


def test_a_report_page_can_be_neither_deleted_nor_unpublished(client, published, member_of):
    _, report = published
    owner = admin_user(report.organization, Role.OWNER)
    client.force_login(owner)
    page = TransparencyReportPage.objects.filter(report=report).first()
    for action in ("delete", "unpublish"):
        response = client.post(f"/cms-admin/pages/{page.pk}/{action}/")
        assert response.status_code == 302, action
    page.refresh_from_db()
    assert page.live
    assert TransparencyReportPage.objects.filter(report=report).count() == 2
