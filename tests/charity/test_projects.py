import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from charity import services
from charity.exceptions import CharityError
from charity.models import Project, ProjectStatus, ProjectStatusChange, Role
from charity.regions import region_full_name
from tests.factories import OrganizationFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def new_project(actor, organization, **overrides):
    fields = {
        "title": "Winter coats",
        "goal_amount": 5_000_000,
        "fundraising_starts_at": timezone.now(),
        "fundraising_ends_at": timezone.now() + datetime.timedelta(days=30),
        "region": "110101",
        "beneficiary_groups": ["orphans", "disabilities"],
    }
    fields.update(overrides)
    return services.project_create(actor=actor, organization=organization, **fields)


def test_an_editor_drafts_a_project(organization, member_of):
    project = new_project(member_of(organization, Role.EDITOR), organization)
    assert project.status == ProjectStatus.DRAFT
    assert project.currency == "CNY"
    assert sorted(project.beneficiary_groups.values_list("code", flat=True)) == [
        "disabilities",
        "orphans",
    ]


def test_coordinators_and_outsiders_cannot_create_projects(
    organization, other_organization, member_of
):
    for actor in (
        member_of(organization, Role.COORDINATOR),
        member_of(other_organization, Role.OWNER),
    ):
        with pytest.raises(PermissionDenied):
            new_project(actor, organization)
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"goal_amount": 0}, "goal_amount"),
        (
            {"fundraising_ends_at": timezone.now() - datetime.timedelta(days=1)},
            "fundraising_ends_at",
        ),
        ({"currency": "EUR"}, "currency"),
    ],
)
def test_bad_project_details_are_refused_and_nothing_is_stored(
    organization, owner, overrides, field
):
    with pytest.raises(ValidationError) as raised:
        new_project(owner, organization, **overrides)
    assert field in raised.value.message_dict
    assert not Project.objects.exists()


def test_a_project_serves_at_least_one_known_group(organization, owner):
    for groups in ([], ["aliens"]):
        with pytest.raises(CharityError):
            new_project(owner, organization, beneficiary_groups=groups)
    assert not Project.objects.exists()


def test_only_the_owner_opens_fundraising_and_it_is_recorded(organization, owner, member_of):
    editor = member_of(organization, Role.EDITOR)
    project = new_project(editor, organization)
    with pytest.raises(PermissionDenied):
        services.project_set_status(actor=editor, project=project, status=ProjectStatus.FUNDRAISING)
    services.project_set_status(actor=owner, project=project, status=ProjectStatus.FUNDRAISING)
    project.refresh_from_db()
    assert project.status == ProjectStatus.FUNDRAISING
    change = ProjectStatusChange.objects.get(project=project)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "draft",
        "fundraising",
        owner,
    )


def test_an_unverified_organization_cannot_open_fundraising(member_of):
    organization = OrganizationFactory(unverified=True)
    owner = member_of(organization, Role.OWNER)
    project = new_project(owner, organization)
    with pytest.raises(PermissionDenied):
        services.project_set_status(actor=owner, project=project, status=ProjectStatus.FUNDRAISING)
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT


def test_public_fundraising_needs_the_filing_number(member_of):
    organization = OrganizationFactory(
        has_public_fundraising=True, public_fundraising_certificate="X-1"
    )
    owner = member_of(organization, Role.OWNER)
    project = new_project(owner, organization)
    with pytest.raises(CharityError) as raised:
        services.project_set_status(actor=owner, project=project, status=ProjectStatus.FUNDRAISING)
    assert "public_fundraising_filing_number" in raised.value.message_dict
    services.project_update(
        actor=owner, project=project, public_fundraising_filing_number="53A24001"
    )
    services.project_set_status(actor=owner, project=project, status=ProjectStatus.FUNDRAISING)


def test_status_moves_only_along_the_pipeline(organization, owner):
    project = new_project(owner, organization)
    with pytest.raises(CharityError):
        services.project_set_status(actor=owner, project=project, status=ProjectStatus.COMPLETED)
    for status in (ProjectStatus.FUNDRAISING, ProjectStatus.CLOSED, ProjectStatus.COMPLETED):
        services.project_set_status(actor=owner, project=project, status=status)
    with pytest.raises(CharityError):
        services.project_set_status(actor=owner, project=project, status=ProjectStatus.FUNDRAISING)
    assert ProjectStatusChange.objects.filter(project=project).count() == 3


def test_setting_the_same_status_changes_nothing(organization, owner):
    project = ProjectFactory(organization=organization)
    services.project_set_status(actor=owner, project=project, status=ProjectStatus.FUNDRAISING)
    assert not ProjectStatusChange.objects.exists()


def test_donations_are_accepted_only_inside_the_window_while_fundraising(organization):
    now = timezone.now()
    project = ProjectFactory(organization=organization)
    assert project.accepts_donations(now)
    assert not project.accepts_donations(project.fundraising_ends_at)
    assert not project.accepts_donations(
        project.fundraising_starts_at - datetime.timedelta(seconds=1)
    )
    project.status = ProjectStatus.CLOSED
    assert not project.accepts_donations(now)
    unverified = ProjectFactory(organization=OrganizationFactory(unverified=True))
    assert not unverified.accepts_donations(now)


def test_region_names_come_from_the_division_table():
    assert region_full_name("510107") == "四川省 成都市 武侯区"
    assert region_full_name("110101") == "北京市 东城区"
    assert region_full_name("510000") == "四川省"
