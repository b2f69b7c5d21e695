import pytest
from wagtail.models import Locale

pytestmark = pytest.mark.django_db


def test_sitemap_lists_pages_in_both_languages(client, site):
    page = site.add_project(title="冬衣")
    english = page.copy_for_translation(Locale.objects.get(language_code="en"), copy_parents=True)
    english.save_revision().publish()
    body = client.get("/sitemap.xml").content.decode()
    assert page.full_url in body
    assert english.full_url in body
    assert "/en/" in english.full_url


def test_robots_points_to_the_sitemap_and_keeps_private_pages_out(client):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /*/me/" in body


def test_atom_feed_of_updates(client, site):
    page = site.add_project(title="冬衣项目")
    site.add_update(page, 1)
    response = client.get("/zh-hans/feeds/updates/")
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "冬衣项目: Update 1" in body
    assert "<entry>" in body


def test_project_page_has_description_and_open_graph(client, site):
    page = site.add_project(title="冬衣", summary="为低保家庭送冬衣")
    body = client.get(page.url).content.decode()
    assert '<meta name="description" content="为低保家庭送冬衣">' in body
    assert '<meta property="og:title" content="冬衣">' in body


def test_header_links_to_the_published_sections_and_follows_unpublishing(client, site):
    body = client.get("/zh-hans/").content.decode()
    assert 'href="/zh-hans/projects/"' in body
    assert 'href="/zh-hans/organizations/"' in body
    site.index.unpublish()
    assert 'href="/zh-hans/projects/"' not in client.get("/zh-hans/").content.decode()
