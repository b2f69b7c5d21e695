"""No personal data in logs: a gift through the test gateway and a volunteer's sign-up, with
every logger at DEBUG, leave no donor's or volunteer's name, email or phone in any log record."""

import logging

import pytest
from django.test import Client

from charity.models import Donation, DonationStatus, Role
from tests.factories import ProjectFactory
from tests.volunteers.factories import ShiftFactory, VolunteerProfileFactory
from volunteers.models import ShiftSignup, SignupStatus

pytestmark = pytest.mark.django_db

DONOR = {"name": "欧阳娜娜", "email": "ouyang.nana@example.com", "message": "给孩子们买冬衣"}
VOLUNTEER = {
    "email": "li.xiaolong@example.org",
    "display_name": "李小龙",
    "phone": "13712345678",
    "emergency_contact_name": "李母",
    "emergency_contact_phone": "13698765432",
}


# The tests' own factories log what they build; they do not run in production.
TEST_TOOLS = {"factory", "faker"}


@pytest.fixture
def every_log_record(caplog):
    for name in ("", "charity", "volunteers", "cms", "django", "stripe", "celery", "wagtail"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def webhook_through_test_client(monkeypatch):
    """The test gateway's signed events reach the webhook through Django's test client."""
    webhook_client = Client()

    def post(body, header, site):
        return webhook_client.post(
            "/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        ).status_code

    monkeypatch.setattr("charity.test_gateway.post_event", post)


def logged_text(caplog) -> str:
    """Everything the records would show: the message with its arguments, and tracebacks."""
    parts = []
    for record in caplog.records:
        if record.name.split(".")[0] in TEST_TOOLS:
            continue
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        parts.append(repr(record.__dict__.get("extra", "")))
    return "\n".join(parts)


def test_a_gift_and_a_sign_up_log_nothing_personal(
    client,
    every_log_record,
    webhook_through_test_client,
    django_capture_on_commit_callbacks,
    member_of,
):
    project = ProjectFactory(currency="CNY")
    response = client.post(
        f"/zh-hans/give/{project.pk}/",
        {
            "preset": "20000",
            "frequency": "one_off",
            "donor_name": DONOR["name"],
            "donor_email": DONOR["email"],
            "message": DONOR["message"],
        },
    )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"action": "pay", "method": "card"})
    assert Donation.objects.get().status == DonationStatus.SUCCEEDED
    # A forged delivery is refused, and its refusal logged.
    Client().post(
        "/stripe/webhook/",
        data=f'{{"id": "evt_x", "type": "x", "data": {{"object": {{"email": "{DONOR["email"]}"}}}}}}',
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=forged",
    )

    shift = ShiftFactory(task__organization=project.organization, requires_approval=True)
    profile = VolunteerProfileFactory(
        user__email=VOLUNTEER["email"],
        user__display_name=VOLUNTEER["display_name"],
        phone=VOLUNTEER["phone"],
        emergency_contact_name=VOLUNTEER["emergency_contact_name"],
        emergency_contact_phone=VOLUNTEER["emergency_contact_phone"],
    )
    volunteer_client = Client()
    volunteer_client.force_login(profile.user)
    with django_capture_on_commit_callbacks(execute=True):
        volunteer_client.post(f"/zh-hans/volunteer/shifts/{shift.pk}/sign-up/")
    signup = ShiftSignup.objects.get()
    coordinator = member_of(project.organization, Role.COORDINATOR)
    from volunteers import services

    with django_capture_on_commit_callbacks(execute=True):
        services.shift_signup_approve(actor=coordinator, signup=signup)
    with django_capture_on_commit_callbacks(execute=True):
        volunteer_client.post(f"/zh-hans/volunteer/sign-ups/{signup.pk}/cancel/")
    assert ShiftSignup.objects.get().status == SignupStatus.CANCELLED

    text = logged_text(every_log_record)
    # The application's own loggers are captured, so the check below means something.
    assert "Refused a Stripe webhook" in text
    for personal in (*DONOR.values(), *VOLUNTEER.values()):
        assert personal not in text


def test_the_log_format_masks_addresses_and_phone_numbers_that_slip_through():
    """The safety net in config.settings.LOGGING: whatever a library logs, the line written
    shows no email address or mainland mobile number."""
    from config.log_format import PersonalDataFormatter

    formatter = PersonalDataFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "lib",
        logging.WARNING,
        __file__,
        1,
        "mail to %s failed, call %s",
        (
            "ouyang.nana@example.com",
            "+86 137-1234-5678",
        ),
        None,
    )
    line = formatter.format(record)
    assert "ouyang.nana" not in line and "example.com" not in line
    assert "1234" not in line
    assert line.startswith("WARNING mail to ")
    # The record itself is untouched for other handlers.
    assert record.getMessage().endswith("+86 137-1234-5678")
    try:
        raise ValueError("duplicate key (email)=(ouyang.nana@example.com)")
    except ValueError:
        import sys

        record = logging.LogRecord("lib", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "ouyang.nana" not in formatter.format(record)
