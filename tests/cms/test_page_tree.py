import pytest

from cms.models import (
    CharityProjectPage,
    HomePage,
    OrganizationIndexPage,
    OrganizationPage,
    ProjectIndexPage,
    ProjectUpdatePage,
    StandardPage,
)

ALLOWED = [
    (HomePage, ProjectIndexPage),
    (HomePage, OrganizationIndexPage),
    (HomePage, StandardPage),
    (OrganizationIndexPage, OrganizationPage),
    (OrganizationPage, ProjectIndexPage),
    (ProjectIndexPage, CharityProjectPage),
    (CharityProjectPage, ProjectUpdatePage),
    (StandardPage, StandardPage),
]

REFUSED = [
    (HomePage, CharityProjectPage),
    (HomePage, OrganizationPage),
    (HomePage, HomePage),
    (ProjectIndexPage, ProjectUpdatePage),
    (ProjectIndexPage, ProjectIndexPage),
    (OrganizationIndexPage, CharityProjectPage),
    (CharityProjectPage, CharityProjectPage),
    (ProjectUpdatePage, ProjectUpdatePage),
    (StandardPage, CharityProjectPage),
]


@pytest.mark.parametrize(("parent", "child"), ALLOWED)
def test_pages_can_be_created_where_they_belong(parent, child):
    assert child in parent.allowed_subpage_models()
    assert parent in child.allowed_parent_page_models()


@pytest.mark.parametrize(("parent", "child"), REFUSED)
def test_pages_cannot_be_created_elsewhere(parent, child):
    assert child not in parent.allowed_subpage_models()


@pytest.mark.django_db
def test_one_project_index_per_parent(site):
    assert not ProjectIndexPage.can_create_at(site.home)
    assert not ProjectIndexPage.can_create_at(site.org_page)


@pytest.mark.django_db
def test_a_project_has_one_page_per_language(site):
    from django.core.exceptions import ValidationError

    page = site.add_project(title="冬衣")
    duplicate = CharityProjectPage(title="again", slug="again", project=page.project, summary="x")
    with pytest.raises(ValidationError) as raised:
        site.org_index.add_child(instance=duplicate)
    assert "project" in raised.value.message_dict


@pytest.mark.django_db
def test_a_page_under_an_unpublished_parent_is_not_served(client, site):
    page = site.add_project(title="冬衣")
    assert client.get(page.url).status_code == 200
    site.org_index.unpublish()
    assert client.get(page.url).status_code == 404
    assert client.get("/zh-hans/organizations/nobody/projects/x/").status_code == 404
