"""Anonymous readers get pages from the cache, never staler than the change that invalidates them."""

import datetime

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from charity import services
from charity.models import Project, Role
from charity.selectors import ProjectTotals
from cms import page_cache
from cms.models import ProjectUpdatePage

pytestmark = pytest.mark.django_db


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.headers.get("X-Page-Cache"), response.content.decode()


@pytest.fixture
def project_page(site):
    return site.add_project(title="冬衣计划", goal_amount=1_234_500)


def test_a_second_anonymous_read_comes_from_the_cache(client, project_page):
    url = project_page.url
    state, first = read(client, url)
    assert state == "miss"
    state, second = read(client, url)
    assert state == "hit"
    assert second == first


def test_a_changed_goal_shows_on_the_very_next_read(
    client, project_page, owner, django_capture_on_commit_callbacks
):
    url = project_page.url
    read(client, url)
    assert read(client, url)[0] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        services.project_update(actor=owner, project=project_page.project, goal_amount=9_876_500)
    state, body = read(client, url)
    assert state == "miss"
    assert "98,765" in body
    assert "12,345" not in body


def test_a_published_update_shows_on_its_project_page(client, site, project_page):
    url = project_page.url
    read(client, url)
    assert read(client, url)[0] == "hit"
    site.add_update(project_page, 1)
    state, body = read(client, url)
    assert state == "miss"
    assert "Update 1" in body


def test_another_projects_change_leaves_this_page_cached_but_not_the_lists(
    client, site, project_page
):
    other = site.add_project(title="助学计划")
    for url in (project_page.url, site.index.url, site.home.url):
        read(client, url)
    Project.objects.get(pk=other.project_id).save()  # e.g. a gift to the other project
    assert read(client, project_page.url)[0] == "hit"
    assert read(client, site.index.url)[0] == "miss"
    assert read(client, site.home.url)[0] == "miss"


def test_an_unpublished_page_disappears_at_once(client, project_page):
    url = project_page.url
    read(client, url)
    project_page.unpublish()
    assert client.get(url).status_code == 404


def test_a_deleted_update_disappears_from_its_project_page(client, site, project_page):
    update = site.add_update(project_page, 1)
    read(client, project_page.url)
    ProjectUpdatePage.objects.get(pk=update.pk).delete()
    state, body = read(client, project_page.url)
    assert state == "miss"
    assert "Update 1" not in body


def test_logged_in_readers_always_get_a_fresh_page(client, organization, member_of, project_page):
    url = project_page.url
    read(client, url)
    # A change that bypasses every signal: the cache cannot know, a logged-in reader still sees it.
    Project.objects.filter(pk=project_page.project_id).update(goal_amount=5_555_500)
    assert "55,555" not in read(client, url)[1]
    client.force_login(member_of(organization, Role.EDITOR))
    state, body = read(client, url)
    assert state is None
    assert "55,555" in body


def test_a_change_committed_while_a_page_renders_is_not_hidden_by_it(project_page):
    """The render read the old rows; the versions it stored under were already superseded."""
    tag = page_cache.project_tag(project_page.project_id)
    renders = []

    def render(request):
        page_cache.depends_on(request, page_cache.SITE, tag)
        renders.append(1)
        if len(renders) == 1:
            page_cache.invalidate(tag)  # another request's change commits mid-render
        return HttpResponse(f"render {len(renders)}")

    middleware = page_cache.PageCacheMiddleware(render)
    factory = RequestFactory()
    assert middleware(factory.get("/zh-hans/p/")).content == b"render 1"
    assert middleware(factory.get("/zh-hans/p/")).content == b"render 2"
    assert middleware(factory.get("/zh-hans/p/")).content == b"render 2"
    assert len(renders) == 2


def test_visitors_with_a_session_or_a_token_are_never_cached(project_page):
    calls = []

    def render(request):
        page_cache.depends_on(request, page_cache.SITE)
        calls.append(1)
        if request.path == "/zh-hans/form/":
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # the page printed a CSRF token
        return HttpResponse("page")

    middleware = page_cache.PageCacheMiddleware(render)
    factory = RequestFactory()
    with_session = factory.get("/zh-hans/p/")
    with_session.COOKIES["sessionid"] = "abc"
    for request in (
        with_session,
        with_session,
        factory.get("/zh-hans/form/"),
        factory.get("/zh-hans/form/"),
    ):
        assert "X-Page-Cache" not in middleware(request)
    assert len(calls) == 4


def test_days_left_count_down_at_the_moment_the_page_must_change():
    now = timezone.now()
    totals = ProjectTotals(
        goal=100,
        raised=0,
        donors=0,
        currency="CNY",
        ends_at=now + datetime.timedelta(days=2, hours=6),
    )
    assert totals.days_left == 3
    changes_at = totals.days_left_changes_at
    assert changes_at == totals.ends_at - datetime.timedelta(days=2)
    assert 5 * 3600 < (changes_at - now).total_seconds() <= 6 * 3600
    ended = ProjectTotals(goal=100, raised=0, donors=0, currency="CNY", ends_at=now)
    assert ended.days_left == 0
    assert ended.days_left_changes_at is None


def test_a_gift_moves_the_progress_bar_on_the_very_next_read(
    client, project_page, django_capture_on_commit_callbacks
):
    from charity import services
    from tests.factories import DonationFactory

    url = project_page.url
    read(client, url)
    assert read(client, url)[0] == "hit"
    donation = DonationFactory(project=project_page.project, amount=345_600, donor_name="陈静")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.donation_receive(donation=services.donation_lock(donation.pk), source="test")
    state, body = read(client, url)
    assert state == "miss"
    assert "¥3,456" in body
    assert "陈静" in body


def test_paths_outside_the_language_prefixes_never_touch_the_page_cache():
    renders = []

    def render(request):
        page_cache.depends_on(request, page_cache.SITE)
        renders.append(request.path)
        return HttpResponse("ok")

    middleware = page_cache.PageCacheMiddleware(render)
    factory = RequestFactory()
    for path in ("/healthz/", "/healthz/", "/zh-hans/p/", "/zh-hans/p/"):
        middleware(factory.get(path))
    assert renders == ["/healthz/", "/healthz/", "/zh-hans/p/"]


def test_a_cached_project_page_costs_one_round_trip_and_its_own_change_still_shows(
    monkeypatch, project_page
):
    """The project's own version comes with the entry once the URL is known to need it; a
    change to that project is still seen on the next read."""
    calls = []
    real = page_cache.cache

    class Counting:
        def __getattr__(self, name):
            attribute = getattr(real, name)
            if name.startswith("get"):

                def counted(*args, **kwargs):
                    calls.append(name)
                    return attribute(*args, **kwargs)

                return counted
            return attribute

    monkeypatch.setattr(page_cache, "cache", Counting())
    project_tag = page_cache.project_tag(project_page.project_id)
    renders = []

    def render(request):
        page_cache.depends_on(request, page_cache.SITE, project_tag)
        renders.append(1)
        return HttpResponse(f"page {len(renders)}")

    middleware = page_cache.PageCacheMiddleware(render)
    factory = RequestFactory()
    path = "/zh-hans/p/"
    assert middleware(factory.get(path))["X-Page-Cache"] == "miss"
    calls.clear()
    response = middleware(factory.get(path))
    assert (response["X-Page-Cache"], response.content) == ("hit", b"page 1")
    assert calls == ["get_many"]
    page_cache.invalidate(project_tag)
    response = middleware(factory.get(path))
    assert (response["X-Page-Cache"], response.content) == ("miss", b"page 2")
