import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from charity.models import Role
from tests.factories import OrganizationFactory
from volunteers import services
from volunteers.exceptions import VolunteerError
from volunteers.models import ReliefTask, Shift, Urgency

from .factories import ReliefTaskFactory, ShiftFactory, SkillFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_a_coordinator_creates_two_weeks_of_daily_morning_shifts(organization, coordinator):
    task = ReliefTaskFactory(organization=organization)
    first = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=SHANGHAI)
    shifts = services.shift_create_series(
        actor=coordinator,
        task=task,
        first_start=first,
        duration=datetime.timedelta(hours=3),
        days=14,
        capacity=8,
        minimum=3,
        requires_approval=True,
        signup_opens_hours_before=72,
        cancel_cutoff_hours=12,
        coordinator=coordinator,
    )
    assert len(shifts) == 14
    assert Shift.objects.filter(task=task).count() == 14
    for day, shift in enumerate(shifts):
        local = shift.starts_at.astimezone(SHANGHAI)
        assert local.date() == datetime.date(2031, 3, 3 + day)
        assert (local.hour, local.minute) == (9, 0)
        assert shift.starts_at.utcoffset() == datetime.timedelta(0)  # stored in UTC
        assert shift.ends_at - shift.starts_at == datetime.timedelta(hours=3)
        assert (shift.capacity, shift.minimum, shift.requires_approval) == (8, 3, True)
        assert shift.coordinator == coordinator


def test_a_series_can_skip_days(organization, coordinator):
    shifts = services.shift_create_series(
        actor=coordinator,
        task=ReliefTaskFactory(organization=organization),
        first_start=datetime.datetime(2031, 3, 3, 18, 0, tzinfo=SHANGHAI),
        duration=datetime.timedelta(hours=2),
        days=14,
        every_n_days=2,
        capacity=4,
    )
    assert [shift.starts_at.astimezone(SHANGHAI).day for shift in shifts] == [
        3, 5, 7, 9, 11, 13, 15,
    ]  # fmt: skip


@pytest.mark.parametrize("role", [Role.EDITOR, Role.FINANCE])
def test_only_coordinators_and_owners_create_shifts(organization, member_of, role):
    with pytest.raises(PermissionDenied):
        services.shift_create_series(
            actor=member_of(organization, role),
            task=ReliefTaskFactory(organization=organization),
            first_start=datetime.datetime(2031, 3, 3, 9, tzinfo=SHANGHAI),
            duration=datetime.timedelta(hours=3),
            capacity=5,
        )


def test_an_unverified_organization_cannot_create_shifts(member_of):
    organization = OrganizationFactory(unverified=True)
    with pytest.raises(PermissionDenied):
        services.shift_create_series(
            actor=member_of(organization, Role.COORDINATOR),
            task=ReliefTaskFactory(organization=organization),
            first_start=datetime.datetime(2031, 3, 3, 9, tzinfo=SHANGHAI),
            duration=datetime.timedelta(hours=3),
            capacity=5,
        )


def test_the_named_coordinator_must_manage_the_organizations_shifts(
    organization, coordinator, member_of
):
    with pytest.raises(VolunteerError):
        services.shift_create_series(
            actor=coordinator,
            task=ReliefTaskFactory(organization=organization),
            first_start=datetime.datetime(2031, 3, 3, 9, tzinfo=SHANGHAI),
            duration=datetime.timedelta(hours=3),
            capacity=5,
            coordinator=member_of(organization, Role.EDITOR),
        )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"duration": datetime.timedelta(0)}, ValidationError),
        ({"capacity": 0}, ValidationError),
        ({"minimum": 6}, ValidationError),
        ({"days": 0}, ValidationError),
        ({"every_n_days": 0}, ValidationError),
        ({"first_start": datetime.datetime(2031, 3, 3, 9)}, ValueError),  # noqa: DTZ001
    ],
)
def test_a_series_must_make_sense(organization, coordinator, changes, error):
    arguments = {
        "first_start": datetime.datetime(2031, 3, 3, 9, tzinfo=SHANGHAI),
        "duration": datetime.timedelta(hours=3),
        "capacity": 5,
        **changes,
    }
    with pytest.raises(error):
        services.shift_create_series(
            actor=coordinator, task=ReliefTaskFactory(organization=organization), **arguments
        )
    assert not Shift.objects.exists()


def test_the_database_refuses_shifts_that_end_before_they_start_or_overfill():
    shift = ShiftFactory(capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.filter(pk=shift.pk).update(ends_at=F("starts_at"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.filter(pk=shift.pk).update(places_taken=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.filter(pk=shift.pk).update(capacity=0, minimum=0)


def test_a_coordinator_describes_a_relief_task(organization, coordinator):
    SkillFactory(code="first-aid-skill")
    task = services.relief_task_create(
        actor=coordinator,
        organization=organization,
        required_skills=["first-aid-skill"],
        title="Flood shelter night watch",
        place="武侯区 体育馆",
        district="510107",
        required_certificates=["first_aid"],
        urgency=Urgency.CRITICAL,
    )
    assert task.created_by == coordinator
    assert [skill.code for skill in task.required_skills.all()] == ["first-aid-skill"]


def test_relief_tasks_are_for_coordinators(organization, member_of):
    with pytest.raises(PermissionDenied):
        services.relief_task_create(
            actor=member_of(organization, Role.EDITOR),
            organization=organization,
            title="Night watch",
            place="体育馆",
            district="510107",
        )


def test_a_task_refuses_unknown_certificate_kinds(organization, coordinator):
    with pytest.raises(ValidationError) as caught:
        services.relief_task_create(
            actor=coordinator,
            organization=organization,
            title="Night watch",
            place="体育馆",
            district="510107",
            required_certificates=["wizard"],
        )
    assert "required_certificates" in caught.value.error_dict


def test_a_series_can_keep_to_chosen_weekdays(organization, coordinator):
    task = ReliefTaskFactory(organization=organization)
    monday = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=SHANGHAI)
    shifts = services.shift_create_series(
        actor=coordinator,
        task=task,
        first_start=monday,
        duration=datetime.timedelta(hours=3),
        days=14,
        weekdays={5, 6},
        capacity=4,
    )
    assert [shift.starts_at.astimezone(SHANGHAI).day for shift in shifts] == [8, 9, 15, 16]
    with pytest.raises(VolunteerError):
        services.shift_create_series(
            actor=coordinator,
            task=task,
            first_start=monday,
            duration=datetime.timedelta(hours=3),
            days=3,
            weekdays={6},
            capacity=4,
        )
    assert Shift.objects.filter(task=task).count() == 4


def test_a_coordinator_edits_a_task_of_their_own_organization_only(
    organization, coordinator, member_of
):
    task = ReliefTaskFactory(organization=organization)
    services.relief_task_update(actor=coordinator, task=task, title="送餐 Meals", urgency="high")
    task.refresh_from_db()
    assert (task.title, task.urgency) == ("送餐 Meals", "high")
    outsider = member_of(OrganizationFactory(), Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.relief_task_update(actor=outsider, task=task, title="hijacked")
    assert ReliefTask.objects.get(pk=task.pk).title == "送餐 Meals"
