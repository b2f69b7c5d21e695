"""A project page's volunteer slot: the upcoming shifts of the project's relief tasks."""

import datetime

import pytest
from django.utils import timezone

from charity.models import Role
from tests.volunteers.factories import ShiftFactory, VolunteerProfileFactory
from volunteers import services

pytestmark = pytest.mark.django_db


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.headers.get("X-Page-Cache"), response.content.decode()


@pytest.fixture
def project_page(site):
    return site.add_project(title="冬衣计划")


def shift_for(project, days=3, **fields):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    return ShiftFactory(
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        task__organization=project.organization,
        task__project=project,
        **fields,
    )


def test_the_page_lists_the_projects_upcoming_shifts(client, site, project_page, member_of):
    project = project_page.project
    shift = shift_for(project, task__title="分拣冬衣", capacity=8)
    shift_for(project, days=-1, task__title="昨天的班")
    other = site.add_project(title="别的项目").project
    shift_for(other, task__title="别的项目的班")
    called_off = shift_for(project, days=4, task__title="取消的班")
    services.shift_cancel(actor=member_of(project.organization, Role.COORDINATOR), shift=called_off)
    _state, body = read(client, project_page.url)
    assert "分拣冬衣" in body
    assert f'href="/zh-hans/volunteer/shifts/{shift.pk}/"' in body
    for hidden in ("昨天的班", "别的项目的班", "取消的班"):
        assert hidden not in body
    assert "Volunteer shifts for this project are listed here" not in body


def test_without_shifts_the_slot_says_where_they_will_appear(client, project_page):
    _state, body = read(client, project_page.url)
    assert 'id="volunteer"' in body


def test_a_sign_up_refreshes_the_cached_page(
    client, project_page, django_capture_on_commit_callbacks
):
    shift = shift_for(project_page.project, capacity=5)
    url = project_page.url
    read(client, url)
    state, body = read(client, url)
    assert state == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=shift)
    state, body = read(client, url)
    assert state == "miss"
    assert shift.task.title in body


def test_a_new_shift_refreshes_the_cached_page(client, project_page):
    url = project_page.url
    read(client, url)
    assert read(client, url)[0] == "hit"
    shift = shift_for(project_page.project, task__title="新增的班")
    state, body = read(client, url)
    assert state == "miss"
    assert "新增的班" in body
    assert shift.pk


def test_the_page_stays_within_its_query_budget_with_shifts(
    client, settings, project_page, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    for days in range(1, 8):
        shift_for(project_page.project, days=days)
    client.get(project_page.url)
    with django_assert_max_num_queries(12):
        response = client.get(project_page.url)
    assert len(response.context["shifts"]) == 5


def test_approving_hours_refreshes_the_home_pages_volunteer_hours(client, site, member_of):
    from tests.volunteers.on_the_day import confirmed_volunteer, move
    from volunteers import attendance

    shift = shift_for(site.add_project(title="冬衣计划").project)
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-datetime.timedelta(hours=4), hours=3)
    url = site.home.url
    read(client, url)
    assert read(client, url)[0] == "hit"
    coordinator = member_of(shift.task.organization, Role.COORDINATOR)
    attendance.signup_hours_approve(actor=coordinator, signup=signup)
    state, body = read(client, url)
    assert state == "miss"
    assert platform_hours(body) == 3


def platform_hours(body: str) -> int:
    """The number shown above the home page's "volunteer hours" label."""
    import re

    value = re.search(r'stat__value">([\d,]+)</div><div class="stat__label">[^<]*志愿', body)
    return int(value.group(1).replace(",", ""))
