"""The disclosure calendar: long projects disclose progress every three months and in full within
three months of their end, and the annual report is due by May 31; organization staff see what is
due and overdue on the admin's home, and owners get each reminder once."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.users.models import UserProfile

from charity import services
from charity.models import DisclosureReminder, Role
from charity.selectors import add_months, disclosure_calendar
from cms.selectors import organization_disclosure_calendar
from cms.tasks import disclosure_reminders_send
from cms.workspaces import organization_workspace_sync
from tests.cms.conftest import Site, publish_child
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 11, 20)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=CHINA)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 15), 3, datetime.date(2026, 4, 15)),
        (datetime.date(2025, 11, 30), 3, datetime.date(2026, 2, 28)),
        (datetime.date(2023, 11, 30), 3, datetime.date(2024, 2, 29)),
        (datetime.date(2026, 10, 31), 6, datetime.date(2027, 4, 30)),
    ],
)
def test_months_are_added_as_calendars_count_them(day, months, expected):
    assert add_months(day, months) == expected


@pytest.fixture
def org_site(organization):
    organization.verified_at = at(datetime.date(2024, 3, 1))
    organization.save(update_fields=["verified_at"])
    return Site(organization)


def long_project(site, *, start, end, title="长期助学"):
    return site.add_project(
        title=title, fundraising_starts_at=at(start), fundraising_ends_at=at(end)
    )


def update(project_page, published_on: datetime.date, n=1):
    from cms.models import ProjectUpdatePage

    page = publish_child(
        project_page,
        ProjectUpdatePage(title=f"进展 {n}", slug=f"u{n}", date=published_on, body="<p>进展</p>"),
    )
    # When it went public is what counts (not the date written on it).
    ProjectUpdatePage.objects.filter(pk=page.pk).update(first_published_at=at(published_on))
    return page


def calendar(organization, today=TODAY):
    return [
        (item.kind, item.project.title if item.project else item.year, item.due_on, item.status)
        for item in organization_disclosure_calendar(organizations=[organization], today=today)
        if item.kind != "annual"
    ]


def test_a_long_project_owes_progress_every_three_months_from_its_latest_update(org_site):
    page = long_project(org_site, start=datetime.date(2026, 7, 1), end=datetime.date(2027, 6, 30))
    organization = org_site.organization
    # Nothing published since the start on July 1: due October 1, seven weeks late.
    assert calendar(organization) == [
        ("progress", "长期助学", datetime.date(2026, 10, 1), "overdue")
    ]
    update(page, datetime.date(2026, 9, 10))
    # Within three months of the update: December 10 is 20 days away.
    assert calendar(organization) == [("progress", "长期助学", datetime.date(2026, 12, 10), "due")]
    update(page, datetime.date(2026, 11, 1), n=2)
    assert calendar(organization) == []  # February 1 is more than 30 days away


def test_a_back_dated_update_counts_from_the_day_it_went_public(org_site):
    page = long_project(org_site, start=datetime.date(2026, 7, 1), end=datetime.date(2027, 6, 30))
    from cms.models import ProjectUpdatePage

    update(page, datetime.date(2026, 11, 19))
    ProjectUpdatePage.objects.update(date=datetime.date(2026, 7, 2))
    assert calendar(org_site.organization) == []  # due February 19, from the publication day


def test_short_projects_owe_no_periodic_disclosure(org_site):
    long_project(
        org_site, start=datetime.date(2026, 6, 1), end=datetime.date(2026, 11, 30), title="短期"
    )
    assert calendar(org_site.organization) == []


def test_an_ended_long_project_owes_a_final_disclosure_within_three_months(org_site):
    page = long_project(
        org_site, start=datetime.date(2025, 9, 1), end=datetime.date(2026, 9, 1), title="已结束"
    )
    update(page, datetime.date(2026, 8, 1))  # progress before the end is not the final one
    organization = org_site.organization
    assert calendar(organization) == [("final", "已结束", datetime.date(2026, 12, 1), "due")]
    assert calendar(organization, today=datetime.date(2026, 12, 2)) == [
        ("final", "已结束", datetime.date(2026, 12, 1), "overdue")
    ]
    update(page, datetime.date(2026, 9, 5), n=2)
    assert calendar(organization) == []


def test_the_annual_report_is_due_by_may_31_until_it_is_published(org_site, member_of):
    organization = org_site.organization
    annual = [
        (item.year, item.due_on, item.status)
        for item in disclosure_calendar(organizations=[organization], today=TODAY, disclosed_on={})
        if item.kind == "annual"
    ]
    # Verified in 2024: the reports for 2024 and 2025 are both late.
    assert annual == [
        (2024, datetime.date(2025, 5, 31), "overdue"),
        (2025, datetime.date(2026, 5, 31), "overdue"),
    ]
    finance = member_of(organization, Role.FINANCE)
    for year in (2024, 2025):
        report = services.report_create(
            actor=finance, organization=organization, period_kind="year", year=year
        )
        services.report_publish(actor=finance, report=report)
    assert not [
        item
        for item in disclosure_calendar(organizations=[organization], today=TODAY, disclosed_on={})
        if item.kind == "annual"
    ]
    # In May the coming deadline shows as due; an unverified organization owes nothing here.
    coming = disclosure_calendar(
        organizations=[organization], today=datetime.date(2027, 5, 10), disclosed_on={}
    )
    assert [(i.year, i.status, i.days) for i in coming] == [(2026, "due", 21)]
    unverified = OrganizationFactory(unverified=True)
    assert disclosure_calendar(organizations=[unverified], today=TODAY, disclosed_on={}) == []


def test_owners_get_each_reminder_once_and_again_when_it_becomes_overdue(
    org_site, member_of, settings, monkeypatch
):
    organization = org_site.organization
    owner = member_of(organization, Role.OWNER)
    member_of(organization, Role.EDITOR)  # not reminded
    long_project(org_site, start=datetime.date(2026, 9, 1), end=datetime.date(2027, 9, 1))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 11, 20))
    assert disclosure_reminders_send.delay().get() == 3  # progress due Dec 1; 2024 and 2025 late
    assert sorted(m.to[0] for m in mail.outbox) == [owner.email] * 3
    assert "长期助学" in " ".join(m.body for m in mail.outbox)
    assert sorted(DisclosureReminder.objects.values_list("kind", "due_on", "stage")) == [
        ("annual", datetime.date(2025, 5, 31), "overdue"),
        ("annual", datetime.date(2026, 5, 31), "overdue"),
        ("progress", datetime.date(2026, 12, 1), "due"),
    ]
    # The next day's run sends nothing new.
    assert disclosure_reminders_send.delay().get() == 0
    assert len(mail.outbox) == 3
    # Once the progress disclosure is late, one more reminder.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 12, 2))
    assert disclosure_reminders_send.delay().get() == 1
    assert DisclosureReminder.objects.filter(stage="overdue", kind="progress").count() == 1
    assert len(mail.outbox) == 4


def test_staff_see_their_organizations_calendar_on_the_admin_home(client, org_site, member_of):
    organization = org_site.organization
    long_project(org_site, start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))
    editor = member_of(organization, Role.EDITOR)
    organization_workspace_sync(organization=organization)
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "en"
    profile.save(update_fields=["preferred_language"])
    client.force_login(editor)
    body = client.get("/cms-admin/").content.decode()
    assert "data-disclosure-calendar" in body
    assert 'data-disclosure="progress" data-status="overdue"' in body
    assert 'data-disclosure="annual"' in body
    # Another organization's staff see none of it.
    other = OrganizationFactory()
    outsider = member_of(other, Role.OWNER)
    organization_workspace_sync(organization=other)
    client.force_login(outsider)
    body = client.get("/cms-admin/").content.decode()
    assert "长期助学" not in body
