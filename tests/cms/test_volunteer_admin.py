"""Coordinators manage their organizations' relief tasks and shifts in the admin, and only
theirs: a series of shifts in one form, approving and declining applications, calling a shift off."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from wagtail.users.models import UserProfile

from charity.models import Role
from cms.workspaces import organization_workspace_sync
from tests.factories import OrganizationFactory
from tests.volunteers.factories import ReliefTaskFactory, ShiftFactory, SkillFactory
from tests.volunteers.on_the_day import confirmed_volunteer
from volunteers.models import ReliefTask, Shift, SignupStatus

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TASKS = "/cms-admin/relief_tasks/"
SHIFTS = "/cms-admin/relief_shifts/"


@pytest.fixture
def member_of(site, member_of):
    """Members with their organization's CMS workspace, reading the admin in English."""

    def make(organization, role=Role.COORDINATOR, **user_fields):
        user = member_of(organization, role, **user_fields)
        organization_workspace_sync(organization=organization)
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save(update_fields=["preferred_language"])
        return user

    return make


def not_found(response, url) -> bool:
    return response.status_code == 404 or (
        response.status_code == 302 and response["Location"] == f"/zh-hans{url}"
    )


@pytest.fixture
def theirs(db):
    """Another organization's task, shift and an application waiting for approval."""
    other = OrganizationFactory(name="Other Relief")
    shift = ShiftFactory(
        task__organization=other, task__title="Their sandbagging", requires_approval=True
    )
    return shift, confirmed_volunteer(shift)


def test_a_coordinator_adds_a_task_then_two_weeks_of_weekday_shifts(
    client, organization, member_of
):
    coordinator = member_of(organization)
    skill = SkillFactory(code="cooking")
    client.force_login(coordinator)
    response = client.post(
        f"{TASKS}new/",
        {
            "organization": organization.pk,
            "title": "社区送餐 Meals on wheels",
            "description": "",
            "place": "武侯区 社区服务中心",
            "district": "510107",
            "urgency": "high",
            "required_skills": [skill.pk],
            "required_certificates": ["food_safety"],
        },
    )
    task = ReliefTask.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{SHIFTS}new/?task={task.pk}"
    assert list(task.required_skills.all()) == [skill]
    assert task.required_certificates == ["food_safety"]
    assert task.created_by == coordinator

    first_day = timezone.now().astimezone(SHANGHAI).date() + datetime.timedelta(days=3)
    weekdays = sorted({(first_day + datetime.timedelta(days=n)).weekday() for n in range(5)})
    response = client.post(
        f"{SHIFTS}new/",
        {
            "task": task.pk,
            "first_day": first_day.isoformat(),
            "start_time": "09:00",
            "end_time": "12:00",
            "days": 14,
            "weekdays": weekdays,
            "capacity": 6,
            "minimum": 2,
            "requires_approval": "on",
            "signup_opens_hours_before": 72,
            "cancel_cutoff_hours": 12,
            "coordinator": coordinator.pk,
        },
    )
    assert response.status_code == 302
    shifts = list(Shift.objects.filter(task=task))
    assert len(shifts) == 10  # five weekdays, two weeks
    assert {s.starts_at.astimezone(SHANGHAI).time() for s in shifts} == {datetime.time(9)}
    assert {s.duration for s in shifts} == {datetime.timedelta(hours=3)}
    assert all(s.requires_approval and s.coordinator == coordinator for s in shifts)
    listing = client.get(SHIFTS).content.decode()
    assert "0/6" in listing


def test_a_bad_series_is_refused_with_the_reason_and_creates_nothing(
    client, organization, member_of
):
    task = ReliefTaskFactory(organization=organization)
    client.force_login(member_of(organization))
    response = client.post(
        f"{SHIFTS}new/",
        {
            "task": task.pk,
            "first_day": "2020-01-01",
            "start_time": "12:00",
            "end_time": "09:00",
            "days": 14,
            "capacity": 2,
            "minimum": 5,
            "cancel_cutoff_hours": 24,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"end_time", "minimum"}
    assert not Shift.objects.exists()


def test_the_coordinator_approves_and_declines_applications_and_cancels_a_shift(
    client, organization, member_of, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = member_of(organization)
    shift = ShiftFactory(task__organization=organization, requires_approval=True, capacity=3)
    approved, declined = confirmed_volunteer(shift), confirmed_volunteer(shift)
    assert approved.status == SignupStatus.APPLIED
    client.force_login(coordinator)
    page = client.get(f"{SHIFTS}{shift.pk}/")
    assert page.status_code == 200
    assert f"/volunteer/roster/{shift.pk}/" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{SHIFTS}{shift.pk}/signups/{approved.pk}/approve/")
        client.post(f"{SHIFTS}{shift.pk}/signups/{declined.pk}/decline/", {"reason": "full"})
    approved.refresh_from_db()
    declined.refresh_from_db()
    assert approved.status == SignupStatus.CONFIRMED
    assert declined.status == SignupStatus.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{SHIFTS}{shift.pk}/cancel/", {"reason": "storm warning"})
    shift.refresh_from_db()
    approved.refresh_from_db()
    assert shift.is_cancelled and approved.status == SignupStatus.CANCELLED
    assert len(mailoutbox) == 3  # approved, declined, cancelled


def test_a_coordinator_never_sees_or_touches_another_organizations_tasks_and_shifts(
    client, organization, member_of, theirs
):
    their_shift, their_signup = theirs
    ours = ShiftFactory(task__organization=organization, task__title="Our meals")
    client.force_login(member_of(organization))
    tasks = client.get(TASKS).content.decode()
    shifts = client.get(SHIFTS).content.decode()
    assert "Our meals" in tasks and "Our meals" in shifts
    assert "Their sandbagging" not in tasks and "Their sandbagging" not in shifts
    assert "Other Relief" not in client.get(f"{SHIFTS}new/").content.decode()
    for url in (
        f"{SHIFTS}{their_shift.pk}/",
        f"{TASKS}{their_shift.task.pk}/",
    ):
        assert not_found(client.get(url), url)
    for url in (
        f"{SHIFTS}{their_shift.pk}/signups/{their_signup.pk}/approve/",
        f"{SHIFTS}{their_shift.pk}/signups/{their_signup.pk}/decline/",
        f"{SHIFTS}{their_shift.pk}/cancel/",
        # Our shift's URL with their sign-up is no way in either.
        f"{SHIFTS}{ours.pk}/signups/{their_signup.pk}/approve/",
    ):
        assert not_found(client.post(url), url)
    their_shift.refresh_from_db()
    their_signup.refresh_from_db()
    assert not their_shift.is_cancelled and their_signup.status == SignupStatus.APPLIED
    # Nor can a task be created for, or a series added to, their organization.
    client.post(
        f"{TASKS}new/",
        {
            "organization": their_shift.task.organization.pk,
            "title": "x",
            "place": "x",
            "district": "510107",
            "urgency": "normal",
        },
    )
    client.post(
        f"{SHIFTS}new/",
        {
            "task": their_shift.task.pk,
            "first_day": "2031-01-01",
            "start_time": "09:00",
            "end_time": "12:00",
            "days": 3,
            "capacity": 2,
            "minimum": 0,
            "cancel_cutoff_hours": 24,
        },
    )
    assert ReliefTask.objects.filter(organization=their_shift.task.organization).count() == 1
    assert Shift.objects.filter(task=their_shift.task).count() == 1


@pytest.mark.parametrize("role", [Role.EDITOR, Role.FINANCE])
def test_staff_without_shift_management_have_no_volunteer_admin(
    client, organization, member_of, role
):
    shift = ShiftFactory(task__organization=organization)
    client.force_login(member_of(organization, role))
    assert client.get(SHIFTS).status_code in (302, 403)
    assert client.get(f"{SHIFTS}new/").status_code in (302, 403)
    assert not_found(client.get(f"{SHIFTS}{shift.pk}/"), f"{SHIFTS}{shift.pk}/")


def test_a_coordinator_edits_a_task_but_not_its_organization(client, organization, member_of):
    task = ReliefTaskFactory(organization=organization, title="Meals")
    other = OrganizationFactory()
    client.force_login(member_of(organization))
    response = client.post(
        f"{TASKS}{task.pk}/",
        {
            "organization": other.pk,  # disabled field: ignored
            "title": "Meals and medicine",
            "place": "社区服务中心",
            "district": "510107",
            "urgency": "critical",
            "required_certificates": ["first_aid"],
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.urgency, task.organization) == (
        "Meals and medicine",
        "critical",
        organization,
    )
    assert task.required_certificates == ["first_aid"]


def test_a_coordinator_opens_a_tasks_edit_form(client, organization, member_of):
    """The form once failed to render: it linked to history and usage screens that do not exist."""
    task = ReliefTaskFactory(organization=organization, title="Meals")
    client.force_login(member_of(organization, Role.COORDINATOR))
    response = client.get(f"{TASKS}{task.pk}/")
    assert response.status_code == 200
    assert "Meals" in response.content.decode()
