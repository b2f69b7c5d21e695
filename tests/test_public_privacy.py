"""No public response names an anonymous donor, or shows any donor's email (every page, feed,
sitemap and open-data file, in both languages)."""

import pytest
from django.db import transaction

from charity import services
from charity.models import DonationChannel, Role
from cms.services import report_pages_ensure
from tests.cms.conftest import Site
from tests.factories import DonationFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

HIDDEN_NAME = "隐名者Xq93"
HIDDEN_MESSAGE = "秘密留言Kd71"
EMAILS = ("hidden.donor.q93@example.com", "named.donor.k71@example.com")


@pytest.fixture
def public_site(django_capture_on_commit_callbacks):
    organization = OrganizationFactory()
    site = Site(organization)
    page = site.add_project(title="助学计划")
    project = page.project
    finance = MembershipFactory(
        organization=organization, role=Role.FINANCE, user=UserFactory()
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        anonymous = DonationFactory(
            project=project,
            donor_name=HIDDEN_NAME,
            donor_email=EMAILS[0],
            is_anonymous=True,
            message=HIDDEN_MESSAGE,
        )
        named = DonationFactory(project=project, donor_name="公开者", donor_email=EMAILS[1])
        for gift in (anonymous, named):
            with transaction.atomic():
                services.donation_receive(donation=services.donation_lock(gift.pk), source="test")
        services.donation_record_offline(
            actor=finance,
            organization=organization,
            project=project,
            amount=5_000,
            currency="CNY",
            channel=DonationChannel.CASH,
            received_at=anonymous.received_at,
            donor_name=HIDDEN_NAME,
            donor_email=EMAILS[0],
            is_anonymous=True,
        )
    site.add_update(page, 1)
    # Last year's report, published with its page (its figures name nobody; the test checks).
    report = services.report_create(
        actor=finance, organization=organization, period_kind="year", year=2025
    )
    report = services.report_publish(actor=finance, report=report)
    (site.report_page,) = report_pages_ensure(report=report)
    site.report = report
    return site, page


def public_urls(site, page):
    pages = [site.home, site.index, site.org_page, site.org_index, page, site.report_page]
    urls = []
    for wagtail_page in pages:
        url = wagtail_page.url
        urls += [url, url.replace("/zh-hans/", "/en/")]
    return [
        *urls,
        "/zh-hans/feeds/updates/",
        "/en/feeds/updates/",
        "/sitemap.xml",
        "/robots.txt",
        *(
            f"/open-data/{name}.{fmt}"
            for name in ("ledger", "projects", "expenditures", "donations")
            for fmt in ("csv", "json")
        ),
        *(f"/open-data/reports/{site.report.pk}.{fmt}" for fmt in ("csv", "json")),
        "/zh-hans/open-data/",
        "/en/open-data/",
        f"/zh-hans/give/{page.project_id}/",
    ]


def test_no_public_response_names_an_anonymous_donor_or_shows_an_email(client, public_site):
    site, page = public_site
    checked = 0
    for url in public_urls(site, page):
        response = client.get(url)
        if response.status_code == 404:
            continue  # a page not translated into English
        assert response.status_code == 200, url
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        for secret in (HIDDEN_NAME, HIDDEN_MESSAGE, *EMAILS):
            assert secret not in body, (secret, url)
        checked += 1
    assert checked >= 24
    # The named donor does appear where gifts are listed: the check above is not vacuous.
    assert "公开者" in client.get(page.url).content.decode()
    donations = client.get("/open-data/donations.json").json()["results"]
    assert sorted(row["donor"] for row in donations) == ["anonymous", "anonymous", "公开者"]
