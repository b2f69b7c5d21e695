"""Service certificates: issuing for approved hours, revoking, the PDF, the public check."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from charity.models import Role
from volunteers import attendance
from volunteers.certificates import (
    certificate_pdf,
    service_certificate_issue,
    service_certificate_revoke,
)
from volunteers.exceptions import VolunteerError
from volunteers.models import ServiceCertificate, mask_name

from .factories import ShiftFactory
from .on_the_day import confirmed_volunteer, move

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HOUR = datetime.timedelta(hours=1)


def served(organization, coordinator, *, days_ago=2, hours=3, profile=None, **profile_fields):
    """A completed shift of `hours` hours `days_ago` days ago; returns the sign-up."""
    shift = ShiftFactory(task__organization=organization, task__title=f"Meals {days_ago}")
    if profile is None:
        signup = confirmed_volunteer(shift, **profile_fields)
    else:
        from volunteers import services

        signup = services.shift_signup_create(actor=profile.user, shift=shift)
    move(shift, starts_in=-days_ago * 24 * HOUR, hours=hours)
    return attendance.signup_hours_approve(actor=coordinator, signup=signup)


def _today():
    return timezone.now().astimezone(SHANGHAI).date()


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张小明", "张*明"),
        ("李静", "李*"),
        ("欧阳娜娜", "欧**娜"),
        ("孙悦 Sun Yue", "孙* S*n Y*e"),
        ("X", "X"),
    ],
)
def test_names_are_masked_for_strangers(name, masked):
    assert mask_name(name) == masked


def test_a_volunteer_gets_a_certificate_of_the_periods_approved_hours(organization, coordinator):
    first = served(organization, coordinator, days_ago=10, user__display_name="张小明")
    profile = first.volunteer
    served(organization, coordinator, days_ago=3, hours=2, profile=profile)
    served(organization, coordinator, days_ago=40, profile=profile)  # outside the period
    certificate = service_certificate_issue(
        actor=profile.user,
        volunteer=profile,
        organization=organization,
        period_start=_today() - datetime.timedelta(days=20),
        period_end=_today(),
    )
    assert certificate.minutes == 300
    assert certificate.volunteer_name == "张小明"
    assert certificate.masked_name == "张*明"
    assert certificate.service_content == "Meals 10; Meals 3"
    assert len(certificate.verification_code) == 16
    # Asking again for the same period gives the same certificate.
    again = service_certificate_issue(
        actor=profile.user,
        volunteer=profile,
        organization=organization,
        period_start=certificate.period_start,
        period_end=certificate.period_end,
    )
    assert again == certificate
    assert ServiceCertificate.objects.count() == 1


def test_no_certificate_without_approved_hours_or_for_the_future(organization, coordinator):
    profile = served(organization, coordinator, days_ago=10).volunteer
    with pytest.raises(VolunteerError) as error:
        service_certificate_issue(
            actor=profile.user,
            volunteer=profile,
            organization=organization,
            period_start=_today() - datetime.timedelta(days=5),
            period_end=_today(),
        )
    assert error.value.code == "no_hours"
    with pytest.raises(VolunteerError):
        service_certificate_issue(
            actor=profile.user,
            volunteer=profile,
            organization=organization,
            period_start=_today() - datetime.timedelta(days=20),
            period_end=_today() + datetime.timedelta(days=1),
        )
    assert not ServiceCertificate.objects.exists()


def test_only_the_volunteer_or_the_organizations_coordinators_issue(
    organization, coordinator, member_of, other_organization
):
    profile = served(organization, coordinator).volunteer
    period = {"period_start": _today() - datetime.timedelta(days=7), "period_end": _today()}
    for stranger in (
        confirmed_volunteer(ShiftFactory()).volunteer.user,
        member_of(organization, Role.EDITOR),
        member_of(other_organization, Role.COORDINATOR),
    ):
        with pytest.raises(PermissionDenied):
            service_certificate_issue(
                actor=stranger, volunteer=profile, organization=organization, **period
            )
    certificate = service_certificate_issue(
        actor=coordinator, volunteer=profile, organization=organization, **period
    )
    assert certificate.issued_by == coordinator


def test_only_the_owner_revokes_and_must_say_why(organization, coordinator, owner):
    profile = served(organization, coordinator).volunteer
    certificate = service_certificate_issue(
        actor=profile.user,
        volunteer=profile,
        organization=organization,
        period_start=_today() - datetime.timedelta(days=7),
        period_end=_today(),
    )
    for actor in (coordinator, profile.user):
        with pytest.raises(PermissionDenied):
            service_certificate_revoke(actor=actor, certificate=certificate, reason="wrong")
    with pytest.raises(VolunteerError):
        service_certificate_revoke(actor=owner, certificate=certificate, reason="  ")
    assert not ServiceCertificate.objects.get().is_revoked
    service_certificate_revoke(actor=owner, certificate=certificate, reason="Hours entered twice")
    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert certificate.revoke_reason == "Hours entered twice"


def test_the_pdf_carries_the_required_fields_in_chinese(organization, coordinator):
    profile = served(organization, coordinator, user__display_name="张小明").volunteer
    certificate = service_certificate_issue(
        actor=profile.user,
        volunteer=profile,
        organization=organization,
        period_start=_today() - datetime.timedelta(days=7),
        period_end=_today(),
    )
    pdf = certificate_pdf(certificate, verify_url="https://x.example/v/", language="zh-hans")
    assert pdf.startswith(b"%PDF-")
    # The CJK font is embedded (subset) so the PDF shows Chinese on any reader.
    assert b"NotoSansCJK" in pdf or b"Noto" in pdf
    with translation.override("en"):
        english = certificate_pdf(certificate, verify_url="https://x.example/v/", language="en")
    assert english.startswith(b"%PDF-")
