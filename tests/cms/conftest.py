import datetime

import pytest
from django.utils import timezone
from wagtail.models import Locale

from cms.models import (
    CharityProjectPage,
    OrganizationIndexPage,
    OrganizationPage,
    ProjectIndexPage,
    ProjectUpdatePage,
)
from cms.services import site_home_ensure
from tests.factories import ProjectFactory

HOME = {
    "zh-hans": {"title": "善心", "hero_title": "首页标题"},
    "en": {"title": "Shanxin", "hero_title": "Home title"},
}


def publish_child(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


class Site:
    """A small published site: home, the all-projects index, one organization with its index."""

    def __init__(self, organization):
        self.home = site_home_ensure(translations=HOME)
        self.locale = self.home.locale
        self.index = publish_child(self.home, ProjectIndexPage(title="项目", slug="projects"))
        org_index = publish_child(
            self.home, OrganizationIndexPage(title="机构", slug="organizations")
        )
        self.org_page = publish_child(
            org_index,
            OrganizationPage(
                title=organization.name, slug=organization.slug, organization=organization
            ),
        )
        self.org_index = publish_child(
            self.org_page, ProjectIndexPage(title="我们的项目", slug="projects")
        )
        self.organization = organization

    def add_project(
        self, *, title="项目", summary="摘要", organization=None, index=None, **project_fields
    ):
        project = ProjectFactory(
            organization=organization or self.organization, title=title, **project_fields
        )
        return publish_child(
            index or self.org_index,
            CharityProjectPage(
                title=title, slug=f"p{project.pk}", project=project, summary=summary
            ),
        )

    def add_update(self, project_page, n):
        return publish_child(
            project_page,
            ProjectUpdatePage(
                title=f"Update {n}",
                slug=f"u{n}",
                date=timezone.now().date() - datetime.timedelta(days=n),
                body="<p>News</p>",
            ),
        )


@pytest.fixture
def site(organization):
    Locale.objects.get_or_create(language_code="en")
    return Site(organization)
