"""The public and personal pages people use most pass axe-core's WCAG 2.1 A/AA checks in both
languages: no serious or critical violation (WCAG conformance as axe measures it, in Chromium).

axe-core comes from npm (package-lock.json, installed by `make test`) and is injected into each
page; the browser context bypasses the Content-Security-Policy only so that the injected script
may run. One demo site (seed_demo: both languages, real gifts, shifts and published reports),
seeded once, serves all sixteen page views.
"""

import re
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from cms.management.commands.seed_demo import DEMO_PASSWORD, HOME
from cms.models import CharityProjectPage, HomePage, ProjectIndexPage, TransparencyReportPage
from cms.services import site_home_ensure

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
LANGUAGES = {"zh-hans": "zh-hans", "en": "en"}  # URL prefix → expected <html lang>
# The header's sections of a site with a home page only.
NAV_LABELS = {"en": ["Home", "Volunteer"], "zh-hans": ["首页", "志愿服务"]}

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


# Text that is only Chinese, read in the page's English voice: no element between it and <html>
# (a <select>'s options included) says lang="zh-…" (WCAG 3.1.2).
CHINESE_READ_AS_ENGLISH = r"""() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!/[\u4e00-\u9fff]/.test(text) || /[A-Za-z]/.test(text)) continue;
    if (element.closest("script, style, [aria-hidden=true]")) continue;
    if (!element.closest("[lang]").lang.toLowerCase().startsWith("zh")) found.push(text);
  }
  return found;
}"""


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, TAGS)


@pytest.fixture
def demo(migrated_rows):
    """The demo site and the paths of the pages to check, by name, in the original language."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (or `npm ci`) to install axe-core")
    # The live server overrides settings, which hides the test settings' module name that
    # seed_demo looks for; a test database is the throwaway instance the flag is meant for.
    call_command("seed_demo", allow_production=True, stdout=StringIO())
    project = CharityProjectPage.objects.live().filter(locale__language_code="zh-hans").first()
    return {
        "home": HomePage.objects.get(locale__language_code="zh-hans").url,
        "project index": ProjectIndexPage.objects.live()
        .filter(locale__language_code="zh-hans", depth=3)
        .first()
        .url,
        "project detail": project.url,
        "donate": f"/zh-hans/give/{project.project_id}/",
        "opportunities": "/zh-hans/volunteer/",
        "volunteer dashboard": "/zh-hans/volunteer/me/",
        "my donations": "/zh-hans/me/donations/",
        "transparency report": TransparencyReportPage.objects.live()
        .filter(locale__language_code="zh-hans")
        .first()
        .url,
    }


def logged_in_page(browser: Browser, live_server, email: str) -> Page:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/en/me/$"))
    return page


def test_main_pages_have_no_serious_or_critical_axe_violation_in_either_language(
    live_server, browser: Browser, demo
):
    visitor = browser.new_context(bypass_csp=True).new_page()
    pages = {
        "volunteer dashboard": logged_in_page(browser, live_server, "volunteer@shanxin.example"),
        "my donations": logged_in_page(browser, live_server, "donor@shanxin.example"),
    }
    failures, counts = [], {}
    for name, zh_path in demo.items():
        page = pages.get(name, visitor)
        for prefix, lang in LANGUAGES.items():
            path = zh_path.replace("/zh-hans/", f"/{prefix}/", 1)
            response = page.goto(f"{live_server.url}{path}")
            assert response.ok, f"{path}: HTTP {response.status}"
            assert page.url.endswith(path), f"{path} led to {page.url}"
            assert page.locator("html").get_attribute("lang") == lang, path
            if prefix == "en":
                for text in page.evaluate(CHINESE_READ_AS_ENGLISH):
                    failures.append(f"{name} [en] {path}: Chinese text without lang: {text}")
            violations = axe_violations(page)
            tally = Counter()
            for violation in violations:
                tally[violation["impact"]] += len(violation["targets"])
                if violation["impact"] in FAILING:
                    failures.append(
                        f"{name} [{prefix}] {path}: {violation['id']} ({violation['impact']}): "
                        f"{violation['help']}: {', '.join(violation['targets'][:5])}"
                    )
            counts[f"{name} [{prefix}]"] = tally

    print("\naxe violations by page (nodes, by impact)")
    print(f"{'page':<32}" + "".join(f"{impact:>10}" for impact in IMPACTS))
    for page_name, tally in counts.items():
        print(f"{page_name:<32}" + "".join(f"{tally[impact]:>10}" for impact in IMPACTS))
    assert not failures, "\n".join(failures)


FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {id: element.id, text: element.textContent.trim(), outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth)};
}"""


def tab_to(page: Page) -> dict:
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    # Every stop shows where the focus is (WCAG 2.4.7): the site's 2-3px ring.
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
    return focused


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_mobile_menu_and_skip_link_work_from_the_keyboard(
    live_server, browser: Browser, migrated_rows, language
):
    site_home_ensure(translations=HOME)
    page = browser.new_context(bypass_csp=True, viewport={"width": 375, "height": 800}).new_page()
    page.goto(f"{live_server.url}/{language}/")
    toggle = page.locator("[data-nav-toggle]")
    nav = page.locator("#site-nav")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    # The skip link comes first, shows when focused and moves the focus to the content.
    tab_to(page)
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport(ratio=1)  # waits out its slide-in transition
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # From the top again: skip link, brand, then the menu button, which opens the menu.
    page.goto(f"{live_server.url}/{language}/")
    for _ in range(3):
        tab_to(page)
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    links = nav.locator(".site-nav__list a")
    expect(links).to_have_count(len(NAV_LABELS[language]))
    for label in NAV_LABELS[language]:
        assert tab_to(page)["text"] == label
    # Escape closes it and gives the focus back to the button; Space opens it again.
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    expect(toggle).to_be_focused()
    page.keyboard.press(" ")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    violations = [v for v in axe_violations(page) if v["impact"] in FAILING]
    assert not violations, violations
