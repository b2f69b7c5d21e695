"""Organization staff manage their projects in the Wagtail admin, and only theirs."""

import datetime

import pytest
from django.utils import timezone

from charity.models import Project, ProjectStatus, ProjectStatusChange, Role
from cms.workspaces import organization_workspace_sync
from tests.factories import OrganizationFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_of(site, member_of):
    """Members whose organization has its CMS workspace (admin access follows membership)."""

    def make(organization, role=Role.EDITOR, **user_fields):
        user = member_of(organization, role, **user_fields)
        organization_workspace_sync(organization=organization)
        return user

    return make


def form_data(organization, **overrides):
    now = timezone.localtime()
    data = {
        "organization": organization.pk,
        "title": "Winter coats",
        "goal": "12000.50",
        "currency": "CNY",
        "fundraising_starts_at": (now).strftime("%Y-%m-%d %H:%M"),
        "fundraising_ends_at": (now + datetime.timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
        "region": "110101",
        "beneficiary_groups": ["orphans"],
        "public_fundraising_filing_number": "",
    }
    data.update(overrides)
    return data


def test_an_editor_creates_a_draft_project_in_fen(client, organization, member_of):
    editor = member_of(organization, Role.EDITOR)
    client.force_login(editor)
    assert client.get("/cms-admin/projects/new/").status_code == 200
    response = client.post("/cms-admin/projects/new/", form_data(organization))
    assert response.status_code == 302, response.context["form"].errors
    project = Project.objects.get(title="Winter coats")
    assert project.goal_amount == 1_200_050
    assert project.status == ProjectStatus.DRAFT
    assert list(project.beneficiary_groups.values_list("code", flat=True)) == ["orphans"]


def test_the_listing_shows_only_the_users_organizations_projects(client, organization, member_of):
    mine = ProjectFactory(organization=organization, title="ours")
    ProjectFactory(organization=OrganizationFactory(), title="theirs")
    client.force_login(member_of(organization, Role.FINANCE))
    response = client.get("/cms-admin/projects/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "ours" in body
    assert "theirs" not in body
    assert client.get(f"/cms-admin/projects/edit/{mine.pk}/").status_code == 200


def test_another_organizations_project_is_404_and_stays_unchanged(client, organization, member_of):
    theirs = ProjectFactory(organization=OrganizationFactory(), title="theirs")
    client.force_login(member_of(organization, Role.OWNER))
    url = f"/cms-admin/projects/edit/{theirs.pk}/"
    # The admin's 404 passes through LocaleMiddleware's redirect to a language prefix first.
    assert client.get(url, follow=True).status_code == 404
    response = client.post(url, form_data(theirs.organization, title="hijacked"), follow=True)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "theirs"


def test_another_organizations_project_history_is_404(client, organization, member_of):
    """Its log names who changed what and when: another organization's owner once read it."""
    theirs = ProjectFactory(organization=OrganizationFactory(), title="theirs")
    client.force_login(member_of(organization, Role.OWNER))
    for view in ("history", "history-results", "usage"):
        url = f"/cms-admin/projects/{view}/{theirs.pk}/"
        assert client.get(url, follow=True).status_code == 404, url
    mine = ProjectFactory(organization=organization)
    assert client.get(f"/cms-admin/projects/history/{mine.pk}/").status_code == 200


def test_a_project_cannot_be_created_for_another_organization(client, organization, member_of):
    other = OrganizationFactory()
    client.force_login(member_of(organization, Role.OWNER))
    response = client.post("/cms-admin/projects/new/", form_data(other))
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not Project.objects.exists()


def test_coordinators_and_outsiders_have_no_project_admin(client, organization, member_of):
    project = ProjectFactory(organization=organization)
    for user in (member_of(organization, Role.COORDINATOR), UserFactory()):
        client.force_login(user)
        assert client.get("/cms-admin/projects/").status_code in (302, 403)
        assert client.get(f"/cms-admin/projects/edit/{project.pk}/").status_code in (302, 403, 404)


def test_an_editor_cannot_open_fundraising_the_owner_can(client, organization, member_of):
    project = ProjectFactory(organization=organization, status=ProjectStatus.DRAFT, title="draft")
    url = f"/cms-admin/projects/edit/{project.pk}/"
    data = form_data(organization, title="draft", status=ProjectStatus.FUNDRAISING)
    client.force_login(member_of(organization, Role.EDITOR))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT
    client.force_login(member_of(organization, Role.OWNER))
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.FUNDRAISING
    assert ProjectStatusChange.objects.filter(project=project).count() == 1


def test_bad_money_input_is_refused(client, organization, member_of):
    client.force_login(member_of(organization, Role.OWNER))
    for goal in ("0", "-5", "abc", "1.234"):
        response = client.post("/cms-admin/projects/new/", form_data(organization, goal=goal))
        assert response.status_code == 200
        assert "goal" in response.context["form"].errors
    assert not Project.objects.exists()
