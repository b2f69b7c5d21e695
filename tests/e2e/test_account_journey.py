import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from cms.management.commands.seed_demo import HOME
from cms.services import site_home_ensure

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]

PASSWORD = "a-long-and-unusual-passphrase-7"


def test_sign_up_verify_log_in_and_switch_language(live_server, page: Page, screenshot):
    site_home_ensure(translations=HOME)
    page.goto(f"{live_server.url}/zh-hans/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot("home-zh", page)

    page.goto(f"{live_server.url}/zh-hans/accounts/signup/")
    screenshot("signup", page)
    page.get_by_label(re.compile("邮箱|电子邮件")).first.fill("journey@example.org")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/zh-hans/accounts/confirm-email/$"))
    screenshot("verification-sent", page)

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", link))
    screenshot("confirm-email", page)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    screenshot("login", page)

    page.locator("input[name=login]").fill("journey@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/zh-hans/me/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的机构")
    screenshot("dashboard-zh", page)

    page.get_by_role("navigation", name="语言").get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/me/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My organizations")
    screenshot("dashboard-en", page)
