"""Receipt numbers: gap-free per organization and year, the year being China's."""

import datetime

import pytest
from django.db import transaction

from charity import services
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def issue(organization, *moments):
    return services.receipt_numbers_issue(
        organization_id=organization.pk, received_ats=list(moments)
    )


def test_numbers_run_on_without_gaps_per_organization_and_year():
    first, second = OrganizationFactory(), OrganizationFactory()
    may = datetime.datetime(2026, 5, 1, 3, tzinfo=UTC)
    assert issue(first, may, may) == [f"2026-{first.pk:04d}-000001", f"2026-{first.pk:04d}-000002"]
    assert issue(second, may) == [f"2026-{second.pk:04d}-000001"]
    assert issue(first, datetime.datetime(2027, 2, 1, tzinfo=UTC)) == [
        f"2027-{first.pk:04d}-000001"
    ]
    assert issue(first, may) == [f"2026-{first.pk:04d}-000003"]


def test_new_year_morning_in_china_is_the_new_year_even_before_it_is_in_utc():
    organization = OrganizationFactory()
    seven_am_in_beijing = datetime.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert issue(organization, seven_am_in_beijing) == [f"2027-{organization.pk:04d}-000001"]


def test_a_rolled_back_gift_leaves_no_gap():
    organization = OrganizationFactory()
    moment = datetime.datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(organization, moment)
        raise RuntimeError("the gift's transaction fails")
    assert issue(organization, moment) == [f"2026-{organization.pk:04d}-000001"]
