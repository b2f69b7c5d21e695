"""What an uncached page costs, and that the shortcuts taken for it change nothing readers see."""

import pytest
from django.db import connection
from django.template.defaultfilters import striptags, truncatechars
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction
from wagtail.templatetags.wagtailcore_tags import richtext

from cms.models import ProjectUpdatePage
from cms.selectors import CARD_IMAGE
from tests.cms.conftest import publish_child

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def with_image(page):
    page.hero_image = get_image_model().objects.create(
        title="photo", file=get_test_image_file(size=(800, 600))
    )
    page.hero_image_alt = "孩子们在吃午餐"
    page.save_revision().publish()
    return page


@pytest.fixture
def filled_site(site):
    """Pages with all a project page shows: a picture, gifts, spending with its receipt, updates
    and upcoming volunteer shifts."""
    from tests.charity.test_expenditures import finance_of, give, spend
    from tests.cms.test_project_volunteer_slot import shift_for

    for n in range(3):
        page = site.add_project(title=f"项目{n}", is_featured=True)
        site.add_update(page, n)
    with_image(page)
    project = page.project
    clerk, colleague = finance_of(project.organization), finance_of(project.organization)
    give(project, 50_000, actor=clerk)
    spend(project, 12_000, creator=clerk, approver=colleague, documents=[receipt()])
    shift_for(project, days=2)
    shift_for(project, days=3)
    return site


def receipt():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("invoice.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


@pytest.mark.parametrize("name", ["home", "index", "project"])
def test_a_page_takes_at_most_twelve_queries(
    client, filled_site, django_assert_max_num_queries, name
):
    url = {"home": "/zh-hans/", "index": "/zh-hans/projects/"}.get(name)
    if name == "project":  # the one with a picture
        url = client.get("/zh-hans/projects/").context["listing"].cards[0].url
    client.get(url)  # Wagtail's per-process caches (site root paths, renditions) warm up
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    if name == "project":  # the breadcrumb, read along with the page, leads to its index
        index = filled_site.org_index
        assert f'<a href="{index.url}">{index.title}</a></nav>' in response.content.decode()


def test_cards_show_their_pictures_whether_or_not_the_renditions_are_cached(client, site):
    page = with_image(site.add_project(title="午餐", is_featured=True))
    cold = client.get("/zh-hans/projects/").content.decode()
    rendition = page.hero_image.renditions.get(filter_spec=CARD_IMAGE)
    assert rendition.url in cold
    assert 'alt="孩子们在吃午餐"' in cold
    rendition.purge_from_cache()
    with CaptureQueriesContext(connection) as uncached:
        assert rendition.url in client.get("/zh-hans/projects/").content.decode()
    with CaptureQueriesContext(connection) as cached:
        assert rendition.url in client.get("/zh-hans/projects/").content.decode()
    # The renditions the cache lacks come in one query; a warm cache needs none.
    assert len(uncached) == len(cached) + 1
    assert rendition.url in client.get("/zh-hans/").content.decode()
    body = client.get(page.url).content.decode()
    assert 'alt="孩子们在吃午餐"' in body
    assert 'property="og:image"' in body


def test_a_picture_whose_file_is_gone_leaves_its_cards_and_page_standing(client, site):
    """As the {% image %} tag does: a stand-in, not a server error."""
    page = with_image(site.add_project(title="午餐", is_featured=True))
    page.hero_image.renditions.all().delete()
    page.hero_image.file.storage.delete(page.hero_image.file.name)
    for url in ("/zh-hans/projects/", "/zh-hans/", site.org_page.url, page.url):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "午餐" in response.content.decode()


def test_links_to_pages_with_chinese_slugs_are_the_ones_wagtail_makes(client, site):
    """Wagtail's editor makes slugs from titles, in Chinese too; links built from a page's own
    URL are quoted as Page.get_url quotes them."""
    page = site.add_project(title="冬衣")
    update = publish_child(
        page,
        ProjectUpdatePage(
            title="第一批", slug="第一批冬衣", date=timezone.now().date(), body="<p>新闻</p>"
        ),
    )
    assert "%E7%AC%AC" in update.url
    for url in (page.url, "/zh-hans/"):
        assert f'href="{update.url}"' in client.get(url).content.decode()


def test_home_links_organizations_projects_and_updates(client, site):
    page = site.add_project(title="冬衣", is_featured=True)
    site.add_update(page, 1)
    body = client.get("/zh-hans/").content.decode()
    assert f'href="{site.org_page.url}"' in body
    assert 'class="button button--secondary" href="/zh-hans/projects/"' in body
    assert "Update 1" in body and "冬衣" in body
    site.index.unpublish()
    assert 'href="/zh-hans/projects/"' not in client.get("/zh-hans/").content.decode()


def test_a_project_page_links_back_to_its_index(client, site):
    page = site.add_project(title="冬衣")
    body = client.get(page.url).content.decode()
    assert f'<a href="{site.org_index.url}">{site.org_index.title}</a>' in body


@pytest.mark.parametrize("restricted", ["self", "ancestor", "alias source"])
def test_private_pages_stay_private(client, site, restricted):
    page = site.add_project(title="冬衣")
    url = page.url
    if restricted == "self":
        PageViewRestriction.objects.create(page=page, restriction_type="login")
    elif restricted == "ancestor":
        PageViewRestriction.objects.create(page=site.org_page, restriction_type="login")
    else:
        # An alias follows its source page's restrictions.
        alias = site.org_index.create_alias(parent=site.home, update_slug="alias-projects")
        PageViewRestriction.objects.create(page=site.org_index, restriction_type="login")
        url = "/zh-hans/alias-projects/"
        assert alias.live
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]
    PageViewRestriction.objects.all().delete()
    assert client.get(url).status_code == 200


def test_a_restricted_home_page_stays_private(client, site):
    PageViewRestriction.objects.create(page=site.home, restriction_type="login")
    assert client.get("/zh-hans/").status_code == 302
    assert client.get(site.index.url).status_code == 302


def test_a_project_page_lists_its_updates_with_their_links_and_plain_text(client, site):
    page = site.add_project(title="冬衣")
    update = site.add_update(page, 1)
    update.body = (
        f'<p>Tom &amp; Jerry <b>bought</b> <a linktype="page" id="{site.index.pk}">coats</a></p>'
        f"<p>{'很长的动态。' * 40}</p>"
    )
    update.save_revision().publish()
    body = client.get(page.url).content.decode()
    assert f'<h3><a href="{update.url}">{update.title}</a></h3>' in body
    # What the page shows is the update's rich text with its tags stripped, cut at 160 characters.
    excerpt = truncatechars(striptags(richtext(update.body)), 160)
    assert f'<div class="muted">{excerpt}</div>' in body
    assert "Tom &amp; Jerry bought coats" in body
