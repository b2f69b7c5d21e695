import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from charity.models import ProjectStatus
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def titles(response):
    return [card.title for card in response.context["listing"].cards]


def queries_for(client, url) -> int:
    """Queries of a render once Wagtail's per-process caches (site root paths) are warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_index_lists_public_projects_of_every_organization(client, site, member_of):
    site.add_project(title="冬衣")
    other = OrganizationFactory()
    site.add_project(title="午餐", organization=other, index=site.index)
    site.add_project(title="草稿", status=ProjectStatus.DRAFT)
    site.add_project(
        title="未核验", organization=OrganizationFactory(unverified=True), index=site.index
    )
    response = client.get("/zh-hans/projects/")
    assert sorted(titles(response)) == ["冬衣", "午餐"]
    # The organization's own index lists only its projects.
    assert titles(client.get(f"/zh-hans/organizations/{site.organization.slug}/projects/")) == [
        "冬衣"
    ]


def test_filters_narrow_the_list(client, site):
    site.add_project(title="孤儿助学", groups=["orphans"], region="110101")
    site.add_project(title="残疾人辅具", groups=["disabilities"], region="510107")
    site.add_project(
        title="已结束", groups=["orphans"], region="510104", status=ProjectStatus.CLOSED
    )
    assert titles(client.get("/zh-hans/projects/?group=orphans")) == ["已结束", "孤儿助学"]
    assert sorted(titles(client.get("/zh-hans/projects/?region=510000"))) == [
        "已结束",
        "残疾人辅具",
    ]
    assert titles(client.get("/zh-hans/projects/?status=closed")) == ["已结束"]
    assert titles(
        client.get(f"/zh-hans/projects/?organization={site.organization.slug}&group=disabilities")
    ) == ["残疾人辅具"]


@pytest.mark.parametrize(
    "query",
    [
        "group=martians",
        "region=abc",
        "status=deleted",
        "sort=random",
        "organization=nobody",
        "q=" + "x" * 500,
    ],
)
def test_a_bad_filter_value_shows_the_unfiltered_list(client, site, query):
    site.add_project(title="冬衣")
    site.add_project(title="午餐")
    response = client.get(f"/zh-hans/projects/?{query}")
    assert response.status_code == 200
    assert len(titles(response)) == 2


@pytest.mark.parametrize("page", ["99", "0", "-1", "abc", "1.5"])
def test_a_bad_page_number_is_404(client, site, page):
    site.add_project(title="冬衣")
    assert client.get(f"/zh-hans/projects/?page={page}").status_code == 404


def test_search_finds_a_chinese_word_inside_a_sentence_and_an_english_word(client, site):
    site.add_project(title="关爱留守儿童营养午餐", summary="每天五元，让山区孩子吃饱")
    site.add_project(title="残疾人康复辅具", summary="轮椅与助行器")
    english = site.add_project(title="Flood relief for families", summary="Drinking water and food")
    assert titles(client.get("/zh-hans/projects/?q=儿童")) == ["关爱留守儿童营养午餐"]
    assert titles(client.get("/zh-hans/projects/?q=吃饱")) == ["关爱留守儿童营养午餐"]
    assert titles(client.get("/zh-hans/projects/?q=轮椅")) == ["残疾人康复辅具"]
    assert titles(client.get("/zh-hans/projects/?q=water")) == [english.title]
    assert titles(client.get("/zh-hans/projects/?q=童营")) == ["关爱留守儿童营养午餐"]
    assert titles(client.get("/zh-hans/projects/?q=老人")) == []


def test_sort_closing_soon_puts_open_projects_ending_first(client, site):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    site.add_project(title="later", fundraising_ends_at=now + datetime.timedelta(days=60))
    site.add_project(title="sooner", fundraising_ends_at=now + datetime.timedelta(days=3))
    site.add_project(
        title="closed",
        status=ProjectStatus.CLOSED,
        fundraising_ends_at=now + datetime.timedelta(days=1),
    )
    assert titles(client.get("/zh-hans/projects/?sort=closing")) == ["sooner", "later", "closed"]


def test_index_query_count_does_not_grow_with_projects(client, site):
    for n in range(5):
        site.add_project(title=f"项目{n}")
    few = queries_for(client, "/zh-hans/projects/")
    for n in range(5, 200):
        site.add_project(title=f"项目{n}")
    many = queries_for(client, "/zh-hans/projects/")
    assert few == many
    assert many <= 12


def test_project_page_query_count_does_not_grow_with_updates(client, site):
    page = site.add_project(title="冬衣")
    none = queries_for(client, page.url)
    for n in range(50):
        site.add_update(page, n)
    fifty = queries_for(client, page.url)
    assert none == fifty
    assert fifty <= 12
