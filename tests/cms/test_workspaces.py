"""Each organization's staff edit its own pages in the Wagtail admin and nothing else."""

import pytest
from wagtail.models import Page

from charity import services as charity_services
from charity.models import Role
from cms.models import CharityProjectPage, OrganizationPage, ProjectIndexPage
from cms.workspaces import organization_workspace_sync
from tests.cms.conftest import publish_child
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orgs(site, member_of):
    """Organization A (the site fixture's) and B, each with an owner, an editor and a project page."""
    a, b = site.organization, OrganizationFactory()
    org_index = site.org_page.get_parent()
    b_page = publish_child(org_index, OrganizationPage(title=b.name, slug=b.slug, organization=b))
    b_index = publish_child(b_page, ProjectIndexPage(title="B projects", slug="projects"))
    people = {}
    for org in (a, b):
        people[org.pk] = {
            role: member_of(org, role) for role in (Role.OWNER, Role.EDITOR, Role.FINANCE)
        }
        organization_workspace_sync(organization=org)
    return {
        "a": a,
        "b": b,
        "a_page": site.add_project(title="A 的项目", organization=a),
        "b_page": site.add_project(title="B 的项目", organization=b, index=b_index),
        "a_index": site.org_index,
        "b_index": b_index,
        "people": people,
    }


def edit_url(page):
    return f"/cms-admin/pages/{page.pk}/edit/"


def test_an_editor_edits_her_organizations_pages(client, two_orgs):
    editor = two_orgs["people"][two_orgs["a"].pk][Role.EDITOR]
    client.force_login(editor)
    assert client.get("/cms-admin/").status_code == 200
    assert client.get(edit_url(two_orgs["a_page"])).status_code == 200
    add = f"/cms-admin/pages/add/cms/charityprojectpage/{two_orgs['a_index'].pk}/"
    assert client.get(add).status_code == 200


@pytest.mark.parametrize("role", [Role.EDITOR, Role.OWNER])
def test_staff_of_one_organization_cannot_touch_anothers_pages(client, two_orgs, role):
    intruder = two_orgs["people"][two_orgs["a"].pk][role]
    target = two_orgs["b_page"]
    client.force_login(intruder)
    assert client.get(edit_url(target)).status_code in (302, 403)
    response = client.post(
        edit_url(target), {"title": "hacked", "slug": target.slug, "action-publish": "1"}
    )
    assert response.status_code in (302, 403)
    target.refresh_from_db()
    assert target.title == "B 的项目"
    for url in (
        f"/cms-admin/pages/add/cms/charityprojectpage/{two_orgs['b_index'].pk}/",
        f"/cms-admin/pages/{target.pk}/delete/",
        f"/cms-admin/pages/{target.pk}/unpublish/",
        f"/cms-admin/pages/{target.pk}/move/",
    ):
        assert client.get(url).status_code in (302, 403), url
    assert Page.objects.filter(pk=target.pk, live=True).exists()


def test_the_project_chooser_offers_only_the_organizations_own_projects(client, two_orgs):
    editor = two_orgs["people"][two_orgs["a"].pk][Role.EDITOR]
    client.force_login(editor)
    response = client.get(f"/cms-admin/pages/add/cms/charityprojectpage/{two_orgs['a_index'].pk}/")
    choices = response.context["form"].fields["project"].queryset
    assert {project.organization_id for project in choices} == {two_orgs["a"].pk}


def test_editors_cannot_publish_owners_approve(two_orgs):
    page = two_orgs["a_page"]
    people = two_orgs["people"][two_orgs["a"].pk]
    assert not page.permissions_for_user(people[Role.EDITOR]).can_publish()
    assert page.permissions_for_user(people[Role.EDITOR]).can_edit()
    assert page.permissions_for_user(people[Role.OWNER]).can_publish()
    workflow = page.get_workflow()
    approvers = {
        user
        for task in workflow.tasks.all()
        for group in task.specific.groups.all()
        for user in group.user_set.all()
    }
    assert approvers == {people[Role.OWNER]}


def test_finance_staff_and_outsiders_have_no_page_rights(client, two_orgs):
    page = two_orgs["a_page"]
    for user in (two_orgs["people"][two_orgs["a"].pk][Role.FINANCE], UserFactory()):
        assert not page.permissions_for_user(user).can_edit()
        client.force_login(user)
        assert client.get(edit_url(page)).status_code in (302, 403)


def test_membership_changes_follow_into_the_cms(two_orgs, django_capture_on_commit_callbacks):
    a = two_orgs["a"]
    owner = two_orgs["people"][a.pk][Role.OWNER]
    editor = two_orgs["people"][a.pk][Role.EDITOR]
    membership = editor.memberships.get(organization=a)
    with django_capture_on_commit_callbacks(execute=True):
        charity_services.membership_remove(actor=owner, membership=membership)
    editor.refresh_from_db()
    assert not two_orgs["a_page"].permissions_for_user(editor).can_edit()


def test_verification_gives_a_new_organization_its_workspace(
    site, platform_admin, member_of, django_capture_on_commit_callbacks
):
    newcomer = OrganizationFactory(unverified=True)
    owner = member_of(newcomer, Role.OWNER)
    assert organization_workspace_sync(organization=newcomer) is None
    with django_capture_on_commit_callbacks(execute=True):
        charity_services.organization_verify(actor=platform_admin, organization=newcomer)
    pages = OrganizationPage.objects.filter(organization=newcomer)
    assert {page.locale.language_code for page in pages} == {"zh-hans", "en"}
    assert pages.first().permissions_for_user(owner).can_publish()
    assert not CharityProjectPage.objects.filter(project__organization=newcomer).exists()
