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
