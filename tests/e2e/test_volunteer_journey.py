"""A new volunteer fills their profile, finds the shifts that fit them, signs up for one and sees
it on their dashboard."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cms.management.commands.seed_demo import HOME
from cms.services import site_home_ensure
from tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.volunteers.factories import ShiftFactory, SkillFactory
from volunteers.models import ShiftSignup, SignupStatus, VolunteerProfile
from volunteers.selectors import PLATFORM_ZONE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]


def saturday_at(hour: int) -> datetime.datetime:
    today = timezone.now().astimezone(PLATFORM_ZONE).date()
    days = next(days for days in range(2, 9) if (today.weekday() + days) % 7 == 5)
    day = today + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PLATFORM_ZONE)


@pytest.fixture
def shifts(migrated_rows):
    site_home_ensure(translations=HOME)
    organization = OrganizationFactory(name="山川儿童中心")
    cooking = SkillFactory(code="cooking", name_zh="烹饪", name_en="Cooking")
    driving = SkillFactory(code="driving", name_zh="驾驶", name_en="Driving")
    common = {"task__organization": organization, "task__district": "510107"}
    return {
        "fits": ShiftFactory(
            starts_at=saturday_at(9),
            ends_at=saturday_at(12),
            task__title="周六爱心午餐",
            task__required_skills=[cooking],
            **common,
        ),
        "needs a skill": ShiftFactory(
            starts_at=saturday_at(13),
            ends_at=saturday_at(16),
            task__title="物资运输",
            task__required_skills=[driving],
            **common,
        ),
        "outside my week": ShiftFactory(
            starts_at=saturday_at(19),
            ends_at=saturday_at(21),
            task__title="晚间探访",
            **common,
        ),
    }


def test_a_volunteer_finds_a_shift_for_them_and_signs_up(
    live_server, page: Page, screenshot, shifts
):
    user = UserFactory(email="xiaoyu@example.org")
    page.goto(f"{live_server.url}/zh-hans/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/zh-hans/me/$"))

    # The header leads to volunteering; without a profile, the dashboard asks for one.
    page.locator("#site-nav").get_by_role("link", name="志愿服务").click()
    expect(page).to_have_url(re.compile(r"/zh-hans/volunteer/$"))
    screenshot("opportunities-before-profile", page)
    page.goto(f"{live_server.url}/zh-hans/volunteer/me/")
    expect(page).to_have_url(re.compile(r"/zh-hans/volunteer/me/profile/$"))

    page.locator("input[name=phone]").fill("13800138000")
    page.locator("select[name=district]").select_option("510107")
    page.get_by_label("烹饪").check()
    page.locator("input[name=day5_from0]").fill("08:30")
    page.locator("input[name=day5_to0]").fill("17:00")
    page.locator("input[name=max_hours_per_week]").fill("8")
    page.locator("input[name=emergency_contact_name]").fill("王芳")
    page.locator("input[name=emergency_contact_phone]").fill("13900139000")
    page.locator("input[name=consent]").check()
    screenshot("profile-filled", page)
    page.locator("main form.form button[type=submit]").first.click()

    expect(page).to_have_url(re.compile(r"/zh-hans/volunteer/me/$"))
    profile = VolunteerProfile.objects.get(user=user)
    assert profile.availability == [{"weekday": 5, "start": "08:30", "end": "17:00"}]
    screenshot("dashboard-empty", page)

    page.goto(f"{live_server.url}/zh-hans/volunteer/")
    for title in ("周六爱心午餐", "物资运输", "晚间探访"):
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.locator("input[name=for_me]").check()
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"for_me=on"))
    expect(page.get_by_role("heading", name="周六爱心午餐")).to_be_visible()
    expect(page.get_by_role("heading", name="物资运输")).to_have_count(0)
    expect(page.get_by_role("heading", name="晚间探访")).to_have_count(0)
    screenshot("shifts-for-me", page)

    page.get_by_role("article").get_by_role("link", name="周六爱心午餐").click()
    expect(page).to_have_url(re.compile(rf"/zh-hans/volunteer/shifts/{shifts['fits'].pk}/$"))
    screenshot("shift", page)
    page.locator("#sign-up form button[type=submit]").click()
    expect(page.locator("#sign-up .alert--success")).to_be_visible()
    expect(page.locator("#sign-up progress")).to_have_attribute("value", "1")
    screenshot("signed-up", page)
    assert ShiftSignup.objects.get(volunteer=profile).status == SignupStatus.CONFIRMED

    page.goto(f"{live_server.url}/zh-hans/volunteer/me/")
    upcoming = page.locator("#upcoming-title").locator("xpath=ancestor::section")
    expect(upcoming.get_by_role("link", name="周六爱心午餐")).to_be_visible()
    screenshot("dashboard", page)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("dashboard-mobile", page)
