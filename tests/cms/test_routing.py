"""cms.routing finds the page Wagtail's own routing finds, in fewer queries."""

import pytest
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Page, Site

from cms.routing import route_for_request

pytestmark = pytest.mark.django_db


def wagtail_route(path, language):
    """What Wagtail's routing alone makes of `path`: the page, or None for a 404."""
    request = RequestFactory().get("/")
    with translation.override(language):
        site = Site.find_for_request(request)
        try:
            return site.root_page.localized.specific.route(request, path.split("/")[1:-1]).page
        except Http404:
            return None


def fast_route(path, language):
    request = RequestFactory().get("/")
    with translation.override(language):
        route = route_for_request(request, path.lstrip("/"))
    if route is NotImplemented:
        return NotImplemented
    return route.page if route else None


@pytest.fixture
def pages(site):
    project = site.add_project(title="冬衣")
    update = site.add_update(project, 1)
    return {"project": project, "update": update}


def paths(site, pages):
    home = site.home.url_path
    return [
        "/",
        *(
            "/" + page.url_path.removeprefix(home)
            for page in (site.index, site.org_page, site.org_index, *pages.values())
        ),
    ]


def test_it_finds_what_wagtail_finds_at_every_depth(site, pages):
    for path in paths(site, pages):
        found = fast_route(path, "zh-hans")
        assert found == wagtail_route(path, "zh-hans")
        assert type(found) is type(Page.objects.get(pk=found.pk).specific)


def test_a_missing_or_unpublished_page_is_left_to_wagtail_which_answers_404(client, site, pages):
    assert fast_route("/organizations/nobody/", "zh-hans") is NotImplemented
    site.org_index.unpublish()
    for path in paths(site, pages)[4:]:  # the organization's index and what is below it
        assert fast_route(path, "zh-hans") is NotImplemented
        assert wagtail_route(path, "zh-hans") is None
        assert client.get("/zh-hans" + path).status_code == 404


def test_each_language_gets_its_own_home_page_or_wagtail_decides(client, site):
    english = site.home.get_translation(site.home.get_translations().get().locale)
    assert fast_route("/", "en") == english
    assert "Home title" in client.get("/en/").content.decode()
    english.unpublish()
    # Wagtail then serves the original home page: cms.routing leaves the choice to it.
    assert fast_route("/", "en") is NotImplemented
    assert wagtail_route("/", "en") == site.home
    assert "首页标题" in client.get("/en/").content.decode()


def test_a_page_five_levels_down_takes_three_queries(site, pages):
    path = "/" + pages["update"].url_path.removeprefix(site.home.url_path)
    fast_route(path, "zh-hans")  # the site root paths reach the cache
    with CaptureQueriesContext(connection) as queries:
        assert fast_route(path, "zh-hans") == pages["update"]
    assert len(queries) == 3  # the site, the page and its ancestors, the specific page
