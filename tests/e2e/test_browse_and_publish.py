"""Browse, filter, search and open a project; an editor's page goes live once the owner approves."""

import re

import pytest
from playwright.sync_api import Page, expect

from charity.models import Role
from cms.models import CharityProjectPage
from cms.workspaces import organization_workspace_sync
from tests.cms.conftest import Site
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]


@pytest.fixture
def published_site(migrated_rows):
    organization = OrganizationFactory(name="山川儿童中心")
    site = Site(organization)
    site.add_project(
        title="留守儿童营养午餐",
        summary="每天五元，让孩子吃上午餐",
        groups=["left_behind_children"],
    )
    site.add_project(
        title="残疾人康复辅具", summary="轮椅与助行器", groups=["disabilities"], region="110101"
    )
    site.add_project(title="暴雨洪灾紧急救援", summary="饮用水和食品", groups=["disaster_victims"])
    return site


def test_browse_filter_search_and_open_a_project(
    live_server, page: Page, screenshot, published_site
):
    page.goto(f"{live_server.url}/zh-hans/projects/")
    expect(page.locator(".project-card")).to_have_count(3)
    screenshot("index", page)

    page.get_by_label("受益群体").select_option("disabilities")
    page.get_by_role("button", name="查看项目").click()
    expect(page.locator(".project-card")).to_have_count(1)
    expect(page.locator(".project-card h3")).to_have_text("残疾人康复辅具")
    screenshot("filtered", page)

    page.goto(f"{live_server.url}/zh-hans/projects/")
    page.get_by_label("搜索").fill("儿童")
    page.get_by_role("button", name="查看项目").click()
    expect(page.locator(".project-card")).to_have_count(1)
    screenshot("searched", page)

    page.locator(".project-card h3 a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("留守儿童营养午餐")
    expect(page.get_by_role("progressbar").first).to_be_visible()
    screenshot("project", page)


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/en/me/$"))


def test_an_editor_writes_a_project_page_and_the_owner_publishes_it(
    live_server, browser, screenshot, published_site
):
    site = published_site
    organization = site.organization
    editor = UserFactory(email="editor@example.org")
    owner = UserFactory(email="owner@example.org")
    MembershipFactory(user=editor, organization=organization, role=Role.EDITOR)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER)
    organization_workspace_sync(organization=organization)
    project = ProjectFactory(organization=organization, title="冬衣")

    editor_page = browser.new_page()
    log_in(editor_page, live_server, editor)
    editor_page.goto(
        f"{live_server.url}/cms-admin/pages/add/cms/charityprojectpage/{site.org_index.pk}/"
    )
    editor_page.locator("#id_title").fill("为低保家庭送冬衣")
    editor_page.locator("#id_project").select_option(str(project.pk))
    editor_page.locator("#id_summary").fill("三百件冬衣送到低保家庭")
    screenshot("editor-writes", editor_page)
    # Editors cannot publish: they submit to the organization's owner.
    expect(editor_page.get_by_role("button", name=re.compile("^Publish$"))).to_have_count(0)
    editor_page.locator("button.dropdown-toggle, [data-w-dropdown-target=toggle]").last.click()
    editor_page.get_by_role("button", name=re.compile("Submit to")).click()
    expect(editor_page.locator(".messages")).to_contain_text("submitted")
    draft = CharityProjectPage.objects.get(title="为低保家庭送冬衣")
    assert not draft.live

    owner_page = browser.new_page()
    log_in(owner_page, live_server, owner)
    owner_page.goto(f"{live_server.url}/cms-admin/pages/{draft.pk}/edit/")
    owner_page.locator("button.dropdown-toggle, [data-w-dropdown-target=toggle]").last.click()
    owner_page.get_by_role("button", name=re.compile("^Approve")).first.click()
    draft.refresh_from_db()
    assert draft.live

    visitor = browser.new_page()
    visitor.goto(f"{live_server.url}/zh-hans/projects/")
    expect(visitor.get_by_role("link", name="为低保家庭送冬衣")).to_be_visible()
