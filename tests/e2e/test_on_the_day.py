"""On the day, on phones: the coordinator checks a volunteer in and out from the roster and
approves the hours, a second volunteer checks in with the shift's QR code; afterwards the volunteer
issues and downloads a certificate, and a stranger verifies it and sees only the masked name."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from charity.models import Role
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from tests.volunteers.factories import ShiftFactory, VolunteerProfileFactory
from volunteers import services
from volunteers.models import ServiceCertificate, Shift, ShiftSignup, SignupStatus

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]
PHONE = {"width": 390, "height": 844}


def log_in(page, base_url, email, language="zh-hans"):
    page.goto(f"{base_url}/{language}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def shift_back(shift, by: datetime.timedelta) -> None:
    """Let time pass: the shift and the check-ins recorded on it move `by` into the past."""
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=shift.starts_at - by, ends_at=shift.ends_at - by
    )
    for signup in ShiftSignup.objects.filter(shift=shift, checked_in_at__isnull=False):
        signup.checked_in_at -= by
        signup.save(update_fields=["checked_in_at"])


@pytest.fixture
def day():
    organization = OrganizationFactory(name="山川儿童中心", contact_phone="028-8765 4321")
    coordinator = MembershipFactory(
        organization=organization,
        role=Role.COORDINATOR,
        user=UserFactory(email="coordinator@example.org", display_name="张伟"),
    ).user
    shift = ShiftFactory(
        task__organization=organization, task__title="防汛沙袋装运", coordinator=coordinator
    )
    first = VolunteerProfileFactory(
        user=UserFactory(email="xiaoming@example.org", display_name="张小明")
    )
    second = VolunteerProfileFactory(
        user=UserFactory(email="jing@example.org", display_name="李静")
    )
    for profile in (first, second):
        services.shift_signup_create(actor=profile.user, shift=shift)
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=10)
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=start, ends_at=start + datetime.timedelta(hours=3)
    )
    shift.refresh_from_db()
    return shift, coordinator, first, second


def test_check_in_approve_hours_certify_and_verify(live_server, browser, screenshot, day):
    shift, coordinator, first, second = day
    base = live_server.url

    # The coordinator opens the roster on a phone and checks 张小明 in.
    coordinator_phone = browser.new_context(viewport=PHONE)
    roster = coordinator_phone.new_page()
    log_in(roster, base, coordinator.email)
    roster.goto(f"{base}/zh-hans/volunteer/roster/{shift.pk}/")
    expect(roster.locator("[data-check-in-qr] svg")).to_be_visible()
    screenshot("roster-phone", roster)
    card = roster.locator(f"[data-signup='{ShiftSignup.objects.get(volunteer=first).pk}']")
    # The roster is read in Chinese: its buttons are found by what they do, not their words.
    card.locator("form[action$='/check-in/'] button").click()
    expect(roster.locator("[data-count='checked-in']")).to_have_text("1")
    screenshot("roster-checked-in", roster)

    # 李静 scans the QR code with her own phone and checks herself in.
    check_in_url = roster.locator(".roster-qr__url").inner_text().strip()
    volunteer_phone = browser.new_context(viewport=PHONE)
    scan = volunteer_phone.new_page()
    log_in(scan, base, second.user.email, "en")
    scan.goto(check_in_url.replace("/zh-hans/", "/en/"))
    screenshot("qr-check-in", scan)
    scan.get_by_role("button", name=re.compile("check in")).click()
    expect(scan.get_by_text("You are checked in")).to_be_visible()
    screenshot("qr-checked-in", scan)
    roster.reload()
    expect(roster.locator("[data-count='checked-in']")).to_have_text("2")

    # Three hours later the shift is over: check-out, then the proposed hours are approved.
    shift_back(shift, datetime.timedelta(hours=3))
    roster.reload()
    card.locator("form[action$='/check-out/'] button").click()
    expect(roster.locator("[data-count='checked-out']")).to_have_text("1")
    expect(card.locator("input[name=hours]")).to_have_value("3")
    screenshot("hours", roster)
    card.locator("form[action$='/hours/'] button").click()
    expect(card.locator("[data-approved-minutes='180']")).to_be_visible()
    screenshot("hours-approved", roster)
    assert ShiftSignup.objects.get(volunteer=first).status == SignupStatus.COMPLETED

    # 张小明 issues his certificate and downloads the PDF.
    page = browser.new_context().new_page()
    log_in(page, base, first.user.email)
    page.goto(f"{base}/zh-hans/volunteer/certificates/")
    expect(page.locator("[data-service-record]")).to_contain_text("山川儿童中心")
    screenshot("my-certificates", page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[data-verification-code]")).to_be_visible()
    expect(page.locator(".certificate")).to_contain_text("张小明")
    screenshot("certificate", page)
    with page.expect_download() as download:
        page.locator(".certificate-tools a[href$='/pdf/']").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")

    # A stranger checks the code: the masked name, the hours, the organization, the date.
    certificate = ServiceCertificate.objects.get()
    stranger = browser.new_context(viewport=PHONE).new_page()
    stranger.goto(f"{base}/en/certificates/verify/{certificate.verification_code}/")
    expect(stranger.locator("[data-masked-name]")).to_have_text("张*明")
    expect(stranger.locator("[data-hours]")).to_have_text("3 hours")
    expect(stranger.get_by_text("This certificate is valid")).to_be_visible()
    assert "张小明" not in stranger.content()
    screenshot("verify", stranger)
