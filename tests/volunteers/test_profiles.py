import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from charity.models import Role
from tests.factories import OrganizationFactory, UserFactory
from volunteers import services
from volunteers.exceptions import VolunteerError
from volunteers.models import SignupStatus, VolunteerProfile
from volunteers.selectors import volunteer_contact_visible_to

from .factories import ShiftFactory, SkillFactory, VolunteerProfileFactory

pytestmark = pytest.mark.django_db

DETAILS = {
    "phone": "13800138000",
    "district": "510107",
    "emergency_contact_name": "王芳",
    "emergency_contact_phone": "13900139000",
}


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) + datetime.timedelta(days=days)


def test_a_profile_needs_consent_to_data_use():
    user = UserFactory()
    with pytest.raises(VolunteerError) as caught:
        services.volunteer_profile_save(actor=user, **DETAILS)
    assert caught.value.error_dict["consent_at"]
    profile = services.volunteer_profile_save(
        actor=user, consent=True, skills=[SkillFactory(code="cooking")], **DETAILS
    )
    assert profile.consent_at is not None
    assert profile.volunteer_number.startswith("V")
    assert [skill.code for skill in profile.skills.all()] == ["cooking"]


def test_saving_again_updates_the_same_profile():
    user = UserFactory()
    first = services.volunteer_profile_save(actor=user, consent=True, **DETAILS)
    second = services.volunteer_profile_save(actor=user, max_hours_per_week=6)
    assert first.pk == second.pk
    assert second.max_hours_per_week == 6
    assert second.volunteer_number == first.volunteer_number


def test_a_minor_needs_a_guardian_and_the_guardians_consent():
    user = UserFactory()
    minor = {**DETAILS, "birth_date": years_ago(16)}
    with pytest.raises(ValidationError) as caught:
        services.volunteer_profile_save(actor=user, consent=True, **minor)
    assert set(caught.value.error_dict) == {
        "guardian_name",
        "guardian_phone",
        "guardian_consent_at",
    }
    with pytest.raises(ValidationError) as caught:
        services.volunteer_profile_save(
            actor=user, consent=True, guardian_name="李强", guardian_phone="13700137000", **minor
        )
    assert set(caught.value.error_dict) == {"guardian_consent_at"}
    profile = services.volunteer_profile_save(
        actor=user,
        consent=True,
        guardian_consent=True,
        guardian_name="李强",
        guardian_phone="13700137000",
        **minor,
    )
    assert profile.guardian_consent_at is not None
    # A different guardian has not consented yet.
    with pytest.raises(ValidationError):
        services.volunteer_profile_save(actor=user, guardian_name="张伟")


def test_an_adult_needs_no_guardian():
    adult = {**DETAILS, "birth_date": years_ago(18)}
    profile = services.volunteer_profile_save(actor=UserFactory(), consent=True, **adult)
    assert not profile.is_minor()
    # One day short of 18 is a minor.
    assert VolunteerProfile(birth_date=years_ago(18, days=1)).is_minor()


@pytest.mark.parametrize(
    "availability",
    [
        [{"weekday": 7, "start": "09:00", "end": "12:00"}],
        [{"weekday": 0, "start": "12:00", "end": "09:00"}],
        [{"weekday": 0, "start": "9h", "end": "12:00"}],
        [{"weekday": 0, "start": "09:00"}],
        {"weekday": 0},
    ],
)
def test_availability_must_be_weekly_periods(availability):
    with pytest.raises(ValidationError) as caught:
        services.volunteer_profile_save(
            actor=UserFactory(), consent=True, availability=availability, **DETAILS
        )
    assert "availability" in caught.value.error_dict


def test_availability_and_languages_are_stored():
    periods = [{"weekday": 5, "start": "09:00", "end": "17:30"}]
    profile = services.volunteer_profile_save(
        actor=UserFactory(), consent=True, availability=periods, languages=["zh", "yue"], **DETAILS
    )
    profile.refresh_from_db()
    assert profile.availability == periods
    assert profile.languages == ["zh", "yue"]


def test_the_district_is_a_region_code():
    with pytest.raises(ValidationError) as caught:
        services.volunteer_profile_save(
            actor=UserFactory(), consent=True, **{**DETAILS, "district": "999999"}
        )
    assert "district" in caught.value.error_dict


def test_coordinates_come_in_pairs():
    with pytest.raises(IntegrityError):
        VolunteerProfileFactory(latitude="30.6", longitude=None)


def test_contact_details_are_visible_only_to_coordinators_of_confirmed_shifts(member_of):
    organization = OrganizationFactory()
    coordinator = member_of(organization, Role.COORDINATOR)
    editor = member_of(organization, Role.EDITOR)
    other_coordinator = member_of(OrganizationFactory(), Role.COORDINATOR)
    shift_coordinator = UserFactory()  # named on the shift, without a role in the organization
    shift = ShiftFactory(task__organization=organization, capacity=1, coordinator=shift_coordinator)
    profile = VolunteerProfileFactory()
    assert volunteer_contact_visible_to(profile.user, profile)
    assert not volunteer_contact_visible_to(coordinator, profile)  # not signed up yet

    # Waitlisted is not enough.
    services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=shift)
    signup = services.shift_signup_create(actor=profile.user, shift=shift)
    assert signup.status == SignupStatus.WAITLISTED
    assert not volunteer_contact_visible_to(coordinator, profile)

    shift.capacity = 2
    shift.save(update_fields=["capacity"])
    services.shift_signup_cancel(actor=profile.user, signup=signup)
    signup = services.shift_signup_create(actor=profile.user, shift=shift)
    assert signup.status == SignupStatus.CONFIRMED
    assert volunteer_contact_visible_to(coordinator, profile)
    assert volunteer_contact_visible_to(shift_coordinator, profile)
    assert not volunteer_contact_visible_to(editor, profile)
    assert not volunteer_contact_visible_to(other_coordinator, profile)
    assert not volunteer_contact_visible_to(UserFactory(), profile)
