"""A coordinator proposes an assignment, takes one line out, confirms; the volunteers are placed."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from charity.models import Role
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from tests.volunteers.factories import ReliefTaskFactory, ShiftFactory, VolunteerProfileFactory
from volunteers.models import ShiftSignup, SignupStatus, Urgency

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]

ALWAYS = [{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)]


def test_coordinator_proposes_edits_and_confirms(live_server, page: Page, screenshot):
    organization = OrganizationFactory(name="Flood Relief", slug="flood-relief")
    coordinator = UserFactory(email="coord@example.org")
    MembershipFactory(organization=organization, user=coordinator, role=Role.COORDINATOR)
    starts = (timezone.now() + datetime.timedelta(days=2)).replace(minute=0, second=0)
    critical = ShiftFactory(
        task=ReliefTaskFactory(
            organization=organization, title="Sandbag the riverbank", urgency=Urgency.CRITICAL
        ),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=4),
        capacity=2,
    )
    ShiftFactory(
        task=ReliefTaskFactory(organization=organization, title="Sort donated clothes"),
        starts_at=starts + datetime.timedelta(days=1),
        ends_at=starts + datetime.timedelta(days=1, hours=3),
        capacity=3,
    )
    volunteers = [
        VolunteerProfileFactory(
            open_to_placement=True, availability=ALWAYS, user__display_name=f"Volunteer {i}"
        )
        for i in range(3)
    ]

    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("input[name=login]").fill(coordinator.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/en/me/$"))

    page.goto(f"{live_server.url}/en/volunteer/orgs/{organization.slug}/assignments/")
    screenshot("assignments", page)
    page.get_by_role("button", name="Propose assignment").click()
    expect(page.get_by_role("heading", name="Assignment proposal")).to_be_visible()
    expect(page.get_by_text("Critical places filled by the proposal")).to_be_visible()
    screenshot("proposal", page)

    critical_panel = page.locator("section", has_text="Sandbag the riverbank")
    expect(critical_panel.locator(".placement")).to_have_count(2)
    critical_panel.get_by_role("button", name="Remove").first.click()
    expect(critical_panel.locator(".placement s")).to_have_count(1)
    screenshot("after-remove", page)

    page.get_by_role("button", name="Confirm and notify volunteers").click()
    expect(page.get_by_text(re.compile(r"Confirmed: \d+ placed and notified"))).to_be_visible()
    expect(critical_panel.get_by_text("1 of 2 filled")).to_be_visible()
    screenshot("confirmed", page)

    confirmed = ShiftSignup.objects.filter(status=SignupStatus.CONFIRMED)
    assert confirmed.filter(shift=critical).count() == 1
    placed = set(confirmed.values_list("volunteer__user__email", flat=True))
    assert placed <= {v.user.email for v in volunteers}
    assert {m.to[0] for m in mail.outbox} >= placed
