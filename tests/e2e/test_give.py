"""A guest gives ¥200 through the test gateway: receipt by email, the progress bar moves, and an
anonymous gift never names its donor on a public page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from charity.models import Donation, LedgerEntry
from tests.cms.conftest import Site
from tests.factories import OrganizationFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]

DONOR = "欧阳娜娜"


@pytest.fixture
def project_page(migrated_rows):
    site = Site(OrganizationFactory(name="山川儿童中心"))
    return site, site.add_project(title="留守儿童营养午餐", goal_amount=1_000_000)


def test_a_guest_gives_anonymously_and_sees_the_bar_move(
    live_server, page: Page, screenshot, project_page
):
    site, project = project_page
    page.goto(f"{live_server.url}{project.url}")
    expect(page.locator(".donate-panel__raised")).to_have_text("¥0")
    screenshot("before", page)

    page.get_by_role("link", name="捐赠", exact=True).click()
    page.locator(".amount-choice", has_text="¥200").click()
    page.get_by_label("您的姓名").fill(DONOR)
    page.get_by_label("您的电子邮箱").fill("nana@example.com")
    page.get_by_label("匿名捐赠").check()
    page.get_by_label("留言").fill("祝孩子们健康成长")
    screenshot("form", page)
    page.get_by_role("button", name="前往付款").click()

    expect(page.get_by_text("测试支付网关")).to_be_visible()
    screenshot("test-gateway", page)
    page.get_by_text("支付宝").click()
    page.get_by_role("button", name="付款（测试）").click()

    expect(page).to_have_url(re.compile(r"/zh-hans/donations/[\w-]+/thanks/$"))
    expect(page.get_by_role("heading", name="谢谢您！")).to_be_visible()
    screenshot("thanks", page)
    donation = Donation.objects.get()
    assert donation.status == "succeeded"
    assert LedgerEntry.objects.get().amount == 20_000
    expect(page.get_by_text(donation.receipt_number)).to_be_visible()
    assert [message.to for message in mail.outbox] == [["nana@example.com"]]
    assert donation.receipt_number in mail.outbox[0].subject

    page.goto(f"{live_server.url}{project.url}")
    expect(page.locator(".donate-panel__raised")).to_have_text("¥200")
    expect(page.get_by_role("progressbar").first).to_have_attribute("value", "20000")
    expect(page.locator("#recent-gifts")).to_contain_text("匿名捐赠人")
    screenshot("after", page)
    for url in (project.url, site.index.url, site.home.url, site.org_page.url):
        for language_url in (url, url.replace("/zh-hans/", "/en/")):
            page.goto(f"{live_server.url}{language_url}")
            assert DONOR not in page.content(), language_url
            assert "祝孩子们健康成长" not in page.content(), language_url
