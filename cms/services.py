"""Changes to the page tree that the platform itself makes (seeding, setup)."""

from django.db import transaction
from wagtail.models import Locale, Page, Site

from .models import HomePage


@transaction.atomic
def site_home_ensure(*, translations: dict[str, dict[str, str]]) -> HomePage:
    """Make a published HomePage in every content language the root of the default Site.

    `translations` maps a language code to the home page's fields in that language; the first one
    is the original. Existing pages are left as they are, so this is safe to run repeatedly.
    """
    languages = list(translations)
    locales = {code: Locale.objects.get_or_create(language_code=code)[0] for code in languages}
    original_locale = locales[languages[0]]

    home = HomePage.objects.filter(locale=original_locale).first()
    if home is None:
        # Wagtail's own placeholder page ("Welcome to your new Wagtail site!") makes way; its
        # Site row goes with it and is recreated below.
        for placeholder in Page.objects.filter(depth=2, content_type__app_label="wagtailcore"):
            placeholder.delete()
        root = Page.get_first_root_node()
        fields = translations[languages[0]]
        home = HomePage(slug="home", locale=original_locale, live=True, **fields)
        root.add_child(instance=home)
        home.save_revision().publish()

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])

    for code in languages[1:]:
        if home.get_translations().filter(locale=locales[code]).exists():
            continue
        translation = home.copy_for_translation(locales[code])
        for name, value in translations[code].items():
            setattr(translation, name, value)
        translation.save_revision().publish()
    return home


def report_page_title(report) -> str:
    """The page's title in the active language: "2025 年度报告", "Q1 2025 report"."""
    from django.utils.translation import gettext

    from charity.models import ReportPeriodKind

    year = report.period_start.year
    if report.period_kind == ReportPeriodKind.YEAR:
        return gettext("Annual report %(year)s") % {"year": year}
    quarter = (report.period_start.month - 1) // 3 + 1
    return gettext("Report for Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}


def report_slug(report) -> str:
    from charity.models import ReportPeriodKind

    year = report.period_start.year
    if report.period_kind == ReportPeriodKind.YEAR:
        return f"report-{year}"
    return f"report-{year}-q{(report.period_start.month - 1) // 3 + 1}"


@transaction.atomic
def report_pages_ensure(*, report) -> list:
    """Give a published report its page under each of the organization's pages (one per
    language), published at once: the report itself was approved when it was published. Safe to
    run repeatedly; a draft report gets no page."""
    from django.utils import translation

    from charity.models import ReportStatus

    from .models import OrganizationPage, TransparencyReportPage

    if report.status != ReportStatus.PUBLISHED:
        return []
    pages = []
    for parent in OrganizationPage.objects.filter(
        organization_id=report.organization_id
    ).select_related("locale"):
        page = TransparencyReportPage.objects.child_of(parent).filter(report=report).first()
        if page is None:
            with translation.override(parent.locale.language_code):
                title = report_page_title(report)
            slug = report_slug(report)
            if Page.objects.child_of(parent).filter(slug=slug).exists():
                slug = f"{slug}-{report.pk}"
            page = TransparencyReportPage(
                title=title, slug=slug, report=report, locale=parent.locale
            )
            parent.add_child(instance=page)
        if not page.live:
            page.save_revision().publish()
        pages.append(page)
    return pages
