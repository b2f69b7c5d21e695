"""Every filter, sort and page parameter of the public listings and open data, at random: the page
answers 200 (the bad filters dropped) or 404 (no such page), never a 500, and a value echoed back
(the search box, a filter) is escaped."""

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.cms.conftest import Site
from tests.factories import DonationFactory, OrganizationFactory, UserFactory

from .strategies import assert_no_raw_markup, count_case, fuzz, hostile_text, number_text

pytestmark = pytest.mark.django_db

value = st.one_of(hostile_text(max_size=200), number_text)
values = st.one_of(value, st.lists(value, min_size=2, max_size=3))


def params(names):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))


def _get(client, url, query):
    response = client.get(url, query)
    assert response.status_code in (200, 404), (url, query, response.status_code)
    return response


def _echoed_values(query):
    for item in query.values():
        yield from item if isinstance(item, list) else [item]


@pytest.fixture
def site(organization):
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code="en")
    site = Site(organization)
    site.add_project(title="Winter coats", summary="Coats for children")
    return site


PROJECT_PARAMS = ["q", "group", "region", "organization", "status", "sort", "page"]


@given(query=params(PROJECT_PARAMS))
@fuzz
def test_project_index_filters(site, query):
    count_case()
    for url in (site.index.url, site.org_index.url):
        response = _get(Client(), url, query)
        if response.status_code == 200:
            html = response.content.decode()
            for echoed in _echoed_values(query):
                assert_no_raw_markup(html, echoed)


OPPORTUNITY_PARAMS = [
    "district",
    "skill",
    "date_from",
    "date_to",
    "urgency",
    "organization",
    "for_me",
    "page",
]


@given(query=params(OPPORTUNITY_PARAMS), signed_in=st.booleans())
@fuzz
def test_volunteer_opportunity_filters(db, query, signed_in):
    count_case()
    client = Client()
    if signed_in:
        client.force_login(UserFactory())
    for language in ("en", "zh-hans"):
        response = _get(client, f"/{language}/volunteer/", query)
        if response.status_code == 200:
            html = response.content.decode()
            for echoed in _echoed_values(query):
                assert_no_raw_markup(html, echoed)


@pytest.fixture
def open_rows(db):
    DonationFactory(received=True)


@given(
    name=st.sampled_from(["projects", "expenditures", "donations", "ledger"]),
    query=params(["page"]),
)
@fuzz
def test_open_data_pages(open_rows, name, query):
    count_case()
    response = _get(Client(), f"/open-data/{name}.json", query)
    if response.status_code == 200:
        document = json.loads(response.content)
        assert set(document) == {"count", "next", "results"}
    assert _get(Client(), f"/open-data/{name}.csv", query).status_code == 200


@given(query=params(["page"]))
@fuzz
def test_my_donations_pages(db, query):
    count_case()
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert _get(client, "/en/me/donations/", query).status_code == 200


@given(
    report=st.one_of(st.integers(0, 2**70).map(str), st.just("1")),
    fmt=st.one_of(
        st.sampled_from(["csv", "xlsx", "json", "pdf", "exe"]),
        st.from_regex(r"\A[-a-zA-Z0-9_]{1,20}\Z"),
    ),
)
@fuzz
def test_report_downloads_by_random_id_and_format(db, report, fmt):
    count_case()
    response = Client().get(f"/open-data/reports/{report}.{fmt}")
    assert response.status_code == 404


def test_an_organization_filter_of_another_shape_lists_all(site):
    OrganizationFactory()
    response = Client().get(site.index.url, {"organization": ["a", "<b>"], "page": "1"})
    assert response.status_code == 200
