"""A PreparedQuery returns what its queryset returns, for every argument, compiling it once."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, Max
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from wagtail.models import Page

from charity.models import Organization
from config.prepared import PreparedQuery, over_all_rows

from .factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def by_name(*, names):
    return Organization.objects.filter(name__in=names).order_by("name").values_list("name", "pk")


def verified_since(*, since, slug):
    return (
        Organization.objects.filter(verified_at__gte=since)
        .exclude(slug=slug)
        .annotate(members=Count("memberships"))
        .order_by("pk")
        .values_list("slug", "verified_at", "members")
    )


def first(*, prefix, limit):
    return (
        Organization.objects.filter(name__startswith=prefix)
        .order_by("name")
        .values_list("name")[:limit]
    )


@pytest.fixture
def organizations():
    now = timezone.now()
    return [
        OrganizationFactory(name=name, verified_at=now - datetime.timedelta(days=days))
        for days, name in enumerate(["甲会", "乙会", "丙会", "丁会"])
    ]


def compilations():
    return mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql)


def test_each_run_binds_its_own_values_into_sql_compiled_once(organizations):
    query = PreparedQuery(Organization, by_name)
    with compilations() as as_sql:
        assert query.rows(names=["甲会", "丙会"]) == list(by_name(names=["甲会", "丙会"]))
        assert query.rows(names=["乙会", "丁会"]) == list(by_name(names=["乙会", "丁会"]))
        assert query.rows(names=["乙会", "nobody"]) == list(by_name(names=["乙会", "nobody"]))
    # One compilation for the query's shape, one each for the three querysets it is checked against.
    assert as_sql.call_count == 4
    # A list of another length is another shape, compiled for it.
    three = ["丁会", "甲会", "丙会"]
    assert query.rows(names=three) == list(by_name(names=three))
    assert len(query.rows(names=three)) == 3


def test_rows_are_converted_as_the_orm_converts_them(organizations):
    query = PreparedQuery(Organization, verified_since)
    since = timezone.now() - datetime.timedelta(days=2, hours=1)
    for slug in (organizations[0].slug, organizations[2].slug):
        rows = query.rows(since=since, slug=slug)
        assert rows == list(verified_since(since=since, slug=slug))
        assert all(isinstance(verified_at, datetime.datetime) for _s, verified_at, _m in rows)
        assert all(verified_at.tzinfo is not None for _s, verified_at, _m in rows)
    assert len(rows) == 2  # verified within two days, but for the one left out


def test_a_moment_is_bound_like_any_other_value(organizations):
    """On PostgreSQL the moment goes to the database as it is: compiled once. SQLite's backend
    turns it into text, where the stand-in cannot be traced: built each time, same rows."""
    query = PreparedQuery(Organization, verified_since)
    now = timezone.now()
    with compilations() as as_sql:
        for days in (0.5, 1.5, 3.5):
            since = now - datetime.timedelta(days=days)
            rows = query.rows(since=since, slug="nobody")
            assert [slug for slug, _v, _m in rows] == [
                organization.slug
                for organization in organizations
                if organization.verified_at >= since
            ]
    assert as_sql.call_count == (1 if connection.vendor == "postgresql" else 1 + 3)


def test_a_positive_integer_field_is_prepared_too():
    """Page.depth is a PositiveIntegerField: a stand-in it could not hold would leave nothing to
    compile."""
    query = PreparedQuery(Page, lambda *, depth: Page.objects.filter(depth=depth).values_list("pk"))
    with compilations() as as_sql:
        for depth in (1, 2, 3):
            assert query.rows(depth=depth) == list(
                Page.objects.filter(depth=depth).values_list("pk")
            )
    assert as_sql.call_count == 1 + 3


def test_a_value_a_lookup_rewrites_is_bound_by_the_orm_every_time(organizations):
    """startswith turns its value into a LIKE pattern: the stand-in cannot be traced."""
    query = PreparedQuery(Organization, first)
    with compilations() as as_sql:
        assert query.rows(prefix="甲", fixed={"limit": 2}) == [("甲会",)]
        assert query.rows(prefix="乙", fixed={"limit": 2}) == [("乙会",)]
    assert as_sql.call_count == 3  # the stand-in's, then each run's own


def test_fixed_arguments_are_part_of_the_shape(organizations):
    query = PreparedQuery(Organization, by_name)
    names = [organization.name for organization in organizations]
    assert len(query.rows(names=names)) == 4
    limited = PreparedQuery(Organization, lambda *, names, limit: by_name(names=names)[:limit])
    assert len(limited.rows(names=names, fixed={"limit": 1})) == 1
    assert len(limited.rows(names=names, fixed={"limit": 3})) == 3


def test_a_query_that_cannot_match_returns_no_rows(organizations):
    query = PreparedQuery(Organization, by_name)
    assert query.rows(names=[]) == []
    assert query.rows(names=["甲会"]) == list(by_name(names=["甲会"]))


def counted(*, slug):
    return (
        over_all_rows(Organization.objects.filter(slug=slug))
        .annotate(organizations=Count("pk"), newest=Max("verified_at"))
        .values_list("organizations", "newest")
    )


def test_aggregates_over_all_rows_come_as_one_row_even_when_none_match(organizations):
    query = PreparedQuery(Organization, counted)
    with compilations() as as_sql:
        for slug in (organizations[1].slug, "nobody", organizations[3].slug):
            aggregate = Organization.objects.filter(slug=slug).aggregate(
                organizations=Count("pk"), newest=Max("verified_at")
            )
            assert query.rows(slug=slug) == [(aggregate["organizations"], aggregate["newest"])]
    assert as_sql.call_count == 1 + 3  # prepared once; aggregate() compiles each time
    assert query.rows(slug="nobody") == [(0, None)]
    assert query.rows(slug=organizations[3].slug) == [(1, organizations[3].verified_at)]
