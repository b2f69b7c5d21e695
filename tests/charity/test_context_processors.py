"""The site chrome's context: the same page in each language, and the header's language switch."""

import pytest
from django.test import override_settings
from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns
from tests.cms.conftest import Site

pytestmark = pytest.mark.django_db

# The site's URLs plus Django's set_language view (used as ROOT_URLCONF below).
urlpatterns = [path("i18n/", include("django.conf.urls.i18n")), *site_urlpatterns]


def test_language_links_lead_to_the_same_page_in_each_language(client):
    response = client.get("/en/open-data/?a=1")

    links = {link["code"]: link for link in response.context["language_links"]}
    assert links["en"]["url"] == "/en/open-data/?a=1" and links["en"]["current"]
    assert links["zh-hans"]["url"] == "/zh-hans/open-data/?a=1" and not links["zh-hans"]["current"]
    assert '<link rel="alternate" hreflang="zh-hans" href="/zh-hans/open-data/?a=1">' in (
        response.content.decode()
    )


def test_a_cms_page_links_to_its_path_under_the_other_language(client, organization):
    page_url = Site(organization).index.url
    assert page_url == "/zh-hans/projects/"

    body = client.get(page_url).content.decode()

    assert '<link rel="alternate" hreflang="zh-hans" href="/zh-hans/projects/">' in body
    assert '<link rel="alternate" hreflang="en" href="/en/projects/">' in body


def test_a_page_no_url_matched_links_to_itself_in_each_language(client):
    body = client.get("/no-such-file.txt?a=1").content.decode()

    assert '<link rel="alternate" hreflang="en" href="/no-such-file.txt?a=1">' in body
    assert '<link rel="alternate" hreflang="zh-hans" href="/no-such-file.txt?a=1">' in body


def test_the_language_switch_is_links_while_set_language_is_not_routed(client):
    body = client.get("/en/open-data/").content.decode()

    assert 'class="lang-links"' in body and "lang-form" not in body
    assert '<a href="/zh-hans/open-data/" hreflang="zh-hans" lang="zh-hans">' in body


@override_settings(ROOT_URLCONF=__name__)
def test_the_language_switch_is_a_form_once_set_language_is_routed(client):
    body = client.get("/en/open-data/").content.decode()

    assert '<form class="lang-form" action="/i18n/setlang/" method="post"' in body
    assert '<option value="en" lang="en" selected>' in body
    assert 'class="lang-links"' not in body
