from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

NAV_CACHE_KEY = "cms:nav:{language}"


def navigation(request):
    """The header's sections: home and the published top-level listing pages of this language.

    Cached per language; publishing or unpublishing a page clears it (cms.signal_handlers).
    """
    language = translation.get_language()
    key = NAV_CACHE_KEY.format(language=language)
    sections = cache.get(key)
    if sections is None:
        sections = _sections(language)
        cache.set(key, sections, 60 * 60)
    return {
        "nav_items": [{"label": _("Home"), "url": f"/{language}/"}]
        + [{"label": title, "url": url} for title, url in sections]
    }


def _sections(language: str) -> list[tuple[str, str]]:
    from .models import OrganizationIndexPage, ProjectIndexPage

    try:
        locale = Locale.objects.get(language_code=language)
    except Locale.DoesNotExist:
        return []
    sections = []
    for model in (ProjectIndexPage, OrganizationIndexPage):
        page = model.objects.live().filter(locale=locale, depth=3).order_by("path").first()
        if page is not None:
            sections.append((page.title, page.url))
    return sections


def clear_navigation_cache() -> None:
    cache.delete_many([NAV_CACHE_KEY.format(language=code) for code, _name in settings.LANGUAGES])
