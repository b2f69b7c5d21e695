"""cms.routing finds the page Wagtail's own routing finds, in fewer queries."""

import pytest
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, Site

from cms.routing import route_for_request, site_for_request

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
    illustrated = site.add_project(title="午餐")
    illustrated.hero_image = get_image_model().objects.create(
        title="photo", file=get_test_image_file(size=(64, 48))
    )
    illustrated.hero_image_alt = "孩子们在吃午餐"
    illustrated.save_revision().publish()
    return {"project": project, "update": update, "illustrated": illustrated}


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
        found, expected = fast_route(path, "zh-hans"), wagtail_route(path, "zh-hans")
        assert found == expected
        assert type(found) is type(expected) is type(Page.objects.get(pk=found.pk).specific)
        fields = [field.attname for field in type(found)._meta.concrete_fields]
        assert [getattr(found, name) for name in fields] == [
            getattr(expected, name) for name in fields
        ]
        assert found._state.db == expected._state.db and not found._state.adding
        assert_related_rows_loaded(found)


def fields_of(instance):
    return [getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields]


def assert_related_rows_loaded(page):
    """What serve_select_related names comes with the page, as select_related loads it."""
    for chain in getattr(type(page), "serve_select_related", ()):
        expected = type(page).objects.select_related(chain).get(pk=page.pk)
        found = page
        with CaptureQueriesContext(connection) as queries:
            for name in chain.split("__"):
                found, expected = getattr(found, name), getattr(expected, name)
                assert (found is None) == (expected is None), chain
                if found is None:
                    break
                assert type(found) is type(expected) and fields_of(found) == fields_of(expected)
                assert found._state.db == expected._state.db
        assert not queries.captured_queries, chain


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


def test_a_page_five_levels_down_takes_two_queries(site, pages):
    path = "/" + pages["update"].url_path.removeprefix(site.home.url_path)
    fast_route(path, "zh-hans")  # the site root paths reach the cache
    with CaptureQueriesContext(connection) as queries:
        assert fast_route(path, "zh-hans") == pages["update"]
    assert len(queries) == 2  # the page and its ancestors, the specific page (the site: cached)


def wagtail_site(host):
    return Site.find_for_request(RequestFactory().get("/", HTTP_HOST=host))


def cached_site(host):
    return site_for_request(RequestFactory().get("/", HTTP_HOST=host))


HOSTS = ["example.org", "example.org:8000", "www.example.org", "other.test", "other.test:8080"]


@pytest.mark.parametrize(
    "sites",
    [
        pytest.param([("example.org", 80, True)], id="one-default"),
        pytest.param([("example.org", 80, False)], id="one-not-default"),
        pytest.param([("example.org", 80, True), ("www.example.org", 80, False)], id="two"),
        pytest.param(
            [("example.org", 80, False), ("example.org", 8000, False), ("other.test", 80, True)],
            id="ports-and-a-default-elsewhere",
        ),
        pytest.param([("example.org", 8000, False), ("example.org", 8001, False)], id="no-default"),
        pytest.param(
            [("other.test", 80, True), ("example.org", 8080, False)], id="one-named-other-port"
        ),
    ],
)
def test_the_site_is_the_one_wagtail_chooses_for_every_host(sites):
    root = Page.get_first_root_node()
    Site.objects.all().delete()
    for hostname, port, is_default in sites:
        Site.objects.create(
            hostname=hostname, port=port, is_default_site=is_default, root_page=root
        )
    for host in HOSTS:
        assert cached_site(host) == wagtail_site(host), host


def test_a_changed_site_is_seen_at_once(site):
    cached_site("example.org")  # the sites reach the cache
    Site.objects.update(is_default_site=False)  # (no signal: the cache still has the old rows)
    assert cached_site("example.org") is not None
    current = Site.objects.get()
    current.save()  # saving sends post_save, which drops the cached rows
    assert cached_site("example.org") is None
    assert wagtail_site("example.org") is None
    current.is_default_site = True
    current.save()
    assert cached_site("example.org") == current
    current.delete()
    assert cached_site("example.org") is None
