"""cms.selectors makes the links Wagtail makes, without loading the pages."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from wagtail.models import Page, Site

from cms.selectors import url_of

pytestmark = pytest.mark.django_db


def every_page():
    return list(Page.objects.exclude(depth=1).order_by("path"))


def assert_same_urls(host, language):
    """url_of, asked for every page on one request (so that it reuses what it found), gives
    Page.get_url's URL for each, from a fresh request."""
    request = RequestFactory().get("/", HTTP_HOST=host)
    with translation.override(language):
        for page in every_page():
            expected = page.get_url(RequestFactory().get("/", HTTP_HOST=host))
            assert url_of(page.url_path, request) == expected, (host, language, page.url_path)
            assert url_of(page.url_path) == page.get_url(), page.url_path


def test_every_page_in_each_language(site):
    update = site.add_update(site.add_project(title="冬衣"), 1)
    update.slug = "冬衣-第一次发放"  # reverse() quotes it: so must url_of
    update.save_revision().publish()
    for language in ("zh-hans", "en"):
        assert_same_urls("localhost", language)


def test_with_a_second_site_rooted_inside_the_first(site):
    """The pages from a project page down belong to both sites: which URL they get depends on
    the host asked, as Wagtail decides it."""
    project = site.add_project(title="冬衣")
    update = site.add_update(project, 1)
    Site.objects.create(hostname="winter.example.org", port=80, root_page=project)
    urls = {
        host: url_of(update.url_path, RequestFactory().get("/", HTTP_HOST=host))
        for host in ("localhost", "winter.example.org")
    }
    assert urls["localhost"] != urls["winter.example.org"]
    for host in urls:
        assert_same_urls(host, "zh-hans")


def test_a_page_no_site_reaches_has_no_url(site):
    project = site.add_project(title="冬衣")
    Site.objects.all().delete()
    request = RequestFactory().get("/")
    assert url_of(project.url_path, request) is None
    assert url_of(site.home.url_path, request) is None
